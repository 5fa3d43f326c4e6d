// Readouts and the adjoint seed, with the fixed-order reductions they use (executor.hpp).
#include "executor.hpp"

namespace tangle::detail::statevector {

// Per-slot sum of conj(a) . P b over the lanes of each slot: out[slot] (complex, times i^ny).
template <typename Real>
void Executor<Real>::pauli_inner_slots(Scratch<Real>& s, const Real* a, const Real* b, const PauliMap& pm, int inner, cdouble* out) {
  Real* sign = s.sign.data();
  for (int l = 0; l < L; ++l) sign[l] = static_cast<Real>(pm.lane_sign[static_cast<size_t>(l)]);
  const int vpg = pm.index.xv != 0 ? 2 : 1;
  const double* acc = reduce(s, pm.index.groups.count, vpg, 2 * L, inner, [&](index_t b0, index_t b1, Real* tmp) {
    kt_.pauli_inner(a, b, pm.index, sign, b0, b1, tmp);
  });
  slot_values(acc, nullptr, pm.ny, out);
}

// out[slot] = i^ny times the sum of acc's lanes (complex, {re[L], im[L]}) of that slot, each
// lane first multiplied by lane_sign[lane] when given.
template <typename Real>
void Executor<Real>::slot_values(const double* acc, const double* lane_sign, int ny, cdouble* out) const {
  static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  for (index_t k = 0; k < geo_.samples_per_tile; ++k) out[k] = 0.0;
  for (int l = 0; l < L; ++l)
    out[geo_.sample_slot(l)] += cdouble(acc[l], acc[L + l]) * (lane_sign != nullptr ? lane_sign[l] : 1.0);
  for (index_t k = 0; k < geo_.samples_per_tile; ++k) out[k] *= kPowI[ny & 3];
}

// R_slot[i][j] = sum a_i conj(b_j) over everything but the targets, per slot.
template <typename Real>
void Executor<Real>::outer_slots(Scratch<Real>& s, const Real* a, const Real* b, const TargetMap& tm, int inner,
                 std::vector<MatrixC>& r) {
  const int dh = 1 << tm.kh, np = 1 << tm.kl, dim = 1 << tm.k;
  const index_t size = static_cast<index_t>(dh) * dh * np * 2 * L;
  const GroupIndex g = tm.groups();
  const double* acc = reduce(s, g.count, dh, size, inner, [&](index_t b0, index_t b1, Real* tmp) {
    kt_.partial_outer(a, b, g, np, tm.lane_xor.data(), b0, b1, tmp);
  });
  r.assign(static_cast<size_t>(geo_.samples_per_tile), MatrixC::Zero(dim, dim));
  for (int l = 0; l < L; ++l) {
    const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
    MatrixC& rs = r[static_cast<size_t>(geo_.sample_slot(l))];
    for (int i = 0; i < dh; ++i)
      for (int j = 0; j < dh; ++j)
        for (int q = 0; q < np; ++q) {
          const size_t idx = static_cast<size_t>(((i * dh + j) * np + q) * 2 * L);
          rs(tm.local(i, lo), tm.local(j, lo ^ q)) +=
              cdouble(acc[idx + static_cast<size_t>(l)], acc[idx + static_cast<size_t>(L + l)]);
        }
  }
}

// ---------------------------------------------------------------------------------------
// Readouts and the adjoint seed
template <typename Real>
void Executor<Real>::readouts(const Real* psi, Workspace<Real>& w) {
  const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
  Scratch<Real>& s = w.scratch[0];
  const int inner = inner_threads_;
  std::fill(w.outputs.begin(), w.outputs.end(), 0.0);
  std::vector<cdouble> slot_values(static_cast<size_t>(spt));
  std::vector<MatrixC> r;
  for (const ReadoutPlan<Real>& rp : readouts_) {
    switch (rp.kind) {
      case Readout::Kind::Expval:
        for (size_t t = 0; t < rp.terms.size(); ++t) {
          pauli_inner_slots(s, psi, psi, rp.terms[t], inner, slot_values.data());
          for (index_t k = 0; k < spt; ++k)
            w.outputs[static_cast<size_t>(k * n_out + rp.out_offset)] += rp.coefs[t] * slot_values[static_cast<size_t>(k)].real();
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector: {
        const int dh = 1 << rp.tm.kh;
        const GroupIndex g = rp.tm.groups();
        const double* acc = reduce(s, g.count, dh, static_cast<index_t>(dh) * L, inner,
                                   [&](index_t b0, index_t b1, Real* tmp) { kt_.probabilities(psi, g, b0, b1, tmp); });
        for (int l = 0; l < L; ++l) {
          const int slot = geo_.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
          for (int j = 0; j < dh; ++j) {
            const int loc = rp.tm.local(j, lo);
            const double v = acc[j * L + l];
            if (rp.kind == Readout::Kind::Probs) {
              w.outputs[static_cast<size_t>(slot * n_out + rp.out_offset + loc)] += v;
            } else if (loc == rp.basis_state) {
              w.outputs[static_cast<size_t>(slot * n_out + rp.out_offset)] += v;
            }
          }
        }
        break;
      }
      case Readout::Kind::Hermitian:
        outer_slots(s, psi, psi, rp.tm, inner, r);
        for (index_t k = 0; k < spt; ++k) {
          // <psi|H|psi> = sum_ij H_ij conj(psi_i) psi_j = sum_ij H_ij R[j][i]
          const MatrixC& rs = r[static_cast<size_t>(k)];
          w.outputs[static_cast<size_t>(k * n_out + rp.out_offset)] += (rp.h.cwiseProduct(rs.transpose())).sum().real();
        }
        break;
    }
  }
}

template <typename Real>
void Executor<Real>::seed_lambda(index_t tile, const Real* psi, Real* lam, Workspace<Real>& w) {
  const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
  const int inner = inner_threads_;
  for (index_t s = 0; s < spt; ++s) {
    const bool valid = geo_.valid(tile, static_cast<int>(s));
    for (index_t o = 0; o < n_out; ++o)
      w.cot[static_cast<size_t>(s * n_out + o)] = valid ? req_.cotangent[(tile * spt + s) * n_out + o] : 0.0;
  }
  w.lam.zero();
  static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  for (const ReadoutPlan<Real>& rp : readouts_) {
    switch (rp.kind) {
      case Readout::Kind::Expval:
        for (size_t t = 0; t < rp.terms.size(); ++t) {
          const PauliMap& pm = rp.terms[t];
          w.dvec.ensure(2 * L);
          Real* coef = w.dvec.data();
          for (int l = 0; l < L; ++l) {
            const double g = w.cot[static_cast<size_t>(geo_.sample_slot(l) * n_out + rp.out_offset)];
            const cdouble c = g * rp.coefs[t] * pm.lane_sign[static_cast<size_t>(l)] * kPowI[pm.ny & 3];
            coef[l] = static_cast<Real>(c.real());
            coef[L + l] = static_cast<Real>(c.imag());
          }
          sweep(pm.index.groups.count, inner, [&](index_t b, index_t e) { kt_.pauli_axpy(lam, psi, pm.index, coef, b, e); });
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector: {
        const int dh = 1 << rp.tm.kh;
        w.wvec.ensure(static_cast<size_t>(dh) * L);
        for (int l = 0; l < L; ++l) {
          const int s = geo_.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
          for (int j = 0; j < dh; ++j) {
            const int loc = rp.tm.local(j, lo);
            double g = 0.0;
            if (rp.kind == Readout::Kind::Probs) {
              g = w.cot[static_cast<size_t>(s * n_out + rp.out_offset + loc)];
            } else if (loc == rp.basis_state) {
              g = w.cot[static_cast<size_t>(s * n_out + rp.out_offset)];
            }
            w.wvec[static_cast<size_t>(j * L + l)] = static_cast<Real>(g);
          }
        }
        const GroupIndex g = rp.tm.groups();
        sweep(g.count, inner, [&](index_t b, index_t e) { kt_.weighted_axpy(lam, psi, g, w.wvec.data(), b, e); });
        break;
      }
      case Readout::Kind::Hermitian: {
        copy_tile(psi, w.copy.data());
        apply_plan(rp.h_plan, rp.tm, w.copy.data(), inner);
        w.wvec.ensure(L);
        for (int l = 0; l < L; ++l)
          w.wvec[static_cast<size_t>(l)] =
              static_cast<Real>(w.cot[static_cast<size_t>(geo_.sample_slot(l) * n_out + rp.out_offset)]);
        const TargetMap all = map_targets(geo_, {}, {});
        const GroupIndex g = all.groups();
        sweep(g.count, inner, [&](index_t b, index_t e) { kt_.weighted_axpy(lam, w.copy.data(), g, w.wvec.data(), b, e); });
        break;
      }
    }
  }
}

template void Executor<float>::pauli_inner_slots(Scratch<float>& s, const float* a, const float* b, const PauliMap& pm, int inner, cdouble* out);
template void Executor<float>::slot_values(const double* acc, const double* lane_sign, int ny, cdouble* out) const;
template void Executor<float>::outer_slots(Scratch<float>& s, const float* a, const float* b, const TargetMap& tm, int inner,
                 std::vector<MatrixC>& r);
template void Executor<float>::readouts(const float* psi, Workspace<float>& w);
template void Executor<float>::seed_lambda(index_t tile, const float* psi, float* lam, Workspace<float>& w);
template void Executor<double>::pauli_inner_slots(Scratch<double>& s, const double* a, const double* b, const PauliMap& pm, int inner, cdouble* out);
template void Executor<double>::slot_values(const double* acc, const double* lane_sign, int ny, cdouble* out) const;
template void Executor<double>::outer_slots(Scratch<double>& s, const double* a, const double* b, const TargetMap& tm, int inner,
                 std::vector<MatrixC>& r);
template void Executor<double>::readouts(const double* psi, Workspace<double>& w);
template void Executor<double>::seed_lambda(index_t tile, const double* psi, double* lam, Workspace<double>& w);

}  // namespace tangle::detail::statevector
