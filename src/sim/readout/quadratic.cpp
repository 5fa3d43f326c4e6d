#include "quadratic.hpp"

namespace tangle::detail::readout {

template <typename Real>
void QuadraticReadouts<Real>::build(const std::vector<Readout>& readouts, const Geometry& geo) {
  const int L = geo.lanes;
  plans_.clear();
  reduction_reals_ = 2 * L;
  needs_copy_ = false;
  index_t offset = 0;
  for (const Readout& r : readouts) {
    QuadraticPlan<Real> rp;
    rp.kind = r.kind();
    rp.out_offset = offset;
    offset += r.n_outputs();
    switch (r.kind()) {
      case Readout::Kind::Expval:
        for (const PauliTerm& t : r.observable().terms()) {
          std::vector<int> targets;
          std::vector<Pauli> word;
          for (const auto& f : t.factors) {
            targets.push_back(f.first);
            word.push_back(f.second);
          }
          rp.terms.push_back(map_pauli(geo, targets, word, {}));
          rp.coefs.push_back(t.coef);
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector:
        rp.tm = map_targets(geo, r.wires(), {});
        rp.basis_state = r.basis_state();
        reduction_reals_ = std::max<index_t>(reduction_reals_, (index_t{1} << rp.tm.kh) * L);
        break;
      case Readout::Kind::Hermitian: {
        rp.tm = map_targets(geo, r.wires(), {});
        const index_t dim = index_t{1} << r.wires().size();
        rp.h = Eigen::Map<const MatrixC>(r.matrix().data(), dim, dim);
        tile::plan_matrix<Real>(rp.tm, rp.h, L, rp.h_plan);
        needs_copy_ = true;
        reduction_reals_ = std::max<index_t>(reduction_reals_, (index_t{1} << (2 * rp.tm.kh + rp.tm.kl)) * 2 * L);
        break;
      }
    }
    plans_.push_back(std::move(rp));
  }
}

template <typename Real>
void QuadraticReadouts<Real>::outputs(const kernels::KernelTable<Real>& kt, const Geometry& geo,
                                      tile::Reducer<Real>& red, Real* sign, const Real* psi, int threads,
                                      index_t n_out, double* out) const {
  const int L = geo.lanes;
  const index_t spt = geo.samples_per_tile;
  std::fill(out, out + spt * n_out, 0.0);
  std::vector<cdouble> values(static_cast<size_t>(spt));
  std::vector<MatrixC> r;
  for (const QuadraticPlan<Real>& rp : plans_) {
    switch (rp.kind) {
      case Readout::Kind::Expval:
        for (size_t t = 0; t < rp.terms.size(); ++t) {
          tile::pauli_inner_slots(kt, geo, red, psi, psi, rp.terms[t], threads, sign, values.data());
          for (index_t k = 0; k < spt; ++k)
            out[k * n_out + rp.out_offset] += rp.coefs[t] * values[static_cast<size_t>(k)].real();
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector: {
        const int dh = 1 << rp.tm.kh;
        const kernels::GroupIndex g = rp.tm.groups();
        const double* acc = red.reduce(g.count, dh, static_cast<index_t>(dh) * L, threads,
                                       [&](index_t b0, index_t b1, Real* tmp) { kt.probabilities(psi, g, b0, b1, tmp); });
        for (int l = 0; l < L; ++l) {
          const int slot = geo.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
          for (int j = 0; j < dh; ++j) {
            const int loc = rp.tm.local(j, lo);
            const double v = acc[j * L + l];
            if (rp.kind == Readout::Kind::Probs) {
              out[slot * n_out + rp.out_offset + loc] += v;
            } else if (loc == rp.basis_state) {
              out[slot * n_out + rp.out_offset] += v;
            }
          }
        }
        break;
      }
      case Readout::Kind::Hermitian:
        tile::outer_slots(kt, geo, red, psi, psi, rp.tm, threads, r);
        for (index_t k = 0; k < spt; ++k) {
          // <psi|H|psi> = sum_ij H_ij conj(psi_i) psi_j = sum_ij H_ij R[j][i]
          const MatrixC& rs = r[static_cast<size_t>(k)];
          out[k * n_out + rp.out_offset] += (rp.h.cwiseProduct(rs.transpose())).sum().real();
        }
        break;
    }
  }
}

template <typename Real>
void QuadraticReadouts<Real>::seed(const kernels::KernelTable<Real>& kt, const Geometry& geo, const double* cot,
                                   index_t n_out, const Real* psi, Real* lam, Real* copy, AlignedBuffer<Real>& coef,
                                   int threads) const {
  const int L = geo.lanes;
  const index_t w2 = 2 * L;
  tile::sweep(geo.n_vec, threads, [&](index_t v0, index_t v1) { std::fill(lam + v0 * w2, lam + v1 * w2, Real(0)); });
  static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  for (const QuadraticPlan<Real>& rp : plans_) {
    switch (rp.kind) {
      case Readout::Kind::Expval:
        for (size_t t = 0; t < rp.terms.size(); ++t) {
          const PauliMap& pm = rp.terms[t];
          coef.ensure(2 * L);
          Real* c = coef.data();
          for (int l = 0; l < L; ++l) {
            const double g = cot[geo.sample_slot(l) * n_out + rp.out_offset];
            const cdouble v = g * rp.coefs[t] * pm.lane_sign[static_cast<size_t>(l)] * kPowI[pm.ny & 3];
            c[l] = static_cast<Real>(v.real());
            c[L + l] = static_cast<Real>(v.imag());
          }
          tile::sweep(pm.index.groups.count, threads,
                      [&](index_t b, index_t e) { kt.pauli_axpy(lam, psi, pm.index, c, b, e); });
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector: {
        const int dh = 1 << rp.tm.kh;
        coef.ensure(static_cast<size_t>(dh) * L);
        for (int l = 0; l < L; ++l) {
          const int s = geo.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
          for (int j = 0; j < dh; ++j) {
            const int loc = rp.tm.local(j, lo);
            double g = 0.0;
            if (rp.kind == Readout::Kind::Probs) {
              g = cot[s * n_out + rp.out_offset + loc];
            } else if (loc == rp.basis_state) {
              g = cot[s * n_out + rp.out_offset];
            }
            coef[static_cast<size_t>(j * L + l)] = static_cast<Real>(g);
          }
        }
        const kernels::GroupIndex g = rp.tm.groups();
        tile::sweep(g.count, threads, [&](index_t b, index_t e) { kt.weighted_axpy(lam, psi, g, coef.data(), b, e); });
        break;
      }
      case Readout::Kind::Hermitian: {
        tile::copy_tile(geo, psi, copy, threads);
        tile::apply_matrix_plan(kt, rp.h_plan, rp.tm, copy, threads);
        coef.ensure(L);
        for (int l = 0; l < L; ++l) coef[static_cast<size_t>(l)] = static_cast<Real>(cot[geo.sample_slot(l) * n_out + rp.out_offset]);
        const TargetMap all = map_targets(geo, {}, {});
        const kernels::GroupIndex g = all.groups();
        tile::sweep(g.count, threads, [&](index_t b, index_t e) { kt.weighted_axpy(lam, copy, g, coef.data(), b, e); });
        break;
      }
    }
  }
}

template class QuadraticReadouts<float>;
template class QuadraticReadouts<double>;

}  // namespace tangle::detail::readout
