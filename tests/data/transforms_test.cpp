// Transforms on small hand-made data sets: values, shapes, copies, errors; the stratified split;
// PCA against hand-computed and constructed cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"
#include "tangle/data/dataset.hpp"
#include "error_message.hpp"

using tangle::ValueError;
namespace td = tangle::data;

namespace {

using tangle::test::error_of;
using tangle::test::has;

std::vector<std::int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

td::Dataset make(torch::Tensor features, std::vector<std::int64_t> labels, std::vector<std::string> names) {
  td::Dataset d;
  d.features = std::move(features);
  d.labels = torch::tensor(labels, torch::kInt64);
  d.class_names = std::move(names);
  d.name = "toy";
  return d;
}

/// Two 4x4 images with pixels 0..15 and 16..31.
td::Dataset images() {
  return make(torch::arange(32, torch::kFloat32).reshape({2, 4, 4}), {0, 1}, {"a", "b"});
}

/// Checks that `after` equals `before` (a deep copy taken before the transform) and is untouched.
void expect_unchanged(const td::Dataset& before, const td::Dataset& after) {
  EXPECT_TRUE(torch::equal(before.features, after.features));
  EXPECT_TRUE(torch::equal(before.labels, after.labels));
  EXPECT_EQ(before.class_names, after.class_names);
}

td::Dataset deep_copy(const td::Dataset& d) {
  td::Dataset c = d;
  c.features = d.features.clone();
  c.labels = d.labels.clone();
  return c;
}

/// The outputs of a transform must not alias the input: writing to them leaves the input intact.
void expect_no_alias(const td::Dataset& in, td::Dataset out) {
  const td::Dataset before = deep_copy(in);
  out.features.fill_(-12345.0f);
  out.labels.fill_(99);
  expect_unchanged(before, in);
}

// --- simple transforms -------------------------------------------------------------------------

TEST(Transforms, Pad) {
  const td::Dataset d = images();
  const td::Dataset p = td::pad(d, 1, -1.0f);
  ASSERT_EQ(p.features.sizes(), (std::vector<std::int64_t>{2, 6, 6}));
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(p.features.index({Slice(), Slice(1, 5), Slice(1, 5)}), d.features));
  // Border: 2 images x (36 - 16) pixels, all -1.
  EXPECT_EQ((p.features == -1.0f).sum().item<std::int64_t>(), 2 * 20);
  EXPECT_EQ(p.features[1][0][0].item<float>(), -1.0f);
  EXPECT_EQ(p.features[1][5][3].item<float>(), -1.0f);
  EXPECT_EQ(p.features[1][1][1].item<float>(), 16.0f);
  EXPECT_TRUE(torch::equal(p.labels, d.labels));
  EXPECT_EQ(p.class_names, d.class_names);
  EXPECT_EQ(p.name, "toy");
  expect_no_alias(d, p);
  expect_no_alias(d, td::pad(d, 0));
  // Default value 0, and [N, C, H, W] images.
  const td::Dataset c = make(torch::ones({1, 3, 2, 2}), {0}, {"x"});
  const td::Dataset pc = td::pad(c, 2);
  ASSERT_EQ(pc.features.sizes(), (std::vector<std::int64_t>{1, 3, 6, 6}));
  EXPECT_EQ(pc.features.sum().item<float>(), 12.0f);
  EXPECT_EQ(pc.features[0][2][2][2].item<float>(), 1.0f);
  EXPECT_EQ(pc.features[0][2][1][2].item<float>(), 0.0f);
  // Errors.
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::pad(d, -1); }), "amount must be >= 0"));
  const td::Dataset table = make(torch::zeros({2, 3}), {0, 1}, {"a", "b"});
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::pad(table, 1); }), "pad: needs images [N, H, W] or [N, C, H, W]"));
}

TEST(Transforms, AvgPool) {
  const td::Dataset d = images();
  const td::Dataset p = td::avg_pool(d, 2);
  ASSERT_EQ(p.features.sizes(), (std::vector<std::int64_t>{2, 2, 2}));
  // Image 0 is [[0,1,2,3],[4,5,6,7],[8,9,10,11],[12,13,14,15]].
  EXPECT_TRUE(torch::equal(p.features[0], torch::tensor({2.5f, 4.5f, 10.5f, 12.5f}).reshape({2, 2})));
  EXPECT_TRUE(torch::equal(p.features[1], torch::tensor({18.5f, 20.5f, 26.5f, 28.5f}).reshape({2, 2})));
  const td::Dataset whole = td::avg_pool(d, 4);
  EXPECT_EQ(whole.features[0][0][0].item<float>(), 7.5f);
  EXPECT_TRUE(torch::equal(td::avg_pool(d, 1).features, d.features));
  expect_no_alias(d, p);
  expect_no_alias(d, td::avg_pool(d, 1));
  // [N, C, H, W]: channels pooled separately.
  const td::Dataset c = make(torch::arange(2 * 2 * 2, torch::kFloat32).reshape({1, 2, 2, 2}), {0}, {"x"});
  EXPECT_TRUE(torch::equal(td::avg_pool(c, 2).features, torch::tensor({1.5f, 5.5f}).reshape({1, 2, 1, 1})));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::avg_pool(d, 3); }), "images of 4x4 in 'toy' are not divisible by the factor 3"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::avg_pool(d, 0); }), "factor must be >= 1"));
}

TEST(Transforms, NormalizeScaleFlatten) {
  const td::Dataset d = images();
  const td::Dataset n = td::normalize(d, 1.0f, 2.0f);
  EXPECT_EQ(n.features[0][0][0].item<float>(), -0.5f);
  EXPECT_EQ(n.features[1][3][3].item<float>(), 15.0f);
  EXPECT_TRUE(torch::allclose(n.features, (d.features - 1.0f) / 2.0f));
  expect_no_alias(d, n);
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::normalize(d, 0.0f, 0.0f); }), "stddev must be positive"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::normalize(d, NAN, 1.0f); }), "mean must be finite"));

  const td::Dataset s = td::scale(d, 4.0f);
  EXPECT_EQ(s.features[0][0][1].item<float>(), 0.25f);
  EXPECT_EQ(s.features[1][3][3].item<float>(), 31.0f / 4.0f);
  expect_no_alias(d, s);
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::scale(d, 0.0f); }), "divisor must be finite and non-zero"));

  const td::Dataset f = td::flatten(d);
  ASSERT_EQ(f.features.sizes(), (std::vector<std::int64_t>{2, 16}));
  EXPECT_TRUE(torch::equal(f.features[1], torch::arange(16, 32, torch::kFloat32)));
  expect_no_alias(d, f);
  const td::Dataset t = make(torch::arange(6, torch::kFloat32).reshape({2, 3}), {0, 1}, {"a", "b"});
  EXPECT_TRUE(torch::equal(td::flatten(t).features, t.features));
  expect_no_alias(t, td::flatten(t));
}

TEST(Transforms, MalformedDataSets) {
  td::Dataset d = images();
  d.labels = torch::tensor({0}, torch::kInt64);
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::scale(d, 2.0f); }), "has features [2, 4, 4] and labels [1]"));
  td::Dataset empty;
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::flatten(empty); }), "has no features or no labels"));
}

TEST(Transforms, Subset) {
  const td::Dataset d = images();
  const td::Dataset s = d.subset(torch::tensor({1, 1, 0}, torch::kInt64));
  ASSERT_EQ(s.features.sizes(), (std::vector<std::int64_t>{3, 4, 4}));
  EXPECT_TRUE(torch::equal(s.features[0], d.features[1]));
  EXPECT_TRUE(torch::equal(s.features[2], d.features[0]));
  EXPECT_EQ(to_vector(s.labels), (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(s.class_names, d.class_names);
  expect_no_alias(d, s);
  EXPECT_TRUE(has(error_of<ValueError>([&] { d.subset(torch::tensor({0, 2}, torch::kInt64)); }),
                  "index 2 (position 1) is out of range for 'toy' with 2 rows"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { d.subset(torch::tensor({0.5f})); }), "integer tensor"));
}

TEST(Transforms, SelectClassesRelabels) {
  const td::Dataset d = make(torch::arange(6, torch::kFloat32).reshape({6, 1}), {0, 1, 2, 0, 2, 1}, {"a", "b", "c"});
  const td::Dataset before = deep_copy(d);
  const td::Dataset s = td::select_classes(d, {2, 0});
  EXPECT_TRUE(torch::equal(s.features.flatten(), torch::tensor({0.f, 2.f, 3.f, 4.f})));  // rows in original order
  EXPECT_EQ(to_vector(s.labels), (std::vector<std::int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(s.n_classes(), 2);
  expect_unchanged(before, d);
  expect_no_alias(d, s);

  EXPECT_TRUE(has(error_of<ValueError>([&] { td::select_classes(d, {0, 3}); }), "class 3 is not in 'toy', which has classes 0..2"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::select_classes(d, {1, 1}); }), "class 1 is listed twice"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::select_classes(d, {}); }), "no classes given"));
  const td::Dataset no_b = td::select_classes(d, {0, 2});
  // Classes 0 and 2 of `d` became 0 and 1; class 1 of no_b ("c") exists, but make one with an empty class:
  td::Dataset gap = no_b;
  gap.class_names = {"a", "c", "ghost"};
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::select_classes(gap, {2}); }), "class 2 ('ghost') has no rows in 'toy'"));
}

// --- split -----------------------------------------------------------------------------------

/// 100 rows sorted by class (50, 30, 20); feature = row number, so rows can be traced.
td::Dataset blocks() {
  std::vector<std::int64_t> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i < 50 ? 0 : i < 80 ? 1 : 2);
  return make(torch::arange(100, torch::kFloat32).reshape({100, 1}), labels, {"a", "b", "c"});
}

std::vector<std::int64_t> rows_of(const td::Dataset& d) { return to_vector(d.features.flatten().round()); }

TEST(Split, StratifiedDisjointComplete) {
  const td::Dataset d = blocks();
  const td::Dataset before = deep_copy(d);
  const auto [train, test] = td::split(d, 0.3, 7);
  expect_unchanged(before, d);
  EXPECT_EQ(test.size(), 30);
  EXPECT_EQ(train.size(), 70);
  EXPECT_TRUE(torch::equal(torch::bincount(test.labels, {}, 3), torch::tensor({15, 9, 6}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(torch::bincount(train.labels, {}, 3), torch::tensor({35, 21, 14}, torch::kInt64)));
  // Every row exactly once, with its own label.
  std::vector<std::int64_t> all = rows_of(train);
  const auto te = rows_of(test);
  all.insert(all.end(), te.begin(), te.end());
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> expected(100);
  for (int i = 0; i < 100; ++i) expected[i] = i;
  EXPECT_EQ(all, expected);
  for (const td::Dataset* part : {&train, &test}) {
    const auto rows = rows_of(*part);
    const auto labels = to_vector(part->labels);
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(labels[i], to_vector(d.labels)[rows[i]]);
    EXPECT_EQ(part->class_names, d.class_names);
    // Shuffled: the classes are mixed, not in the input's sorted order.
    EXPECT_FALSE(std::is_sorted(labels.begin(), labels.end()));
  }
}

TEST(Split, DeterministicPerSeed) {
  const td::Dataset d = blocks();
  const auto a = td::split(d, 0.25, 42);
  const auto b = td::split(d, 0.25, 42);
  const auto c = td::split(d, 0.25, 43);
  EXPECT_EQ(rows_of(a.first), rows_of(b.first));
  EXPECT_EQ(rows_of(a.second), rows_of(b.second));
  EXPECT_NE(rows_of(a.second), rows_of(c.second));
  // Pinned: the same rows on every platform (SplitMix64, no std distributions). Cross-checked with an
  // independent Python implementation: per class (13, 7, 5 rows) a Fisher-Yates shuffle with
  // below(i + 1), the first rows to the second part, then both parts shuffled with the same stream.
  const std::vector<std::int64_t> pinned = {19, 67, 38, 16, 20, 96, 95, 78, 35, 81, 11, 50, 2,
                                            77, 72, 6,  68, 82, 22, 0,  91, 31, 43, 56, 3};
  EXPECT_EQ(rows_of(a.second), pinned);
}

TEST(Split, RoundingAndEdges) {
  // 3 classes of 5: 0.5 of 15 rounds to 8 = 3 + 3 + 2 (extra rows to the lower classes on equal remainders).
  std::vector<std::int64_t> labels;
  for (int i = 0; i < 15; ++i) labels.push_back(i / 5);
  const td::Dataset d = make(torch::arange(15, torch::kFloat32).reshape({15, 1}), labels, {"a", "b", "c"});
  const auto [first, second] = td::split(d, 0.5, 1);
  EXPECT_TRUE(torch::equal(torch::bincount(second.labels, {}, 3), torch::tensor({3, 3, 2}, torch::kInt64)));
  EXPECT_EQ(first.size(), 7);
  // Fractions 0 and 1.
  EXPECT_EQ(td::split(d, 0.0, 1).second.size(), 0);
  EXPECT_EQ(td::split(d, 0.0, 1).first.size(), 15);
  EXPECT_EQ(td::split(d, 1.0, 1).first.size(), 0);
  EXPECT_EQ(td::split(d, 1.0, 1).second.features.sizes(), (std::vector<std::int64_t>{15, 1}));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::split(d, 1.5, 1); }), "fraction must be in [0, 1], got 1.5"));
  // Labels outside the classes are caught.
  td::Dataset bad = d;
  bad.labels = torch::full({15}, 3, torch::kInt64);
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::split(bad, 0.5, 1); }), "has label 3 but the data set has 3 classes"));
}

// --- PCA -------------------------------------------------------------------------------------

TEST(Pca, HandComputed2D) {
  // Points at mean (3, 5) +- 2u and +- v with u = (0.8, 0.6), v = (-0.6, 0.8):
  // covariance eigenvalues 8/3 (along u) and 2/3 (along v), with n - 1 = 3.
  const auto x = torch::tensor({4.6f, 6.2f, 1.4f, 3.8f, 2.4f, 5.8f, 3.6f, 4.2f}).reshape({4, 2});
  const td::Dataset d = make(x, {0, 1, 0, 1}, {"a", "b"});
  const td::Pca p = td::Pca::fit(d, 2);
  EXPECT_TRUE(torch::allclose(p.mean, torch::tensor({3.0f, 5.0f}), 0, 1e-6));
  EXPECT_TRUE(torch::allclose(p.components, torch::tensor({0.8f, 0.6f, -0.6f, 0.8f}).reshape({2, 2}), 0, 1e-5))
      << p.components;
  EXPECT_TRUE(torch::allclose(p.variance, torch::tensor({8.0f / 3, 2.0f / 3}), 0, 1e-5)) << p.variance;
  const td::Dataset y = p.apply(d);
  EXPECT_TRUE(torch::allclose(y.features, torch::tensor({2.f, 0.f, -2.f, 0.f, 0.f, 1.f, 0.f, -1.f}).reshape({4, 2}), 0, 1e-5))
      << y.features;
  EXPECT_TRUE(torch::equal(y.labels, d.labels));
  EXPECT_EQ(y.class_names, d.class_names);
  // k = 1 keeps the first component only.
  const td::Pca p1 = td::Pca::fit(d, 1);
  EXPECT_EQ(p1.components.sizes(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(torch::allclose(p1.apply(d).features.flatten(), torch::tensor({2.f, -2.f, 0.f, 0.f}), 0, 1e-5));
}

torch::Tensor random_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  tangle::SplitMix64 rng(seed);
  std::vector<float> v(static_cast<std::size_t>(rows * cols));
  for (auto& x : v) x = static_cast<float>(rng.normal());
  return torch::tensor(v).reshape({rows, cols});
}

TEST(Pca, OrthonormalSortedSigned) {
  // Anisotropic data: column j scaled by (j + 1).
  const auto x = random_matrix(200, 6, 11) * torch::arange(1, 7, torch::kFloat32);
  const td::Dataset d = make(x, std::vector<std::int64_t>(200, 0), {"only"});
  const td::Pca p = td::Pca::fit(d, 4);
  ASSERT_EQ(p.components.sizes(), (std::vector<std::int64_t>{4, 6}));
  ASSERT_EQ(p.mean.sizes(), (std::vector<std::int64_t>{6}));
  ASSERT_EQ(p.variance.sizes(), (std::vector<std::int64_t>{4}));
  EXPECT_TRUE(torch::allclose(p.components.matmul(p.components.t()), torch::eye(4), 0, 1e-5));
  for (int i = 0; i + 1 < 4; ++i) EXPECT_GT(p.variance[i].item<float>(), p.variance[i + 1].item<float>());
  for (int i = 0; i < 4; ++i) {
    const auto row = p.components[i];
    EXPECT_GT(row[row.abs().argmax()].item<float>(), 0.0f) << "largest-magnitude entry positive";
  }
  // The variance of each projected coordinate is the reported variance (unbiased, n - 1).
  const auto y = p.apply(d).features;
  EXPECT_TRUE(torch::allclose(y.var(0, /*unbiased=*/true), p.variance, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(y.mean(0), torch::zeros(4), 0, 1e-4));
  // No direction has more variance than the first component.
  EXPECT_NEAR(p.variance[0].item<float>(), torch::linalg_eigvalsh(x.t().cov()).max().item<float>(), 1e-3);
}

TEST(Pca, ReconstructsRankKDataExactly) {
  // Rank-2 data in 5 dimensions around a non-zero mean, as images [N, 1, 5].
  const auto x = random_matrix(40, 2, 3).matmul(random_matrix(2, 5, 4)) + torch::tensor({1.f, -2.f, 3.f, 0.5f, 7.f});
  const td::Dataset d = make(x.reshape({40, 1, 5}), std::vector<std::int64_t>(40, 0), {"only"});
  const td::Pca p = td::Pca::fit(d, 2);
  const auto y = p.apply(d).features;
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{40, 2}));
  const auto back = y.matmul(p.components) + p.mean;
  EXPECT_TRUE(torch::allclose(back, x, 0, 1e-4)) << (back - x).abs().max();
  // With k = 1 it cannot be exact.
  const td::Pca p1 = td::Pca::fit(d, 1);
  EXPECT_GT((p1.apply(d).features.matmul(p1.components) + p1.mean - x).abs().max().item<float>(), 0.1f);
}

TEST(Pca, FittedOnlyOnWhatItIsGiven) {
  const auto train_x = random_matrix(30, 3, 21);
  const auto test_x = random_matrix(10, 3, 22) * 5.0f + 100.0f;  // far away, very different
  const td::Dataset train = make(train_x, std::vector<std::int64_t>(30, 0), {"only"});
  const td::Dataset test = make(test_x, std::vector<std::int64_t>(10, 0), {"only"});
  const td::Dataset train_before = deep_copy(train);
  const td::Pca p = td::Pca::fit(train, 2);
  expect_unchanged(train_before, train);
  EXPECT_TRUE(torch::allclose(p.mean, train_x.mean(0), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(p.variance, td::Pca::fit(train, 3).variance.slice(0, 0, 2)));
  const auto y = p.apply(test).features;
  EXPECT_TRUE(torch::allclose(y, (test_x - train_x.mean(0)).matmul(p.components.t()), 1e-4, 1e-3));
  EXPECT_GT(y.mean(0).abs().max().item<float>(), 50.0f) << "the test set is not re-centred";
  // Applying does not change the Pca.
  const auto c = p.components.clone();
  p.apply(test);
  EXPECT_TRUE(torch::equal(c, p.components));
}

TEST(Pca, Errors) {
  const td::Dataset d = make(random_matrix(5, 3, 1), {0, 0, 0, 0, 0}, {"only"});
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::Pca::fit(d, 0); }), "k must be in 1..3"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::Pca::fit(d, 4); }), "k must be in 1..3"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::Pca::fit(d.subset(torch::tensor({0}, torch::kInt64)), 1); }),
                  "needs at least 2 rows"));
  const td::Pca p = td::Pca::fit(d, 2);
  const td::Dataset wide = make(random_matrix(2, 4, 2), {0, 0}, {"only"});
  EXPECT_TRUE(has(error_of<ValueError>([&] { p.apply(wide); }), "fitted on 3 features but 'toy' has 4"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::Pca{}.apply(d); }), "not fitted"));
  td::Dataset nan = make(random_matrix(5, 3, 1), {0, 0, 0, 0, 0}, {"only"});
  nan.features[2][1] = NAN;
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::Pca::fit(nan, 1); }), "feature 1 of 'toy' has NaN or infinite values"));
}

TEST(Pipeline, DigitsEndToEnd) {
  // The intended use: embedded digits -> scale -> two classes -> split -> PCA on the train part.
  const td::Dataset digits = td::scale(td::embedded_digits(), 16.0f);
  EXPECT_EQ(digits.features.max().item<float>(), 1.0f);
  const td::Dataset two = td::select_classes(digits, {3, 8});
  EXPECT_EQ(two.class_names, (std::vector<std::string>{"3", "8"}));
  const auto [train, test] = td::split(two, 0.2, 5);
  EXPECT_EQ(train.size() + test.size(), two.size());
  EXPECT_EQ(test.size(), std::llround(0.2 * static_cast<double>(two.size())));
  const td::Pca p = td::Pca::fit(train, 4);
  const td::Dataset z = p.apply(test);
  EXPECT_EQ(z.features.sizes(), (std::vector<std::int64_t>{test.size(), 4}));
  EXPECT_TRUE(torch::equal(z.labels, test.labels));
  const td::Dataset pooled = td::avg_pool(td::pad(digits, 2), 3);
  EXPECT_EQ(pooled.features.sizes(), (std::vector<std::int64_t>{1797, 4, 4}));
  EXPECT_EQ(td::flatten(pooled).features.sizes(), (std::vector<std::int64_t>{1797, 16}));
}

}  // namespace
