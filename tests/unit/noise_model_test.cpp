// Noise models as circuit rewrites: which gates each rule follows (every gate arity, state
// preparations and existing channels never), the scale factor on every strength, the JSON form
// (round trip and every error path), and clear errors for rules that cannot hold.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "tangle/io/draw.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/ir/channel.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::error_of;
using test::has;

// "Name[wires]" or "Name(strengths)[wires]" per op: what a rewrite did, readable in a failure.
std::vector<std::string> summary(const Circuit& c) {
  std::vector<std::string> out;
  for (const Op& op : c.ops()) {
    std::ostringstream s;
    s << gate_info(op.gate).name;
    if (is_channel(op.gate) && !op.angles.empty()) {
      s << "(";
      for (size_t i = 0; i < op.angles.size(); ++i) s << (i ? "," : "") << op.angles[i].constant();
      s << ")";
    }
    s << "[" << detail::join(op.wires, ",") << "]";
    out.push_back(s.str());
  }
  return out;
}

// Four qubits, a gate of every arity (1, 2, 3, 4 wires; fixed, rotations, dense), a state
// preparation first and a channel already in the circuit.
Circuit every_arity() {
  Circuit c(4);
  const ParamBlock x = c.inputs(2);
  const ParamBlock w = c.weights(3);
  const double r = 0.5;
  c.state_preparation({r, r, r, r}, {0, 1});
  c.h(0).rx(w[0], 1).cnot(0, 1).cnot(1, 0).crz(x[0], 2, 3).toffoli(0, 1, 2).multirz(w[1], {0, 1, 2, 3});
  c.depolarizing(0.1, 3);
  c.unitary({1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}, {2, 3}).i(2);
  return c;
}

TEST(NoiseRules, EveryGateOnEachOfItsWires) {
  NoiseModel noise;
  noise.add(NoiseChannel::depolarizing(0.01), GateMatch::every());
  const Circuit noisy = noise.apply(every_arity());
  const std::string d = "Depolarizing(0.01)";
  const std::vector<std::string> want = {
      "StatePreparation[0,1]",
      "H[0]", d + "[0]",
      "RX[1]", d + "[1]",
      "CNOT[0,1]", d + "[0]", d + "[1]",
      "CNOT[1,0]", d + "[1]", d + "[0]",
      "CRZ[2,3]", d + "[2]", d + "[3]",
      "Toffoli[0,1,2]", d + "[0]", d + "[1]", d + "[2]",
      "MultiRZ[0,1,2,3]", d + "[0]", d + "[1]", d + "[2]", d + "[3]",
      "Depolarizing(0.1)[3]",  // a channel of the circuit: no noise after it
      "Unitary[2,3]", d + "[2]", d + "[3]",
      "I[2]", d + "[2]"};
  EXPECT_EQ(summary(noisy), want);
}

TEST(NoiseRules, ByNameArityAndWiresInRuleOrder) {
  NoiseModel noise;
  noise.add(NoiseChannel::two_qubit_depolarizing(0.02), GateMatch::named({Gate::CNOT}), {0, 1});
  noise.add(NoiseChannel::bit_flip(0.03), GateMatch::one_qubit());
  noise.add(NoiseChannel::phase_flip(0.04), GateMatch::two_qubit(), {2, 3});
  noise.add(NoiseChannel::amplitude_damping(0.05), GateMatch::named({Gate::Toffoli, Gate::H}));
  noise.add(NoiseChannel::phase_damping(0.06), GateMatch::every(), {0});
  const std::vector<std::string> want = {
      "StatePreparation[0,1]",
      "H[0]", "BitFlip(0.03)[0]", "AmplitudeDamping(0.05)[0]", "PhaseDamping(0.06)[0]",
      "RX[1]", "BitFlip(0.03)[1]",
      "CNOT[0,1]", "TwoQubitDepolarizing(0.02)[0,1]",
      "CNOT[1,0]",  // the rule's wires are ordered: (1, 0) is not (0, 1)
      "CRZ[2,3]", "PhaseFlip(0.04)[2]", "PhaseFlip(0.04)[3]",
      "Toffoli[0,1,2]", "AmplitudeDamping(0.05)[0]", "AmplitudeDamping(0.05)[1]", "AmplitudeDamping(0.05)[2]",
      "MultiRZ[0,1,2,3]",
      "Depolarizing(0.1)[3]",
      "Unitary[2,3]", "PhaseFlip(0.04)[2]", "PhaseFlip(0.04)[3]",
      "I[2]", "BitFlip(0.03)[2]"};
  EXPECT_EQ(summary(noise.apply(every_arity())), want);
}

TEST(NoiseRules, KeepParameterBlocksSoTheSameWeightsRun) {
  const Circuit c = every_arity();
  NoiseModel noise;
  noise.add(NoiseChannel::depolarizing(0.0), GateMatch::every());
  const Circuit noisy = noise.apply(c);
  EXPECT_EQ(noisy.n_qubits(), c.n_qubits());
  EXPECT_EQ(noisy.n_weights(), c.n_weights());
  EXPECT_EQ(noisy.n_inputs(), c.n_inputs());
  ASSERT_EQ(noisy.weight_blocks().size(), c.weight_blocks().size());
  EXPECT_EQ(noisy.initial_weights(3), c.initial_weights(3));
  // Channels of strength 0 change nothing: the noisy program gives the pure outputs.
  const std::vector<double> x = {0.3, -0.7, 0.9, 0.2}, w = {0.4, 1.1, -0.6};
  const std::vector<Readout> r = {Readout::expval(pauli_z(0) * pauli_z(3)), Readout::probs({2, 1})};
  RunOptions dm;
  dm.backend = Backend::DensityMatrix;
  EXPECT_TRUE(test::all_near(forward(Program(c, r, noise), x, 2, w, dm), forward(Program(c, r), x, 2, w),
                             test::tol<double>().scaled(10), "zero-strength noise"));
}

TEST(NoiseRules, ClearErrorsForRulesThatCannotHold) {
  NoiseModel m;
  const NoiseChannel two = NoiseChannel::two_qubit_depolarizing(0.1);
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(two, GateMatch::every()); }),
                  "a channel on 2 wires goes only after gates on 2 wires"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(two, GateMatch::one_qubit()); }), "not after one-qubit gates"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(two, GateMatch::named({Gate::CNOT, Gate::H})); }),
                  "not after H (1 wires)"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(two, GateMatch::every(), {0, 1, 2}); }), "not on the rule's 3"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(NoiseChannel::depolarizing(0.1), GateMatch::every(), {2, 2}); }),
                  "wire 2 appears more than once"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(NoiseChannel::depolarizing(0.1), GateMatch::named({Gate::CNOT}), {0}); }),
                  "CNOT acts on 2 wires, never on the rule's 1"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(NoiseChannel::depolarizing(0.1), GateMatch::two_qubit(), {1}); }),
                  "two-qubit gates never act on 1 wires"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add(NoiseChannel::depolarizing(0.1), GateMatch::every(), {-1}); }),
                  "wire -1 is out of range"));
  EXPECT_TRUE(m.rules().empty()) << "a refused rule is not added";
  // A gate of any arity named by a two-qubit channel's rule is checked where it is met.
  NoiseModel multi;
  multi.add(two, GateMatch::named({Gate::MultiRZ}));
  EXPECT_TRUE(has(error_of<ValueError>([&] { multi.apply(every_arity()); }),
                  "noise rule 0 (TwoQubitDepolarizing(0.1) after MultiRZ on every wire) matched MultiRZ on wires 0, 1, "
                  "2, 3: a channel on 2 wires goes only after gates on 2 wires"));
  EXPECT_TRUE(has(error_of<ValueError>([] { GateMatch::named({Gate::Depolarizing}); }),
                  "Depolarizing is a channel: noise rules attach channels after gates"));
  EXPECT_TRUE(has(error_of<ValueError>([] { GateMatch::named({Gate::AmplitudeEmbedding}); }),
                  "AmplitudeEmbedding prepares the initial state"));
  EXPECT_TRUE(has(error_of<ValueError>([] { GateMatch::named({}); }), "needs at least one gate"));
}

TEST(NoiseChannels, ValidatedWithTheChannelChecks) {
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::depolarizing(1.5); }), "Depolarizing: p = 1.5 is outside [0, 1]"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::pauli_channel(0.5, 0.4, 0.3); }), "px + py + pz = 1.2"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::thermal_relaxation(1.0, 3.0, 0.1); }), "exceeds 2 * t1"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::amplitude_damping(NAN); }), "is not finite"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::make(Gate::H, {}); }), "H is not a channel"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::make(Gate::Depolarizing, {0.1, 0.2}); }),
                  "Depolarizing takes 1 strengths but 2 were given"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::kraus_set({{1, 0, 0, 0.5}}); }), "not trace preserving"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::kraus_set({{1, 0, 0}}); }), "4, 16 or 64"));
  EXPECT_TRUE(has(error_of<ValueError>([] { NoiseChannel::make(Gate::BitFlip, {0.1}, {{1, 0, 0, 1}}); }),
                  "takes no Kraus matrices"));
  EXPECT_EQ(NoiseChannel::kraus_set({{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}}).n_wires(), 2);
}

TEST(ReadoutConfusions, ColumnsAreDistributionsOverTheMeasuredBit) {
  const ReadoutConfusion c = ReadoutConfusion::make({{{0.97, 0.05}, {0.03, 0.95}}});
  EXPECT_DOUBLE_EQ(c.p10(), 0.03);
  EXPECT_DOUBLE_EQ(c.p01(), 0.05);
  EXPECT_TRUE(has(error_of<ValueError>([] { ReadoutConfusion::make({{{0.9, 0.2}, {0.2, 0.8}}}); }),
                  "readout confusion column 0 (true 0) sums to 1.1"));
  EXPECT_TRUE(has(error_of<ValueError>([] { ReadoutConfusion::make({{{1.2, 0.0}, {-0.2, 1.0}}}); }),
                  "entry [0][0] = 1.2 is not a probability"));
  EXPECT_TRUE(has(error_of<ValueError>([] { ReadoutConfusion::flips(-0.1, 0.0); }), "P(1 | 0) = -0.10000000000000001"));
  NoiseModel m;
  m.add_readout_error(ReadoutConfusion::symmetric(0.1), 1);
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.add_readout_error(ReadoutConfusion::symmetric(0.2), 1); }),
                  "already has a readout error on wire 1"));
  m.add_readout_error(ReadoutConfusion::symmetric(0.3));
  EXPECT_DOUBLE_EQ(m.readout_error(1)->p10(), 0.1) << "a wire's own error replaces the every-wire one";
  EXPECT_DOUBLE_EQ(m.readout_error(5)->p10(), 0.3);
  EXPECT_FALSE(NoiseModel().readout_error(0).has_value());
}

TEST(NoiseScale, MultipliesEveryStrength) {
  NoiseModel m;
  m.add(NoiseChannel::depolarizing(0.1), GateMatch::named({Gate::H}));
  m.add(NoiseChannel::pauli_channel(0.1, 0.05, 0.02), GateMatch::named({Gate::H}));
  m.add(NoiseChannel::generalized_amplitude_damping(0.2, 0.3), GateMatch::named({Gate::H}));
  m.add(NoiseChannel::thermal_relaxation(50.0, 70.0, 0.4), GateMatch::named({Gate::H}));
  m.add(NoiseChannel::two_qubit_depolarizing(0.06), GateMatch::two_qubit());
  m.add_readout_error(ReadoutConfusion::flips(0.02, 0.04));
  const NoiseModel half = m.scaled(0.5);
  EXPECT_DOUBLE_EQ(half.scale(), 0.5);
  EXPECT_EQ(half.rules()[0].channel.strengths, std::vector<double>{0.1}) << "rules keep their own strengths";
  Circuit c(2);
  c.h(0).cnot(0, 1);
  const std::vector<std::string> want = {"H[0]",
                                         "Depolarizing(0.05)[0]",
                                         "PauliChannel(0.05,0.025,0.01)[0]",
                                         "GeneralizedAmplitudeDamping(0.1,0.3)[0]",  // p is the bath's, not a strength
                                         "ThermalRelaxation(50,70,0.2)[0]",          // the gate time scales
                                         "CNOT[0,1]",
                                         "TwoQubitDepolarizing(0.03)[0,1]"};
  EXPECT_EQ(summary(half.apply(c)), want);
  EXPECT_DOUBLE_EQ(half.readout_error(0)->p10(), 0.01);
  EXPECT_DOUBLE_EQ(half.readout_error(0)->p01(), 0.02);
  EXPECT_DOUBLE_EQ(m.scaled(2.0).scaled(0.5).scale(), 1.0);
  // Scaling by 0 switches the noise off: the channels are identities, the readout perfect.
  EXPECT_TRUE(m.scaled(0.0).readout_errors(2).empty());
}

TEST(NoiseScale, ScalesTheNoiseAnOutputSees) {
  // X then depolarizing(p) on |0>: <Z> = -(1 - 4p/3); scaled by f, p becomes f p.
  Circuit c(1);
  c.x(0);
  NoiseModel m;
  m.add(NoiseChannel::depolarizing(0.09), GateMatch::every());
  RunOptions dm;
  dm.backend = Backend::DensityMatrix;
  for (double f : {0.0, 1.0, 2.0, 3.0}) {
    const Program p(c, {Readout::expval(pauli_z(0))}, m.scaled(f));
    EXPECT_TRUE(test::near(forward(p, {}, 1, {}, dm)[0], -(1.0 - 4.0 * 0.09 * f / 3.0), test::tol<double>(),
                           test::str("scale ", f)));
  }
}

TEST(NoiseScale, ClearErrorsNamingTheRule) {
  NoiseModel m;
  m.add(NoiseChannel::depolarizing(0.5), GateMatch::every());
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.scaled(3.0); }),
                  "noise rule 0 (Depolarizing(0.5) after every gate on every wire) scaled by 3: Depolarizing: p = 1.5 "
                  "is outside [0, 1]"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { m.scaled(-1.0); }), "noise scale factor -1 must be finite and non-negative"));
  NoiseModel readout;
  readout.add_readout_error(ReadoutConfusion::flips(0.4, 0.3), 2);
  EXPECT_TRUE(has(error_of<ValueError>([&] { readout.scaled(3.0); }),
                  "readout error on wire 2 scaled by 3: readout flip probability P(1 | 0) = 1.2"));
  NoiseModel kraus;
  kraus.add(NoiseChannel::kraus_set({{0, 1, 1, 0}}), GateMatch::every());
  EXPECT_NO_THROW(kraus.scaled(1.0));
  EXPECT_TRUE(has(error_of<ValueError>([&] { kraus.scaled(2.0); }),
                  "noise rule 0 (Kraus(1 matrix on 1 wire) after every gate on every wire) scaled by 2: Kraus has no "
                  "strength to scale: it scales only by 1, not 2"));
  NoiseModel reset;
  reset.add(NoiseChannel::reset(), GateMatch::named({Gate::X}));
  EXPECT_TRUE(has(error_of<ValueError>([&] { reset.scaled(0.5); }), "Reset has no strength to scale"));
  // A rule added to a scaled model is checked at the model's scale.
  const NoiseModel doubled = NoiseModel().scaled(2.0);
  NoiseModel copy = doubled;
  EXPECT_TRUE(has(error_of<ValueError>([&] { copy.add(NoiseChannel::bit_flip(0.6), GateMatch::every()); }),
                  "scaled by the model's 2: BitFlip: p = 1.2"));
}

TEST(NoiseRules, DrawingsShowTheChannelsAndQasmNotesEachOne) {
  NoiseModel m;
  m.add(NoiseChannel::depolarizing(0.01), GateMatch::one_qubit());
  m.add(NoiseChannel::two_qubit_depolarizing(0.02), GateMatch::two_qubit());
  m.add(NoiseChannel::thermal_relaxation(50.0, 70.0, 0.25), GateMatch::named({Gate::RX}));
  Circuit c(2);
  c.h(0).cnot(0, 1).rx(0.5, 1);
  const Circuit noisy = m.apply(c);
  const std::string text = draw(noisy);
  EXPECT_TRUE(has(text, "Depolarizing(0.01)"));
  EXPECT_TRUE(has(text, "╭TwoQubitDepolarizing(0.02)")) << text;
  EXPECT_TRUE(has(text, "╰TwoQubitDepolarizing(0.02)")) << text;
  EXPECT_TRUE(has(text, "ThermalRelaxation(50.00,70.00,0.25)")) << text;
  const std::string q = to_qasm(noisy, {}, {});
  size_t comments = 0;
  for (size_t at = q.find("// channel "); at != std::string::npos; at = q.find("// channel ", at + 1)) ++comments;
  size_t channels = 0;
  for (const Op& op : noisy.ops()) channels += is_channel(op.gate);
  EXPECT_EQ(channels, 4u);
  EXPECT_EQ(comments, channels) << q;
  EXPECT_TRUE(has(q, "// channel ThermalRelaxation(50, 70, 0.25) on q[1] is not part of OpenQASM 2.0"));
}

// --- JSON -----------------------------------------------------------------------------------------

NoiseModel every_kind() {
  NoiseModel m;
  const double g = 0.3;
  const std::vector<std::vector<cdouble>> damping = {{1, 0, 0, std::polar(std::sqrt(1 - g), 0.4)},
                                                     {0, cdouble(0, std::sqrt(g)), 0, 0}};
  m.add(NoiseChannel::depolarizing(0.01), GateMatch::every());
  m.add(NoiseChannel::two_qubit_depolarizing(0.02), GateMatch::named({Gate::CNOT, Gate::CZ}), {0, 1});
  m.add(NoiseChannel::bit_flip(0.03), GateMatch::one_qubit(), {2});
  m.add(NoiseChannel::phase_flip(0.04), GateMatch::two_qubit());
  m.add(NoiseChannel::pauli_channel(0.01, 0.02, 0.03), GateMatch::named({Gate::RX}));
  m.add(NoiseChannel::amplitude_damping(0.05), GateMatch::named({Gate::RY}));
  m.add(NoiseChannel::generalized_amplitude_damping(0.06, 0.7), GateMatch::named({Gate::RZ}));
  m.add(NoiseChannel::phase_damping(0.07), GateMatch::named({Gate::H}));
  m.add(NoiseChannel::thermal_relaxation(40.0, 60.0, 0.35), GateMatch::every(), {1});
  m.add(NoiseChannel::reset(), GateMatch::named({Gate::Toffoli}));
  m.add(NoiseChannel::kraus_set(damping), GateMatch::named({Gate::T}));
  m.add_readout_error(ReadoutConfusion::flips(0.02, 0.03));
  m.add_readout_error(ReadoutConfusion::make({{{0.97, 0.05}, {0.03, 0.95}}}), 0);
  return m;
}

TEST(NoiseJson, RoundTripsEveryChannelRuleAndReadout) {
  const NoiseModel m = every_kind();
  const std::string text = m.to_json();
  const NoiseModel back = NoiseModel::from_json(text);
  EXPECT_EQ(back.to_json(), text);
  Circuit c(3);
  c.h(0).cnot(0, 1).cz(1, 2).rx(0.1, 2).ry(0.2, 1).rz(0.3, 0).t(2).toffoli(0, 1, 2);
  const Circuit a = m.apply(c), b = back.apply(c);
  EXPECT_EQ(summary(a), summary(b));
  ASSERT_EQ(a.ops().size(), b.ops().size());
  for (size_t i = 0; i < a.ops().size(); ++i) EXPECT_EQ(a.ops()[i].matrix, b.ops()[i].matrix) << "op " << i;
  for (int q = 0; q < 3; ++q) {
    EXPECT_EQ(back.readout_error(q)->p10(), m.readout_error(q)->p10()) << "wire " << q;
    EXPECT_EQ(back.readout_error(q)->p01(), m.readout_error(q)->p01()) << "wire " << q;
  }
  // A scaled model keeps its rules and its factor.
  NoiseModel plain;
  plain.add(NoiseChannel::depolarizing(0.1), GateMatch::every()).add_readout_error(ReadoutConfusion::flips(0.1, 0.2), 1);
  const NoiseModel scaled = NoiseModel::from_json(plain.scaled(0.25).to_json());
  EXPECT_EQ(scaled.scale(), 0.25);
  EXPECT_EQ(scaled.rules()[0].channel.strengths, std::vector<double>{0.1});
  EXPECT_EQ(summary(scaled.apply(c))[1], "Depolarizing(0.025)[0]");
  EXPECT_DOUBLE_EQ(scaled.readout_error(1)->p01(), 0.05);
}

TEST(NoiseJson, ReadsTheDocumentedSchemaWithDefaults) {
  const NoiseModel m = NoiseModel::from_json(R"({
    "rules": [{"channel": "depolarizing", "strengths": [0.01], "gates": ["CNOT"], "wires": [0, 1]},
              {"channel": "amplitude_damping", "strengths": [0.02]},
              {"channel": "reset", "gates": ["cnot", "h"]}],
    "readout": [{"wires": [0], "confusion": [[0.97, 0.05], [0.03, 0.95]]},
                {"confusion": [[0.99, 0.02], [0.01, 0.98]]}],
    "scale": 1.0})");
  ASSERT_EQ(m.rules().size(), 3u);
  EXPECT_EQ(m.rules()[0].wires, (std::vector<int>{0, 1}));
  EXPECT_EQ(m.rules()[1].gates.kind, GateMatch::Kind::Every) << "gates default to every gate";
  EXPECT_TRUE(m.rules()[1].wires.empty()) << "wires default to every wire";
  EXPECT_EQ(m.rules()[2].gates.names, (std::vector<Gate>{Gate::CNOT, Gate::H})) << "gate names in any case";
  EXPECT_DOUBLE_EQ(m.readout_error(0)->p10(), 0.03);
  EXPECT_DOUBLE_EQ(m.readout_error(0)->p01(), 0.05);
  EXPECT_DOUBLE_EQ(m.readout_error(7)->p10(), 0.01);
  EXPECT_TRUE(NoiseModel::from_json("{}").empty());
}

TEST(NoiseJson, ErrorsNameTheKeyTheValueAndWhere) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"rules\": [", "noise model JSON: not valid JSON at byte"},
      // Found by fuzz_noise_model: nlohmann's out_of_range escaped instead of a ValueError.
      {"77E777388", "noise model JSON: not valid JSON: [json.exception.out_of_range.406] number overflow"},
      {"[1, 2]", "the top level: [1,2] is not an object"},
      {R"({"rule": []})", "the top level: unknown key \"rule\" (known: rules, readout, scale)"},
      {R"({"rules": {}})", "rules: {} is not a list"},
      {R"({"rules": [3]})", "rules[0]: 3 is not an object"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "wire": [0]}]})",
       "rules[0]: unknown key \"wire\" (known: channel, strengths, kraus, gates, wires)"},
      {R"({"rules": [{"strengths": [0.1]}]})", "rules[0]: needs a \"channel\" (one of depolarizing, "},
      {R"({"rules": [{"channel": "depolarising", "strengths": [0.1]}]})",
       "rules[0].channel: \"depolarising\" is not a channel (known: depolarizing, two_qubit_depolarizing,"},
      {R"({"rules": [{"channel": 5}]})", "rules[0].channel: 5 is not a channel name"},
      {R"({"rules": [{"channel": "pauli_channel", "strengths": [0.1, 0.2]}]})",
       "rules[0].strengths: [0.1,0.2] has 2 values but pauli_channel takes 3"},
      {R"({"rules": [{"channel": "bit_flip"}]})", "rules[0]: needs \"strengths\": bit_flip takes 1"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": ["0.1"]}]})", "rules[0].strengths[0]: \"0.1\" is not a number"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1]}, {"channel": "depolarizing", "strengths": [1.5]}]})",
       "rules[1]: Depolarizing: p = 1.5 is outside [0, 1]"},
      {R"({"rules": [{"channel": "thermal_relaxation", "strengths": [1, 3, 0.1]}]})",
       "rules[0]: ThermalRelaxation: t2 = 3 exceeds 2 * t1 = 2"},
      {R"({"rules": [{"channel": "kraus"}]})", "rules[0]: needs \"kraus\": a list of matrices"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "kraus": []}]})",
       "rules[0].kraus: only the kraus channel takes matrices, not bit_flip"},
      {R"({"rules": [{"channel": "kraus", "kraus": [[[1, 0], [0]]]}]})",
       "rules[0].kraus[0][1]: has 1 entries but the matrix has 2 rows (it must be square)"},
      {R"({"rules": [{"channel": "kraus", "kraus": [[[1, 0], [0, "i"]]]}]})",
       "rules[0].kraus[0][1][1]: \"i\" is not a number or a [re, im] pair"},
      {R"({"rules": [{"channel": "kraus", "kraus": [[[1, 0], [0, 0.5]]]}]})", "rules[0]: Kraus noise channel is not trace preserving"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "gates": "some"}]})",
       "rules[0].gates: \"some\" is not \"all\", \"one_qubit\", \"two_qubit\" or a list of gate names"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "gates": ["H", "CX"]}]})",
       "rules[0].gates[1]: \"CX\" is not a gate name"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "gates": ["BitFlip"]}]})",
       "rules[0].gates: BitFlip is a channel"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "wires": [0.5]}]})",
       "rules[0].wires[0]: 0.5 is not a wire number"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.1], "wires": [-2]}]})",
       "rules[0].wires[0]: wire -2 is out of range [0, 40)"},
      {R"({"rules": [{"channel": "two_qubit_depolarizing", "strengths": [0.1], "gates": "all"}]})",
       "rules[0]: noise rule 0 (TwoQubitDepolarizing(0.1) after every gate on every wire): a channel on 2 wires"},
      {R"({"readout": [{"wires": [0]}]})", "readout[0]: needs \"confusion\""},
      {R"({"readout": [{"confusion": [[1, 0]]}]})", "readout[0].confusion: [[1,0]] is not a 2x2 matrix"},
      {R"({"readout": [{"confusion": [[0.9, 0.1], [0.2, 0.9]]}]})",
       "readout[0].confusion: readout confusion column 0 (true 0) sums to 1.1000000000000001"},
      {R"({"readout": [{"confusion": [[1, 0], [0, 1]], "wires": [1, 1]}]})",
       "readout[0].wires[1]: the noise model already has a readout error on wire 1"},
      {R"({"readout": [{"confusion": [[1, 0], [0, 1]], "flip": 0.1}]})",
       "readout[0]: unknown key \"flip\" (known: wires, confusion)"},
      {R"({"scale": "2"})", "scale: \"2\" is not a number"},
      {R"({"scale": -1})", "scale: noise scale factor -1 must be finite and non-negative"},
      {R"({"rules": [{"channel": "bit_flip", "strengths": [0.4]}], "scale": 3})",
       "scale: noise rule 0 (BitFlip(0.4) after every gate on every wire) scaled by 3: BitFlip: p = 1.2"},
  };
  for (const auto& [text, part] : cases) {
    const std::string message = error_of<ValueError>([&] { NoiseModel::from_json(text); });
    EXPECT_TRUE(has(message, part)) << "for " << text;
    EXPECT_TRUE(has(message, "noise model JSON: ")) << "for " << text;
  }
}

}  // namespace
}  // namespace tangle
