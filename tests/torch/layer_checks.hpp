// Checks shared by the QuantumLayer tests: autograd against central finite differences (the
// gradcheck approach), and a few optimizer steps of a small regression.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "tangle/torch/quantum_layer.hpp"

namespace tangle::test {

/// The largest |autograd - central difference of step h| over the layer's weights and the entries
/// of `x` [batch, n_inputs] (float64, requires_grad), for the scalar sum(layer(x) * g).
inline double worst_gradient_error(tangle::torch::QuantumLayer& layer, ::torch::Tensor x, const ::torch::Tensor& g,
                                   double h = 1e-6) {
  (layer(x) * g).sum().backward();
  const ::torch::Tensor dx = x.grad().clone(), dw = layer->weights.grad().clone();
  auto value = [&] {
    ::torch::NoGradGuard ng;
    return (layer(x) * g).sum().item<double>();
  };
  double worst = 0.0;
  auto check = [&](::torch::Tensor entry, double analytic) {
    ::torch::NoGradGuard ng;
    const double v0 = entry.item<double>();
    entry.fill_(v0 + h);
    const double up = value();
    entry.fill_(v0 - h);
    const double down = value();
    entry.fill_(v0);
    worst = std::max(worst, std::abs((up - down) / (2 * h) - analytic));
  };
  for (int64_t i = 0; i < layer->weights.size(0); ++i) check(layer->weights[i], dw[i].item<double>());
  for (int64_t b = 0; b < x.size(0); ++b)
    for (int64_t j = 0; j < x.size(1); ++j) check(x[b][j], dx[b][j].item<double>());
  return worst;
}

/// The MSE loss of `model` on (x, t) before the first and before the last of `steps` Adam steps.
inline std::pair<double, double> train_mse(::torch::nn::Sequential& model, const ::torch::Tensor& x,
                                           const ::torch::Tensor& t, int steps, double lr) {
  ::torch::optim::Adam opt(model->parameters(), ::torch::optim::AdamOptions(lr));
  double start = 0, end = 0;
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    ::torch::Tensor loss = ::torch::mse_loss(model->forward(x), t);
    if (step == 0) start = loss.item<double>();
    end = loss.item<double>();
    loss.backward();
    opt.step();
  }
  return {start, end};
}

}  // namespace tangle::test
