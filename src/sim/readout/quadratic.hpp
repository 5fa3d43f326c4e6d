// Readouts of pure states on tiles: every output is a quadratic form <psi|O|psi> (a Pauli sum,
// probabilities, a projector, a Hermitian matrix on a few wires), and the adjoint pass starts
// from lambda = sum_o g_o O_o |psi> for any of them. Shared by the state-vector backend and the
// trajectories backend (whose trajectories are pure states).
#pragma once

#include <vector>

#include "sim/tile/tile_ops.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle::detail::readout {

template <typename Real>
struct QuadraticPlan {
  Readout::Kind kind = Readout::Kind::Expval;
  index_t out_offset = 0;
  std::vector<PauliMap> terms;
  std::vector<double> coefs;
  TargetMap tm;
  MatrixC h;
  tile::MatrixPlan<Real> h_plan;  // Hermitian: applied to a copy of psi when seeding lambda
  index_t basis_state = 0;
};

template <typename Real>
class QuadraticReadouts {
 public:
  void build(const std::vector<Readout>& readouts, const Geometry& geo);

  /// Reals the largest reduction needs (for workspace estimates).
  index_t reduction_reals() const { return reduction_reals_; }
  /// True when seeding lambda needs a copy of the tile (Hermitian readouts).
  bool needs_copy() const { return needs_copy_; }

  /// out[slot * n_out + o] = output o of the slot's state, for every slot of the tile. `sign`
  /// is an L-real scratch buffer.
  void outputs(const kernels::KernelTable<Real>& kt, const Geometry& geo, tile::Reducer<Real>& red, Real* sign,
               const Real* psi, int threads, index_t n_out, double* out) const;

  /// lam = sum_o cot[slot * n_out + o] O_o psi (lam zeroed first). `copy` is a tile of scratch
  /// when needs_copy(); `coef` scratch of any size.
  void seed(const kernels::KernelTable<Real>& kt, const Geometry& geo, const double* cot, index_t n_out,
            const Real* psi, Real* lam, Real* copy, AlignedBuffer<Real>& coef, int threads) const;

 private:
  std::vector<QuadraticPlan<Real>> plans_;
  index_t reduction_reals_ = 0;
  bool needs_copy_ = false;
};

}  // namespace tangle::detail::readout
