// What a circuit reads out: each readout is one or more outputs, each a quadratic form
// <psi|O|psi> of the final state (so one adjoint pass differentiates any mix of them).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

/// coef * P_(w1) (x) P_(w2) (x) ... with factors sorted by wire; no factors = coef * identity.
struct PauliTerm {
  double coef = 1.0;
  std::vector<std::pair<int, Pauli>> factors;
};

/// A real linear combination of Pauli products (a Hamiltonian).
class PauliSum {
 public:
  PauliSum() = default;
  PauliSum(double constant);  // NOLINT: implicit, so 0.5 * Z(0) + 1.0 works
  static PauliSum single(Pauli p, int wire);

  const std::vector<PauliTerm>& terms() const { return terms_; }
  /// Largest wire used, or -1.
  int max_wire() const;
  std::string to_string() const;

  friend PauliSum operator+(const PauliSum& a, const PauliSum& b);
  friend PauliSum operator-(const PauliSum& a, const PauliSum& b);
  friend PauliSum operator*(double c, const PauliSum& a);
  friend PauliSum operator*(const PauliSum& a, double c) { return c * a; }
  /// Tensor product; the factors must act on disjoint wires (else ValueError).
  friend PauliSum operator*(const PauliSum& a, const PauliSum& b);
  PauliSum operator-() const { return -1.0 * *this; }

 private:
  void canonicalize();
  std::vector<PauliTerm> terms_;
};

PauliSum pauli_i();
PauliSum pauli_x(int wire);
PauliSum pauli_y(int wire);
PauliSum pauli_z(int wire);

class Readout {
 public:
  enum class Kind : std::uint8_t { Expval, Probs, Projector, Hermitian };

  /// <psi|H|psi> for a Pauli sum H: one output.
  static Readout expval(PauliSum observable);
  /// Probabilities of the 2^k basis states of `wires` (wires[0] most significant): 2^k outputs.
  static Readout probs(std::vector<int> wires);
  /// <psi| (|b><b| (x) I) |psi> for the basis state `b` (an index, wires[0] most significant): one output.
  static Readout projector(std::vector<int> wires, index_t basis_state);
  /// <psi| (H (x) I) |psi> for a Hermitian 2^k x 2^k matrix (row-major) on k wires: one output.
  static Readout hermitian(std::vector<cdouble> matrix, std::vector<int> wires);

  Kind kind() const { return kind_; }
  index_t n_outputs() const { return kind_ == Kind::Probs ? index_t{1} << wires_.size() : 1; }
  const PauliSum& observable() const { return observable_; }
  const std::vector<int>& wires() const { return wires_; }
  index_t basis_state() const { return basis_state_; }
  const std::vector<cdouble>& matrix() const { return matrix_; }

  /// Throws ValueError naming the problem if the readout does not fit `n_qubits`.
  void check(int n_qubits) const;
  std::string to_string() const;

 private:
  Kind kind_ = Kind::Expval;
  PauliSum observable_;
  std::vector<int> wires_;
  index_t basis_state_ = 0;
  std::vector<cdouble> matrix_;
};

}  // namespace tangle
