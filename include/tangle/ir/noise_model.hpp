/// @file
/// Noise models: rules that attach channels after the gates of a circuit, and per-wire readout
/// error, as Qiskit Aer's NoiseModel does.
///
/// @code
///   NoiseModel noise;
///   noise.add(NoiseChannel::depolarizing(0.01), GateMatch::every());             // every gate, every wire
///   noise.add(NoiseChannel::two_qubit_depolarizing(0.02), GateMatch::named({Gate::CNOT}), {0, 1});
///   noise.add_readout_error(ReadoutConfusion::flips(0.03, 0.05));               // every wire
///   Program p(circuit, readouts, noise);   // runs noise.apply(circuit), then the readout error
/// @endcode
///
/// Rules:
///  - A rule matches a gate by name (a list), or every gate, or every one-qubit / two-qubit gate;
///    and by wires: every wire (no wires given), or gates acting on exactly the given wires, in
///    that order (CNOT on (0, 1) does not match a rule for wires (1, 0)), as Aer's local errors do.
///  - "Gates" are the unitary ops: the channels already in the circuit and the state preparations
///    (AmplitudeEmbedding, StatePreparation) are never matched.
///  - A one-qubit channel after a k-qubit gate goes on each of the gate's wires; a channel on
///    m >= 2 wires goes only after gates on exactly m wires, on the gate's wires in their order
///    (a rule that could match another gate is refused when it is added, or when applied).
///  - Every matching rule applies, in the order the rules were added (unlike Aer, a rule for
///    given wires does not replace a rule for every wire: both channels follow the gate).
///
/// Readout error: per wire a confusion matrix P(measured | true), m[measured][true], whose
/// columns sum to 1; a wire without one (per wire, else the every-wire one) reads perfectly.
/// Expectation values, probabilities, projectors and samples all see it (program.hpp).
///
/// Scale: scaled(f) multiplies every strength by f (the noise-scaling knob of zero-noise
/// extrapolation): probabilities and damping rates (gamma), thermal relaxation's gate time (T1 and
/// T2 stay), and readout flip probabilities. Generalized amplitude damping's p (the excited-state
/// population of the bath) is not a strength and stays. Reset and Kraus rules scale only by 1.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/circuit.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

/// A channel with fixed strengths, as a noise rule attaches it (channel.hpp defines each kind).
struct NoiseChannel {
  Gate gate = Gate::Depolarizing;                 ///< which channel (a Gate of the Channel family)
  std::vector<double> strengths;                  ///< gate_info(gate).n_angles of them
  std::vector<std::vector<cdouble>> kraus;        ///< Kraus: the matrices (2^k x 2^k, row-major)

  /// Checked: `gate` is a channel, the strengths are as many as it takes and inside its domain
  /// (check_channel_strengths), Kraus sets are complete. ValueError names the bad value.
  static NoiseChannel make(Gate gate, std::vector<double> strengths,
                           std::vector<std::vector<cdouble>> kraus = {});
  /// Depolarizing(p): X, Y or Z each with probability p/3. ValueError unless 0 <= p <= 1.
  static NoiseChannel depolarizing(double p) { return make(Gate::Depolarizing, {p}); }
  /// Two-qubit depolarizing(p): each non-identity Pauli pair with probability p/15.
  static NoiseChannel two_qubit_depolarizing(double p) { return make(Gate::TwoQubitDepolarizing, {p}); }
  /// BitFlip(p): X with probability p.
  static NoiseChannel bit_flip(double p) { return make(Gate::BitFlip, {p}); }
  /// PhaseFlip(p): Z with probability p.
  static NoiseChannel phase_flip(double p) { return make(Gate::PhaseFlip, {p}); }
  /// PauliChannel(px, py, pz): X, Y, Z with these probabilities (each in [0, 1], sum <= 1).
  static NoiseChannel pauli_channel(double px, double py, double pz) {
    return make(Gate::PauliChannel, {px, py, pz});
  }
  /// AmplitudeDamping(gamma): |1> decays to |0> with probability gamma.
  static NoiseChannel amplitude_damping(double gamma) { return make(Gate::AmplitudeDamping, {gamma}); }
  /// GeneralizedAmplitudeDamping(gamma, p): damping towards |0> with weight p, towards |1> with
  /// weight 1 - p.
  static NoiseChannel generalized_amplitude_damping(double gamma, double p) {
    return make(Gate::GeneralizedAmplitudeDamping, {gamma, p});
  }
  /// PhaseDamping(gamma): coherences scaled by sqrt(1 - gamma).
  static NoiseChannel phase_damping(double gamma) { return make(Gate::PhaseDamping, {gamma}); }
  /// ThermalRelaxation(t1, t2, t_gate) (one time unit for all three; t1 > 0, 0 < t2 <= 2 t1,
  /// t_gate >= 0).
  static NoiseChannel thermal_relaxation(double t1, double t2, double t_gate) {
    return make(Gate::ThermalRelaxation, {t1, t2, t_gate});
  }
  /// Reset to |0>.
  static NoiseChannel reset() { return make(Gate::Reset, {}); }
  /// A general channel from its Kraus matrices (each 2^k x 2^k row-major, 1 <= k <= 3), checked
  /// for completeness (sum_i K_i^dagger K_i = I).
  static NoiseChannel kraus_set(std::vector<std::vector<cdouble>> matrices) { return make(Gate::Kraus, {}, std::move(matrices)); }

  /// Wires the channel acts on: 1, 2 (two-qubit depolarizing), k for Kraus matrices of 2^k x 2^k.
  int n_wires() const;
  /// This channel with every strength scaled by f (see the header); ValueError when a scaled
  /// value leaves its domain or the channel cannot be scaled.
  NoiseChannel scaled(double f) const;
  /// "Depolarizing(0.01)", "Kraus(2 matrices on 1 wire)".
  std::string to_string() const;
};

/// Which gates a rule follows.
struct GateMatch {
  /// The gates in `names`, every gate, or every gate on one (two) wires, controls included.
  enum class Kind : std::uint8_t { Named, Every, OneQubit, TwoQubit };
  Kind kind = Kind::Every;  ///< how gates are matched
  std::vector<Gate> names;  ///< Named: the gates matched

  /// Every gate.
  static GateMatch every() { return {Kind::Every, {}}; }
  /// Every gate on exactly one wire.
  static GateMatch one_qubit() { return {Kind::OneQubit, {}}; }
  /// Every gate on exactly two wires (controls included: CNOT, CRX, RZZ, SWAP, ...).
  static GateMatch two_qubit() { return {Kind::TwoQubit, {}}; }
  /// ValueError when a name is a channel or a state preparation, or the list is empty.
  static GateMatch named(std::vector<Gate> gates);

  /// True when `op` is a gate (not a channel, not a state preparation) this matches.
  bool matches(const Op& op) const;
  /// "every gate", "one-qubit gates", "CNOT, CZ".
  std::string to_string() const;
};

/// One rule: `channel` after every gate `gates` matches, on `wires` (empty = every wire).
struct NoiseRule {
  NoiseChannel channel;    ///< the channel attached (unscaled)
  GateMatch gates;         ///< the gates it follows
  std::vector<int> wires;  ///< the gate's exact wires, in order; empty = any wires

  /// "Depolarizing(0.01) after CNOT on wires 0, 1".
  std::string to_string() const;
};

/// A wire's readout error: P(measured | true) as p[measured][true] (each column sums to 1).
struct ReadoutConfusion {
  /// p[measured][true]; the default reads perfectly.
  std::array<std::array<double, 2>, 2> p{{{1.0, 0.0}, {0.0, 1.0}}};

  /// Checked: finite entries in [0, 1], columns summing to 1 (within 1e-9).
  static ReadoutConfusion make(const std::array<std::array<double, 2>, 2>& p);
  /// From its flip probabilities: p10 = P(1 | 0) (a true 0 read as 1), p01 = P(0 | 1).
  static ReadoutConfusion flips(double p10, double p01);
  /// The same flip probability p both ways.
  static ReadoutConfusion symmetric(double p) { return flips(p, p); }

  /// P(1 | 0): the probability that a true 0 is read as 1.
  double p10() const { return p[1][0]; }
  /// P(0 | 1): the probability that a true 1 is read as 0.
  double p01() const { return p[0][1]; }
  /// True when both flip probabilities are 0 (a perfect readout).
  bool is_identity() const { return p10() == 0.0 && p01() == 0.0; }
  /// The flip probabilities times f; ValueError when one leaves [0, 1].
  ReadoutConfusion scaled(double f) const;
};

/// Noise rules and readout errors (see the top of this file), applied to a circuit by
/// `Program(circuit, readouts, noise)` or apply(). The empty default model adds no noise.
class NoiseModel {
 public:
  NoiseModel() = default;

  /// Adds a rule (see the header): `channel` after the gates `gates` matches, on every wire
  /// (`wires` empty) or on gates acting on exactly `wires`. ValueError for a channel on m >= 2
  /// wires that such gates cannot carry (a one-qubit gate, `wires` of another length), or for
  /// repeated or negative wires. Returns *this, so calls chain.
  NoiseModel& add(NoiseChannel channel, GateMatch gates, std::vector<int> wires = {});
  /// Readout error on every wire without its own.
  NoiseModel& add_readout_error(const ReadoutConfusion& confusion);
  /// Readout error on `wire` (replaces the every-wire one there); once per wire.
  NoiseModel& add_readout_error(const ReadoutConfusion& confusion, int wire);

  /// This model with every strength scaled by `f` >= 0 (on top of its own scale). ValueError
  /// naming the rule when a scaled value leaves its domain, or for a Reset or Kraus rule unless
  /// f == 1.
  NoiseModel scaled(double f) const;
  /// The factor scaled() applied (1 for a new model).
  double scale() const { return scale_; }

  /// The rules as added (their strengths unscaled).
  const std::vector<NoiseRule>& rules() const { return rules_; }
  /// The every-wire readout error (unscaled), if one was added.
  const std::optional<ReadoutConfusion>& readout_error_every_wire() const { return readout_all_; }
  /// The per-wire readout errors (wire, confusion), unscaled, in the order they were added.
  const std::vector<std::pair<int, ReadoutConfusion>>& readout_errors() const { return readout_wires_; }

  /// The readout error wire `wire` sees, scaled; nullopt when it reads perfectly.
  std::optional<ReadoutConfusion> readout_error(int wire) const;
  /// Per wire of an n-qubit circuit, scaled (identity where none): empty when no wire has one.
  std::vector<ReadoutConfusion> readout_errors(int n_qubits) const;
  /// True when some wire (or every wire) has a readout error.
  bool has_readout_error() const { return readout_all_.has_value() || !readout_wires_.empty(); }
  /// True when the model has no rules and no readout error: it changes nothing.
  bool empty() const { return rules_.empty() && !has_readout_error(); }

  /// The circuit with each matching rule's channel (scaled) after each gate: same qubits, weight
  /// and input blocks (the same weight vector runs it). Rules on wires the circuit does not have
  /// match nothing.
  Circuit apply(const Circuit& circuit) const;

  /// The JSON form (docs/python.md, "Noise models"):
  /// @verbatim
  ///   {"rules": [{"channel": "depolarizing", "strengths": [0.01], "gates": ["CNOT"], "wires": [0, 1]}],
  ///    "readout": [{"wires": [0], "confusion": [[0.97, 0.05], [0.03, 0.95]]}], "scale": 1.0}
  /// @endverbatim
  std::string to_json() const;
  /// ValueError naming the key, the value and where (e.g. rules[2].strengths[0]) for bad JSON,
  /// unknown keys, channels or gates, wrong strength counts and out-of-range values.
  static NoiseModel from_json(std::string_view text);

  /// One line per rule and readout error, for drawings and logs.
  std::string to_string() const;

 private:
  std::vector<NoiseRule> rules_;
  std::optional<ReadoutConfusion> readout_all_;
  std::vector<std::pair<int, ReadoutConfusion>> readout_wires_;
  double scale_ = 1.0;
};

/// The snake_case name of a channel as the Python methods and the JSON form spell it
/// ("depolarizing", "two_qubit_depolarizing", ..., "kraus"), and back (nullopt when unknown).
std::string_view channel_key(Gate channel);
/// The channel whose channel_key() is `key`; nullopt when none is.
std::optional<Gate> channel_from_key(std::string_view key);

}  // namespace tangle
