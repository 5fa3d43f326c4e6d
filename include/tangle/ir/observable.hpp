/// @file
/// What a circuit reads out: each readout is one or more outputs, each a quadratic form
/// <psi|O|psi> of the final state (so one adjoint pass differentiates any mix of them).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

/// coef * P_(w1) (x) P_(w2) (x) ... with factors sorted by wire; no factors = coef * identity.
struct PauliTerm {
  double coef = 1.0;                           ///< real coefficient
  std::vector<std::pair<int, Pauli>> factors;  ///< (wire, Pauli) pairs, wires distinct and ascending
};

/// A real linear combination of Pauli products (a Hamiltonian). Kept canonical: equal products
/// are merged and zero terms dropped, so the default (and 0.0) is the empty sum. Coefficients
/// must be finite (ValueError).
class PauliSum {
 public:
  PauliSum() = default;
  /// `constant` times the identity (implicit, so `0.5 * pauli_z(0) + 1.0` works).
  PauliSum(double constant);  // NOLINT: implicit, so 0.5 * Z(0) + 1.0 works
  /// The single Pauli `p` on `wire` (the identity for Pauli::I); ValueError unless
  /// 0 <= wire < kMaxQubits.
  static PauliSum single(Pauli p, int wire);

  /// The terms, in the order they were first added.
  const std::vector<PauliTerm>& terms() const { return terms_; }
  /// Largest wire used, or -1.
  int max_wire() const;
  /// e.g. "0.5 * Z(0) @ Z(1) + X(2)"; "0" for the empty sum.
  std::string to_string() const;

  /// The sum (terms with the same product merged).
  friend PauliSum operator+(const PauliSum& a, const PauliSum& b);
  /// a + (-1) b.
  friend PauliSum operator-(const PauliSum& a, const PauliSum& b);
  /// Every coefficient times `c`.
  friend PauliSum operator*(double c, const PauliSum& a);
  /// Every coefficient times `c`.
  friend PauliSum operator*(const PauliSum& a, double c) { return c * a; }
  /// Tensor product; the factors must act on disjoint wires (else ValueError).
  friend PauliSum operator*(const PauliSum& a, const PauliSum& b);
  /// Every coefficient negated.
  PauliSum operator-() const { return -1.0 * *this; }

 private:
  void canonicalize();
  std::vector<PauliTerm> terms_;
};

/// The identity (1.0 with no factors).
PauliSum pauli_i();
/// Pauli X on `wire`.
PauliSum pauli_x(int wire);
/// Pauli Y on `wire`.
PauliSum pauli_y(int wire);
/// Pauli Z on `wire`.
PauliSum pauli_z(int wire);

/// One quantity a Program reads from the final state of each sample: an expectation value,
/// basis-state probabilities, a projector's expectation or a Hermitian matrix's; made by the
/// static functions below, which check what they can without the circuit (check() does the rest).
class Readout {
 public:
  /// Which of the four readouts this is.
  enum class Kind : std::uint8_t { Expval, Probs, Projector, Hermitian };

  /// <psi|H|psi> for a Pauli sum H: one output.
  static Readout expval(PauliSum observable);
  /// Probabilities of the 2^k basis states of `wires` (wires[0] most significant): 2^k outputs.
  /// ValueError unless 1 <= k <= 20.
  static Readout probs(std::vector<int> wires);
  /// <psi| (|b><b| (x) I) |psi> for the basis state `b` (an index, wires[0] most significant): one output.
  /// ValueError unless 1 <= k <= 20 and 0 <= b < 2^k.
  static Readout projector(std::vector<int> wires, index_t basis_state);
  /// <psi| (H (x) I) |psi> for a Hermitian 2^k x 2^k matrix (row-major) on k wires: one output.
  /// ValueError unless 1 <= k <= kMaxDenseQubits, the size fits and |H - H^dagger| < 1e-10.
  static Readout hermitian(std::vector<cdouble> matrix, std::vector<int> wires);

  /// Which readout this is.
  Kind kind() const { return kind_; }
  /// Outputs it contributes to a program's output row: 2^k for Probs, 1 otherwise.
  index_t n_outputs() const { return kind_ == Kind::Probs ? index_t{1} << wires_.size() : 1; }
  /// Expval: the observable (empty for the other kinds).
  const PauliSum& observable() const { return observable_; }
  /// Probs, Projector, Hermitian: the wires read, most significant first (empty for Expval).
  const std::vector<int>& wires() const { return wires_; }
  /// Projector: the basis-state index b (0 for the other kinds).
  index_t basis_state() const { return basis_state_; }
  /// Hermitian: the 2^k x 2^k matrix, row-major (empty for the other kinds).
  const std::vector<cdouble>& matrix() const { return matrix_; }

  /// Throws ValueError naming the problem if the readout does not fit `n_qubits`.
  void check(int n_qubits) const;
  /// e.g. "expval(Z(0))", "probs(wires=0,1)", "projector(3, wires=0,1)", "hermitian(wires=2)".
  std::string to_string() const;

 private:
  Kind kind_ = Kind::Expval;
  PauliSum observable_;
  std::vector<int> wires_;
  index_t basis_state_ = 0;
  std::vector<cdouble> matrix_;
};

}  // namespace tangle
