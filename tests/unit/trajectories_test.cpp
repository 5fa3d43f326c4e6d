// The trajectories backend: estimates within 4 standard errors of the exact density matrix
// (seeded, so deterministic) for every channel, reproducible for a seed whatever the threads;
// gradients of the estimator exact for weights and inputs under unitary noise, unbiased under
// state-dependent noise; noise-strength gradients near the exact ones; clear errors.
#include <gtest/gtest.h>

#include <cmath>

#include "error_message.hpp"
#include "reference/random.hpp"
#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

// A layered noisy circuit: angle-encoded inputs, trainable rotations, CNOTs, Pauli noise.
Circuit noisy_layers(int n, int layers, const Expr& p) {
  Circuit c(n);
  const ParamBlock x = c.inputs(n);
  const ParamBlock w = c.weights({layers, n});
  for (int q = 0; q < n; ++q) c.ry(x[q], q);
  for (int l = 0; l < layers; ++l) {
    for (int q = 0; q < n; ++q) c.rx(w.at({l, q}), q).depolarizing(p, q);
    for (int q = 0; q + 1 < n; ++q) c.cnot(q, q + 1).two_qubit_depolarizing(p * 0.5, q, q + 1);
    c.phase_damping(p, 0).pauli_channel(p * 0.2, p * 0.3, p * 0.1, n - 1).bit_flip(p, n / 2).phase_flip(p, 0);
  }
  return c;
}

RunOptions with(Backend b, int trajectories = 2000, std::uint64_t seed = 5, int threads = 0) {
  RunOptions o;
  o.backend = b;
  o.trajectories = trajectories;
  o.seed = seed;
  o.threads = threads;
  return o;
}

TEST(Trajectories, AgreeWithDensityMatrixWithinFourStandardErrors) {
  test::Rng rng(1501);
  const Circuit c = noisy_layers(4, 3, Expr(0.08));
  const std::vector<Readout> r = {Readout::expval(pauli_z(0)), Readout::expval(pauli_x(1) * pauli_z(2)),
                                  Readout::probs({3})};
  const Program p(c, r);
  const index_t batch = 3;
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const std::vector<double> exact = forward(p, x, batch, w, with(Backend::DensityMatrix));
  RunInfo info;
  const std::vector<double> est = forward(p, x, batch, w, with(Backend::Trajectories), &info);
  EXPECT_EQ(info.backend, Backend::Trajectories);
  ASSERT_EQ(info.std_errors.size(), est.size());
  for (size_t i = 0; i < est.size(); ++i) {
    EXPECT_GT(info.std_errors[i], 0.0) << "output " << i;
    EXPECT_LE(std::abs(est[i] - exact[i]), 4 * info.std_errors[i]) << "output " << i << ": " << est[i] << " vs " << exact[i];
  }
  // The same seed gives the same estimates with any thread count; another seed others.
  EXPECT_TRUE(test::bit_identical(est, forward(p, x, batch, w, with(Backend::Trajectories, 2000, 5, 1)), "seeded"));
  EXPECT_FALSE(test::bit_identical(est, forward(p, x, batch, w, with(Backend::Trajectories, 2000, 6)), "reseeded"));
}

// For fixed draws the estimator is a smooth function of weights and inputs: its adjoint gradient
// equals its own central differences.
TEST(Trajectories, GradientOfTheEstimator) {
  test::Rng rng(1502);
  const Circuit c = noisy_layers(3, 2, Expr(0.1));
  const Program p(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_y(2))});
  const index_t batch = 2;
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * 2), -1, 1);
  const RunOptions o = with(Backend::Trajectories, 64);
  const VjpResult v = vjp(p, x, batch, w, g, o);
  auto loss = [&](const std::vector<double>& xs, const std::vector<double>& ws) {
    const std::vector<double> y = forward(p, xs, batch, ws, o);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += g[i] * y[i];
    return s;
  };
  const double h = 1e-5;
  for (size_t k = 0; k < w.size(); ++k) {
    std::vector<double> up = w, down = w;
    up[k] += h, down[k] -= h;
    EXPECT_NEAR(v.d_weights[k], (loss(x, up) - loss(x, down)) / (2 * h), 1e-7) << "weight " << k;
  }
  for (size_t k = 0; k < x.size(); ++k) {
    std::vector<double> up = x, down = x;
    up[k] += h, down[k] -= h;
    EXPECT_NEAR(v.d_inputs[k], (loss(up, w) - loss(down, w)) / (2 * h), 1e-7) << "input " << k;
  }
}

// A trainable noise strength: the score-function estimate near the exact density-matrix gradient.
TEST(Trajectories, NoiseStrengthGradient) {
  Circuit c(2);
  const ParamBlock s = c.weights(1, WeightInit::constant(0.2));
  c.h(0).cnot(0, 1).depolarizing(s[0], 0).bit_flip(s[0] * 0.5, 1).ry(0.3, 1);
  const Program p(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_x(0))});
  const std::vector<double> w = {0.2}, g = {1.0, -0.5};
  const VjpResult exact = vjp(p, {}, 1, w, g, with(Backend::DensityMatrix));
  const VjpResult est = vjp(p, {}, 1, w, g, with(Backend::Trajectories, 40000));
  EXPECT_NEAR(est.d_weights[0], exact.d_weights[0], 0.05 * std::abs(exact.d_weights[0]) + 0.02);
}

// Channels whose branch probabilities depend on the state: drawn from ||K_i psi||^2.
Circuit decaying_layers(int n, const Expr& gamma) {
  Circuit c(n);
  const ParamBlock x = c.inputs(n);
  const ParamBlock w = c.weights({2, n});
  for (int q = 0; q < n; ++q) c.ry(x[q], q).amplitude_damping(gamma, q);
  for (int l = 0; l < 2; ++l) {
    for (int q = 0; q < n; ++q) c.rx(w.at({l, q}), q).thermal_relaxation(1.2, 0.9, 0.15, q);
    for (int q = 0; q + 1 < n; ++q) c.cnot(q, q + 1).generalized_amplitude_damping(gamma * 0.5, 0.3, q + 1);
    c.kraus({{1, 0, 0, std::sqrt(0.8)}, {0, std::sqrt(0.2), 0, 0}}, {l % n}).depolarizing(0.05, 0);
  }
  c.h(n - 1).reset(n - 1).rx(w.at({1, 0}), n - 1);
  return c;
}

TEST(Trajectories, StateDependentChannelsAgreeWithDensityMatrix) {
  test::Rng rng(1505);
  const Circuit c = decaying_layers(3, Expr(0.2));
  const Program p(c, {Readout::expval(pauli_z(0)), Readout::expval(pauli_x(1) * pauli_z(2)), Readout::probs({1, 2}),
                      Readout::expval(pauli_z(2))});
  const index_t batch = 3;
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const std::vector<double> exact = forward(p, x, batch, w, with(Backend::DensityMatrix));
  for (Precision precision : {Precision::F64, Precision::F32}) {
    RunOptions o = with(Backend::Trajectories, 3000);
    o.precision = precision;
    RunInfo info;
    const std::vector<double> est = forward(p, x, batch, w, o, &info);
    ASSERT_EQ(info.std_errors.size(), est.size());
    for (size_t i = 0; i < est.size(); ++i)
      EXPECT_LE(std::abs(est[i] - exact[i]), 4 * info.std_errors[i] + 1e-6)
          << "output " << i << ": " << est[i] << " vs " << exact[i] << " (" << info.std_errors[i] << ")";
  }
}

// The gradient of the mean over trajectories (weights, inputs, a decay rate) is unbiased: its
// mean over independent seeds lies within 4 standard errors of the exact one.
TEST(Trajectories, StateDependentGradientsAreUnbiased) {
  test::Rng rng(1506);
  Circuit c = decaying_layers(2, Expr(0.0));
  const ParamBlock gamma = c.weights(1, WeightInit::constant(0.3));
  c.amplitude_damping(gamma[0], 0).amplitude_damping(gamma[0] * 0.5, 1);
  const Program p(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_x(0))});
  const index_t batch = 2;
  const std::vector<double> x = test::random_inputs(rng, c, batch);
  std::vector<double> w = test::random_weights(rng, c);
  w[static_cast<size_t>(gamma.offset())] = 0.3;
  const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * 2), -1, 1);
  const VjpResult exact = vjp(p, x, batch, w, g, with(Backend::DensityMatrix));
  const int seeds = 12;
  std::vector<double> sum(w.size() + x.size(), 0.0), sum2(sum.size(), 0.0);
  for (int seed = 0; seed < seeds; ++seed) {
    const VjpResult v = vjp(p, x, batch, w, g, with(Backend::Trajectories, 1500, static_cast<std::uint64_t>(100 + seed)));
    for (size_t k = 0; k < sum.size(); ++k) {
      const double d = k < w.size() ? v.d_weights[k] : v.d_inputs[k - w.size()];
      sum[k] += d;
      sum2[k] += d * d;
    }
  }
  for (size_t k = 0; k < sum.size(); ++k) {
    const double mean = sum[k] / seeds, var = std::max(0.0, (sum2[k] - seeds * mean * mean) / (seeds - 1));
    const double want = k < w.size() ? exact.d_weights[k] : exact.d_inputs[k - w.size()];
    EXPECT_LE(std::abs(mean - want), 4 * std::sqrt(var / seeds) + 1e-9) << "parameter " << k << ": " << mean << " vs " << want;
  }
}

// Large states put one or two trajectories in a tile, the lowest qubits in the lanes: without
// channels the estimates equal the pure engine's values, and the same seed draws the same
// branches in every layout (float and double tile differently).
TEST(Trajectories, LargeStatesTileByTrajectory) {
  test::Rng rng(1507);
  const int n = 15;
  Circuit c(n);
  const ParamBlock x = c.inputs(n);
  const ParamBlock w = c.weights(2 * n);
  for (int q = 0; q < n; ++q) c.ry(x[q], q).rz(w[q], q);
  for (int q = 0; q + 1 < n; ++q) c.cnot(q, q + 1);
  for (int q = 0; q < n; ++q) c.rx(w[n + q], q);
  c.crz(w[0], n - 1, n - 2).toffoli(n - 1, n - 3, 0);
  const std::vector<Readout> r = {Readout::expval(pauli_z(0) * pauli_x(n - 1)), Readout::expval(pauli_y(n - 2)),
                                  Readout::probs({n - 1, 1})};
  const index_t batch = 2;
  const std::vector<double> xs = test::random_inputs(rng, c, batch), ws = test::random_weights(rng, c);
  const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * 6), -1, 1);
  const Program clean(c, r);
  RunOptions sv;
  const VjpResult exact = vjp(clean, xs, batch, ws, g, sv);
  RunOptions o = with(Backend::Trajectories, 3);
  const VjpResult v = vjp(clean, xs, batch, ws, g, o);
  EXPECT_TRUE(test::all_near(v.outputs, exact.outputs, test::tol_depth<double>(60), "noise-free outputs"));
  EXPECT_TRUE(test::all_near(v.d_weights, exact.d_weights, test::kGradTol, "noise-free d_weights"));
  EXPECT_TRUE(test::all_near(v.d_inputs, exact.d_inputs, test::kGradTol, "noise-free d_inputs"));
  // With noise: float and double draw the same branches.
  Circuit noisy = c;
  for (int q = 0; q < n; q += 3) noisy.depolarizing(0.2, q).amplitude_damping(0.3, (q + 1) % n);
  const Program p(noisy, r);
  const std::vector<double> y64 = forward(p, xs, batch, ws, with(Backend::Trajectories, 16));
  o = with(Backend::Trajectories, 16);
  o.precision = Precision::F32;
  const std::vector<double> y32 = forward(p, xs, batch, ws, o);
  EXPECT_TRUE(test::all_near(y32, y64, test::tol<float>().scaled(60), "float against double, same draws"));
}

TEST(Trajectories, Errors) {
  Circuit c(1);
  c.h(0).amplitude_damping(0.1, 0);
  const Program p(c, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { states(p, {}, 1, {}, with(Backend::Trajectories)); }),
                        "returns estimates, not states"));
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { forward(p, {}, 1, {}, with(Backend::Trajectories, 0)); }),
                        "trajectories=0 must be at least 1"));
}

}  // namespace
}  // namespace tangle
