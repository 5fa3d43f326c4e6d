// Bad input at every public entry point of the core library (core, ir, sim, diff, io): each call
// must throw tangle::ValueError (MemoryError for sizes too large to allocate) whose message names
// the bad value; never a crash, a hang, a std:: exception of another type or a silent answer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <typeinfo>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/diff/finite_diff.hpp"
#include "tangle/diff/param_shift.hpp"
#include "tangle/io/draw.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/ir/channel.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/daruan.hpp"
#include "tangle/sim/program.hpp"
#include "tangle/sim/sampling.hpp"

#include "error_message.hpp"

namespace tangle {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
constexpr index_t kHuge = index_t{1} << 40;  // a count far beyond any machine's memory

using test::BadCall;
using test::expect_refused;

// A one-weight, one-input circuit on 2 qubits: the program most run calls use.
Program small_program() {
  Circuit c(2);
  const ParamBlock w = c.weights(1), x = c.inputs(1);
  c.rx(x[0], 0).ry(w[0], 1).cnot(0, 1);
  return Program(c, {Readout::expval(pauli_z(0)), Readout::probs({1})});
}

// A circuit without weights or inputs: the batch alone sets the size of a run.
Program constant_program() {
  Circuit c(1);
  c.h(0);
  return Program(c, {Readout::expval(pauli_z(0))});
}

TEST(ApiBoundaryCore, ThreadsAndMemory) {
  expect_refused({
      BAD("-1", resolve_threads(-1)),
      BAD("-7", resolve_threads(-7)),
  });
  expect_refused<MemoryError>({
      BAD("1.0 KiB", check_allocation(4096, 1024, "states")),
      BAD("states", check_allocation(4096, 1024, "states")),
  });
}

TEST(ApiBoundaryExpr, IndicesBlocksAndProducts) {
  const ParamBlock w(ParamKind::Weight, 0, {2, 3});
  const ParamBlock x(ParamKind::Input, 0, {4});
  expect_refused({
      BAD("-1", Expr::weight(-1)),
      BAD("2147483647", Expr::weight(INT32_MAX)),
      BAD("-3", Expr::input(-3)),
      BAD("4294967296", Expr::input(index_t{1} << 32)),
      BAD("-2", ParamBlock(ParamKind::Weight, 0, {3, -2})),
      BAD("6", w[6]),
      BAD("-1", w[-1]),
      BAD("1", w.at({1})),
      BAD("3", w.at({1, 3})),
      BAD("2", w(2)),
      BAD("scalar", ParamBlock(ParamKind::Weight, 0, {})(0)),
      BAD("w[0]", w[0] * w[1]),
      BAD("x[2]", x[0] * x[1] * x[2]),
      BAD("0", x[0] / 0.0),
      BAD("nan", x[0] / kNaN),
      BAD("inf", x[0] * kInf),
      BAD("-5", ParamBlock(ParamKind::Weight, -5, {2})[0]),
  });
}

TEST(ApiBoundaryExpr, BlockSizeOverflowIsRefused) {
  // The product of the dimensions overflows index_t: refused, not wrapped to a small size.
  expect_refused({
      BAD("4294967296", ParamBlock(ParamKind::Weight, 0, {index_t{1} << 32, index_t{1} << 32})),
      BAD("4294967296", Circuit(2).weights(std::vector<index_t>{index_t{1} << 32, index_t{1} << 32})),
  });
}

TEST(ApiBoundaryCircuit, ConstructionAndBlocks) {
  Circuit c(2);
  expect_refused({
      BAD("0", Circuit(0)),
      BAD("-3", Circuit(-3)),
      BAD("41", Circuit(41)),
      BAD("0", c.weights(0)),
      BAD("-2", c.weights(-2)),
      BAD("-1", c.weights(std::vector<index_t>{2, -1})),
      BAD("nan", c.weights(3, WeightInit::uniform(kNaN, 1.0))),
      BAD("inf", c.weights(3, WeightInit::normal(0.0, kInf))),
      BAD("1099511627776", c.weights(kHuge)),
      BAD("0", c.inputs(0)),
      BAD("-4", c.inputs(-4)),
      BAD("-1", c.inputs(std::vector<index_t>{3, -1})),
      BAD("1099511627776", c.inputs(kHuge)),
  });
  EXPECT_EQ(c.n_weights(), 0) << "a refused block must not be declared";
  EXPECT_EQ(c.n_inputs(), 0);
}

TEST(ApiBoundaryCircuit, GatesWiresAndAngles) {
  Circuit c(3);
  const ParamBlock w = c.weights(2), x = c.inputs(2);
  expect_refused({
      BAD("wire 3", c.h(3)),
      BAD("wire -1", c.x(-1)),
      BAD("wire 1", c.cnot(1, 1)),
      BAD("wire 2", c.toffoli(2, 0, 2)),
      BAD("wire 0", c.cswap(0, 1, 0)),
      BAD("nan", c.rx(kNaN, 0)),
      BAD("inf", c.rzz(-kInf, 0, 1)),
      BAD("inf", c.rot(0.1, 0.2, kInf, 0)),
      BAD("nan", c.crot(kNaN, 0.2, 0.3, 0, 1)),
      BAD("wire 1", c.crx(0.1, 1, 1)),
      BAD("w[2]", c.ry(Expr::weight(2), 0)),
      BAD("x[5]", c.rz(Expr::input(5), 0)),
      BAD("wire", c.multirz(0.1, {})),
      BAD("wire 5", c.multirz(0.1, {0, 5})),
      BAD("'Q'", c.pauli_rot(0.1, "XQ", {0, 1})),
      BAD("XY", c.pauli_rot(0.1, "XY", {0})),
      BAD("wire", c.pauli_rot(0.1, "", {})),
      BAD("'a'", parse_pauli_word("Za")),
  });
  Op wrong_angles;
  wrong_angles.gate = Gate::RX;
  wrong_angles.wires = {0};
  Op wrong_arity;
  wrong_arity.gate = Gate::CNOT;
  wrong_arity.wires = {0};
  expect_refused({
      BAD("RX", c.append(wrong_angles)),
      BAD("CNOT", c.append(wrong_arity)),
  });
  EXPECT_TRUE(c.ops().empty()) << "a refused op must not be appended";
}

TEST(ApiBoundaryCircuit, DenseBlocksAndStatePreparation) {
  Circuit c(3);
  const ParamBlock w3 = c.weights(3), x4 = c.inputs(4), x9 = c.inputs(9);
  expect_refused({
      BAD("not unitary", c.unitary({1, 0, 0, 2}, {0})),
      BAD("3", c.unitary({1, 0, 0}, {0})),
      BAD("wire", c.unitary({1}, {})),
      BAD("nan", c.unitary({kNaN, 0, 0, 1}, {0})),
      BAD("11", Circuit(12).unitary({1, 0, 0, 1}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})),
      BAD("15", c.special_unitary(w3, {0, 1})),
      BAD("wire 1", c.special_unitary({1, 1})),
      BAD("input", c.evolution(w3, 1.0, {0})),
      BAD("nan", c.evolution(x4, kNaN, {0})),
      BAD("9", c.amplitude_embedding(x9, {0, 1})),
      BAD("inf", c.amplitude_embedding(x4, {0, 1}, kInf)),
      BAD("norm", c.state_preparation({1, 1}, {0})),
      BAD("3", c.state_preparation({1, 0, 0}, {0, 1})),
      BAD("inf", c.state_preparation({kInf, 0}, {0})),
  });
  c.h(0);
  expect_refused({BAD("first", c.state_preparation({1, 0}, {1}))});
}

TEST(ApiBoundaryCircuit, ChannelStrengthsAndKraus) {
  Circuit c(4);
  const std::vector<cdouble> half_identity = {0.5, 0, 0, 0.5};
  expect_refused({
      BAD("1.5", c.depolarizing(1.5, 0)),
      BAD("-0.1", c.bit_flip(-0.1, 0)),
      BAD("nan", c.phase_flip(kNaN, 0)),
      BAD("wire 1", c.two_qubit_depolarizing(0.1, 1, 1)),
      BAD("1.2", c.pauli_channel(0.5, 0.4, 0.3, 0)),
      BAD("2", c.amplitude_damping(2.0, 0)),
      BAD("1.5", c.generalized_amplitude_damping(0.1, 1.5, 0)),
      BAD("-1", c.phase_damping(-1.0, 0)),
      BAD("0", c.thermal_relaxation(0.0, 1.0, 0.1, 0)),
      BAD("3", c.thermal_relaxation(1.0, 3.0, 0.1, 0)),
      BAD("-0.1", c.thermal_relaxation(1.0, 1.0, -0.1, 0)),
      BAD("wire 9", c.reset(9)),
      BAD("0.75", c.kraus({half_identity}, {0})),
      BAD("matrix", c.kraus({}, {0})),
      BAD("3", c.kraus({{1, 0, 0}}, {0})),
      BAD("4", c.kraus({std::vector<cdouble>(256, 0.0)}, {0, 1, 2, 3})),
      BAD("inf", c.kraus({{kInf, 0, 0, 1}}, {0})),
  });
  EXPECT_FALSE(c.has_channels());
  const double bad[] = {1.5, 0.0, 0.0};
  const double bad_sum[] = {0.5, 0.4, 0.3};
  expect_refused({
      BAD("1.5", check_channel_strengths(Gate::Depolarizing, bad)),
      BAD("PauliChannel", check_channel_strengths(Gate::PauliChannel, bad_sum)),
      BAD("RX", check_channel_strengths(Gate::RX, bad)),
      BAD("AmplitudeDamping", pauli_mixture(Gate::AmplitudeDamping, bad)),
  });
  // A set of the wrong size is infinitely far from complete (a measure, not an error).
  EXPECT_EQ(kraus_completeness_error({1, 0, 0}, 1), kInf);
}

TEST(ApiBoundaryTemplates, ShapesCountsAndWires) {
  Circuit c(3);
  const ParamBlock w6 = c.weights(6), w2x3 = c.weights(std::vector<index_t>{2, 3}),
                   w1x3x3 = c.weights(std::vector<index_t>{1, 3, 3}), w15 = c.weights(15), w1x2 = c.weights(std::vector<index_t>{1, 2});
  const ParamBlock x = c.inputs(4);
  expect_refused({
      BAD("4", angle_embedding(c, exprs(x), {0, 1, 2})),
      BAD("I", angle_embedding(c, exprs(x(0)), {0}, Pauli::I)),
      BAD("0", iqp_embedding(c, {x[0], x[1]}, {0, 1}, 0)),
      BAD("5", iqp_embedding(c, {x[0], x[1]}, {0, 1}, 1, {{0, 5}})),
      BAD("3", basic_entangler_layers(c, w2x3, {0, 1})),
      BAD("range 3", strongly_entangling_layers(c, w1x3x3, {0, 1, 2}, {3})),
      BAD("2", strongly_entangling_layers(c, w1x3x3, {0, 1, 2}, {1, 2})),
      BAD("-1", efficient_su2(c, w6, {0, 1, 2}, -1)),
      BAD("6", efficient_su2(c, w6, {0, 1}, 2)),
      BAD("-2", ry_rz(c, w6, {0, 1, 2}, -2)),
      BAD("0", hardware_efficient(c, w6, {0, 1}, 0)),
      BAD("-1", real_amplitudes(c, w6, {0, 1}, -1)),
      BAD("wire 7", qaoa_layers(c, w1x2, {{0, 7}}, {0, 1, 2})),
      BAD("6", qcnn_convolution(c, w6, {0, 1}, true)),
      BAD("1", qcnn_convolution(c, w15, {0}, true)),
      BAD("15", qcnn_pooling(c, w15, {0, 1})),
      BAD("wire 4", real_amplitudes(c, c.weights(2), {4}, 1)),
  });
}

TEST(ApiBoundaryObservables, PauliSumsAndReadouts) {
  expect_refused({
      BAD("40", PauliSum::single(Pauli::X, 40)),
      BAD("-1", pauli_z(-1)),
      BAD("nan", PauliSum(kNaN)),
      BAD("inf", kInf * pauli_x(0)),
      BAD("nan", pauli_x(0) * kNaN),
      BAD("wire 2", pauli_x(2) * (pauli_z(2) + pauli_y(1))),
      BAD("wire", Readout::probs({})),
      BAD("21", Readout::probs(std::vector<int>(21, 0))),
      BAD("2", Readout::projector({0}, 2)),
      BAD("-1", Readout::projector({0}, -1)),
      BAD("21", Readout::projector(std::vector<int>(21, 0), 0)),
      BAD("not Hermitian", Readout::hermitian({0, 1, 0, 0}, {0})),
      BAD("5", Readout::hermitian({1, 0, 0, 1, 0}, {0})),
      BAD("11", Readout::hermitian({1, 0, 0, 1}, std::vector<int>(11, 0))),
      BAD("wire 3", Readout::probs({0, 3}).check(2)),
      BAD("wire 0", Readout::probs({0, 0}).check(2)),
      BAD("wire -1", Readout::projector({-1}, 0).check(2)),
      BAD("wire 5", Readout::expval(pauli_z(5)).check(2)),
  });
}

TEST(ApiBoundaryNoiseModel, ChannelsMatchesAndRules) {
  const std::vector<cdouble> half = {0.5, 0, 0, 0.5};
  NoiseModel noise;
  noise.add_readout_error(ReadoutConfusion::flips(0.1, 0.1), 1);
  expect_refused({
      BAD("RX", NoiseChannel::make(Gate::RX, {0.1})),
      BAD("2", NoiseChannel::make(Gate::Depolarizing, {0.1, 0.2})),
      BAD("1.5", NoiseChannel::depolarizing(1.5)),
      BAD("nan", NoiseChannel::bit_flip(kNaN)),
      BAD("1.2", NoiseChannel::pauli_channel(0.4, 0.4, 0.4)),
      BAD("-1", NoiseChannel::thermal_relaxation(-1.0, 1.0, 0.1)),
      BAD("matri", NoiseChannel::kraus_set({})),
      BAD("0.75", NoiseChannel::kraus_set({half})),
      BAD("3", NoiseChannel::kraus_set({{1, 0, 0}})),
      BAD("1.5", NoiseChannel::depolarizing(0.5).scaled(3.0)),
      BAD("-1", NoiseChannel::depolarizing(0.1).scaled(-1.0)),
      BAD("nan", NoiseChannel::depolarizing(0.1).scaled(kNaN)),
      BAD("Reset", NoiseChannel::reset().scaled(2.0)),
      BAD("at least one gate", GateMatch::named({})),
      BAD("Depolarizing", GateMatch::named({Gate::Depolarizing})),
      BAD("StatePreparation", GateMatch::named({Gate::StatePreparation})),
      BAD("one-qubit", NoiseModel().add(NoiseChannel::two_qubit_depolarizing(0.1), GateMatch::one_qubit())),
      BAD("wire 0", NoiseModel().add(NoiseChannel::depolarizing(0.1), GateMatch::every(), {0, 0})),
      BAD("-1", NoiseModel().add(NoiseChannel::depolarizing(0.1), GateMatch::every(), {-1})),
      BAD("3", NoiseModel().add(NoiseChannel::two_qubit_depolarizing(0.1), GateMatch::named({Gate::CNOT}), {0, 1, 2})),
      BAD("-2", NoiseModel().add_readout_error(ReadoutConfusion::symmetric(0.1), -2)),
      BAD("wire 1", noise.add_readout_error(ReadoutConfusion::symmetric(0.2), 1)),
      BAD("-1", noise.scaled(-1.0)),
      BAD("nan", noise.scaled(kNaN)),
      BAD("1.2", ReadoutConfusion::flips(0.6, 0.0).scaled(2.0)),
      BAD("1.5", ReadoutConfusion::flips(1.5, 0.0)),
      BAD("nan", ReadoutConfusion::symmetric(kNaN)),
      BAD("-0.1", ReadoutConfusion::flips(0.1, -0.1)),
      BAD("column", ReadoutConfusion::make({{{0.9, 0.2}, {0.2, 0.9}}})),
  });
  // A Hermitian readout cannot be read through readout error.
  Circuit c(2);
  c.h(1);
  expect_refused({BAD("wire 1", Program(c, {Readout::hermitian({1, 0, 0, -1}, {1})}, noise))});
}

TEST(ApiBoundaryNoiseModel, FromJson) {
  expect_refused({
      BAD("JSON", NoiseModel::from_json("{")),
      BAD("JSON", NoiseModel::from_json("")),
      BAD("[1]", NoiseModel::from_json("[1]")),
      BAD("bogus", NoiseModel::from_json(R"({"bogus": 1})")),
      BAD("teleport", NoiseModel::from_json(R"({"rules": [{"channel": "teleport", "strengths": [0.1]}]})")),
      BAD("rules[0].strengths", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1, 0.2]}]})")),
      BAD("1.5", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [1.5]}]})")),
      BAD("rules[0].strengths", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": "0.1"}]})")),
      BAD("rules[0].strengths[0]", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [null]}]})")),
      BAD("FOO", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1], "gates": ["FOO"]}]})")),
      BAD("rules[0].wires[0]", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1], "wires": [1.5]}]})")),
      BAD("rules[0].wires[0]", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1], "wires": [1e20]}]})")),
      BAD("rules[0].wires[0]", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1], "wires": [-1]}]})")),
      BAD("18446744073709551615", NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.1], "wires": [18446744073709551615]}]})")),
      BAD("18446744073709551615", NoiseModel::from_json(R"({"readout": [{"wires": [18446744073709551615], "confusion": [[1, 0], [0, 1]]}]})")),
      BAD("rules[0]", NoiseModel::from_json(R"({"rules": [7]})")),
      BAD("rules", NoiseModel::from_json(R"({"rules": {}})")),
      BAD("readout[0].confusion", NoiseModel::from_json(R"({"readout": [{"wires": [0], "confusion": [[1, 0]]}]})")),
      BAD("readout[0].confusion", NoiseModel::from_json(R"({"readout": [{"wires": [0], "confusion": [[0.9, 0.2], [0.2, 0.9]]}]})")),
      BAD("readout[0].wires[0]", NoiseModel::from_json(R"({"readout": [{"wires": ["a"], "confusion": [[1, 0], [0, 1]]}]})")),
      BAD("-1", NoiseModel::from_json(R"({"scale": -1})")),
      BAD("scale", NoiseModel::from_json(R"({"scale": "big"})")),
      BAD("rules[0]", NoiseModel::from_json(R"({"rules": [{"channel": "kraus", "kraus": [[[0.5, 0], [0, 0.5]]]}]})")),
  });
}

TEST(ApiBoundaryProgram, ConstructionRunSizesAndValues) {
  const Program p = small_program();
  const std::vector<double> x1 = {0.1}, w1 = {0.2};
  Circuit c(2);
  c.h(0);
  expect_refused({
      BAD("readout", Program(c, {})),
      BAD("wire 2", Program(c, {Readout::probs({2})})),
      BAD("batch size 0", forward(p, {}, 0, w1)),
      BAD("-3", forward(p, x1, -3, w1)),
      BAD("inputs have 2", forward(p, {0.1, 0.2}, 1, w1)),
      BAD("weights have 0", forward(p, x1, 1, {})),
      BAD("nan", forward(p, {kNaN}, 1, w1)),
      BAD("inf", forward(p, x1, 1, {kInf})),
      BAD("-2", states(p, x1, -2, w1)),
      BAD("weights have 3", density_matrices(p, x1, 1, {1, 2, 3})),
      BAD("0", memory_estimate(p, 0)),
      BAD("gpu", backend_from_name("gpu")),
      BAD("\"\"", backend_from_name("")),
  });
  // The pointer form checks what it can: the batch.
  double y[3];
  expect_refused({
      BAD("0", forward<double>(p, x1.data(), 0, w1.data(), y)),
      BAD("-1", forward<float>(p, nullptr, -1, nullptr, nullptr)),
  });
}

TEST(ApiBoundaryProgram, RunOptions) {
  const Program p = small_program();
  const std::vector<double> x1 = {0.1}, w1 = {0.2};
  Circuit nc(1);
  nc.h(0).depolarizing(0.1, 0);
  const Program noisy(nc, {Readout::expval(pauli_z(0))});
  auto with = [](auto set) {
    RunOptions o;
    set(o);
    return o;
  };
  const RunOptions threads = with([](RunOptions& o) { o.threads = -2; });
  const RunOptions no_traj = with([](RunOptions& o) { o.backend = Backend::Trajectories; o.trajectories = 0; });
  const RunOptions neg_traj = with([](RunOptions& o) { o.backend = Backend::Trajectories; o.trajectories = -5; });
  const RunOptions sv = with([](RunOptions& o) { o.backend = Backend::StateVector; });
  const RunOptions mps = with([](RunOptions& o) { o.backend = Backend::Mps; });
  const RunOptions bad_backend = with([](RunOptions& o) { o.backend = static_cast<Backend>(42); });
  const RunOptions bad_precision = with([](RunOptions& o) { o.precision = static_cast<Precision>(7); });
  expect_refused({
      BAD("-2", forward(p, x1, 1, w1, threads)),
      BAD("-2", vjp(p, x1, 1, w1, {1, 1, 1}, threads)),
      BAD("-2", jacobian(p, x1, 1, w1, threads)),
      BAD("-2", states(p, x1, 1, w1, threads)),
      BAD("-2", density_matrices(p, x1, 1, w1, threads)),
      BAD("-2", forward_shots(p, x1, 1, w1, 10, 0, threads)),
      BAD("trajectories=0", forward(noisy, {}, 1, {}, no_traj)),
      BAD("-5", forward(noisy, {}, 1, {}, neg_traj)),
      BAD("-5", vjp(noisy, {}, 1, {}, {1.0}, neg_traj)),
      BAD("channels", forward(noisy, {}, 1, {}, sv)),
      BAD("mps", forward(p, x1, 1, w1, mps)),
      BAD("42", forward(p, x1, 1, w1, bad_backend)),
      BAD("42", memory_estimate(p, 1, bad_backend)),
      BAD("7", forward(p, x1, 1, w1, bad_precision)),
      BAD("statevector", density_matrices(p, x1, 1, w1, sv)),
      BAD("14", density_matrices(Program(Circuit(14), {Readout::expval(pauli_z(0))}), {}, 1, {})),
  });
  // A limit below the run's estimate, and batches too large for any machine.
  const RunOptions tiny = with([](RunOptions& o) { o.memory_limit = 16; });
  const Program q = constant_program();
  expect_refused<MemoryError>({
      BAD("16 B", forward(p, x1, 1, w1, tiny)),
      BAD("16 B", states(p, x1, 1, w1, tiny)),
      BAD("16 B", density_matrices(p, x1, 1, w1, tiny)),
      BAD("16 B", vjp(p, x1, 1, w1, {1, 1, 1}, tiny)),
      BAD("needs", forward(q, {}, kHuge, {})),
      BAD("needs", states(q, {}, kHuge, {})),
      BAD("needs", jacobian(q, {}, kHuge, {})),
      BAD("needs", forward_shots(q, {}, kHuge, {}, 1, 0)),
      BAD("needs", sample(q, {}, 1, {}, kHuge, 0)),
  });
}

TEST(ApiBoundaryProgram, ChannelStrengthsSetAtRunTime) {
  Circuit c(1);
  const ParamBlock w = c.weights(1), x = c.inputs(1);
  c.h(0).depolarizing(w[0], 0).bit_flip(x[0], 0);
  const Program p(c, {Readout::expval(pauli_z(0))});
  expect_refused({
      BAD("1.5", forward(p, {0.1}, 1, {1.5})),
      BAD("sample 1", forward(p, {0.1, -0.2}, 2, {0.1})),
      BAD("2", vjp(p, {0.1}, 1, {2.0}, {1.0})),
  });
}

TEST(ApiBoundarySampling, ShotsWiresAndSizes) {
  const Program p = small_program();
  const std::vector<double> x1 = {0.1}, w1 = {0.2};
  expect_refused({
      BAD("shots 0", forward_shots(p, x1, 1, w1, 0, 0)),
      BAD("-5", forward_shots(p, x1, 1, w1, -5, 0)),
      BAD("shots 0", sample(p, x1, 1, w1, 0, 0)),
      BAD("-1", sample(p, x1, 1, w1, -1, 0)),
      BAD("batch size 0", sample(p, {}, 0, w1, 10, 0)),
      BAD("inputs have 3", forward_shots(p, {1, 2, 3}, 1, w1, 10, 0)),
      BAD("wire 2", sample(p, x1, 1, w1, 10, 0, {2})),
      BAD("wire 0", sample(p, x1, 1, w1, 10, 0, {0, 0})),
      BAD("nan", sample(p, {kNaN}, 1, w1, 10, 0)),
  });
}

TEST(ApiBoundaryDiff, AdjointParamShiftFiniteDiff) {
  const Program p = small_program();
  const std::vector<double> x1 = {0.1}, w1 = {0.2}, g3 = {1, 1, 1};
  double out[3], dw[1], dx[1];
  expect_refused({
      BAD("0", vjp<double>(p, x1.data(), 0, w1.data(), g3.data(), out, dw, dx)),
      BAD("cotangent has 2", vjp(p, x1, 1, w1, {1, 1})),
      BAD("nan", vjp(p, x1, 1, w1, {1, kNaN, 1})),
      BAD("-1", jacobian(p, {}, -1, w1)),
      BAD("0", finite_diff_vjp(p, x1, 1, w1, g3, 0.0)),
      BAD("-1", finite_diff_jacobian(p, x1, 1, w1, -1.0)),
      BAD("nan", finite_diff_vjp(p, x1, 1, w1, g3, kNaN)),
      BAD("inf", finite_diff_jacobian(p, x1, 1, w1, kInf)),
      BAD("cotangent has 1", finite_diff_vjp(p, x1, 1, w1, {1.0})),
      BAD("batch size 0", finite_diff_jacobian(p, {}, 0, w1)),
      BAD("-3", param_shift_vjp(p, x1, 1, w1, g3, -3)),
      BAD("-3", param_shift_jacobian(p, x1, 1, w1, -3)),
      BAD("batch size 0", param_shift_jacobian(p, {}, 0, w1)),
      BAD("weights have 2", param_shift_vjp(p, x1, 1, {1, 2}, g3)),
      BAD("nan", param_shift_jacobian(p, x1, 1, {kNaN})),
      BAD("nan", finite_diff_jacobian(p, {kNaN}, 1, w1)),
  });
}

TEST(ApiBoundaryDaruan, ShapesRepsAndValues) {
  const double theta[4] = {0.1, 0.2, 0.3, 0.4}, pre[1] = {1.0}, coef[1] = {1.0};
  const DaruanParams<double> params{theta, pre, pre, coef};
  const double x[1] = {0.5}, bad_x[1] = {kNaN};
  double y[1], dx[1], gt[4], gw[1], gb[1], gc[1];
  const DaruanGrads<double> grads{gt, gw, gb, gc};
  const double g[1] = {1.0};
  expect_refused({
      BAD("0", daruan_forward<double>({0, 1, 1, 1}, x, params, y)),
      BAD("-1", daruan_forward<double>({1, -1, 1, 1}, x, params, y)),
      BAD("reps", daruan_forward<double>({1, 1, 1, 0}, x, params, y)),
      BAD(std::to_string(daruan_max_reps() + 1), daruan_forward<double>({1, 1, 1, daruan_max_reps() + 1}, x, params, y)),
      BAD("nan", daruan_forward<double>({1, 1, 1, 1}, bad_x, params, y)),
      BAD("-3", daruan_forward<double>({1, 1, 1, 1}, x, params, y, -3)),
      BAD("reps", daruan_backward<double>({1, 1, 1, 0}, x, params, g, dx, grads)),
      BAD("nan", daruan_backward<double>({1, 1, 1, 1}, bad_x, params, g, dx, grads)),
  });
}

TEST(ApiBoundaryIo, QasmAndDraw) {
  Circuit c(2);
  const ParamBlock w = c.weights(1), x = c.inputs(1);
  c.rx(w[0] + x[0], 0).cnot(0, 1);
  expect_refused({
      BAD("weights", to_qasm(c, {}, {0.1})),
      BAD("inputs", to_qasm(c, {0.1}, {0.1, 0.2})),
      BAD("nan", to_qasm(c, {kNaN}, {0.1})),
      BAD("line", from_qasm("garbage")),
      BAD("foo", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nfoo q[0];\n")),
      BAD("5", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[5];\n")),
      BAD("q[0]", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncx q[0],q[0];\n")),
      BAD("at least one", from_qasm("OPENQASM 2.0;\nqreg q[0];\n")),
      BAD("100000000000", from_qasm("OPENQASM 2.0;\nqreg q[100000000000];\n")),
      BAD("99999999999999999999", from_qasm("OPENQASM 2.0;\nqreg q[99999999999999999999];\n")),
      BAD("u3", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nu3(0.1) q[0];\n")),
      BAD("if", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\nif(c==1) x q[0];\n")),
      BAD("opaque", from_qasm("OPENQASM 2.0;\nopaque g q;\n")),
      BAD("line 3", read_qasm("OPENQASM 2.0;\nqreg q[1];\nmeasure q[0] -> c[0];\n")),
      BAD("inf", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nrx(1/0) q[0];\n")),
      BAD("nan", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nrx(0/0) q[0];\n")),
      BAD("line 4", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nrx(1e999) q[0];\n")),
      BAD("';'", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nh q[0]\n")),
      BAD("3.0", from_qasm("OPENQASM 3.0;\nqubit q;\n")),
      BAD("line 5", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ngate g(a) x { rx(a) x; }\ng q[0];\n")),
  });
  const std::string deep(100000, '(');
  expect_refused({BAD("line 4", from_qasm("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nrx(" + deep + ") q[0];\n"))});
  DrawOptions negative_width, negative_decimals, many_decimals;
  negative_width.max_width = -5;
  negative_decimals.decimals = -1;
  many_decimals.decimals = 400;
  expect_refused({
      BAD("-5", draw(c, {}, negative_width)),
      BAD("-1", draw(c, {}, negative_decimals)),
      BAD("400", draw(c, {}, many_decimals)),
      BAD("wire 4", draw(c, {Readout::probs({4})})),
  });
  // A width narrower than one column still draws (every column on its own block), and ends.
  DrawOptions narrow;
  narrow.max_width = 1;
  EXPECT_FALSE(draw(c, {Readout::expval(pauli_z(0))}, narrow).empty());
}

}  // namespace
}  // namespace tangle
