// Clifford gates (CNOT, CZ, H, S, X, SWAP, ...) absorbed into a Pauli frame instead of being
// applied: with the real state written F |v>, F the product of the Clifford gates met so far,
// a Pauli rotation exp(-i t P/2) acts on |v> as exp(-i t F^dag P F / 2), another Pauli rotation,
// and a Pauli readout <O> becomes <F^dag O F>. Ops that are neither (dense blocks, T, Toffoli,
// controlled rotations, phases, non-Pauli readouts) first apply the pending Clifford gates.
// The result is the same circuit on the same state, with no sweep spent on the Clifford gates.
#pragma once

#include "sim/lowered.hpp"

namespace tangle::detail {

/// The program with its Clifford gates absorbed as above (a copy when nothing can be absorbed).
LoweredProgram absorb_cliffords(const LoweredProgram& program);

/// A Pauli word with a phase: i^r prod_q X_q^(x_q) Z_q^(z_q) (X before Z on each qubit).
struct PauliString {
  std::uint64_t x = 0, z = 0;
  int r = 0;  // phase exponent mod 4
};

/// The conjugation P -> F^dag P F of an n-qubit Clifford frame F.
class CliffordFrame {
 public:
  explicit CliffordFrame(int n_qubits);
  /// F <- C F for a 2^k x 2^k Clifford matrix C on `wires`; false (and F unchanged) if C is not
  /// a Clifford gate.
  bool absorb(const std::vector<cdouble>& matrix, const std::vector<int>& wires);
  PauliString conjugate(const PauliString& p) const;
  bool identity() const { return identity_; }

 private:
  int n_;
  std::vector<PauliString> x_images_, z_images_;  // F^dag X_q F, F^dag Z_q F
  bool identity_ = true;
};

}  // namespace tangle::detail
