/// @file
/// A parametrized circuit: qubits, trainable weights shared by a batch, per-sample inputs, and a
/// list of operations whose angles are affine forms over both (see expr.hpp, gate.hpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/expr.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

/// One operation of a circuit: a gate, its wires and whatever parameters its family needs.
/// Circuit::append checks an op against the gate table before adding it.
struct Op {
  Gate gate = Gate::I;           ///< which operation
  std::vector<int> wires;        ///< controls first, then targets
  std::vector<Expr> angles;      ///< as many as gate_info(gate).n_angles (channels: their strengths)
  std::vector<Pauli> word;       ///< PauliRotation family: one letter per target
  std::vector<cdouble> matrix;   ///< Unitary: 2^k x 2^k row-major; StatePreparation: 2^k amplitudes;
                                 ///< Kraus: the 2^k x 2^k matrices, row-major, concatenated
  /// SpecialUnitary: its weights or inputs; Evolution, AmplitudeEmbedding: its inputs.
  ParamBlock block;
  double pad = 0.0;              ///< AmplitudeEmbedding: value of the padded amplitudes
  bool normalize = true;         ///< AmplitudeEmbedding: divide by the norm

  /// Number of leading wires that are controls (from the gate table).
  int n_controls() const { return gate_info(gate).n_controls; }
  /// The control wires (the first n_controls() wires).
  std::vector<int> controls() const { return {wires.begin(), wires.begin() + n_controls()}; }
  /// The target wires (those after the controls).
  std::vector<int> targets() const { return {wires.begin() + n_controls(), wires.end()}; }
};

/// How a block of weights is initialized by `Circuit::initial_weights`.
struct WeightInit {
  /// The distribution of the initial values.
  enum class Kind : std::uint8_t { Uniform, Normal, Constant };
  Kind kind = Kind::Uniform;  ///< which distribution; a and b are its parameters
  double a = 0.0;  ///< Uniform: low; Normal: mean; Constant: value
  double b = 0.0;  ///< Uniform: high; Normal: standard deviation

  /// Uniform on [low, high).
  static WeightInit uniform(double low, double high) { return {Kind::Uniform, low, high}; }
  /// Normal with this mean and standard deviation.
  static WeightInit normal(double mean, double stddev) { return {Kind::Normal, mean, stddev}; }
  /// Every weight set to `value`.
  static WeightInit constant(double value) { return {Kind::Constant, value, 0.0}; }
  /// Uniform on [0, 2 pi): PennyLane's TorchLayer default for rotation angles.
  static WeightInit angles();
};

/// A block of weights a circuit declared, with the rule that initializes it.
struct WeightBlockInfo {
  ParamBlock block;  ///< the weights (kind Weight)
  WeightInit init;   ///< how Circuit::initial_weights draws them
};

/// A parametrized circuit on a fixed number of qubits: declare weight and input blocks, then
/// append ops (each gate method returns `*this`, so calls chain). Every op is checked when it
/// is appended (wires in range and distinct, angles finite and over declared parameters,
/// matrices unitary, channel strengths in range), and ValueError names what is wrong; a failed
/// call leaves the circuit unchanged. Wires are 0 .. n_qubits - 1, wire 0 the most significant.
class Circuit {
 public:
  /// An empty circuit on `n_qubits` qubits; ValueError unless 1 <= n_qubits <= kMaxQubits.
  explicit Circuit(int n_qubits);

  /// Number of qubits (wires).
  int n_qubits() const { return n_qubits_; }
  /// Number of trainable weights declared so far (the length of the weight vector).
  index_t n_weights() const { return n_weights_; }
  /// Number of per-sample inputs declared so far (the width of an input row).
  index_t n_inputs() const { return n_inputs_; }
  /// The ops, in the order they act.
  const std::vector<Op>& ops() const { return ops_; }
  /// The weight blocks, in declaration order, with their init rules.
  const std::vector<WeightBlockInfo>& weight_blocks() const { return weight_blocks_; }

  /// Declares `count` trainable weights (the next `count` indices of the weight vector) that
  /// initial_weights() draws by `init`; ValueError for count < 1, a total past 2^31 - 1 weights
  /// (the largest index an Expr holds) or non-finite init parameters.
  ParamBlock weights(index_t count, WeightInit init = WeightInit::angles());
  /// The same for a block of this shape (row-major); e.g. {layers, wires, 3}.
  ParamBlock weights(std::vector<index_t> shape, WeightInit init = WeightInit::angles());
  /// Declares `count` per-sample input features (the next columns of an input row); ValueError
  /// for count < 1 or a total past 2^31 - 1 inputs.
  ParamBlock inputs(index_t count);
  /// The same for a block of this shape (row-major).
  ParamBlock inputs(std::vector<index_t> shape);

  /// The same qubits, weight blocks (with their init rules) and inputs, without ops: what a
  /// rewrite of the circuit (NoiseModel::apply) appends to, so the same weights run it.
  Circuit without_ops() const;

  /// Weights drawn by each block's rule from a seeded generator (same seed, same weights).
  std::vector<double> initial_weights(std::uint64_t seed) const;

  // Fixed gates.
  /// Identity on wire `w` (an explicit no-op, kept in drawings and exports).
  Circuit& i(int w) { return fixed(Gate::I, {w}); }
  /// Pauli X (NOT) on wire `w`.
  Circuit& x(int w) { return fixed(Gate::X, {w}); }
  /// Pauli Y on wire `w`.
  Circuit& y(int w) { return fixed(Gate::Y, {w}); }
  /// Pauli Z on wire `w`.
  Circuit& z(int w) { return fixed(Gate::Z, {w}); }
  /// Hadamard on wire `w`.
  Circuit& h(int w) { return fixed(Gate::H, {w}); }
  /// S = diag(1, i) on wire `w`.
  Circuit& s(int w) { return fixed(Gate::S, {w}); }
  /// S^dagger = diag(1, -i) on wire `w`.
  Circuit& sdg(int w) { return fixed(Gate::Sdg, {w}); }
  /// T = diag(1, e^{i pi/4}) on wire `w`.
  Circuit& t(int w) { return fixed(Gate::T, {w}); }
  /// T^dagger = diag(1, e^{-i pi/4}) on wire `w`.
  Circuit& tdg(int w) { return fixed(Gate::Tdg, {w}); }
  /// SX = sqrt(X) on wire `w`.
  Circuit& sx(int w) { return fixed(Gate::SX, {w}); }
  /// Controlled NOT: X on `target` when `control` is |1>.
  Circuit& cnot(int control, int target) { return fixed(Gate::CNOT, {control, target}); }
  /// Controlled Z (symmetric in its two wires).
  Circuit& cz(int control, int target) { return fixed(Gate::CZ, {control, target}); }
  /// Controlled Y: Y on `target` when `control` is |1>.
  Circuit& cy(int control, int target) { return fixed(Gate::CY, {control, target}); }
  /// Exchanges the states of wires `a` and `b`.
  Circuit& swap(int a, int b) { return fixed(Gate::SWAP, {a, b}); }
  /// iSWAP: swaps |01> and |10> with a phase i (matrix at the top of gate.hpp).
  Circuit& iswap(int a, int b) { return fixed(Gate::ISWAP, {a, b}); }
  /// Toffoli (CCNOT): X on `target` when `c0` and `c1` are both |1>.
  Circuit& toffoli(int c0, int c1, int target) { return fixed(Gate::Toffoli, {c0, c1, target}); }
  /// Fredkin (controlled SWAP): swaps `a` and `b` when `control` is |1>.
  Circuit& cswap(int control, int a, int b) { return fixed(Gate::CSWAP, {control, a, b}); }

  // Rotations: angle first, then wires.
  /// RX(theta) = exp(-i theta X / 2) on wire `w`.
  Circuit& rx(const Expr& theta, int w) { return rotation(Gate::RX, theta, {w}); }
  /// RY(theta) = exp(-i theta Y / 2) on wire `w`.
  Circuit& ry(const Expr& theta, int w) { return rotation(Gate::RY, theta, {w}); }
  /// RZ(theta) = exp(-i theta Z / 2) on wire `w`.
  Circuit& rz(const Expr& theta, int w) { return rotation(Gate::RZ, theta, {w}); }
  /// exp(-i theta X_a X_b / 2).
  Circuit& rxx(const Expr& theta, int a, int b) { return rotation(Gate::RXX, theta, {a, b}); }
  /// exp(-i theta Y_a Y_b / 2).
  Circuit& ryy(const Expr& theta, int a, int b) { return rotation(Gate::RYY, theta, {a, b}); }
  /// exp(-i theta Z_a Z_b / 2).
  Circuit& rzz(const Expr& theta, int a, int b) { return rotation(Gate::RZZ, theta, {a, b}); }
  /// exp(-i theta Z...Z / 2): Z on every wire of `wires` (one or more).
  Circuit& multirz(const Expr& theta, std::vector<int> wires);
  /// exp(-i theta P / 2) for the Pauli word `word` (letters I, X, Y, Z; one per wire).
  Circuit& pauli_rot(const Expr& theta, std::string_view word, std::vector<int> wires);
  /// RX(theta) on `target` when `control` is |1>.
  Circuit& crx(const Expr& theta, int control, int target) { return rotation(Gate::CRX, theta, {control, target}); }
  /// RY(theta) on `target` when `control` is |1>.
  Circuit& cry(const Expr& theta, int control, int target) { return rotation(Gate::CRY, theta, {control, target}); }
  /// RZ(theta) on `target` when `control` is |1>.
  Circuit& crz(const Expr& theta, int control, int target) { return rotation(Gate::CRZ, theta, {control, target}); }
  /// PhaseShift(phi) = diag(1, e^{i phi}) on wire `w`.
  Circuit& phase_shift(const Expr& phi, int w) { return rotation(Gate::PhaseShift, phi, {w}); }
  /// diag(1, 1, 1, e^{i phi}) on (control, target): the phase on |11> only.
  Circuit& controlled_phase_shift(const Expr& phi, int control, int target) {
    return rotation(Gate::ControlledPhaseShift, phi, {control, target});
  }
  /// Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi) on wire `w` (RZ(phi) acts first).
  Circuit& rot(const Expr& phi, const Expr& theta, const Expr& omega, int w);
  /// U3(theta, phi, lambda) on wire `w` (matrix at the top of gate.hpp; OpenQASM's u3).
  Circuit& u3(const Expr& theta, const Expr& phi, const Expr& lambda, int w);
  /// Rot(phi, theta, omega) on `target` when `control` is |1>.
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
  /// Depolarizing(p) on wire `w`: X, Y or Z each with probability p/3.
  Circuit& depolarizing(const Expr& p, int w) { return channel(Gate::Depolarizing, {p}, {w}); }
  /// Two-qubit depolarizing(p) on (a, b): each of the 15 non-identity Pauli pairs with
  /// probability p/15.
  Circuit& two_qubit_depolarizing(const Expr& p, int a, int b) {
    return channel(Gate::TwoQubitDepolarizing, {p}, {a, b});
  }
  /// BitFlip(p) on wire `w`: X with probability p.
  Circuit& bit_flip(const Expr& p, int w) { return channel(Gate::BitFlip, {p}, {w}); }
  /// PhaseFlip(p) on wire `w`: Z with probability p.
  Circuit& phase_flip(const Expr& p, int w) { return channel(Gate::PhaseFlip, {p}, {w}); }
  /// PauliChannel(px, py, pz) on wire `w`: X, Y, Z with these probabilities (sum <= 1).
  Circuit& pauli_channel(const Expr& px, const Expr& py, const Expr& pz, int w) {
    return channel(Gate::PauliChannel, {px, py, pz}, {w});
  }
  /// AmplitudeDamping(gamma) on wire `w`: decay of |1> to |0> with probability gamma.
  Circuit& amplitude_damping(const Expr& gamma, int w) { return channel(Gate::AmplitudeDamping, {gamma}, {w}); }
  /// GeneralizedAmplitudeDamping(gamma, p) on wire `w`: damping towards |0> with weight p and
  /// towards |1> with weight 1 - p (a bath at finite temperature).
  Circuit& generalized_amplitude_damping(const Expr& gamma, const Expr& p, int w) {
    return channel(Gate::GeneralizedAmplitudeDamping, {gamma, p}, {w});
  }
  /// PhaseDamping(gamma) on wire `w`: coherences scaled by sqrt(1 - gamma), populations kept.
  Circuit& phase_damping(const Expr& gamma, int w) { return channel(Gate::PhaseDamping, {gamma}, {w}); }
  /// ThermalRelaxation(t1, t2, t_gate) on wire `w`: T1/T2 relaxation towards |0> over a gate of
  /// duration t_gate (same time unit for all three); needs t1 > 0, 0 < t2 <= 2 t1, t_gate >= 0.
  Circuit& thermal_relaxation(const Expr& t1, const Expr& t2, const Expr& t_gate, int w) {
    return channel(Gate::ThermalRelaxation, {t1, t2, t_gate}, {w});
  }
  /// Resets wire `w` to |0> (a channel: the state becomes mixed if `w` was entangled).
  Circuit& reset(int w) { return channel(Gate::Reset, {}, {w}); }
  /// rho -> sum_i K_i rho K_i^dagger for Kraus matrices (each 2^k x 2^k, row-major) on k wires
  /// (1 <= k <= 3); checked for completeness (sum_i K_i^dagger K_i = I within 1e-8).
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
