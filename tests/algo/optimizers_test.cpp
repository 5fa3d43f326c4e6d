// Every optimizer on a known quadratic, a 2-qubit VQE, and the metric tensor against the exact
// Fubini-Study metric.
#include <gtest/gtest.h>

#include <cmath>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "reference/dense.hpp"
#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/metric_tensor.hpp"
#include "tangle/algo/optimizers.hpp"
#include "tangle/algo/vqe.hpp"

namespace tangle::algo {
namespace {

using test::error_of;
using test::has;

// f = (x0 - 1)^2 + 2 (x1 + 0.5)^2 + 0.3 x0 x1 + 0.2: a convex quadratic with a known minimum.
Objective quadratic() {
  Objective f;
  f.value = [](const std::vector<double>& x) {
    return (x[0] - 1) * (x[0] - 1) + 2 * (x[1] + 0.5) * (x[1] + 0.5) + 0.3 * x[0] * x[1] + 0.2;
  };
  f.gradient = [f](const std::vector<double>& x, std::vector<double>& g) {
    g = {2 * (x[0] - 1) + 0.3 * x[1], 4 * (x[1] + 0.5) + 0.3 * x[0]};
    return f.value(x);
  };
  f.metric = [](const std::vector<double>&) { return std::vector<double>{1, 0, 0, 1}; };
  return f;
}

TEST(Optimizers, EachFindsTheMinimumOfAQuadratic) {
  // Stationary point: [2, 0.3; 0.3, 4] x = [2, -2].
  const double det = 2 * 4 - 0.09;
  const double x0 = (2 * 4 - 0.3 * -2) / det, x1 = (2 * -2 - 0.3 * 2) / det;
  const Objective f = quadratic();
  const double fmin = f.value({x0, x1});
  for (const std::string& m : optimizer_names()) {
    OptimizerOptions o;
    o.method = m;
    o.max_iterations = m == "spsa" ? 400 : m == "qng" || m == "gd" ? 300 : m == "adam" ? 600 : 400;
    o.tolerance = m == "aqgd" ? 0.0 : 1e-14;
    if (m == "aqgd") o.step = 0.1;
    if (m == "qng") o.step = 0.1;
    const OptimizeResult r = minimize(f, {2.0, 1.0}, o);
    const double tol = m == "spsa" ? 1e-2 : 1e-6;
    EXPECT_NEAR(r.x[0], x0, std::sqrt(tol)) << m << ": " << r.message;
    EXPECT_NEAR(r.x[1], x1, std::sqrt(tol)) << m;
    EXPECT_NEAR(r.value, fmin, tol) << m;
    EXPECT_GT(r.evaluations + r.gradient_evaluations, 0) << m;
    if (optimizer_needs_gradient(m)) {
      EXPECT_EQ(r.gradient_evaluations, r.iterations) << m;
    }
  }
}

TEST(Optimizers, ReportsEvaluationsAndHonoursTheBudgetAndCallback) {
  const Objective f = quadratic();
  OptimizerOptions o;
  o.method = "cobyla";
  o.max_iterations = 7;
  int calls = 0;
  Objective counted = f;
  counted.value = [&](const std::vector<double>& x) {
    ++calls;
    return f.value(x);
  };
  const OptimizeResult r = minimize(counted, {2.0, 1.0}, o);
  EXPECT_EQ(r.evaluations, calls);
  EXPECT_LE(calls, 7);
  o.max_iterations = 100;
  const OptimizeResult s = minimize(counted, {2.0, 1.0}, o, [](int it, const auto&, double) { return it < 3; });
  EXPECT_EQ(s.iterations, 3);
  EXPECT_EQ(s.message, "stopped by the callback");
  // An error inside the objective reaches the caller with its own message.
  Objective bad = f;
  bad.value = [](const std::vector<double>&) -> double { throw ValueError("objective failed at x = 3"); };
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(bad, {1.0}, o); }), "objective failed at x = 3"));
  Objective nan = f;
  nan.value = [](const std::vector<double>&) { return NAN; };
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(nan, {1.0}, o); }), "returned nan"));
}

TEST(Optimizers, BadOptionsGiveClearErrors) {
  OptimizerOptions o;
  o.method = "lbfgs";
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(quadratic(), {1.0, 1.0}, o); }), "unknown optimizer 'lbfgs'"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(quadratic(), {1.0, 1.0}, o); }), "cobyla, nelder-mead"));
  o.method = "aqgd";
  Objective value_only;
  value_only.value = quadratic().value;
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(value_only, {1.0, 1.0}, o); }), "needs the objective's gradient"));
  o.momentum = 1.5;
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(quadratic(), {1.0, 1.0}, o); }), "momentum 1.5"));
  o = OptimizerOptions{};
  o.max_iterations = 0;
  EXPECT_TRUE(has(error_of<ValueError>([&] { minimize(quadratic(), {1.0, 1.0}, o); }), "max_iterations 0"));
}

// Every optimizer solves a 2-qubit VQE (adjoint gradients for the gradient methods).
TEST(Optimizers, EachSolvesATwoQubitVqe) {
  const PauliSum h = pauli_z(0) * pauli_z(1) + 0.5 * pauli_x(0) + 0.5 * pauli_x(1);
  const double exact = ground_energy(h, 2);
  const Circuit ansatz = vqe_ansatz("ry-rz", 2, 1);
  for (const std::string& m : optimizer_names()) {
    VqeOptions o;
    o.optimizer.method = m;
    o.optimizer.max_iterations = m == "spsa" ? 600 : m == "adam" || m == "gd" || m == "qng" ? 400 : 600;
    o.optimizer.tolerance = m == "aqgd" ? 1e-12 : 1e-12;
    if (m == "aqgd") o.optimizer.step = 0.2;
    if (m == "qng") o.optimizer.step = 0.1;
    const VqeResult r = vqe(ansatz, h, ansatz.initial_weights(3), o);
    const double tol = m == "spsa" ? 2e-2 : 1e-4;
    EXPECT_NEAR(r.energy, exact, tol) << m << ": " << r.optimizer.message << " after " << r.optimizer.iterations;
    EXPECT_GT(r.circuit_executions, 0) << m;
  }
}

// Within a layer the block-diagonal metric is the exact Fubini-Study metric
// Re<d_i psi|d_j psi> - <d_i psi|psi><psi|d_j psi>, here from finite differences of the state.
TEST(MetricTensor, BlocksEqualTheExactMetric) {
  Circuit c(3);
  const ParamBlock w = c.weights(8);
  c.ry(w[0], 0).rx(w[1], 1).rzz(w[2], 1, 2);
  c.cnot(0, 1).h(2);
  c.rz(w[3], 0).ry(w[4], 1).rx(2.0 * w[5], 2);
  c.cnot(1, 2);
  c.pauli_rot(w[6], "XY", {0, 2}).ry(w[7], 1);
  const std::vector<double> ws = {0.3, -0.7, 1.1, 0.4, 2.2, -0.9, 0.5, 1.3};
  auto psi = [&](const std::vector<double>& v) { return ref::simulate(c, nullptr, v.data()); };
  const ref::Vec p0 = psi(ws);
  const double eps = 1e-5;
  std::vector<ref::Vec> d;
  for (size_t i = 0; i < ws.size(); ++i) {
    auto a = ws, b = ws;
    a[i] += eps;
    b[i] -= eps;
    d.push_back((psi(a) - psi(b)) / (2 * eps));
  }
  const auto g = metric_tensor(c, {}, ws);
  const std::vector<std::vector<int>> layers = {{0, 1}, {2}, {3, 4, 5}, {6, 7}};  // RZZ on wire 1 starts a layer
  for (const auto& layer : layers)
    for (int i : layer)
      for (int j : layer) {
        const double exact = (d[static_cast<size_t>(i)].dot(d[static_cast<size_t>(j)])).real() -
                             (d[static_cast<size_t>(i)].dot(p0) * p0.dot(d[static_cast<size_t>(j)])).real();
        EXPECT_NEAR(g[static_cast<size_t>(i * 8 + j)], exact, 1e-8) << i << "," << j;
      }
  // Across layers: zero.
  EXPECT_EQ(g[0 * 8 + 3], 0.0);
  EXPECT_EQ(g[1 * 8 + 2], 0.0);
  EXPECT_EQ(g[7 * 8 + 1], 0.0);
  const auto diag = metric_tensor(c, {}, ws, MetricApproximation::Diagonal);
  EXPECT_EQ(diag[0 * 8 + 1], 0.0);
  EXPECT_NEAR(diag[1 * 8 + 1], g[1 * 8 + 1], 1e-14);
  Circuit bad(2);
  bad.crx(bad.weights(1)[0], 0, 1);
  EXPECT_TRUE(has(error_of<ValueError>([&] { metric_tensor(bad, {}, {0.1}); }), "CRX"));
}

}  // namespace
}  // namespace tangle::algo
