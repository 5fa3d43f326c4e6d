// Folding, extrapolations and zero-noise extrapolation of noisy circuits.
#include <gtest/gtest.h>

#include <cmath>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/zne.hpp"

namespace tangle::algo {
namespace {

using test::error_of;
using test::has;

// A circuit with one op of every unitary family, on 3 qubits with 2 inputs and 6 weights.
Circuit every_family() {
  Circuit c(3);
  const ParamBlock w = c.weights(6);
  const ParamBlock x = c.inputs(2);
  c.h(0).s(1).t(2).sx(0).ry(x[0], 1).rx(w[0], 2).cnot(0, 1).cz(1, 2).cy(2, 0).swap(0, 2).iswap(1, 2);
  c.sdg(0).tdg(1).toffoli(0, 1, 2).cswap(2, 0, 1);
  c.rxx(w[1] + x[1], 0, 1).ryy(0.3, 1, 2).rzz(w[2], 0, 2).multirz(w[3], {0, 1, 2});
  c.pauli_rot(w[4], "XYZ", {2, 0, 1}).crx(w[5], 0, 1).cry(0.4, 1, 2).crz(x[0] * w[1], 2, 0);
  c.phase_shift(0.7, 1).controlled_phase_shift(w[0], 0, 2);
  c.rot(w[1], 0.2, w[2], 0).u3(0.3, w[3], -0.5, 1).crot(0.1, w[4], 0.6, 2, 1);
  test::Rng rng(5);
  c.unitary(ref::to_row_major(test::random_unitary(rng, 2)), {1, 0});
  const ParamBlock hx = c.inputs(16);
  c.evolution(hx, w[5], {0, 2});
  return c;
}

std::vector<double> numbers(size_t n, double scale, std::uint64_t seed) {
  test::Rng rng(seed);
  std::vector<double> v(n);
  for (double& a : v) a = test::uniform(rng, -scale, scale);
  return v;
}

TEST(Inverse, EveryUnitaryOpTimesItsInverseIsTheIdentity) {
  const Circuit c = every_family();
  const auto w = numbers(static_cast<size_t>(c.n_weights()), 2.0, 1);
  const auto x = numbers(static_cast<size_t>(c.n_inputs()), 1.0, 2);
  for (const Op& op : c.ops()) {
    Circuit one = c.without_ops();
    one.append(op);
    Circuit both = one;
    both.append(inverse(op));
    const ref::Mat u = ref::op_matrix(op, w.data(), x.data());
    const ref::Mat v = ref::op_matrix(inverse(op), w.data(), x.data());
    const ref::Mat prod = v * u;
    // Equal to the identity up to a global phase (U3's inverse is one up to e^{i phase}).
    const cdouble phase = prod(0, 0);
    EXPECT_NEAR(std::abs(phase), 1.0, 1e-10) << gate_info(op.gate).name;
    EXPECT_LT((prod - phase * ref::Mat::Identity(prod.rows(), prod.cols())).norm(), 1e-10) << gate_info(op.gate).name;
  }
  Circuit ch(1);
  ch.depolarizing(0.1, 0);
  EXPECT_TRUE(has(error_of<ValueError>([&] { inverse(ch.ops()[0]); }), "Depolarizing"));
  Circuit su(2);
  su.special_unitary({0, 1});
  EXPECT_TRUE(has(error_of<ValueError>([&] { inverse(su.ops()[0]); }), "SpecialUnitary"));
}

TEST(Folding, LeavesTheNoiselessCircuitUnchangedAndScalesItsDepth) {
  const Circuit c = every_family();
  const auto w = numbers(static_cast<size_t>(c.n_weights()), 2.0, 3);
  const index_t batch = 3;
  const auto x = numbers(static_cast<size_t>(batch * c.n_inputs()), 1.0, 4);
  const std::vector<Readout> readouts = {Readout::probs({0, 1, 2}), Readout::expval(pauli_x(0) * pauli_y(2))};
  const auto want = ref::forward(c, readouts, x, batch, w);
  const double d = static_cast<double>(c.ops().size());
  for (Folding method : {Folding::Global, Folding::FromLeft, Folding::FromRight, Folding::Random}) {
    for (double scale : {1.0, 3.0, 5.0, 1.5, 2.2}) {
      const FoldedCircuit f = fold(c, scale, method, 7);
      const double gates = static_cast<double>(f.circuit.ops().size());
      EXPECT_DOUBLE_EQ(f.scale, gates / d) << folding_name(method) << " " << scale;
      if (scale == std::floor(scale)) {
        EXPECT_DOUBLE_EQ(f.scale, scale) << folding_name(method);
      } else {
        EXPECT_NEAR(f.scale, scale, 2.0 / d) << folding_name(method) << " " << scale;
      }
      const auto got = forward(Program(f.circuit, readouts), x, batch, w);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-10) << folding_name(method) << " " << scale;
    }
  }
  EXPECT_TRUE(has(error_of<ValueError>([&] { fold(c, 0.5); }), "scale factor 0.5"));
  Circuit noisy(1);
  noisy.h(0).depolarizing(0.1, 0);
  EXPECT_TRUE(has(error_of<ValueError>([&] { fold(noisy, 3.0, Folding::Global); }), "Depolarizing"));
  EXPECT_EQ(fold(noisy, 3.0, Folding::FromLeft).circuit.ops().size(), 4u);  // H H H, then the channel
  EXPECT_TRUE(has(error_of<ValueError>([] { folding_from_name("middle"); }), "global, left, right, random"));
}

TEST(Extrapolation, RecoversKnownCurvesExactly) {
  const std::vector<double> xs = {1.0, 1.5, 2.0, 3.0, 4.0, 5.0};
  auto values = [&](auto f) {
    std::vector<double> y;
    for (double x : xs) y.push_back(f(x));
    return y;
  };
  auto first = [&](size_t n, const std::vector<double>& v) { return std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)); };
  const auto line = values([](double x) { return 0.8 - 0.1 * x; });
  EXPECT_NEAR(Extrapolation::linear().at_zero(xs, line), 0.8, 1e-12);
  const auto cubic = values([](double x) { return 0.5 - 0.2 * x + 0.03 * x * x - 0.004 * x * x * x; });
  EXPECT_NEAR(Extrapolation::richardson().at_zero(first(4, xs), first(4, cubic)), 0.5, 1e-11);
  EXPECT_NEAR(Extrapolation::polynomial(3).at_zero(xs, cubic), 0.5, 1e-10);
  const auto quad = values([](double x) { return -1.1 + 0.3 * x - 0.05 * x * x; });
  EXPECT_NEAR(Extrapolation::from_name("poly2").at_zero(xs, quad), -1.1, 1e-11);
  const auto decay = values([](double x) { return 0.1 + 0.7 * std::exp(-0.35 * x); });
  EXPECT_NEAR(Extrapolation::exponential(0.1).at_zero(first(2, xs), first(2, decay)), 0.8, 1e-12);
  EXPECT_NEAR(Extrapolation::exponential().at_zero(xs, decay), 0.8, 1e-7);
  const auto pexp = values([](double x) { return -0.2 - 0.9 * std::exp(-0.3 * x - 0.02 * x * x); });
  EXPECT_NEAR(Extrapolation::poly_exponential(2, -0.2).at_zero(xs, pexp), -1.1, 1e-11);
  EXPECT_NEAR(Extrapolation::poly_exponential(2).at_zero(xs, pexp), -1.1, 1e-5);
  EXPECT_NEAR(Extrapolation::exponential().decay_rate(xs, decay), 0.35, 1e-6);
  const auto custom = Extrapolation::custom("first", [](const auto&, const auto& v) { return v[0]; });
  EXPECT_EQ(custom.at_zero(xs, line), line[0]);
}

TEST(Extrapolation, BadPointsGiveClearErrors) {
  EXPECT_TRUE(has(error_of<ValueError>([] { Extrapolation::polynomial(2).at_zero({1, 2}, {0.1, 0.2}); }),
                  "at least 3 noise scales"));
  EXPECT_TRUE(has(error_of<ValueError>([] { Extrapolation::linear().at_zero({1, 1}, {0.1, 0.2}); }), "appears twice"));
  EXPECT_TRUE(has(error_of<ValueError>([] { Extrapolation::linear().at_zero({1, 2}, {0.1, NAN}); }), "not finite"));
  EXPECT_TRUE(has(error_of<ValueError>([] { Extrapolation::exponential(0.0).at_zero({1, 2}, {0.1, -0.2}); }),
                  "both sides of the asymptote"));
  EXPECT_TRUE(has(error_of<ValueError>([] { Extrapolation::from_name("cubic"); }), "known: linear"));
}

// A depolarized circuit: extrapolation moves every sample's estimate toward the noiseless value.
TEST(Zne, MovesDepolarizedEstimatesTowardTheExactValues) {
  Circuit c(3);
  const ParamBlock w = c.weights(6);
  const ParamBlock x = c.inputs(3);
  for (int q = 0; q < 3; ++q) c.ry(x[q], q);
  c.cnot(0, 1).cnot(1, 2);
  for (int q = 0; q < 3; ++q) c.rx(w[q], q).rz(w[3 + q], q);
  c.cnot(2, 0);
  NoiseModel noise;
  noise.add(NoiseChannel::depolarizing(0.02), GateMatch::one_qubit());
  noise.add(NoiseChannel::two_qubit_depolarizing(0.04), GateMatch::two_qubit());
  const std::vector<Readout> readouts = {Readout::expval(pauli_z(0) * pauli_z(1) + 0.5 * pauli_x(2))};
  const index_t batch = 5;
  const auto xs = numbers(static_cast<size_t>(batch * 3), 1.5, 8);
  const auto ws = numbers(6, 2.0, 9);
  const auto exact = forward(Program(c, readouts), xs, batch, ws);
  // Odd scales fold exactly (each gate G G^dagger G); the noise model scales continuously.
  for (NoiseScaling scaling : {NoiseScaling::Folding, NoiseScaling::NoiseStrength}) {
    for (const Extrapolation& e : {Extrapolation::linear(), Extrapolation::richardson()}) {
      ZneOptions o;
      o.scaling = scaling;
      o.extrapolation = e;
      o.scales = scaling == NoiseScaling::Folding ? std::vector<double>{1, 3, 5} : std::vector<double>{1, 2, 3};
      const ZneResult r = zne(c, readouts, noise, xs, batch, ws, o);
      ASSERT_EQ(r.mitigated.size(), exact.size());
      EXPECT_EQ(r.circuit_executions, 3);
      double before = 0, after = 0;
      for (size_t i = 0; i < exact.size(); ++i) {
        before += std::abs(r.values[0][i] - exact[i]);
        after += std::abs(r.mitigated[i] - exact[i]);
      }
      EXPECT_GT(before, 0.01);  // the noise is visible
      const double factor = e.kind() == Extrapolation::Kind::Linear ? 0.8 : 0.35;
      EXPECT_LT(after, factor * before) << e.name() << (scaling == NoiseScaling::Folding ? " folding" : " strength");
    }
  }
  // With shots, on average closer too (seeded, so deterministic).
  ZneOptions o;
  o.scaling = NoiseScaling::NoiseStrength;
  o.extrapolation = Extrapolation::linear();
  o.shots = 200000;
  const ZneResult r = zne(c, readouts, noise, xs, batch, ws, o);
  double before = 0, after = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    before += std::abs(r.values[0][i] - exact[i]);
    after += std::abs(r.mitigated[i] - exact[i]);
  }
  EXPECT_LT(after, before);
  // Random folding averages its draws.
  o = ZneOptions{};
  o.folding = Folding::Random;
  o.scales = {1.0, 1.5, 2.0};
  o.repetitions = 3;
  EXPECT_EQ(zne(c, readouts, noise, xs, batch, ws, o).circuit_executions, 9);
  EXPECT_TRUE(has(error_of<ValueError>([&] {
                    ZneOptions bad;
                    bad.scaling = NoiseScaling::NoiseStrength;
                    zne(c, readouts, NoiseModel{}, xs, batch, ws, bad);
                  }),
                  "needs a noise model"));
}

TEST(Zne, AdaptiveExponentialFindsTheZeroNoiseValue) {
  int calls = 0;
  const auto r = adaptive_exponential(
      [&](double s) {
        ++calls;
        return 0.05 + 0.6 * std::exp(-0.4 * s);
      },
      5, 2.0);
  EXPECT_EQ(calls, 5);
  EXPECT_NEAR(r.mitigated, 0.65, 1e-6);
  EXPECT_EQ(r.scales[0], 1.0);
  EXPECT_EQ(r.scales[1], 2.0);
}

}  // namespace
}  // namespace tangle::algo
