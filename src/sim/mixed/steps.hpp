// How the mixed-state backends (density matrix, trajectories) cut a program into steps, and the
// local matrices of its ops.
//
// Both backends run on tiles like the state vector (kernels/kernels.hpp): the density-matrix
// backend holds vec(rho) of n qubits as a state on 2n "bits" (row wire q is bit q, column wire q
// bit n + q, so the storage index is r 2^n + c), the trajectories backend one pure state per
// trajectory. A step is one pass over the tile:
//  - Block: consecutive ops on the same one or two wires (and a single op on three) multiplied
//    into one local matrix per row: 2^k x 2^k unitaries and drawn Kraus operators (pure), or
//    4^k x 4^k superoperators U (x) conj(U) and channels (doubled). A gate followed by its noise
//    is one pass instead of two or three.
//  - Rotation: a Pauli rotation on more wires than a block holds (the rotation kernel; twice,
//    rows and columns, when doubled).
//  - Dense: a unitary too large or too special for a block (SpecialUnitary, Evolution, Matrix or
//    Phase on many wires), applied as U (pure) or U on the rows and conj(U) on the columns.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/dense_math.hpp"
#include "sim/lowered.hpp"

namespace tangle::detail::mixed {

enum class Space : std::uint8_t { Pure, Doubled };

inline constexpr int kFuseWires = 2;      // ops fuse into blocks on at most this many wires
inline constexpr int kMaxBlockWires = 3;  // a single op on three wires is a block of its own

struct Step {
  enum class Kind : std::uint8_t { Block, Rotation, Dense };
  Kind kind = Kind::Block;
  std::vector<size_t> ops;   // program ops, in the order they apply
  std::vector<int> wires;    // Block: its wires in matrix order (ascending)
  bool per_row = false;      // its matrix differs between rows: inputs, or channels drawn per row
  bool input_params = false; // some op's parameters involve inputs (gradients per row)
  bool has_params = false;   // some op's angle or strength involves a weight or an input
  bool has_channel = false;  // holds a channel (its matrix may not be invertible)
  bool state_draw = false;   // pure: its first op is a channel whose branch probabilities depend on the state
};

/// The steps of a program, the state preparation (op 0, if any) excluded. Global phases are
/// dropped: no readout of a mixed state sees them.
std::vector<Step> plan_steps(const LoweredProgram& prog, Space space);

/// True when a channel's branch probabilities do not depend on the state: its Kraus operators
/// are multiples of unitaries (the Pauli mixtures, Kraus sets of scaled unitaries).
bool state_independent(const LoweredOp& channel);

/// The wires of a block op in its local matrix order: controls, then targets.
std::vector<int> op_wires(const LoweredOp& op);

/// A block op's unitary on op_wires(op) (Matrix, PauliRotation, Phase) for this angle, and its
/// derivative with respect to the angle.
MatrixC op_unitary(const LoweredOp& op, double angle);
MatrixC op_unitary_derivative(const LoweredOp& op, double angle);

/// `m`, a matrix on the bits `from` (first most significant), as a matrix on the bits `to`
/// (a superset of `from`, first most significant), the identity on the others.
MatrixC embed(const MatrixC& m, const std::vector<int>& from, const std::vector<int>& to);

/// U (x) conj(U) on (row bits, column bits): the superoperator of rho -> U rho U^dagger.
MatrixC doubled(const MatrixC& u);
/// Its derivative: dU (x) conj(U) + U (x) conj(dU).
MatrixC doubled_derivative(const MatrixC& u, const MatrixC& du);

/// The bits of `wires` in a space: the wires (pure), or their row bits then their column bits
/// (doubled, n qubits).
std::vector<int> space_bits(const std::vector<int>& wires, int n, Space space);

/// The 2-norm condition number of a square matrix (infinity when singular).
double condition_number(const MatrixC& m);

}  // namespace tangle::detail::mixed
