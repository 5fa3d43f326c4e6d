// QuantumLayer on a noisy circuit (LayerOptions::noise, density-matrix backend): gradients against
// central finite differences through channels and readout error, the layer's outputs equal the
// core program's, and a hybrid model trains.
#include <gtest/gtest.h>

#include "layer_checks.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/torch/quantum_layer.hpp"

using tangle::Circuit;
using tangle::GateMatch;
using tangle::NoiseChannel;
using tangle::NoiseModel;
using tangle::Readout;
using tangle::ReadoutConfusion;
using tangle::torch::QuantumLayer;

namespace {

tangle::torch::LayerOptions noisy_options() {
  tangle::torch::LayerOptions o;
  o.seed = 2;
  o.run.backend = tangle::Backend::DensityMatrix;
  o.noise.add(NoiseChannel::depolarizing(0.03), GateMatch::every());
  o.noise.add(NoiseChannel::amplitude_damping(0.05), GateMatch::one_qubit(), {1});
  o.noise.add_readout_error(ReadoutConfusion::flips(0.02, 0.06));
  return o;
}

QuantumLayer noisy_layer() {
  Circuit c(3);
  const auto x = c.inputs(3);
  tangle::angle_embedding(c, tangle::exprs(x), {0, 1, 2}, tangle::Pauli::Y);
  tangle::strongly_entangling_layers(c, c.weights({2, 3, 3}), {0, 1, 2});
  std::vector<Readout> r = {Readout::expval(tangle::pauli_z(0)), Readout::expval(tangle::pauli_z(1) * tangle::pauli_x(2)),
                            Readout::probs({2})};
  return QuantumLayer(std::move(c), std::move(r), noisy_options());
}

}  // namespace

TEST(NoisyLayer, RunsTheNoisyProgramAndItsGradientsMatchFiniteDifferences) {
  QuantumLayer layer = noisy_layer();
  layer->to(torch::kFloat64);
  EXPECT_GT(layer->program().circuit().ops().size(), layer->program().source_circuit().ops().size());
  torch::manual_seed(1);
  torch::Tensor x = torch::randn({4, 3}, torch::kFloat64).requires_grad_(true);
  torch::Tensor g = torch::randn({4, layer->n_outputs()}, torch::kFloat64);
  const torch::Tensor y = layer(x);
  // The same values as the core program with the same options.
  const torch::Tensor xd = x.detach().contiguous(), wd = layer->weights.detach().contiguous();
  std::vector<double> xs(xd.data_ptr<double>(), xd.data_ptr<double>() + xd.numel());
  std::vector<double> ws(wd.data_ptr<double>(), wd.data_ptr<double>() + wd.numel());
  const std::vector<double> want = tangle::forward(layer->program(), xs, 4, ws, noisy_options().run);
  const torch::Tensor yd = y.detach().contiguous();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(yd.data_ptr<double>()[i], want[i], 1e-14) << "output " << i;

  const double worst = tangle::test::worst_gradient_error(layer, x, g);
  EXPECT_LT(worst, 1e-7) << "largest |autograd - finite difference| = " << worst;
}

TEST(NoisyLayer, TrainsAHybridModel) {
  torch::manual_seed(4);
  auto model = torch::nn::Sequential(torch::nn::Linear(5, 3), noisy_layer(), torch::nn::Linear(4, 1));
  model->to(torch::kFloat64);
  const torch::Tensor x = torch::randn({24, 5}, torch::kFloat64);
  const torch::Tensor t = (x.sum(1, true) > 0).to(torch::kFloat64);
  const auto [start, end] = tangle::test::train_mse(model, x, t, 30, 0.05);
  EXPECT_LT(end, 0.7 * start) << "loss went from " << start << " to " << end;
}
