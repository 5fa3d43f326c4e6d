// Seeded random test data: states, unitaries, Hermitians, angles, readouts and whole circuits.
// Distributions are written out (not std::*_distribution) so a seed gives the same data with
// every standard library.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reference/dense.hpp"
#include "tangle/ir/circuit.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle::test {

using Rng = std::mt19937_64;

double uniform(Rng& rng, double lo, double hi);
double normal(Rng& rng);
/// Uniform integer in [lo, hi].
int uniform_int(Rng& rng, int lo, int hi);

/// Haar-random normalized state of k qubits (a normalized complex Gaussian vector).
std::vector<cdouble> random_state(Rng& rng, int k);
/// Haar-random unitary: QR of a complex Gaussian matrix, the phases of R's diagonal moved into Q.
ref::Mat random_unitary(Rng& rng, int k);
/// (G + G^dagger) / 2 for a complex Gaussian G.
ref::Mat random_hermitian(Rng& rng, int k);
/// k distinct wires of n in random order.
std::vector<int> random_wires(Rng& rng, int n, int k);

/// A constant term plus 1..3 random Pauli products on up to 3 wires; the first product holds a Y.
PauliSum random_pauli_sum(Rng& rng, int n);
/// One readout of each kind: a random Pauli sum, probs and a projector on random wires (any order),
/// a random Hermitian on 1..3 wires.
std::vector<Readout> random_readouts(Rng& rng, int n);

/// A random affine angle over the blocks, e.g. 0.5*x[1]*w[0] + w[1] - 0.3 or x[0]*x[2].
Expr random_angle(Rng& rng, const ParamBlock& w, const ParamBlock& x);

/// How many wires a random `g` takes on n qubits (0 if it cannot fit), dense blocks at most max_dense.
int random_arity(Rng& rng, Gate g, int n, int max_dense);
/// Appends `g` (any gate but the state preparations) on `wires` through the public Circuit
/// methods, with random angles over w and x, a random Unitary, a new SpecialUnitary weight block or
/// a new Evolution input block.
void append_gate(Circuit& c, Gate g, const std::vector<int>& wires, Rng& rng, const ParamBlock& w, const ParamBlock& x);

struct CircuitSpec {
  enum class Prep { None, State, Amplitude };
  int n_qubits = 2;
  int depth = 0;         // ops after the preparation
  bool all_kinds = true;  // every gate kind that fits appears at least once (then depth >= their count)
  int max_dense = 2;      // largest Unitary / SpecialUnitary / Evolution block
  Prep prep = Prep::None;
  std::vector<Gate> menu;  // the gates to draw from; empty = every unitary gate
};

/// Menus that steer the engine's paths: mostly Clifford gates and Pauli rotations (absorbed into
/// a Clifford frame) with a few non-Clifford gates that flush it; mostly diagonal gates (grouped
/// into commuting segments, same-word rotations merged) with a few Hadamards between segments.
std::vector<Gate> clifford_menu();
std::vector<Gate> diagonal_menu();
Circuit random_circuit(Rng& rng, const CircuitSpec& spec);

/// Weights uniform on [-pi, pi]; inputs [batch, n_inputs] uniform on [-1.5, 1.5].
std::vector<double> random_weights(Rng& rng, const Circuit& c);
std::vector<double> random_inputs(Rng& rng, const Circuit& c, index_t batch);
std::vector<double> random_vector(Rng& rng, size_t count, double lo, double hi);

/// A random state on n wires, then two ops of kind `g` on random wires (the same arity, up to
/// max_dense for dense blocks) over 3 weights and 3 inputs: a backward sweep crosses both.
Circuit two_op_circuit(Rng& rng, Gate g, int n, int max_dense);

/// A gradient test problem: a circuit and readouts with random inputs x [batch, n_inputs],
/// weights w and a cotangent g [batch, n_outputs] on [-1, 1].
struct GradProblem {
  Circuit circuit;
  std::vector<Readout> readouts;
  index_t batch;
  std::vector<double> x, w, g;
  std::string label;
};
GradProblem make_grad_problem(Rng& rng, Circuit c, std::vector<Readout> readouts, index_t batch, std::string label);

/// Every gate of kGates except the state preparations.
std::vector<Gate> unitary_gates();

}  // namespace tangle::test
