/// @file
/// QKAN layers in LibTorch: a Kolmogorov-Arnold layer whose edge activations are DARUAN circuits
/// (tangle/sim/daruan.hpp), after Jiang, Huang, Chen, Goan, arXiv 2509.14026 and the authors'
/// package Jim137/qkan:
///
/// @verbatim
///   y_j = sum_i m_ji [ pw_ji (phi_ji(x_i) + pb_ji) + bw_ji SiLU(x_i) ]
/// @endverbatim
///
/// with phi_ji the edge's one-qubit re-uploading circuit, m a fixed mask (1), pw and pb post-
/// activation scales (1 and 0, trainable on request), bw the base branch's weights (0.5).
///
/// @code
///   tangle::torch::QKANLayer layer(784, 64);          // reps 3
///   torch::Tensor y = layer(x);                       // x [..., 784] float32 or float64 -> [..., 64]
///   layer->extend_reps(4);                            // same outputs, one more repetition to train
/// @endcode
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "tangle/core/types.hpp"

namespace tangle::torch {

/// y [B, n_out] = sum_i coef_ji phi_ji(x_bi), differentiable in every argument. x [B, n_in],
/// theta [n_out, n_in, reps + 1, 2], pre_w and pre_b [n_out, n_in, reps], coef [n_out, n_in]:
/// CPU tensors of one dtype, float32 or float64. `threads` = 0 uses every core.
::torch::Tensor daruan_apply(const ::torch::Tensor& x, const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                             const ::torch::Tensor& pre_b, const ::torch::Tensor& coef, int threads = 0);

/// The same activations phi [B, n_out, n_in] from plain torch ops on a complex two-amplitude
/// state per (sample, edge), gate by gate, as the authors' `exact` solver computes them (autograd
/// through every gate): the independent reference of the tests and the comparison point of
/// `tangle bench --workload QKAN`.
::torch::Tensor daruan_torch_reference(const ::torch::Tensor& x, const ::torch::Tensor& theta,
                                       const ::torch::Tensor& pre_w, const ::torch::Tensor& pre_b);

/// The autograd function behind daruan_apply; its backward is the kernel's exact adjoint.
class DaruanFunction : public ::torch::autograd::Function<DaruanFunction> {
 public:
  /// y = daruan_forward of the (contiguous) tensors, saved for backward; shapes as daruan_apply.
  static ::torch::Tensor forward(::torch::autograd::AutogradContext* ctx, const ::torch::Tensor& x,
                                 const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                                 const ::torch::Tensor& pre_b, const ::torch::Tensor& coef, int64_t threads);
  /// Gradients of x (only when it requires one), theta, pre_w, pre_b and coef by daruan_backward
  /// for the cotangent grad_outputs[0] [B, n_out]; none for `threads`.
  static ::torch::autograd::variable_list backward(::torch::autograd::AutogradContext* ctx,
                                                   ::torch::autograd::variable_list grad_outputs);
};

/// The settings of a QKANLayer (the defaults are the authors').
struct QKANOptions {
  int reps = 3;  ///< re-uploading repetitions per edge, 1 .. daruan_max_reps()
  /// 0: every edge has its own angles and pre-activations; g > 0: edge (j, i) uses set i mod g,
  /// shared by every output (the authors' `group`).
  index_t group = 0;
  bool preact_trainable = true;    ///< w_l, b_l of the encodings (else fixed at 1 and 0)
  bool postact_trainable = false;  ///< pw, pb (else fixed at 1 and 0)
  bool base = true;                ///< the SiLU branch (its weights trainable)
  std::uint64_t seed = 0;          ///< seed of the initial angles (Xavier-normal)
  int threads = 0;                 ///< threads of the DARUAN kernel; 0 = every core
};

/// A QKAN layer: in_features x out_features DARUAN edges (see the top of this file).
class QKANLayerImpl : public ::torch::nn::Module {
 public:
  /// A layer whose angles start Xavier-normal, encodings at w = 1, b = 0, post-activations at
  /// pw = 1, pb = 0 and base weights at 0.5. ValueError for a width below 1, reps outside
  /// [1, daruan_max_reps()] or a group outside [0, in_features].
  QKANLayerImpl(index_t in_features, index_t out_features, QKANOptions options = {});

  /// [..., in_features] -> [..., out_features].
  ::torch::Tensor forward(const ::torch::Tensor& x);

  /// Layer extension: grows every edge to `reps` repetitions. The new ones start as the identity
  /// (w = b = 0 and zero angles), so the layer's outputs are unchanged; the optimizer must be
  /// rebuilt afterwards (the parameters change shape).
  void extend_reps(int reps);

  /// Width of the input's last dimension.
  index_t in_features() const { return in_; }
  /// Width of the output's last dimension.
  index_t out_features() const { return out_; }
  /// Current repetitions per edge (extend_reps() raises it).
  int reps() const { return options_.reps; }
  /// The options the layer was built with (reps updated by extend_reps()).
  const QKANOptions& options() const { return options_; }

  ///@{
  /// Angles [n_out, n_in, reps + 1, 2] (or [group, reps + 1, 2]), pre-activations [.., reps]
  /// (parameters, or buffers when not preact_trainable).
  ::torch::Tensor theta, pre_w, pre_b;
  ///@}
  ///@{
  /// Post-activation scale pw, shift pb (buffers unless postact_trainable) and base weights bw
  /// (undefined without the base branch): [n_out, n_in].
  ::torch::Tensor post_w, post_b, base_w;
  ///@}
  ::torch::Tensor mask;                    ///< [n_out, n_in], a buffer of ones (m)

 private:
  ::torch::Tensor per_edge(const ::torch::Tensor& t) const;

  index_t in_, out_;
  QKANOptions options_;
};

/// The module holder of QKANLayerImpl (what TORCH_MODULE would declare).
class QKANLayer : public ::torch::nn::ModuleHolder<QKANLayerImpl> {
 public:
  using ::torch::nn::ModuleHolder<QKANLayerImpl>::ModuleHolder;
  using Impl = QKANLayerImpl;  ///< the module type held
};

/// The width HQKAN puts around its QKAN layer for a feature width d: ceil(log2 d), at least 1.
index_t hqkan_width(index_t d);

/// HQKAN: Linear(d_in -> h_in) -> QKANLayer(h_in -> h_out) -> Linear(h_out -> d_out), with
/// h = hqkan_width(d) unless given: a drop-in for an MLP block (the paper's GPT feed-forward).
class HQKANImpl : public ::torch::nn::Module {
 public:
  /// The three layers for widths d_in -> d_out; h_in, h_out = 0 pick hqkan_width(). ValueError
  /// for a width below 1.
  HQKANImpl(index_t d_in, index_t d_out, QKANOptions options = {}, index_t h_in = 0, index_t h_out = 0);
  /// up(qkan(down(x))): [..., d_in] -> [..., d_out].
  ::torch::Tensor forward(const ::torch::Tensor& x);

  ///@{
  /// The linear maps d_in -> h_in (down) and h_out -> d_out (up).
  ::torch::nn::Linear down{nullptr}, up{nullptr};
  ///@}
  QKANLayer qkan{nullptr};  ///< the QKAN layer h_in -> h_out
};

/// The module holder of HQKANImpl (what TORCH_MODULE would declare).
class HQKAN : public ::torch::nn::ModuleHolder<HQKANImpl> {
 public:
  using ::torch::nn::ModuleHolder<HQKANImpl>::ModuleHolder;
  using Impl = HQKANImpl;  ///< the module type held
};

}  // namespace tangle::torch
