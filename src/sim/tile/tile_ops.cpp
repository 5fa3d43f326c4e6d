#include "tile_ops.hpp"

namespace tangle::detail::tile {

template <typename Real>
void plan_matrix(const TargetMap& tm, const MatrixC& m, int lanes, MatrixPlan<Real>& p) {
  const int L = lanes;
  const int dh = 1 << tm.kh, dim = 1 << tm.k;
  bool diagonal = true, real = true, permutation = true;
  for (int c = 0; c < dim; ++c) {
    int nonzero = 0;
    for (int r = 0; r < dim; ++r) {
      const cdouble v = m(r, c);
      if (r != c && v != 0.0) diagonal = false;
      if (v.imag() != 0.0) real = false;
      if (v != 0.0) {
        ++nonzero;
        if (std::abs(std::abs(v) - 1.0) > 1e-14) permutation = false;
      }
    }
    if (nonzero != 1) permutation = false;
  }
  const bool plain_lanes = tm.kl == 0 && tm.lane_ctrl_mask == 0;
  if (diagonal) {
    p.kind = MatrixPlan<Real>::Kind::Diagonal;
    p.coef.resize(static_cast<size_t>(dh) * 2 * L);
    for (int j = 0; j < dh; ++j) {
      for (int l = 0; l < L; ++l) {
        const int loc = tm.local(j, tm.lo_of_lane[static_cast<size_t>(l)]);
        const cdouble v = tm.lane_active(l) ? m(loc, loc) : cdouble(1.0);
        p.coef[static_cast<size_t>(j * 2 * L + l)] = static_cast<Real>(v.real());
        p.coef[static_cast<size_t>(j * 2 * L + L + l)] = static_cast<Real>(v.imag());
      }
    }
    return;
  }
  if (permutation && plain_lanes) {
    p.kind = MatrixPlan<Real>::Kind::Permutation;
    p.dst.assign(static_cast<size_t>(dh), 0);
    p.coef.resize(static_cast<size_t>(dh) * 2);
    for (int i = 0; i < dh; ++i) {
      for (int o = 0; o < dh; ++o) {
        const cdouble v = m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]);
        if (v == 0.0) continue;
        p.dst[static_cast<size_t>(i)] = o;
        p.coef[static_cast<size_t>(2 * i)] = static_cast<Real>(v.real());
        p.coef[static_cast<size_t>(2 * i + 1)] = static_cast<Real>(v.imag());
        if (v != 1.0) p.has_phase = true;
      }
    }
    return;
  }
  p.kind = MatrixPlan<Real>::Kind::Dense;
  if (plain_lanes) {
    p.n_perm = 1;
    p.lane_perm = {0};
    if (real) {
      p.mode = CoefMode::LaneReal;
      p.coef.resize(static_cast<size_t>(dh) * dh * L);
      for (int o = 0; o < dh; ++o)
        for (int i = 0; i < dh; ++i)
          for (int l = 0; l < L; ++l)
            p.coef[static_cast<size_t>((o * dh + i) * L + l)] =
                static_cast<Real>(m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]).real());
    } else {
      p.mode = CoefMode::UniformComplex;
      p.coef.resize(static_cast<size_t>(dh) * dh * 2);
      for (int o = 0; o < dh; ++o) {
        for (int i = 0; i < dh; ++i) {
          const cdouble v = m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]);
          p.coef[static_cast<size_t>(2 * (o * dh + i))] = static_cast<Real>(v.real());
          p.coef[static_cast<size_t>(2 * (o * dh + i) + 1)] = static_cast<Real>(v.imag());
        }
      }
    }
    return;
  }
  // Lane targets or lane controls: per-lane coefficients with lane permutations.
  plan_lane_matrices<Real>(tm, L, [&](int, int r, int c) { return m(r, c); }, p);
}

template void plan_matrix<float>(const TargetMap&, const MatrixC&, int, MatrixPlan<float>&);
template void plan_matrix<double>(const TargetMap&, const MatrixC&, int, MatrixPlan<double>&);

void slot_values(const Geometry& geo, const double* acc, const double* lane_sign, int ny, cdouble* out) {
  static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  const int L = geo.lanes;
  for (index_t k = 0; k < geo.samples_per_tile; ++k) out[k] = 0.0;
  for (int l = 0; l < L; ++l)
    out[geo.sample_slot(l)] += cdouble(acc[l], acc[L + l]) * (lane_sign != nullptr ? lane_sign[l] : 1.0);
  for (index_t k = 0; k < geo.samples_per_tile; ++k) out[k] *= kPowI[ny & 3];
}

}  // namespace tangle::detail::tile
