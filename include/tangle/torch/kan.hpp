// The classical twins a QKAN is compared with: a B-spline KAN layer (Liu et al., "KAN:
// Kolmogorov-Arnold Networks", arXiv 2404.19756, in the efficient-kan formulation) and an MLP of
// matched parameter count.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle::torch {

struct KANOptions {
  int grid = 5;          // intervals on [lo, hi]
  int order = 3;         // spline order (3 = cubic)
  double lo = -1.0, hi = 1.0;
  std::uint64_t seed = 0;
};

/// y_j = sum_i bw_ji SiLU(x_i) + s_ji sum_k c_jik B_k(x_i): B_k the grid + order B-splines of
/// the uniform grid on [lo, hi] extended by `order` knots on each side. Parameters per edge:
/// grid + order + 2.
class KANLayerImpl : public ::torch::nn::Module {
 public:
  KANLayerImpl(index_t in_features, index_t out_features, KANOptions options = {});
  /// [..., in_features] -> [..., out_features].
  ::torch::Tensor forward(const ::torch::Tensor& x);
  /// The B-spline bases of x [B, in]: [B, in, grid + order].
  ::torch::Tensor bases(const ::torch::Tensor& x) const;

  ::torch::Tensor base_w, spline_w, spline_scale;
  ::torch::Tensor knots;  // [in, grid + 2 order + 1], a buffer

 private:
  index_t in_, out_;
  KANOptions options_;
};

class KANLayer : public ::torch::nn::ModuleHolder<KANLayerImpl> {
 public:
  using ::torch::nn::ModuleHolder<KANLayerImpl>::ModuleHolder;
  using Impl = KANLayerImpl;
};

/// Parameters of a KAN layer: in out (grid + order + 2).
index_t kan_layer_parameters(index_t in, index_t out, const KANOptions& options = {});

/// The hidden width h for which an MLP widths[0] -> h -> ... -> h -> widths.back() with
/// `hidden_layers` hidden layers (biases included) has the parameter count closest to `target`.
index_t mlp_hidden_for(index_t in, index_t out, int hidden_layers, index_t target);

/// Linear(in -> h) SiLU ... Linear(h -> out), with `hidden_layers` hidden layers of width h.
::torch::nn::Sequential make_mlp(index_t in, index_t out, int hidden_layers, index_t hidden);

/// Parameters of make_mlp(in, out, hidden_layers, hidden).
index_t mlp_parameters(index_t in, index_t out, int hidden_layers, index_t hidden);

/// Trainable parameters of a module (what "parameter count" means in every comparison).
index_t count_parameters(const ::torch::nn::Module& m);

}  // namespace tangle::torch
