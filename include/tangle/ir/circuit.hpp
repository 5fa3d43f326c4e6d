// A parametrized circuit: qubits, trainable weights shared by a batch, per-sample inputs, and a
// list of operations whose angles are affine forms over both (see expr.hpp, gate.hpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/expr.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

struct Op {
  Gate gate = Gate::I;
  std::vector<int> wires;        // controls first, then targets
  std::vector<Expr> angles;      // as many as gate_info(gate).n_angles
  std::vector<Pauli> word;       // PauliRotation family: one letter per target
  std::vector<cdouble> matrix;   // Unitary: 2^k x 2^k row-major; StatePreparation: 2^k amplitudes
  ParamBlock block;              // SpecialUnitary: its weights or inputs; Evolution, AmplitudeEmbedding: inputs
  double pad = 0.0;              // AmplitudeEmbedding: value of the padded amplitudes
  bool normalize = true;         // AmplitudeEmbedding: divide by the norm

  int n_controls() const { return gate_info(gate).n_controls; }
  std::vector<int> controls() const { return {wires.begin(), wires.begin() + n_controls()}; }
  std::vector<int> targets() const { return {wires.begin() + n_controls(), wires.end()}; }
};

/// How a block of weights is initialized by `Circuit::initial_weights`.
struct WeightInit {
  enum class Kind : std::uint8_t { Uniform, Normal, Constant };
  Kind kind = Kind::Uniform;
  double a = 0.0;  // Uniform: low; Normal: mean; Constant: value
  double b = 0.0;  // Uniform: high; Normal: standard deviation

  static WeightInit uniform(double low, double high) { return {Kind::Uniform, low, high}; }
  static WeightInit normal(double mean, double stddev) { return {Kind::Normal, mean, stddev}; }
  static WeightInit constant(double value) { return {Kind::Constant, value, 0.0}; }
  /// Uniform on [0, 2 pi): PennyLane's TorchLayer default for rotation angles.
  static WeightInit angles();
};

struct WeightBlockInfo {
  ParamBlock block;
  WeightInit init;
};

class Circuit {
 public:
  explicit Circuit(int n_qubits);

  int n_qubits() const { return n_qubits_; }
  index_t n_weights() const { return n_weights_; }
  index_t n_inputs() const { return n_inputs_; }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<WeightBlockInfo>& weight_blocks() const { return weight_blocks_; }

  /// Declares `count` (or a shaped block of) trainable weights.
  ParamBlock weights(index_t count, WeightInit init = WeightInit::angles());
  ParamBlock weights(std::vector<index_t> shape, WeightInit init = WeightInit::angles());
  /// Declares per-sample input features.
  ParamBlock inputs(index_t count);
  ParamBlock inputs(std::vector<index_t> shape);

  /// The same qubits, weight blocks (with their init rules) and inputs, without ops: what a
  /// rewrite of the circuit (NoiseModel::apply) appends to, so the same weights run it.
  Circuit without_ops() const;

  /// Weights drawn by each block's rule from a seeded generator (same seed, same weights).
  std::vector<double> initial_weights(std::uint64_t seed) const;

  // Fixed gates.
  Circuit& i(int w) { return fixed(Gate::I, {w}); }
  Circuit& x(int w) { return fixed(Gate::X, {w}); }
  Circuit& y(int w) { return fixed(Gate::Y, {w}); }
  Circuit& z(int w) { return fixed(Gate::Z, {w}); }
  Circuit& h(int w) { return fixed(Gate::H, {w}); }
  Circuit& s(int w) { return fixed(Gate::S, {w}); }
  Circuit& sdg(int w) { return fixed(Gate::Sdg, {w}); }
  Circuit& t(int w) { return fixed(Gate::T, {w}); }
  Circuit& tdg(int w) { return fixed(Gate::Tdg, {w}); }
  Circuit& sx(int w) { return fixed(Gate::SX, {w}); }
  Circuit& cnot(int control, int target) { return fixed(Gate::CNOT, {control, target}); }
  Circuit& cz(int control, int target) { return fixed(Gate::CZ, {control, target}); }
  Circuit& cy(int control, int target) { return fixed(Gate::CY, {control, target}); }
  Circuit& swap(int a, int b) { return fixed(Gate::SWAP, {a, b}); }
  Circuit& iswap(int a, int b) { return fixed(Gate::ISWAP, {a, b}); }
  Circuit& toffoli(int c0, int c1, int target) { return fixed(Gate::Toffoli, {c0, c1, target}); }
  Circuit& cswap(int control, int a, int b) { return fixed(Gate::CSWAP, {control, a, b}); }

  // Rotations: angle first, then wires.
  Circuit& rx(const Expr& theta, int w) { return rotation(Gate::RX, theta, {w}); }
  Circuit& ry(const Expr& theta, int w) { return rotation(Gate::RY, theta, {w}); }
  Circuit& rz(const Expr& theta, int w) { return rotation(Gate::RZ, theta, {w}); }
  Circuit& rxx(const Expr& theta, int a, int b) { return rotation(Gate::RXX, theta, {a, b}); }
  Circuit& ryy(const Expr& theta, int a, int b) { return rotation(Gate::RYY, theta, {a, b}); }
  Circuit& rzz(const Expr& theta, int a, int b) { return rotation(Gate::RZZ, theta, {a, b}); }
  Circuit& multirz(const Expr& theta, std::vector<int> wires);
  /// exp(-i theta P / 2) for the Pauli word `word` (letters I, X, Y, Z; one per wire).
  Circuit& pauli_rot(const Expr& theta, std::string_view word, std::vector<int> wires);
  Circuit& crx(const Expr& theta, int control, int target) { return rotation(Gate::CRX, theta, {control, target}); }
  Circuit& cry(const Expr& theta, int control, int target) { return rotation(Gate::CRY, theta, {control, target}); }
  Circuit& crz(const Expr& theta, int control, int target) { return rotation(Gate::CRZ, theta, {control, target}); }
  Circuit& phase_shift(const Expr& phi, int w) { return rotation(Gate::PhaseShift, phi, {w}); }
  Circuit& controlled_phase_shift(const Expr& phi, int control, int target) {
    return rotation(Gate::ControlledPhaseShift, phi, {control, target});
  }
  Circuit& rot(const Expr& phi, const Expr& theta, const Expr& omega, int w);
  Circuit& u3(const Expr& theta, const Expr& phi, const Expr& lambda, int w);
  Circuit& crot(const Expr& phi, const Expr& theta, const Expr& omega, int control, int target);

  // Dense blocks.
  /// A fixed unitary (2^k x 2^k, row-major) on k wires; checked to be unitary.
  Circuit& unitary(std::vector<cdouble> matrix, std::vector<int> wires);
  /// exp(i sum_k w_k P_k) with the 4^k - 1 parameters of `w`: a weight block (trained, shared by
  /// the batch) or an input block (a different unitary for each sample, e.g. generators computed
  /// by an earlier layer).
  Circuit& special_unitary(const ParamBlock& w, std::vector<int> wires);
  /// The same with a new weight block (initialized by `init`); returns the block.
  ParamBlock special_unitary(std::vector<int> wires, WeightInit init = WeightInit::normal(0.0, 0.1));
  /// exp(-i t H_b / 2), H_b = (M_b + M_b^T)/2 from the 4^k inputs of `x` for each sample b.
  Circuit& evolution(const ParamBlock& x, const Expr& time, std::vector<int> wires);
  /// Sets the initial state of `wires` (the others stay |0>) to the sample's inputs `x`, padded
  /// with `pad` to 2^k amplitudes and divided by their norm when `normalize`. Must be the first op.
  Circuit& amplitude_embedding(const ParamBlock& x, std::vector<int> wires, double pad = 0.0,
                               bool normalize = true);

  /// Sets the initial state of `wires` (the others stay |0>) to fixed, normalized amplitudes
  /// (2^k of them, wires[0] most significant). Must be the first op.
  Circuit& state_preparation(std::vector<cdouble> amplitudes, std::vector<int> wires);

  // Channels (noise; see channel.hpp for their definitions): strengths first, then wires. A
  // strength is an Expr like an angle: a constant, a trainable weight or a per-sample input.
  Circuit& depolarizing(const Expr& p, int w) { return channel(Gate::Depolarizing, {p}, {w}); }
  Circuit& two_qubit_depolarizing(const Expr& p, int a, int b) {
    return channel(Gate::TwoQubitDepolarizing, {p}, {a, b});
  }
  Circuit& bit_flip(const Expr& p, int w) { return channel(Gate::BitFlip, {p}, {w}); }
  Circuit& phase_flip(const Expr& p, int w) { return channel(Gate::PhaseFlip, {p}, {w}); }
  Circuit& pauli_channel(const Expr& px, const Expr& py, const Expr& pz, int w) {
    return channel(Gate::PauliChannel, {px, py, pz}, {w});
  }
  Circuit& amplitude_damping(const Expr& gamma, int w) { return channel(Gate::AmplitudeDamping, {gamma}, {w}); }
  Circuit& generalized_amplitude_damping(const Expr& gamma, const Expr& p, int w) {
    return channel(Gate::GeneralizedAmplitudeDamping, {gamma, p}, {w});
  }
  Circuit& phase_damping(const Expr& gamma, int w) { return channel(Gate::PhaseDamping, {gamma}, {w}); }
  Circuit& thermal_relaxation(const Expr& t1, const Expr& t2, const Expr& t_gate, int w) {
    return channel(Gate::ThermalRelaxation, {t1, t2, t_gate}, {w});
  }
  Circuit& reset(int w) { return channel(Gate::Reset, {}, {w}); }
  /// rho -> sum_i K_i rho K_i^dagger for Kraus matrices (each 2^k x 2^k, row-major) on k wires;
  /// checked for completeness (sum_i K_i^dagger K_i = I).
  Circuit& kraus(const std::vector<std::vector<cdouble>>& matrices, std::vector<int> wires);
  /// True when some op is a channel (the circuit is not unitary).
  bool has_channels() const;

  /// Appends an op after checking it (wires, angles, matrix, blocks); every method above calls this.
  Circuit& append(Op op);

 private:
  Circuit& fixed(Gate g, std::vector<int> wires);
  Circuit& rotation(Gate g, const Expr& angle, std::vector<int> wires);
  Circuit& channel(Gate g, std::vector<Expr> strengths, std::vector<int> wires);
  void check_wires(const Op& op) const;
  void check_expr(const Expr& e, const Op& op) const;

  int n_qubits_;
  index_t n_weights_ = 0;
  index_t n_inputs_ = 0;
  std::vector<Op> ops_;
  std::vector<WeightBlockInfo> weight_blocks_;
};

/// Parses a Pauli word such as "XIZ"; throws ValueError naming a bad letter.
std::vector<Pauli> parse_pauli_word(std::string_view word);

}  // namespace tangle
