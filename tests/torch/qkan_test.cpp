// QKAN, HQKAN, KAN and MLP twins: outputs against the plain-torch gate-by-gate reference,
// autograd against central differences, layer extension, grouping, parameter counts, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "tangle/core/error.hpp"
#include "tangle/torch/kan.hpp"
#include "tangle/torch/qkan.hpp"

using tangle::torch::QKANLayer;
using tangle::torch::QKANOptions;

namespace {

// The largest |autograd - central difference| over every trainable parameter and input entry of
// the scalar sum(f(x) * g), in float64.
template <typename F>
double worst_gradient_error(::torch::nn::Module& m, F f, ::torch::Tensor x, const ::torch::Tensor& g,
                            double h = 1e-6) {
  x.set_requires_grad(true);
  m.zero_grad();
  (f(x) * g).sum().backward();
  auto value = [&] {
    ::torch::NoGradGuard ng;
    return (f(x) * g).sum().template item<double>();
  };
  double worst = 0.0;
  auto check_all = [&](::torch::Tensor t, const ::torch::Tensor& grad) {
    ::torch::NoGradGuard ng;
    const ::torch::Tensor flat = t.view({-1}), gflat = grad.reshape({-1});
    for (int64_t k = 0; k < flat.size(0); ++k) {
      const double v0 = flat[k].item<double>();
      flat[k].fill_(v0 + h);
      const double up = value();
      flat[k].fill_(v0 - h);
      const double down = value();
      flat[k].fill_(v0);
      worst = std::max(worst, std::abs((up - down) / (2 * h) - gflat[k].item<double>()));
    }
  };
  for (::torch::Tensor& p : m.parameters()) check_all(p, p.grad());
  check_all(x, x.grad());
  return worst;
}

QKANOptions options(int reps, std::uint64_t seed, bool post = false, tangle::index_t group = 0) {
  QKANOptions o;
  o.reps = reps;
  o.seed = seed;
  o.postact_trainable = post;
  o.group = group;
  return o;
}

// Angles and pre-activations away from their identity-like initial values.
void randomize(tangle::torch::QKANLayerImpl& l, int seed) {
  ::torch::manual_seed(seed);
  ::torch::NoGradGuard ng;
  for (::torch::Tensor& p : l.parameters()) p.copy_(::torch::randn_like(p));
}

TEST(QKANLayer, MatchesThePlainTorchReference) {
  for (auto dtype : {::torch::kFloat64, ::torch::kFloat32}) {
    QKANLayer layer(3, 4, options(3, 1, true));
    randomize(*layer, 2);
    layer->to(dtype);
    const ::torch::Tensor x = ::torch::randn({9, 3}, dtype);
    const ::torch::Tensor phi = tangle::torch::daruan_torch_reference(x, layer->theta, layer->pre_w, layer->pre_b);
    const ::torch::Tensor want = ((phi + layer->post_b) * layer->post_w).sum(2) +
                                 ::torch::silu(x).matmul(layer->base_w.t());
    const double tol = dtype == ::torch::kFloat64 ? 1e-12 : 2e-5;
    ::torch::NoGradGuard ng;
    EXPECT_LT((layer(x) - want).abs().max().item<double>(), tol) << c10::toString(dtype);
  }
}

TEST(QKANLayer, GradientsMatchFiniteDifferences) {
  for (tangle::index_t group : {0, 2}) {
    QKANLayer layer(3, 2, options(2, 3, true, group));
    randomize(*layer, 4);
    layer->to(::torch::kFloat64);
    const ::torch::Tensor x = ::torch::randn({5, 3}, ::torch::kFloat64), g = ::torch::randn({5, 2}, ::torch::kFloat64);
    EXPECT_LT(worst_gradient_error(*layer, [&](const ::torch::Tensor& v) { return layer(v); }, x, g), 1e-7)
        << "group " << group;
  }
}

TEST(QKANLayer, GroupsShareAnglesAcrossOutputs) {
  QKANLayer layer(5, 3, options(2, 5, false, 2));
  EXPECT_EQ(layer->theta.sizes(), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(layer->pre_w.sizes(), (std::vector<int64_t>{2, 2}));
  // One group: every edge reads the same set, so with the base branch off and equal inputs every
  // output is the same.
  QKANOptions o = options(2, 5, false, 1);
  o.base = false;
  QKANLayer shared(4, 3, o);
  randomize(*shared, 6);
  const ::torch::Tensor x = ::torch::randn({1, 1}).expand({7, 4}).contiguous();
  ::torch::NoGradGuard ng;
  const ::torch::Tensor y = shared(x);
  EXPECT_LT((y - y.select(1, 0).unsqueeze(1)).abs().max().item<double>(), 1e-6);
}

TEST(QKANLayer, ExtensionKeepsTheOutputs) {
  for (tangle::index_t group : {0, 3}) {
    QKANLayer layer(3, 2, options(2, 7, false, group));
    randomize(*layer, 8);
    layer->to(::torch::kFloat64);
    const ::torch::Tensor x = ::torch::randn({11, 3}, ::torch::kFloat64);
    ::torch::Tensor before, after;
    {
      ::torch::NoGradGuard ng;
      before = layer(x);
      layer->extend_reps(4);
      after = layer(x);
    }
    EXPECT_EQ(layer->reps(), 4);
    EXPECT_EQ(layer->theta.size(group == 0 ? 2 : 1), 5);
    EXPECT_LT((after - before).abs().max().item<double>(), 1e-13) << "group " << group;
    // The new repetitions train: their last RY angle gets a gradient at once (the new RZ's commute
    // with the readout until an RY after them moves), and after one step so do their weights.
    auto step = [&] {
      layer->zero_grad();
      layer(x).pow(2).sum().backward();
    };
    step();
    const int64_t rep_dim = group == 0 ? 2 : 1;
    EXPECT_GT(layer->theta.grad().select(rep_dim, 4).select(-1, 1).abs().sum().item<double>(), 0.0);
    {
      ::torch::NoGradGuard ng;
      layer->theta.sub_(0.1 * layer->theta.grad());
    }
    step();
    EXPECT_GT(layer->pre_w.grad().select(-1, 3).abs().sum().item<double>(), 0.0);
  }
}

TEST(HQKAN, IsALinearQKANLinearSandwich) {
  tangle::torch::HQKAN h(100, 30);
  EXPECT_EQ(h->down->options.out_features(), 7);
  EXPECT_EQ(h->qkan->in_features(), 7);
  EXPECT_EQ(h->qkan->out_features(), 5);
  EXPECT_EQ(h->up->options.in_features(), 5);
  ::torch::NoGradGuard ng;
  EXPECT_EQ(h(::torch::randn({2, 6, 100})).sizes(), (std::vector<int64_t>{2, 6, 30}));
}

TEST(Twins, ParameterCountsAreAsStated) {
  // QKAN per edge: 2 (reps + 1) angles, reps weights and reps biases, one base weight.
  QKANLayer q(10, 10, options(3, 0));
  EXPECT_EQ(tangle::torch::count_parameters(*q), 10 * 10 * (8 + 3 + 3 + 1));
  QKANOptions fixed = options(3, 0);
  fixed.preact_trainable = false;
  EXPECT_EQ(tangle::torch::count_parameters(*QKANLayer(10, 10, fixed)), 10 * 10 * (8 + 1));
  tangle::torch::KANLayer k(10, 10);
  EXPECT_EQ(tangle::torch::count_parameters(*k), tangle::torch::kan_layer_parameters(10, 10));
  EXPECT_EQ(tangle::torch::kan_layer_parameters(10, 10), 10 * 10 * (5 + 3 + 2));
  const tangle::index_t target = tangle::torch::count_parameters(*q);
  const tangle::index_t h = tangle::torch::mlp_hidden_for(10, 10, 1, target);
  const tangle::index_t n = tangle::torch::count_parameters(*tangle::torch::make_mlp(10, 10, 1, h));
  EXPECT_EQ(n, tangle::torch::mlp_parameters(10, 10, 1, h));
  EXPECT_LE(std::abs(n - target), (10 + 10 + 1) / 2 + 1);
}

TEST(KANLayer, SplinesSumToOneInsideTheGrid) {
  tangle::torch::KANLayer k(2, 1);
  const ::torch::Tensor x = ::torch::linspace(-0.99, 0.99, 41, ::torch::kFloat64).unsqueeze(1).expand({41, 2});
  const ::torch::Tensor b = k->bases(x);
  EXPECT_EQ(b.size(2), 8);
  EXPECT_LT((b.sum(2) - 1).abs().max().item<double>(), 1e-12);
  k->to(::torch::kFloat64);
  const ::torch::Tensor g = ::torch::randn({3, 1}, ::torch::kFloat64);
  EXPECT_LT(worst_gradient_error(*k, [&](const ::torch::Tensor& v) { return k(v); },
                                 ::torch::rand({3, 2}, ::torch::kFloat64) * 1.8 - 0.9, g),
            1e-7);
}

TEST(QKANLayer, BadInputNamesTheValue) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const tangle::ValueError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(message([] { QKANLayer(0, 3); }).find("in_features = 0"), std::string::npos);
  EXPECT_NE(message([] { QKANLayer(3, 0); }).find("out_features = 0"), std::string::npos);
  EXPECT_NE(message([] { QKANLayer(3, 2, options(0, 0)); }).find("reps = 0"), std::string::npos);
  QKANLayer layer(3, 2);
  ::torch::Tensor x = ::torch::zeros({4, 3});
  x[2][1] = NAN;
  EXPECT_NE(message([&] { layer(x); }).find("input x (sample, feature) [2, 1] = nan"), std::string::npos);
  EXPECT_NE(message([&] { layer(::torch::zeros({4, 5})); }).find("width 5"), std::string::npos);
  EXPECT_NE(message([&] { layer->extend_reps(2); }).find("reps = 2"), std::string::npos);
}

}  // namespace
