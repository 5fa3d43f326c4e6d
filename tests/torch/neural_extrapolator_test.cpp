// The neural extrapolator: exact on lines, better than a line on curved decays, seeded, and
// usable by zero-noise extrapolation of a noisy circuit.
#include <gtest/gtest.h>

#include <cmath>

#include "tangle/algo/zne.hpp"
#include "tangle/core/error.hpp"
#include "tangle/torch/neural_extrapolator.hpp"

namespace tangle::torch {
namespace {

TEST(NeuralExtrapolator, ExactOnLinesBetterThanALineOnCurves) {
  NeuralExtrapolatorOptions o;
  o.epochs = 800;
  const algo::Extrapolation nn = neural_extrapolation(o);
  EXPECT_EQ(nn.name(), "nn");
  std::vector<double> xs, line, curve;
  for (int i = 0; i < 9; ++i) {
    const double x = 1.0 + 0.5 * i;
    xs.push_back(x);
    line.push_back(0.3 - 0.05 * x);
    curve.push_back(0.9 * std::exp(-0.2 * x) - 0.1);
  }
  EXPECT_NEAR(nn.at_zero(xs, line), 0.3, 1e-6);  // the residual is zero: the network adds nothing
  const double got = nn.at_zero(xs, curve);
  const double linear = algo::Extrapolation::linear().at_zero(xs, curve);
  EXPECT_LT(std::abs(got - 0.8), 0.5 * std::abs(linear - 0.8)) << got << " vs linear " << linear;
  // Seeded up to the fit's sensitivity to last bits (see the options' note).
  std::vector<double> nudged = curve;
  for (double& v : nudged) v *= 1.0 + 1e-15;
  EXPECT_NEAR(got, nn.at_zero(xs, nudged), 1e-2);
  EXPECT_THROW(nn.at_zero({1.0}, {0.5}), ValueError);
  o.epochs = 0;
  EXPECT_THROW(neural_extrapolation(o), ValueError);
}

TEST(NeuralExtrapolator, MitigatesANoisyCircuit) {
  Circuit c(2);
  c.ry(0.9, 0).cnot(0, 1).rx(-0.4, 1).cnot(1, 0).ry(1.3, 1);
  NoiseModel noise;
  noise.add(NoiseChannel::depolarizing(0.03), GateMatch::every());
  const std::vector<Readout> r = {Readout::expval(pauli_z(0) * pauli_z(1))};
  const double exact = forward(Program(c, r), {}, 1, {})[0];
  algo::ZneOptions o;
  o.scales = {1.0, 1.5, 2.0, 2.5, 3.0};
  o.scaling = algo::NoiseScaling::NoiseStrength;
  NeuralExtrapolatorOptions nn;
  nn.epochs = 800;
  o.extrapolation = neural_extrapolation(nn);
  const algo::ZneResult z = algo::zne(c, r, noise, {}, 1, {}, o);
  EXPECT_LT(std::abs(z.mitigated[0] - exact), 0.5 * std::abs(z.values[0][0] - exact))
      << "exact " << exact << " noisy " << z.values[0][0] << " mitigated " << z.mitigated[0];
}

}  // namespace
}  // namespace tangle::torch
