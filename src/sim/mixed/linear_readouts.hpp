// Readouts of density matrices held as tiles of vec(rho) (steps.hpp has the layout): every
// output is linear, Tr(O rho) = sum_rc O_cr rho_rc, and reads only the entries O does not zero
// (the diagonal for Z strings and probabilities): 2^n entries per term, not 4^n. The adjoint pass
// starts from lambda = sum_o g_o vec(O_o), so that f = Re <<lambda|rho>>.
#pragma once

#include <vector>

#include "sim/geometry.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle::detail::mixed {

class LinearReadouts {
 public:
  /// `geo` is the doubled geometry (2n qubits) of n-qubit density matrices.
  LinearReadouts(const std::vector<Readout>& readouts, int n_qubits, const Geometry& geo);

  /// out[slot * n_out + o] for every slot of a tile.
  template <typename Real>
  void outputs(const Real* rho, double* out) const;

  /// lam = sum_o cot[slot * n_out + o] vec(O_o) (lam zeroed first, `threads` share the zeroing).
  template <typename Real>
  void seed(const double* cot, Real* lam, int threads) const;

  /// Copies slot `slot`'s density matrix out of a tile (row-major 2^n x 2^n).
  template <typename Real>
  void density(const Real* rho, int slot, cdouble* out) const;

  /// rho_0 = a a^dagger for every slot (amplitudes[slot] of 2^n entries; nullptr: |0><0|).
  template <typename Real>
  void init(Real* rho, const std::vector<std::vector<cdouble>>* amplitudes, int threads) const;

  /// Entry (r, c) of slot `slot`'s lambda, for the embedding gradient.
  template <typename Real>
  cdouble entry(const Real* t, index_t r, index_t c, int slot) const {
    const index_t s = (r << n_) | c;
    const index_t v = s >> geo_.lq, lane = ((s & ((index_t{1} << geo_.lq) - 1)) << geo_.sb) | slot;
    return {static_cast<double>(t[v * 2 * geo_.lanes + lane]), static_cast<double>(t[v * 2 * geo_.lanes + geo_.lanes + lane])};
  }

 private:
  // One Pauli string: Tr(P rho) = i^ny sum_c (-1)^popcount(c & z) rho_(c, c ^ x).
  struct Term {
    std::uint64_t x = 0, z = 0;
    int ny = 0;
    double coef = 0.0;
  };
  struct Plan {
    Readout::Kind kind = Readout::Kind::Expval;
    index_t out = 0;
    std::vector<Term> terms;
    std::vector<int> wires;
    index_t basis_state = 0;
    std::vector<cdouble> h;
  };
  index_t local_index(index_t i, const std::vector<int>& wires) const;
  index_t spread(index_t j, const std::vector<int>& wires) const;
  template <typename Real>
  void add(Real* t, index_t r, index_t c, int slot, cdouble v) const;

  int n_ = 0;
  Geometry geo_;
  index_t n_out_ = 0;
  std::vector<Plan> plans_;
};

}  // namespace tangle::detail::mixed
