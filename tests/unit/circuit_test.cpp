// The circuit IR: weight initialization, angle evaluation, parameter blocks, op fields.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/templates.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

double mean(const std::vector<double>& v, index_t from, index_t count) {
  double s = 0.0;
  for (index_t i = from; i < from + count; ++i) s += v[static_cast<size_t>(i)];
  return s / static_cast<double>(count);
}

double stddev(const std::vector<double>& v, index_t from, index_t count) {
  const double m = mean(v, from, count);
  double s = 0.0;
  for (index_t i = from; i < from + count; ++i) s += (v[static_cast<size_t>(i)] - m) * (v[static_cast<size_t>(i)] - m);
  return std::sqrt(s / static_cast<double>(count - 1));
}

TEST(InitialWeights, SameSeedSameWeightsAndRangesRespected) {
  constexpr index_t kN = 4000;
  Circuit c(3);
  const ParamBlock uni = c.weights(kN, WeightInit::uniform(-0.5, 2.0));
  const ParamBlock nor = c.weights({40, 100}, WeightInit::normal(1.5, 0.25));
  const ParamBlock con = c.weights(7, WeightInit::constant(-0.125));
  const ParamBlock ang = c.weights(kN);  // default: uniform angles on [0, 2 pi)
  const ParamBlock su = c.special_unitary({0, 2});
  ASSERT_EQ(static_cast<index_t>(c.initial_weights(1).size()), c.n_weights());

  const auto a = c.initial_weights(42), b = c.initial_weights(42), d = c.initial_weights(43);
  EXPECT_EQ(a, b) << "same seed must give the same weights";
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == d[i];
  EXPECT_EQ(same, static_cast<size_t>(con.size())) << "only the constant block may coincide across seeds";

  for (index_t i = 0; i < kN; ++i) {
    const double u = a[static_cast<size_t>(uni.offset() + i)], g = a[static_cast<size_t>(ang.offset() + i)];
    ASSERT_TRUE(u >= -0.5 && u < 2.0) << "uniform weight " << i << " = " << u;
    ASSERT_TRUE(g >= 0.0 && g < 2 * M_PI) << "angle weight " << i << " = " << g;
  }
  for (index_t i = 0; i < con.size(); ++i) EXPECT_EQ(a[static_cast<size_t>(con.offset() + i)], -0.125);
  // Moments within 4 standard errors: uniform mean 0.75 (sd 2.5/sqrt 12), normal mean 1.5 sd 0.25.
  const double se_uni = 2.5 / std::sqrt(12.0 * kN);
  EXPECT_NEAR(mean(a, uni.offset(), kN), 0.75, 4 * se_uni);
  EXPECT_NEAR(mean(a, ang.offset(), kN), M_PI, 4 * 2 * M_PI / std::sqrt(12.0 * kN));
  EXPECT_NEAR(mean(a, nor.offset(), nor.size()), 1.5, 4 * 0.25 / std::sqrt(static_cast<double>(nor.size())));
  EXPECT_NEAR(stddev(a, nor.offset(), nor.size()), 0.25, 4 * 0.25 / std::sqrt(2.0 * static_cast<double>(nor.size())));
  // The SpecialUnitary default is normal(0, 0.1): 15 small weights, not all equal.
  EXPECT_EQ(su.size(), 15);
  double su_max = 0.0;
  for (index_t i = 0; i < su.size(); ++i) su_max = std::max(su_max, std::abs(a[static_cast<size_t>(su.offset() + i)]));
  EXPECT_GT(su_max, 0.0);
  EXPECT_LT(su_max, 0.1 * 6);  // 6 sigma: 15 draws of normal(0, 0.1) stay inside
}

TEST(Expressions, EvaluateAffineForms) {
  Circuit c(1);
  const ParamBlock w = c.weights(2), x = c.inputs(3);
  const double wv[] = {0.7, -1.1}, xv[] = {0.2, 1.5, -0.4};
  const Expr e = 0.5 * x[1] * w[0] + w[1] - 0.3;
  EXPECT_DOUBLE_EQ(e.eval(wv, xv), 0.5 * 1.5 * 0.7 - 1.1 - 0.3);
  EXPECT_DOUBLE_EQ((x[0] * x[2]).eval(wv, xv), 0.2 * -0.4);
  EXPECT_DOUBLE_EQ((x[1] * x[1] * w[1] * 2.0).eval(wv, xv), 2.0 * 1.5 * 1.5 * -1.1);
  EXPECT_DOUBLE_EQ(((w[0] + x[2]) * 3.0 - x[2] / 2.0).eval(wv, xv), 3.0 * 0.7 + 2.5 * -0.4);
  EXPECT_DOUBLE_EQ((-(w[0] - 1.0)).eval(wv, xv), 1.0 - 0.7);
  // Canonical forms: order does not matter, cancelled terms vanish.
  EXPECT_TRUE(w[0] + x[1] == x[1] + w[0]);
  EXPECT_TRUE((w[0] + x[1] - w[0]) == x[1]);
  EXPECT_TRUE((x[0] - x[0]).is_constant());
  EXPECT_EQ(e.max_weight(), 1);
  EXPECT_EQ(e.max_input(), 1);
  EXPECT_TRUE(e.uses_weights() && e.uses_inputs());
  EXPECT_FALSE(Expr(2.0).uses_weights());
}

TEST(ParamBlocks, ShapedIndexingIsRowMajor) {
  Circuit c(1);
  c.weights(5);
  const ParamBlock b = c.weights({2, 3, 4});
  EXPECT_EQ(b.offset(), 5);
  EXPECT_EQ(b.size(), 24);
  EXPECT_TRUE(b.at({1, 2, 3}) == Expr::weight(5 + 23));
  EXPECT_TRUE(b.at({1, 0, 2}) == Expr::weight(5 + 12 + 2));
  const ParamBlock s = b(1);
  EXPECT_EQ(s.offset(), 5 + 12);
  EXPECT_EQ(s.shape(), (std::vector<index_t>{3, 4}));
  EXPECT_TRUE(s.at({2, 1}) == Expr::weight(5 + 12 + 9));
  const auto all = exprs(b);
  ASSERT_EQ(all.size(), 24u);
  for (index_t i = 0; i < 24; ++i) EXPECT_TRUE(all[static_cast<size_t>(i)] == Expr::weight(5 + i));
  const ParamBlock x = c.inputs({2, 2});
  EXPECT_EQ(x.kind(), ParamKind::Input);
  EXPECT_TRUE(x.at({1, 1}) == Expr::input(3));
}

TEST(Ops, BuildersFillWordsControlsAndTargets) {
  Circuit c(4);
  c.rxx(0.1, 0, 3).multirz(0.2, {1, 2, 3}).pauli_rot(0.3, "ZIY", {2, 0, 1}).crz(0.4, 3, 1).toffoli(2, 0, 3).cswap(1, 3, 0);
  const auto& ops = c.ops();
  ASSERT_EQ(ops.size(), 6u);
  EXPECT_EQ(ops[0].word, (std::vector<Pauli>{Pauli::X, Pauli::X}));
  EXPECT_EQ(ops[1].word, (std::vector<Pauli>(3, Pauli::Z)));
  EXPECT_EQ(ops[2].word, (std::vector<Pauli>{Pauli::Z, Pauli::I, Pauli::Y}));
  EXPECT_EQ(ops[3].controls(), std::vector<int>{3});
  EXPECT_EQ(ops[3].targets(), std::vector<int>{1});
  EXPECT_EQ(ops[4].controls(), (std::vector<int>{2, 0}));
  EXPECT_EQ(ops[4].targets(), std::vector<int>{3});
  EXPECT_EQ(ops[5].controls(), std::vector<int>{1});
  EXPECT_EQ(ops[5].targets(), (std::vector<int>{3, 0}));
}

}  // namespace
}  // namespace tangle
