#include <gtest/gtest.h>

#include <cmath>

#include "tangle/diff/adjoint.hpp"
#include "tangle/sim/program.hpp"

using namespace tangle;

TEST(Smoke, BellState) {
  Circuit c(2);
  c.h(0).cnot(0, 1);
  Program p(c, {Readout::probs({0, 1}), Readout::expval(pauli_z(0) * pauli_z(1))});
  for (Precision prec : {Precision::F64, Precision::F32}) {
    RunOptions o;
    o.precision = prec;
    auto y = forward(p, {}, 1, {}, o);
    ASSERT_EQ(y.size(), 5u);
    EXPECT_NEAR(y[0], 0.5, 1e-6);
    EXPECT_NEAR(y[1], 0.0, 1e-6);
    EXPECT_NEAR(y[2], 0.0, 1e-6);
    EXPECT_NEAR(y[3], 0.5, 1e-6);
    EXPECT_NEAR(y[4], 1.0, 1e-6);
  }
}

TEST(Smoke, RotationGradient) {
  Circuit c(1);
  auto x = c.inputs(1);
  auto w = c.weights(1);
  c.ry(x[0], 0).rx(w[0], 0);
  Program p(c, {Readout::expval(pauli_z(0))});
  const std::vector<double> xs = {0.3, -1.1, 2.0}, ws = {0.7};
  auto y = forward(p, xs, 3, ws);
  for (int b = 0; b < 3; ++b) EXPECT_NEAR(y[b], std::cos(xs[b]) * std::cos(ws[0]), 1e-12);
  auto r = vjp(p, xs, 3, ws, {1, 1, 1});
  double dw = 0;
  for (int b = 0; b < 3; ++b) {
    dw += -std::cos(xs[b]) * std::sin(ws[0]);
    EXPECT_NEAR(r.d_inputs[b], -std::sin(xs[b]) * std::cos(ws[0]), 1e-12);
  }
  EXPECT_NEAR(r.d_weights[0], dw, 1e-12);
}
