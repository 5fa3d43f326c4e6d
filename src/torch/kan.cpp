#include "tangle/torch/kan.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "tangle/core/error.hpp"

namespace tangle::torch {

KANLayerImpl::KANLayerImpl(index_t in_features, index_t out_features, KANOptions options)
    : in_(in_features), out_(out_features), options_(options) {
  TANGLE_CHECK(in_ >= 1, "KANLayer: in_features = ", in_, " must be at least 1");
  TANGLE_CHECK(out_ >= 1, "KANLayer: out_features = ", out_, " must be at least 1");
  TANGLE_CHECK(options_.grid >= 1, "KANLayer: grid = ", options_.grid, " must be at least 1");
  TANGLE_CHECK(options_.order >= 0, "KANLayer: order = ", options_.order, " must be at least 0");
  TANGLE_CHECK(options_.hi > options_.lo, "KANLayer: range [", options_.lo, ", ", options_.hi, "] is empty");
  const int g = options_.grid, k = options_.order;
  const double h = (options_.hi - options_.lo) / g;
  const ::torch::Tensor row = ::torch::arange(-k, g + k + 1, ::torch::kFloat64) * h + options_.lo;
  knots = register_buffer("knots", row.unsqueeze(0).expand({in_, g + 2 * k + 1}).contiguous().to(::torch::kFloat32));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(options_.seed);
  // Base weights as torch's Linear (uniform in +-1/sqrt(in)); small spline coefficients, so the
  // layer starts near its SiLU branch.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  base_w = register_parameter("base_w", (::torch::rand({out_, in_}, gen) * 2 - 1) * bound);
  spline_w = register_parameter("spline_w", ::torch::randn({out_, in_, g + k}, gen) * (0.1 / std::sqrt(double(in_))));
  spline_scale = register_parameter("spline_scale", ::torch::ones({out_, in_}));
}

// Cox-de Boor: order-0 indicators of the knot intervals, raised one order at a time.
::torch::Tensor KANLayerImpl::bases(const ::torch::Tensor& x) const {
  const ::torch::Tensor t = knots.to(x.scalar_type());
  const ::torch::Tensor u = x.unsqueeze(-1);
  const int64_t n = t.size(1);
  ::torch::Tensor b = ((u >= t.narrow(1, 0, n - 1)) & (u < t.narrow(1, 1, n - 1))).to(x.scalar_type());
  for (int p = 1; p <= options_.order; ++p) {
    const int64_t m = n - 1 - p;  // bases of order p
    const ::torch::Tensor left = (u - t.narrow(1, 0, m)) / (t.narrow(1, p, m) - t.narrow(1, 0, m));
    const ::torch::Tensor right = (t.narrow(1, p + 1, m) - u) / (t.narrow(1, p + 1, m) - t.narrow(1, 1, m));
    b = left * b.narrow(-1, 0, m) + right * b.narrow(-1, 1, m);
  }
  return b;
}

::torch::Tensor KANLayerImpl::forward(const ::torch::Tensor& input) {
  TANGLE_CHECK(input.defined() && input.dim() >= 1 && input.size(-1) == in_, "KANLayer: input must be [..., ", in_,
               "]");
  std::vector<int64_t> out_shape = input.sizes().vec();
  out_shape.back() = out_;
  const ::torch::Tensor x = input.reshape({-1, in_});
  const auto dt = x.scalar_type();
  const ::torch::Tensor coef = (spline_w * spline_scale.unsqueeze(-1)).to(dt).reshape({out_, -1});
  ::torch::Tensor y = ::torch::silu(x).matmul(base_w.to(dt).t()) + bases(x).reshape({x.size(0), -1}).matmul(coef.t());
  return y.reshape(out_shape);
}

index_t kan_layer_parameters(index_t in, index_t out, const KANOptions& o) {
  return in * out * (o.grid + o.order + 2);
}

index_t mlp_parameters(index_t in, index_t out, int hidden_layers, index_t hidden) {
  if (hidden_layers == 0) return in * out + out;
  return (in + 1) * hidden + static_cast<index_t>(hidden_layers - 1) * (hidden + 1) * hidden + (hidden + 1) * out;
}

index_t mlp_hidden_for(index_t in, index_t out, int hidden_layers, index_t target) {
  TANGLE_CHECK(hidden_layers >= 1, "MLP twin: hidden_layers = ", hidden_layers, " must be at least 1");
  index_t best = 1;
  for (index_t h = 1; h <= std::max<index_t>(target, 1); ++h) {
    if (std::llabs(mlp_parameters(in, out, hidden_layers, h) - target) <
        std::llabs(mlp_parameters(in, out, hidden_layers, best) - target))
      best = h;
    if (mlp_parameters(in, out, hidden_layers, h) > target) break;
  }
  return best;
}

::torch::nn::Sequential make_mlp(index_t in, index_t out, int hidden_layers, index_t hidden) {
  ::torch::nn::Sequential s;
  index_t width = in;
  for (int l = 0; l < hidden_layers; ++l) {
    s->push_back(::torch::nn::Linear(width, hidden));
    s->push_back(::torch::nn::SiLU());
    width = hidden;
  }
  s->push_back(::torch::nn::Linear(width, out));
  return s;
}

index_t count_parameters(const ::torch::nn::Module& m) {
  index_t n = 0;
  for (const ::torch::Tensor& p : m.parameters()) n += p.requires_grad() ? p.numel() : 0;
  return n;
}

}  // namespace tangle::torch
