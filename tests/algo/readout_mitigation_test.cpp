// Readout mitigation inverts known confusion matrices and calibrates them from circuits.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "tangle/algo/readout_mitigation.hpp"

namespace tangle::algo {
namespace {

using test::error_of;
using test::has;

Circuit entangler() {
  Circuit c(3);
  c.ry(0.7, 0).ry(1.9, 1).h(2).cnot(0, 1).crx(0.8, 1, 2).rz(0.4, 0).ry(-0.6, 2);
  return c;
}

TEST(ReadoutMitigation, InvertsAKnownConfusionExactly) {
  const std::vector<ReadoutConfusion> confusion = {ReadoutConfusion::flips(0.02, 0.05), ReadoutConfusion::flips(0.1, 0.03),
                                                   ReadoutConfusion::flips(0.07, 0.07)};
  NoiseModel noise;
  for (int w = 0; w < 3; ++w) noise.add_readout_error(confusion[static_cast<size_t>(w)], w);
  const Circuit c = entangler();
  for (const std::vector<int>& wires : std::vector<std::vector<int>>{{0, 1, 2}, {2, 0}, {1}}) {
    const auto exact = forward(Program(c, {Readout::probs(wires)}), {}, 1, {});
    const auto measured = forward(Program(c, {Readout::probs(wires)}, noise), {}, 1, {});
    double moved = 0;
    for (size_t i = 0; i < exact.size(); ++i) moved += std::abs(measured[i] - exact[i]);
    EXPECT_GT(moved, 1e-3);
    for (Unfolding u : {Unfolding::Inverse, Unfolding::LeastSquares}) {
      const auto fixed = mitigate_probabilities(measured, 1, wires, confusion, u);
      for (size_t i = 0; i < exact.size(); ++i) EXPECT_NEAR(fixed[i], exact[i], 1e-10) << "basis state " << i;
    }
  }
}

TEST(ReadoutMitigation, LeastSquaresStaysOnTheSimplex) {
  // Counts no true distribution produces under this confusion: the inverse goes negative.
  const std::vector<ReadoutConfusion> confusion = {ReadoutConfusion::flips(0.2, 0.2), ReadoutConfusion::flips(0.2, 0.2)};
  const std::vector<double> measured = {0.98, 0.01, 0.01, 0.0, 0.5, 0.5, 0.0, 0.0};
  const auto inv = mitigate_probabilities(measured, 2, {0, 1}, confusion, Unfolding::Inverse);
  EXPECT_LT(*std::min_element(inv.begin(), inv.begin() + 4), -0.01);
  const auto ls = mitigate_probabilities(measured, 2, {0, 1}, confusion, Unfolding::LeastSquares);
  for (int b = 0; b < 2; ++b) {
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      EXPECT_GE(ls[static_cast<size_t>(4 * b + i)], 0.0);
      sum += ls[static_cast<size_t>(4 * b + i)];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  // And it is the constrained minimum: no simplex point nearby fits better.
  auto residual = [&](const double* p) {
    double r = 0;
    for (int m = 0; m < 4; ++m) {
      double cp = 0;
      for (int t = 0; t < 4; ++t) {
        const double c0 = confusion[0].p[static_cast<size_t>(m >> 1)][static_cast<size_t>(t >> 1)];
        const double c1 = confusion[1].p[static_cast<size_t>(m & 1)][static_cast<size_t>(t & 1)];
        cp += c0 * c1 * p[t];
      }
      r += (cp - measured[static_cast<size_t>(m)]) * (cp - measured[static_cast<size_t>(m)]);
    }
    return r;
  };
  const double best = residual(ls.data());
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      if (i == j || ls[static_cast<size_t>(i)] < 1e-3) continue;
      std::vector<double> q(ls.begin(), ls.begin() + 4);
      q[static_cast<size_t>(i)] -= 1e-3;
      q[static_cast<size_t>(j)] += 1e-3;
      EXPECT_GE(residual(q.data()), best - 1e-15);
    }
}

TEST(ReadoutMitigation, CalibrationRecoversTheConfusion) {
  NoiseModel noise;
  noise.add_readout_error(ReadoutConfusion::flips(0.03, 0.08), 0);
  noise.add_readout_error(ReadoutConfusion::flips(0.01, 0.02), 1);
  const auto exact = calibrate_readout(noise, 2, 0);
  EXPECT_NEAR(exact[0].p10(), 0.03, 1e-12);
  EXPECT_NEAR(exact[0].p01(), 0.08, 1e-12);
  EXPECT_NEAR(exact[1].p10(), 0.01, 1e-12);
  EXPECT_NEAR(exact[1].p01(), 0.02, 1e-12);
  const auto shots = calibrate_readout(noise, 2, 100000, 5);
  EXPECT_NEAR(shots[0].p01(), 0.08, 4 * std::sqrt(0.08 * 0.92 / 100000));
}

TEST(ReadoutMitigation, Errors) {
  const std::vector<ReadoutConfusion> singular = {ReadoutConfusion::flips(0.5, 0.5)};
  EXPECT_TRUE(has(error_of<ValueError>([&] { mitigate_probabilities({0.5, 0.5}, 1, {0}, singular); }), "singular"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { mitigate_probabilities({0.5, 0.5, 0.0}, 1, {0}, singular); }), "3 probabilities"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { mitigate_probabilities({0.5, 0.5}, 1, {3}, singular); }), "wire 3"));
  EXPECT_TRUE(has(error_of<ValueError>([] { unfolding_from_name("bayes"); }), "inverse, least_squares"));
}

}  // namespace
}  // namespace tangle::algo
