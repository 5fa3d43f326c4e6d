// Bad input at every public entry point of the algorithms (tangle/algo): each call must throw
// tangle::ValueError whose message names the bad value; never a crash, a hang, a std:: exception
// of another type or a silent answer. (The core's entry points: tests/unit/api_boundary_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <typeinfo>
#include <vector>

#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/metric_tensor.hpp"
#include "tangle/algo/optimizers.hpp"
#include "tangle/algo/readout_mitigation.hpp"
#include "tangle/algo/vqe.hpp"
#include "tangle/algo/zne.hpp"
#include "tangle/core/error.hpp"

#include "error_message.hpp"

namespace tangle::algo {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

using test::BadCall;
using test::expect_refused;

TEST(ApiBoundaryHamiltonian, TextModelsAndGroundEnergy) {
  expect_refused({
      BAD("Q", parse_pauli_sum("0.5 Q0")),
      BAD("column", parse_pauli_sum("Z")),
      BAD("wire 0", parse_pauli_sum("Z0 X0")),
      BAD("column", parse_pauli_sum("Z-1")),
      BAD("too large", parse_pauli_sum("Z99999999999")),
      BAD("40", parse_pauli_sum("Z40")),
      BAD("1e999", parse_pauli_sum("1e999 Z0")),
      BAD("terms", parse_pauli_sum("")),
      BAD("column", parse_pauli_sum("0.5 Z0 0.3 X1")),
      BAD("0", transverse_field_ising(0)),
      BAD("41", transverse_field_ising(41)),
      BAD("2147483647", transverse_field_ising(INT32_MAX)),
      BAD("2147483647", heisenberg_xxz(INT32_MAX)),
      BAD("nan", transverse_field_ising(2, kNaN)),
      BAD("1", heisenberg_xxz(1)),
      BAD("inf", heisenberg_xxz(2, 1.0, kInf)),
      BAD("-2", z_string(-2)),
      BAD("41", z_string(41)),
      BAD("0", h2_sto3g(0.0)),
      BAD("nan", h2_sto3g(kNaN)),
      BAD("helium", builtin_hamiltonian("helium", 2)),
      BAD("3", builtin_hamiltonian("h2", 3)),
      BAD("25", ground_energy(pauli_z(0), 25)),
      BAD("0", ground_energy(pauli_z(0), 0)),
      BAD("wire 3", ground_energy(pauli_z(3), 2)),
  });
  expect_refused<RuntimeError>({BAD("/nonexistent/h.txt", read_pauli_sum("/nonexistent/h.txt"))});
}

TEST(ApiBoundaryMetricTensor, SizesValuesAndOps) {
  Circuit c(2);
  const ParamBlock w = c.weights(2), x = c.inputs(1);
  c.rx(w[0] + x[0], 0).ry(w[1], 1);
  Circuit controlled(2);
  controlled.crx(controlled.weights(1)[0], 0, 1);
  expect_refused({
      BAD("3", metric_tensor(c, {0.1}, {1, 2, 3})),
      BAD("2", metric_tensor(c, {0.1, 0.2}, {1, 2})),
      BAD("nan", metric_tensor(c, {0.1}, {kNaN, 0.2})),
      BAD("inf", metric_tensor(c, {kInf}, {0.1, 0.2})),
      BAD("CRX", metric_tensor(controlled, {}, {0.1})),
  });
}

TEST(ApiBoundaryOptimizers, NamesObjectivesAndOptions) {
  const Objective value_only{[](const std::vector<double>& x) { return x[0] * x[0]; }, {}, {}};
  const Objective with_gradient{value_only.value,
                                [](const std::vector<double>& x, std::vector<double>& g) {
                                  g = {2 * x[0]};
                                  return x[0] * x[0];
                                },
                                [](const std::vector<double>&) { return std::vector<double>{1.0}; }};
  auto opts = [](auto set) {
    OptimizerOptions o;
    set(o);
    return o;
  };
  const std::vector<double> x0 = {1.0};
  expect_refused({
      BAD("lbfgs", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.method = "lbfgs"; }))),
      BAD("gradient", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.method = "adam"; }))),
      BAD("metric", minimize(Objective{value_only.value, with_gradient.gradient, {}}, x0,
                             opts([](OptimizerOptions& o) { o.method = "qng"; }))),
      BAD("objective", minimize(Objective{}, x0, OptimizerOptions{})),
      BAD("0", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.max_iterations = 0; }))),
      BAD("parameters", minimize(value_only, {}, OptimizerOptions{})),
      BAD("nan", minimize(value_only, {kNaN}, OptimizerOptions{})),
      BAD("-1", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.step = -1; }))),
      BAD("1.5", minimize(with_gradient, x0, opts([](OptimizerOptions& o) { o.method = "aqgd"; o.momentum = 1.5; }))),
      BAD("0", minimize(with_gradient, x0, opts([](OptimizerOptions& o) { o.method = "aqgd"; o.averaging = 0; }))),
      BAD("lower", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.lower = 2; o.upper = 1; }))),
      BAD("nan", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.tolerance = kNaN; }))),
      BAD("-1", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.tolerance = -1; }))),
      BAD("nan", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.method = "spsa"; o.spsa_c = kNaN; }))),
      BAD("0", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.method = "spsa"; o.spsa_c = 0; }))),
      BAD("-0.5", minimize(with_gradient, x0, opts([](OptimizerOptions& o) { o.method = "qng"; o.qng_lambda = -0.5; }))),
      BAD("inf", minimize(value_only, x0, opts([](OptimizerOptions& o) { o.method = "bobyqa"; o.lower = -kInf; }))),
  });
  EXPECT_FALSE(optimizer_needs_gradient("cobyla"));
}

TEST(ApiBoundaryReadoutMitigation, CalibrationAndUnfolding) {
  const std::vector<ReadoutConfusion> conf = {ReadoutConfusion::flips(0.1, 0.1), ReadoutConfusion::flips(0.5, 0.5)};
  expect_refused({
      BAD("0", calibrate_readout(NoiseModel(), 0)),
      BAD("-1", calibrate_readout(NoiseModel(), 1, -1)),
      BAD("41", calibrate_readout(NoiseModel(), 41)),
      BAD("median", unfolding_from_name("median")),
      BAD("0", mitigate_probabilities({}, 1, {}, conf)),
      BAD("0", mitigate_probabilities({0.5, 0.5}, 0, {0}, conf)),
      BAD("3", mitigate_probabilities({0.5, 0.25, 0.25}, 1, {0}, conf)),
      BAD("wire 2", mitigate_probabilities({0.5, 0.5}, 1, {2}, conf)),
      BAD("wire -1", mitigate_probabilities({0.5, 0.5}, 1, {-1}, conf)),
      BAD("wire 1", mitigate_probabilities({0.5, 0.5}, 1, {1}, conf)),
      BAD("nan", mitigate_probabilities({kNaN, 0.5}, 1, {0}, conf)),
      BAD("wire 0", mitigate_probabilities({0.25, 0.25, 0.25, 0.25}, 1, {0, 0}, conf)),
  });
}

TEST(ApiBoundaryVqe, AnsatzGradientAndRun) {
  Circuit with_inputs(2);
  with_inputs.rx(with_inputs.inputs(1)[0], 0);
  const Circuit ansatz = vqe_ansatz("real-amplitudes", 2, 1);
  const std::vector<double> w(static_cast<size_t>(ansatz.n_weights()), 0.1);
  auto opts = [](auto set) {
    VqeOptions o;
    o.optimizer.max_iterations = 2;
    set(o);
    return o;
  };
  expect_refused({
      BAD("uccsd", vqe_ansatz("uccsd", 2, 1)),
      BAD("0", vqe_ansatz("ry-rz", 0, 1)),
      BAD("-1", vqe_ansatz("ry-rz", 2, -1)),
      BAD("0", vqe_ansatz("hardware-efficient", 2, 0)),
      BAD("backprop", gradient_method_from_name("backprop")),
      BAD("inputs", vqe(with_inputs, pauli_z(0), {}, VqeOptions{})),
      BAD("wire 2", vqe(ansatz, pauli_z(2), w, VqeOptions{})),
      BAD("3", vqe(ansatz, pauli_z(0), {1, 2, 3}, VqeOptions{})),
      BAD("-5", vqe(ansatz, pauli_z(0), w, opts([](VqeOptions& o) { o.shots = -5; }))),
      BAD("shots", vqe(ansatz, pauli_z(0), w, opts([](VqeOptions& o) { o.shots = 10; o.optimizer.method = "gd"; }))),
      BAD("nan", vqe(ansatz, pauli_z(0), {kNaN, 0.1, 0.1, 0.1}, VqeOptions{})),
  });
}

TEST(ApiBoundaryZne, FoldingExtrapolationAndRuns) {
  Circuit c(1);
  c.rx(0.3, 0).depolarizing(0.1, 0);
  Circuit g(1);
  g.rx(0.3, 0);
  Op channel_op = c.ops()[1];
  const NoiseModel noise = NoiseModel().add(NoiseChannel::depolarizing(0.01), GateMatch::every());
  const std::vector<Readout> z = {Readout::expval(pauli_z(0))};
  auto opts = [](auto set) {
    ZneOptions o;
    set(o);
    return o;
  };
  const Extrapolation rich = Extrapolation::richardson();
  expect_refused({
      BAD("Depolarizing", inverse(channel_op)),
      BAD("sideways", folding_from_name("sideways")),
      BAD("0.5", fold(g, 0.5)),
      BAD("nan", fold(g, kNaN)),
      BAD("inf", fold(g, kInf)),
      BAD("Depolarizing", fold(c, 3.0, Folding::Global)),
      BAD("0", Extrapolation::polynomial(0)),
      BAD("11", Extrapolation::polynomial(11)),
      BAD("0", Extrapolation::poly_exponential(0)),
      BAD("nan", Extrapolation::exponential(kNaN)),
      BAD("spline", Extrapolation::from_name("spline")),
      BAD("poly", Extrapolation::from_name("poly")),
      BAD("polyx", Extrapolation::from_name("polyx")),
      BAD("custom", Extrapolation::custom("custom", {})),
      BAD("2", rich.at_zero({1, 2}, {0.5})),
      BAD("2", Extrapolation::linear().at_zero({1}, {0.5})),
      BAD("-1", rich.at_zero({-1, 1}, {0.5, 0.4})),
      BAD("appears twice", rich.at_zero({1, 1}, {0.5, 0.4})),
      BAD("nan", rich.at_zero({1, 2}, {0.5, kNaN})),
      BAD("both sides", Extrapolation::exponential(0.0).at_zero({1, 2}, {0.5, -0.4})),
      BAD("richardson", rich.decay_rate({1, 2}, {0.5, 0.4})),
      BAD("1", zne(g, z, noise, {}, 1, {}, opts([](ZneOptions& o) { o.scales = {1}; }))),
      BAD("0.5", zne(g, z, noise, {}, 1, {}, opts([](ZneOptions& o) { o.scales = {0.5, 1, 2}; }))),
      BAD("0", zne(g, z, noise, {}, 1, {}, opts([](ZneOptions& o) { o.folding = Folding::Random; o.repetitions = 0; }))),
      BAD("-3", zne(g, z, noise, {}, 1, {}, opts([](ZneOptions& o) { o.scales = {1, 3}; o.shots = -3; }))),
      BAD("batch size 0", zne(g, z, noise, {}, 0, {})),
      BAD("weights have 1", zne(g, z, noise, {}, 1, {0.1})),
      BAD("noise model", zne(g, z, NoiseModel(), {}, 1, {}, opts([](ZneOptions& o) { o.scaling = NoiseScaling::NoiseStrength; }))),
      BAD("readout", zne(g, {}, noise, {}, 1, {})),
      BAD("2", adaptive_exponential([](double s) { return 1.0 / s; }, 2)),
      BAD("1", adaptive_exponential([](double s) { return 1.0 / s; }, 4, 1.0)),
      BAD("nan", adaptive_exponential([](double s) { return 1.0 / s; }, 4, kNaN)),
      BAD("nan", adaptive_exponential([](double s) { return 1.0 / s; }, 4, 2.0, kNaN)),
  });
}

}  // namespace
}  // namespace tangle::algo
