// DARUAN layers (tangle/sim/daruan.hpp) against the general engine: every edge's one-qubit circuit
// built gate by gate as a Circuit, its <Z> from the state-vector simulator; gradients against
// central finite differences of the kernel itself; float against double; threads; bad input.
#include "tangle/sim/daruan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

// A layer's parameters and inputs in double, cast on use.
struct Layer {
  DaruanShape shape;
  std::vector<double> x, theta, pre_w, pre_b, coef;

  index_t edges() const { return shape.n_in * shape.n_out; }
};

Layer random_layer(index_t batch, index_t n_in, index_t n_out, int reps, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI), input(-2.0, 2.0), bias(-1.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  Layer l;
  l.shape = {batch, n_in, n_out, reps};
  const index_t e = n_in * n_out;
  l.x.resize(static_cast<size_t>(batch * n_in));
  l.theta.resize(static_cast<size_t>(e * 2 * (reps + 1)));
  l.pre_w.resize(static_cast<size_t>(e * reps));
  l.pre_b.resize(l.pre_w.size());
  l.coef.resize(static_cast<size_t>(e));
  for (double& v : l.x) v = input(rng);
  for (double& v : l.theta) v = angle(rng);
  for (double& v : l.pre_w) v = 1.5 * normal(rng);
  for (double& v : l.pre_b) v = bias(rng);
  for (double& v : l.coef) v = normal(rng);
  return l;
}

template <typename Real>
std::vector<Real> cast(const std::vector<double>& v) {
  return std::vector<Real>(v.begin(), v.end());
}

template <typename Real>
struct Typed {
  std::vector<Real> x, theta, pre_w, pre_b, coef;
  explicit Typed(const Layer& l)
      : x(cast<Real>(l.x)), theta(cast<Real>(l.theta)), pre_w(cast<Real>(l.pre_w)), pre_b(cast<Real>(l.pre_b)),
        coef(cast<Real>(l.coef)) {}
  DaruanParams<Real> params() const { return {theta.data(), pre_w.data(), pre_b.data(), coef.data()}; }
};

template <typename Real>
std::vector<double> kernel_forward(const Layer& l, int threads = 0) {
  const Typed<Real> t(l);
  std::vector<Real> y(static_cast<size_t>(l.shape.batch * l.shape.n_out));
  daruan_forward<Real>(l.shape, t.x.data(), t.params(), y.data(), threads);
  return {y.begin(), y.end()};
}

// The edge's circuit written out as the paper draws it: H, then RZ(t_l0) RY(t_l1) with the
// encoding RZ(w_l x + b_l) between repetitions, <Z> at the end.
Program edge_program(const Layer& l, index_t edge) {
  const int r = l.shape.reps;
  Circuit c(1);
  const Expr x = c.inputs(1)[0];
  const double* th = l.theta.data() + edge * 2 * (r + 1);
  c.h(0);
  for (int k = 0; k <= r; ++k) {
    c.rz(th[2 * k], 0).ry(th[2 * k + 1], 0);
    if (k < r) c.rz(l.pre_w[static_cast<size_t>(edge * r + k)] * x + l.pre_b[static_cast<size_t>(edge * r + k)], 0);
  }
  return Program(c, {Readout::expval(pauli_z(0))});
}

std::vector<double> engine_forward(const Layer& l) {
  const DaruanShape& s = l.shape;
  std::vector<double> y(static_cast<size_t>(s.batch * s.n_out), 0.0);
  for (index_t j = 0; j < s.n_out; ++j)
    for (index_t i = 0; i < s.n_in; ++i) {
      const index_t e = j * s.n_in + i;
      std::vector<double> xi(static_cast<size_t>(s.batch));
      for (index_t b = 0; b < s.batch; ++b) xi[static_cast<size_t>(b)] = l.x[static_cast<size_t>(b * s.n_in + i)];
      const std::vector<double> z = forward(edge_program(l, e), xi, s.batch, {});
      for (index_t b = 0; b < s.batch; ++b)
        y[static_cast<size_t>(b * s.n_out + j)] += l.coef[static_cast<size_t>(e)] * z[static_cast<size_t>(b)];
    }
  return y;
}

struct Case {
  index_t batch, n_in, n_out;
  int reps;
};
// Odd batches, one vector and less, several vectors (both kernel block sizes), reps 1 to 6.
const std::vector<Case> kCases = {{1, 1, 1, 1}, {5, 3, 2, 2}, {37, 2, 3, 3}, {19, 1, 1, 6}, {133, 3, 2, 3}};

template <typename Real>
class DaruanTest : public ::testing::Test {};
TYPED_TEST_SUITE(DaruanTest, test::Reals);

TYPED_TEST(DaruanTest, MatchesTheEngineOnEveryEdge) {
  unsigned seed = 1;
  for (const Case& k : kCases) {
    const Layer l = random_layer(k.batch, k.n_in, k.n_out, k.reps, seed++);
    const std::string label = "batch " + std::to_string(k.batch) + " " + std::to_string(k.n_in) + "->" +
                              std::to_string(k.n_out) + " reps " + std::to_string(k.reps);
    EXPECT_TRUE(test::all_near(kernel_forward<TypeParam>(l), engine_forward(l),
                               test::tol_sum<TypeParam>(4 * k.reps + 4, 4 * k.n_in), label));
  }
}

// Every gradient of the double kernel against central differences of the double kernel, and the
// float kernel's against the double kernel's.
template <typename Real>
struct Grads {
  std::vector<double> dx, theta, pre_w, pre_b, coef;
};

template <typename Real>
Grads<Real> kernel_backward(const Layer& l, const std::vector<double>& g, int threads = 0) {
  const Typed<Real> t(l);
  const std::vector<Real> gr = cast<Real>(g);
  std::vector<Real> dx(t.x.size()), dth(t.theta.size()), dw(t.pre_w.size()), db(t.pre_b.size()), dc(t.coef.size());
  daruan_backward<Real>(l.shape, t.x.data(), t.params(), gr.data(), dx.data(),
                        {dth.data(), dw.data(), db.data(), dc.data()}, threads);
  return {{dx.begin(), dx.end()}, {dth.begin(), dth.end()}, {dw.begin(), dw.end()}, {db.begin(), db.end()},
          {dc.begin(), dc.end()}};
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

// d(g . y)/dv for every entry of the vector `member` of a copy of l.
std::vector<double> finite_differences(const Layer& l, const std::vector<double>& g, std::vector<double> Layer::*member,
                                       double h) {
  std::vector<double> out((l.*member).size());
  for (size_t k = 0; k < out.size(); ++k) {
    Layer p = l, m = l;
    (p.*member)[k] += h;
    (m.*member)[k] -= h;
    out[k] = (dot(g, kernel_forward<double>(p)) - dot(g, kernel_forward<double>(m))) / (2 * h);
  }
  return out;
}

std::vector<double> random_cotangent(const DaruanShape& s, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> g(static_cast<size_t>(s.batch * s.n_out));
  for (double& v : g) v = normal(rng);
  return g;
}

TEST(DaruanGradients, MatchFiniteDifferences) {
  const double h = 1e-5;
  unsigned seed = 11;
  for (const Case& k : {Case{1, 1, 1, 1}, Case{7, 2, 3, 3}, Case{19, 3, 1, 4}}) {
    const Layer l = random_layer(k.batch, k.n_in, k.n_out, k.reps, seed++);
    const std::vector<double> g = random_cotangent(l.shape, seed++);
    const Grads<double> d = kernel_backward<double>(l, g);
    const std::string label = "batch " + std::to_string(k.batch) + " reps " + std::to_string(k.reps);
    const test::Tol t = test::central_fd_tol(h).scaled(static_cast<double>(k.batch));
    EXPECT_TRUE(test::all_near(d.dx, finite_differences(l, g, &Layer::x, h), t, label + " d input"));
    EXPECT_TRUE(test::all_near(d.theta, finite_differences(l, g, &Layer::theta, h), t, label + " d theta"));
    EXPECT_TRUE(test::all_near(d.pre_w, finite_differences(l, g, &Layer::pre_w, h), t, label + " d pre_w"));
    EXPECT_TRUE(test::all_near(d.pre_b, finite_differences(l, g, &Layer::pre_b, h), t, label + " d pre_b"));
    EXPECT_TRUE(test::all_near(d.coef, finite_differences(l, g, &Layer::coef, h), t, label + " d coef"));
  }
}

TEST(DaruanGradients, FloatAgreesWithDouble) {
  unsigned seed = 21;
  for (const Case& k : kCases) {
    const Layer l = random_layer(k.batch, k.n_in, k.n_out, k.reps, seed++);
    const std::vector<double> g = random_cotangent(l.shape, seed++);
    const Grads<double> d = kernel_backward<double>(l, g);
    const Grads<float> f = kernel_backward<float>(l, g);
    // Parameter gradients are sums over the batch; each term passes through the whole circuit.
    const test::Tol per = test::tol_sum<float>(8 * k.reps + 8, 4 * k.n_out);
    const test::Tol summed = test::tol_sum<float>(8 * k.reps + 8, 4 * k.batch);
    const std::string label = "batch " + std::to_string(k.batch) + " reps " + std::to_string(k.reps);
    EXPECT_TRUE(test::all_near(f.dx, d.dx, per, label + " d input"));
    EXPECT_TRUE(test::all_near(f.theta, d.theta, summed, label + " d theta"));
    EXPECT_TRUE(test::all_near(f.pre_w, d.pre_w, summed, label + " d pre_w"));
    EXPECT_TRUE(test::all_near(f.pre_b, d.pre_b, summed, label + " d pre_b"));
    EXPECT_TRUE(test::all_near(f.coef, d.coef, summed, label + " d coef"));
  }
}

TEST(DaruanThreads, ResultsDoNotDependOnThreads) {
  const Layer l = random_layer(77, 5, 4, 3, 31);
  const std::vector<double> g = random_cotangent(l.shape, 32);
  EXPECT_TRUE(test::bit_identical(kernel_forward<double>(l, 1), kernel_forward<double>(l, 2), "outputs"));
  const Grads<double> a = kernel_backward<double>(l, g, 1), b = kernel_backward<double>(l, g, 2);
  EXPECT_TRUE(test::bit_identical(a.dx, b.dx, "d input"));
  EXPECT_TRUE(test::bit_identical(a.theta, b.theta, "d theta"));
  EXPECT_TRUE(test::bit_identical(a.pre_w, b.pre_w, "d pre_w"));
}

TEST(DaruanErrors, NameTheBadValue) {
  Layer l = random_layer(3, 2, 2, 2, 41);
  auto run = [&](const Layer& m) { kernel_forward<double>(m); };
  auto with_shape = [&](DaruanShape s) {
    Layer m = l;
    m.shape = s;
    return m;
  };
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(with_shape({0, 2, 2, 2})); }), "batch size 0"));
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(with_shape({3, 0, 2, 2})); }), "input width 0"));
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(with_shape({3, 2, 0, 2})); }), "output width 0"));
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(with_shape({3, 2, 2, 0})); }), "reps = 0"));
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(with_shape({3, 2, 2, daruan_max_reps() + 1})); }),
                        "reps = " + std::to_string(daruan_max_reps() + 1)));
  Layer bad = l;
  bad.x[3] = NAN;  // sample 1, feature 1
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(bad); }), "input x (sample, feature) [1, 1] = nan"));
  bad = l;
  bad.pre_w[1] = INFINITY;
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { run(bad); }), "pre-activation weight (edge, rep) [0, 1] = inf"));
}

}  // namespace
}  // namespace tangle
