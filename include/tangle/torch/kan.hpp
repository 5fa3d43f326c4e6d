/// @file
/// The classical twins a QKAN is compared with: a B-spline KAN layer (Liu et al., "KAN:
/// Kolmogorov-Arnold Networks", arXiv 2404.19756, in the efficient-kan formulation) and an MLP of
/// matched parameter count.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle::torch {

/// The spline grid of a KANLayer and the seed of its initial parameters.
struct KANOptions {
  int grid = 5;          ///< intervals on [lo, hi] (>= 1)
  int order = 3;         ///< spline order (3 = cubic; >= 0)
  ///@{
  /// The grid's range [lo, hi] (lo < hi); inputs outside it see only the extension knots.
  double lo = -1.0, hi = 1.0;
  ///@}
  std::uint64_t seed = 0;  ///< seed of the initial base and spline weights
};

/// y_j = sum_i bw_ji SiLU(x_i) + s_ji sum_k c_jik B_k(x_i): B_k the grid + order B-splines of
/// the uniform grid on [lo, hi] extended by `order` knots on each side. Parameters per edge:
/// grid + order + 2.
class KANLayerImpl : public ::torch::nn::Module {
 public:
  /// A layer of in_features x out_features edges. Base weights start uniform in +-1/sqrt(in)
  /// (as torch's Linear), spline coefficients small and normal, scales at 1. ValueError for a
  /// width below 1, grid < 1, order < 0 or an empty range.
  KANLayerImpl(index_t in_features, index_t out_features, KANOptions options = {});
  /// [..., in_features] -> [..., out_features].
  ::torch::Tensor forward(const ::torch::Tensor& x);
  /// The B-spline bases of x [B, in]: [B, in, grid + order].
  ::torch::Tensor bases(const ::torch::Tensor& x) const;

  ///@{
  /// Parameters: base_w (bw) [out, in], spline_w (c) [out, in, grid + order], spline_scale (s)
  /// [out, in].
  ::torch::Tensor base_w, spline_w, spline_scale;
  ///@}
  ::torch::Tensor knots;  ///< [in, grid + 2 order + 1], a buffer

 private:
  index_t in_, out_;
  KANOptions options_;
};

/// The module holder of KANLayerImpl (what TORCH_MODULE would declare): a shared pointer with
/// value syntax, `KANLayer layer(in, out); y = layer(x);`.
class KANLayer : public ::torch::nn::ModuleHolder<KANLayerImpl> {
 public:
  using ::torch::nn::ModuleHolder<KANLayerImpl>::ModuleHolder;
  using Impl = KANLayerImpl;  ///< the module type held
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
