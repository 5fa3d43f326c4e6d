#include "tangle/torch/neural_extrapolator.hpp"

#include <torch/torch.h>

#include <cmath>

#include "tangle/core/error.hpp"

namespace tangle::torch {

algo::Extrapolation neural_extrapolation(const NeuralExtrapolatorOptions& o) {
  TANGLE_CHECK(o.epochs >= 1, "neural extrapolator: epochs ", o.epochs, " must be >= 1");
  TANGLE_CHECK(o.lr > 0 && std::isfinite(o.lr), "neural extrapolator: lr ", o.lr, " must be positive");
  for (int h : o.hidden) TANGLE_CHECK(h >= 1, "neural extrapolator: hidden width ", h, " must be >= 1");
  return algo::Extrapolation::custom("nn", [o](const std::vector<double>& scales, const std::vector<double>& values) {
    TANGLE_CHECK(scales.size() >= 2, "neural extrapolator needs at least 2 noise levels, got ", scales.size());
    ::torch::NoGradGuard outer;  // the fit below enables gradients itself
    const auto f64 = ::torch::TensorOptions().dtype(::torch::kFloat64);
    const auto n = static_cast<std::int64_t>(scales.size());
    const ::torch::Tensor x = ::torch::tensor(scales, f64).reshape({n, 1});
    const ::torch::Tensor y = ::torch::tensor(values, f64).reshape({n, 1});
    // Least-squares line, then the network on what the line misses.
    const ::torch::Tensor a = ::torch::cat({::torch::ones_like(x), x}, 1);
    const ::torch::Tensor coef = std::get<0>(::torch::linalg_lstsq(a, y, ::c10::nullopt, ::c10::nullopt));
    const ::torch::Tensor residual = y - a.matmul(coef);
    const ::torch::Tensor xm = x.mean(), xs = x.std().clamp_min(1e-12), rs = residual.std().clamp_min(1e-12);
    ::torch::Generator gen = ::at::detail::createCPUGenerator(o.seed);
    ::torch::nn::Sequential net;
    std::int64_t width = 1;
    for (int h : o.hidden) {
      ::torch::nn::Linear lin(::torch::nn::LinearOptions(width, h));
      lin->to(::torch::kFloat64);
      lin->weight.copy_(::torch::randn({h, width}, gen, f64) / std::sqrt(static_cast<double>(width)));
      lin->bias.zero_();
      net->push_back(lin);
      net->push_back(::torch::nn::Tanh());
      width = h;
    }
    ::torch::nn::Linear out(::torch::nn::LinearOptions(width, 1));
    out->to(::torch::kFloat64);
    out->weight.zero_();
    out->bias.zero_();
    net->push_back(out);
    const ::torch::Tensor xin = (x - xm) / xs, target = residual / rs;
    ::torch::optim::Adam opt(net->parameters(), ::torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
    {
      ::torch::AutoGradMode grad(true);
      for (int e = 0; e < o.epochs; ++e) {
        opt.zero_grad();
        ::torch::Tensor loss = (net->forward(xin) - target).pow(2).mean();
        loss.backward();
        opt.step();
      }
    }
    const ::torch::Tensor x0 = (::torch::zeros({1, 1}, f64) - xm) / xs;
    return (coef[0][0] + net->forward(x0)[0][0] * rs).item<double>();
  });
}

}  // namespace tangle::torch
