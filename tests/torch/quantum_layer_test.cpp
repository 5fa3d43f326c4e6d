// QuantumLayer: gradients against finite differences (the gradcheck approach), dtypes, shapes,
// Sequential, state_dict round trips, and boundary checks.
#include <gtest/gtest.h>

#include <sstream>

#include "layer_checks.hpp"
#include "tangle/core/error.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/torch/quantum_layer.hpp"

using tangle::Circuit;
using tangle::Readout;
using tangle::torch::QuantumLayer;

namespace {

QuantumLayer make_layer(int n, std::uint64_t seed = 1) {
  Circuit c(n);
  auto x = c.inputs(n);
  tangle::angle_embedding(c, tangle::exprs(x), [&] {
    std::vector<int> w(n);
    for (int i = 0; i < n; ++i) w[i] = i;
    return w;
  }(), tangle::Pauli::Y);
  auto w = c.weights({2, n, 3});
  std::vector<int> wires(n);
  for (int i = 0; i < n; ++i) wires[i] = i;
  tangle::strongly_entangling_layers(c, w, wires);
  auto s = c.weights(1);
  c.crx(x[0] * s[0], 0, n - 1);
  std::vector<Readout> r;
  for (int i = 0; i < n; ++i) r.push_back(Readout::expval(tangle::pauli_z(i)));
  r.push_back(Readout::probs({0, 1}));
  tangle::torch::LayerOptions o;
  o.seed = seed;
  return QuantumLayer(std::move(c), std::move(r), o);
}

}  // namespace

TEST(QuantumLayer, GradientsMatchFiniteDifferencesInDouble) {
  QuantumLayer layer = make_layer(3);
  layer->to(torch::kFloat64);
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({5, 3}, torch::kFloat64).requires_grad_(true);
  torch::Tensor g = torch::randn({5, layer->n_outputs()}, torch::kFloat64);
  const double worst = tangle::test::worst_gradient_error(layer, x, g);
  EXPECT_LT(worst, 1e-7) << "largest |autograd - finite difference| = " << worst;
}

TEST(QuantumLayer, Float32FollowsDoubleAndSingleSampleShapes) {
  QuantumLayer layer = make_layer(4);
  torch::Tensor x = torch::rand({7, 4});
  torch::Tensor y32 = layer(x);
  EXPECT_EQ(y32.scalar_type(), torch::kFloat32);
  EXPECT_EQ(y32.sizes(), (std::vector<int64_t>{7, layer->n_outputs()}));
  torch::Tensor y64 = layer(x.to(torch::kFloat64));
  EXPECT_EQ(y64.scalar_type(), torch::kFloat64);
  EXPECT_LT((y32.to(torch::kFloat64) - y64).abs().max().item<double>(), 1e-5);
  torch::Tensor one = layer(x[2]);
  EXPECT_EQ(one.sizes(), (std::vector<int64_t>{layer->n_outputs()}));
  EXPECT_LT((one - y32[2]).abs().max().item<double>(), 1e-6);
}

TEST(QuantumLayer, TrainsInsideSequentialWithClassicalLayersBefore) {
  torch::manual_seed(3);
  auto model = torch::nn::Sequential(torch::nn::Linear(6, 3), make_layer(3, 5), torch::nn::Linear(7, 1));
  model->to(torch::kFloat64);
  torch::Tensor x = torch::randn({32, 6}, torch::kFloat64);
  torch::Tensor t = (x.sum(1, true) > 0).to(torch::kFloat64);
  auto first = model->ptr(0)->as<torch::nn::Linear>()->weight.clone();
  const auto [start, end] = tangle::test::train_mse(model, x, t, 40, 0.05);
  EXPECT_LT(end, 0.7 * start) << "loss went from " << start << " to " << end;
  // The classical layer before the circuit received gradients through the circuit's inputs.
  EXPECT_GT((model->ptr(0)->as<torch::nn::Linear>()->weight - first).abs().max().item<double>(), 1e-4);
}

TEST(QuantumLayer, StateDictRoundTrip) {
  QuantumLayer a = make_layer(3, 1), b = make_layer(3, 2);
  torch::Tensor x = torch::rand({4, 3});
  ASSERT_GT((a(x) - b(x)).abs().max().item<double>(), 1e-4);
  std::stringstream buffer;
  torch::save(a, buffer);
  torch::load(b, buffer);
  EXPECT_TRUE(torch::equal(a(x), b(x)));
  EXPECT_TRUE(a->named_parameters().contains("weights"));
}

TEST(QuantumLayer, RejectsBadInputsWithClearMessages) {
  QuantumLayer layer = make_layer(3);
  auto message = [&](const torch::Tensor& x) -> std::string {
    try {
      layer(x);
    } catch (const tangle::Error& e) {
      return e.message();
    }
    return "";
  };
  EXPECT_NE(message(torch::rand({4, 5})).find("width 5"), std::string::npos);
  EXPECT_NE(message(torch::rand({4, 3}).to(torch::kInt32)).find("Int"), std::string::npos);
  EXPECT_NE(message(torch::rand({2, 4, 3})).find("3 dimensions"), std::string::npos);
  EXPECT_NE(message(torch::full({2, 3}, std::nan(""))).find("not finite"), std::string::npos);
  // A non-contiguous view is accepted and gives the same values as its contiguous copy.
  torch::Tensor wide = torch::rand({4, 6});
  torch::Tensor view = wide.index({torch::indexing::Slice(), torch::indexing::Slice(0, 6, 2)});
  ASSERT_FALSE(view.is_contiguous());
  EXPECT_TRUE(torch::allclose(layer(view), layer(view.contiguous())));
}
