#include "tangle/torch/qkan.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "tangle/core/error.hpp"
#include "tangle/sim/daruan.hpp"

namespace tangle::torch {

namespace {

// The boundary: shapes, dtypes and devices, with messages naming the bad value.
DaruanShape check_tensors(const ::torch::Tensor& x, const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                          const ::torch::Tensor& pre_b, const ::torch::Tensor& coef) {
  for (const ::torch::Tensor* t : {&x, &theta, &pre_w, &pre_b, &coef}) {
    TANGLE_CHECK(t->defined(), "DARUAN: every argument must be a defined tensor");
    TANGLE_CHECK(t->device().is_cpu(), "DARUAN: a tensor is on ", t->device().str(),
                 " but tangle runs on the CPU (call .cpu())");
  }
  const auto dtype = x.scalar_type();
  TANGLE_CHECK(dtype == ::torch::kFloat32 || dtype == ::torch::kFloat64, "DARUAN: input dtype ",
               c10::toString(dtype), " is not float32 or float64");
  for (const ::torch::Tensor* t : {&theta, &pre_w, &pre_b, &coef})
    TANGLE_CHECK(t->scalar_type() == dtype, "DARUAN: a parameter is ", c10::toString(t->scalar_type()),
                 " but the input is ", c10::toString(dtype));
  TANGLE_CHECK(x.dim() == 2, "DARUAN: input must be [batch, n_in], got shape ", x.sizes());
  TANGLE_CHECK(coef.dim() == 2, "DARUAN: coef must be [n_out, n_in], got shape ", coef.sizes());
  TANGLE_CHECK(theta.dim() == 4 && theta.size(3) == 2, "DARUAN: theta must be [n_out, n_in, reps + 1, 2], got shape ",
               theta.sizes());
  DaruanShape s{x.size(0), x.size(1), coef.size(0), static_cast<int>(theta.size(2) - 1)};
  TANGLE_CHECK(coef.size(1) == s.n_in, "DARUAN: coef has ", coef.size(1), " inputs but x has ", s.n_in);
  TANGLE_CHECK(theta.size(0) == s.n_out && theta.size(1) == s.n_in, "DARUAN: theta has shape ", theta.sizes(),
               " but coef is ", coef.sizes());
  for (const ::torch::Tensor* t : {&pre_w, &pre_b})
    TANGLE_CHECK(t->dim() == 3 && t->size(0) == s.n_out && t->size(1) == s.n_in && t->size(2) == s.reps,
                 "DARUAN: pre-activations must be [", s.n_out, ", ", s.n_in, ", ", s.reps, "], got shape ", t->sizes());
  return s;
}

template <typename T>
DaruanParams<T> params_of(const ::torch::Tensor& theta, const ::torch::Tensor& pre_w, const ::torch::Tensor& pre_b,
                          const ::torch::Tensor& coef) {
  return {theta.data_ptr<T>(), pre_w.data_ptr<T>(), pre_b.data_ptr<T>(), coef.data_ptr<T>()};
}

::torch::Tensor evaluate(const ::torch::Tensor& x, const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                         const ::torch::Tensor& pre_b, const ::torch::Tensor& coef, int threads) {
  const DaruanShape s = check_tensors(x, theta, pre_w, pre_b, coef);
  ::torch::Tensor y = ::torch::empty({s.batch, s.n_out}, x.options());
  if (x.scalar_type() == ::torch::kFloat32) {
    daruan_forward<float>(s, x.data_ptr<float>(), params_of<float>(theta, pre_w, pre_b, coef), y.data_ptr<float>(),
                          threads);
  } else {
    daruan_forward<double>(s, x.data_ptr<double>(), params_of<double>(theta, pre_w, pre_b, coef),
                           y.data_ptr<double>(), threads);
  }
  return y;
}

template <typename T>
void run_backward(const DaruanShape& s, const ::torch::autograd::variable_list& in, const ::torch::Tensor& g,
                  ::torch::Tensor* dx, ::torch::autograd::variable_list& d, int threads) {
  daruan_backward<T>(s, in[0].data_ptr<T>(), params_of<T>(in[1], in[2], in[3], in[4]), g.data_ptr<T>(),
                     dx != nullptr ? dx->data_ptr<T>() : nullptr,
                     {d[1].data_ptr<T>(), d[2].data_ptr<T>(), d[3].data_ptr<T>(), d[4].data_ptr<T>()}, threads);
}

}  // namespace

::torch::Tensor DaruanFunction::forward(::torch::autograd::AutogradContext* ctx, const ::torch::Tensor& x,
                                        const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                                        const ::torch::Tensor& pre_b, const ::torch::Tensor& coef, int64_t threads) {
  const ::torch::autograd::variable_list in = {x.contiguous(), theta.contiguous(), pre_w.contiguous(), pre_b.contiguous(),
                                     coef.contiguous()};
  ::torch::Tensor y = evaluate(in[0], in[1], in[2], in[3], in[4], static_cast<int>(threads));
  ctx->save_for_backward(in);
  ctx->saved_data["threads"] = threads;
  return y;
}

::torch::autograd::variable_list DaruanFunction::backward(::torch::autograd::AutogradContext* ctx,
                                                          ::torch::autograd::variable_list grad_outputs) {
  const ::torch::autograd::variable_list in = ctx->get_saved_variables();
  const int threads = static_cast<int>(ctx->saved_data["threads"].toInt());
  const DaruanShape s = check_tensors(in[0], in[1], in[2], in[3], in[4]);
  const ::torch::Tensor g = grad_outputs[0].to(in[0].scalar_type()).contiguous();
  ::torch::autograd::variable_list d(5);
  for (size_t k = 1; k < 5; ++k) d[k] = ::torch::empty_like(in[k]);
  const bool want_x = ctx->needs_input_grad(0);
  if (want_x) d[0] = ::torch::empty_like(in[0]);
  if (in[0].scalar_type() == ::torch::kFloat32) {
    run_backward<float>(s, in, g, want_x ? &d[0] : nullptr, d, threads);
  } else {
    run_backward<double>(s, in, g, want_x ? &d[0] : nullptr, d, threads);
  }
  d.push_back(::torch::Tensor());  // threads
  return d;
}

::torch::Tensor daruan_apply(const ::torch::Tensor& x, const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
                             const ::torch::Tensor& pre_b, const ::torch::Tensor& coef, int threads) {
  const bool grad = ::torch::GradMode::is_enabled() &&
                    (x.requires_grad() || theta.requires_grad() || pre_w.requires_grad() ||
                     pre_b.requires_grad() || coef.requires_grad());
  if (!grad) {
    // Inference: no graph, no saved tensors.
    ::torch::NoGradGuard no_grad;
    return evaluate(x.contiguous(), theta.contiguous(), pre_w.contiguous(), pre_b.contiguous(), coef.contiguous(),
                    threads);
  }
  return DaruanFunction::apply(x, theta, pre_w, pre_b, coef, static_cast<int64_t>(threads));
}

::torch::Tensor daruan_torch_reference(const ::torch::Tensor& x, const ::torch::Tensor& theta,
                                       const ::torch::Tensor& pre_w, const ::torch::Tensor& pre_b) {
  const int64_t reps = theta.size(2) - 1;
  const auto ctype = x.scalar_type() == ::torch::kFloat64 ? ::torch::kComplexDouble : ::torch::kComplexFloat;
  const std::vector<int64_t> shape = {x.size(0), theta.size(0), theta.size(1)};
  const ::torch::Tensor i_half = ::torch::full({}, c10::complex<double>(0.0, 0.5), ::torch::kComplexDouble).to(ctype);
  // |+>
  ::torch::Tensor a0 = ::torch::full(shape, M_SQRT1_2, x.options()).to(ctype), a1 = a0;
  auto rz = [&](const ::torch::Tensor& angle) {  // diag(e^(-i a/2), e^(i a/2))
    const ::torch::Tensor ph = ::torch::exp(angle.to(ctype) * i_half);
    a0 = a0 / ph;
    a1 = a1 * ph;
  };
  auto ry = [&](const ::torch::Tensor& angle) {  // [[c, -s], [s, c]] with half angles
    const ::torch::Tensor c = ::torch::cos(angle / 2).to(ctype), s = ::torch::sin(angle / 2).to(ctype);
    const ::torch::Tensor b0 = c * a0 - s * a1;
    a1 = s * a0 + c * a1;
    a0 = b0;
  };
  const ::torch::Tensor xb = x.unsqueeze(1);  // [B, 1, n_in]
  for (int64_t l = 0; l <= reps; ++l) {
    rz(theta.select(2, l).select(2, 0));
    ry(theta.select(2, l).select(2, 1));
    if (l < reps) rz(pre_w.select(2, l) * xb + pre_b.select(2, l));
  }
  return (a0.abs().square() - a1.abs().square()).to(x.scalar_type());
}

QKANLayerImpl::QKANLayerImpl(index_t in_features, index_t out_features, QKANOptions options)
    : in_(in_features), out_(out_features), options_(options) {
  TANGLE_CHECK(in_ >= 1, "QKANLayer: in_features = ", in_, " must be at least 1");
  TANGLE_CHECK(out_ >= 1, "QKANLayer: out_features = ", out_, " must be at least 1");
  const int r = options_.reps;
  TANGLE_CHECK(r >= 1 && r <= daruan_max_reps(), "QKANLayer: reps = ", r, " must be in [1, ", daruan_max_reps(), "]");
  TANGLE_CHECK(options_.group >= 0 && options_.group <= in_, "QKANLayer: group = ", options_.group,
               " must be 0 (no sharing) or in [1, in_features = ", in_, "]");
  std::vector<int64_t> lead = {out_, in_};
  if (options_.group > 0) lead = {options_.group};
  auto shape = [&](std::initializer_list<int64_t> tail) {
    std::vector<int64_t> s = lead;
    s.insert(s.end(), tail);
    return s;
  };
  // Angles as the authors initialize them: Xavier-normal over the per-edge shape [out, in, reps + 1, 2].
  auto gen = at::make_generator<at::CPUGeneratorImpl>(options_.seed);
  const double fan = 2.0 * (r + 1) * static_cast<double>(in_ + out_);
  theta = register_parameter("theta", ::torch::randn(shape({r + 1, 2}), gen) * std::sqrt(2.0 / fan));
  const ::torch::Tensor w = ::torch::ones(shape({r})), b = ::torch::zeros(shape({r}));
  if (options_.preact_trainable) {
    pre_w = register_parameter("pre_w", w);
    pre_b = register_parameter("pre_b", b);
  } else {
    pre_w = register_buffer("pre_w", w);
    pre_b = register_buffer("pre_b", b);
  }
  if (options_.postact_trainable) {
    post_w = register_parameter("post_w", ::torch::ones({out_, in_}));
    post_b = register_parameter("post_b", ::torch::zeros({out_, in_}));
  } else {
    post_w = register_buffer("post_w", ::torch::ones({out_, in_}));
    post_b = register_buffer("post_b", ::torch::zeros({out_, in_}));
  }
  if (options_.base) base_w = register_parameter("base_w", ::torch::full({out_, in_}, 0.5));
  mask = register_buffer("mask", ::torch::ones({out_, in_}));
}

// A grouped parameter [group, ...] as [out, in, ...] (edge (j, i) reads set i mod group).
::torch::Tensor QKANLayerImpl::per_edge(const ::torch::Tensor& t) const {
  if (options_.group == 0) return t;
  const ::torch::Tensor idx = ::torch::arange(in_, ::torch::kLong).remainder(options_.group);
  ::torch::Tensor e = t.index_select(0, idx).unsqueeze(0);
  std::vector<int64_t> sizes = e.sizes().vec();
  sizes[0] = out_;
  return e.expand(sizes);
}

::torch::Tensor QKANLayerImpl::forward(const ::torch::Tensor& input) {
  TANGLE_CHECK(input.defined() && input.dim() >= 1, "QKANLayer: input must be [..., ", in_, "]");
  TANGLE_CHECK(input.size(-1) == in_, "QKANLayer: input has width ", input.size(-1), " but the layer takes ", in_);
  std::vector<int64_t> out_shape = input.sizes().vec();
  out_shape.back() = out_;
  const ::torch::Tensor x = input.reshape({-1, in_});
  const auto dt = x.scalar_type();
  auto as = [&](const ::torch::Tensor& t) { return t.scalar_type() == dt ? t : t.to(dt); };
  const ::torch::Tensor coef = as(mask) * as(post_w);
  ::torch::Tensor y =
      daruan_apply(x, as(per_edge(theta)), as(per_edge(pre_w)), as(per_edge(pre_b)), coef, options_.threads);
  if (options_.postact_trainable) y = y + (coef * as(post_b)).sum(1);
  if (options_.base) y = y + ::torch::silu(x).matmul((as(mask) * as(base_w)).t());
  return y.reshape(out_shape);
}

void QKANLayerImpl::extend_reps(int reps) {
  const int r = options_.reps;
  TANGLE_CHECK(reps >= r && reps <= daruan_max_reps(), "QKANLayer::extend_reps: reps = ", reps, " must be in [",
               r, ", ", daruan_max_reps(), "]");
  if (reps == r) return;
  ::torch::NoGradGuard no_grad;
  // Zeros after the learned entries along the repetition axis: RZ(0 x + 0) RZ(0) RY(0) = I.
  auto grow = [&](::torch::Tensor& t, int64_t dim, int64_t size) {
    std::vector<int64_t> s = t.sizes().vec();
    s[static_cast<size_t>(dim)] = size;
    ::torch::Tensor n = ::torch::zeros(s, t.options());
    n.narrow(dim, 0, t.size(dim)).copy_(t);
    t.set_data(n);
  };
  const int64_t rep_dim = options_.group > 0 ? 1 : 2;
  grow(theta, rep_dim, reps + 1);
  grow(pre_w, rep_dim, reps);
  grow(pre_b, rep_dim, reps);
  options_.reps = reps;
}

index_t hqkan_width(index_t d) {
  TANGLE_CHECK(d >= 1, "HQKAN: width ", d, " must be at least 1");
  index_t h = 0;
  while ((index_t{1} << h) < d) ++h;
  return std::max<index_t>(h, 1);
}

HQKANImpl::HQKANImpl(index_t d_in, index_t d_out, QKANOptions options, index_t h_in, index_t h_out) {
  TANGLE_CHECK(d_in >= 1 && d_out >= 1, "HQKAN: widths ", d_in, " -> ", d_out, " must be at least 1");
  if (h_in == 0) h_in = hqkan_width(d_in);
  if (h_out == 0) h_out = hqkan_width(d_out);
  down = register_module("down", ::torch::nn::Linear(d_in, h_in));
  qkan = register_module("qkan", QKANLayer(h_in, h_out, options));
  up = register_module("up", ::torch::nn::Linear(h_out, d_out));
}

::torch::Tensor HQKANImpl::forward(const ::torch::Tensor& x) { return up(qkan(down(x))); }

}  // namespace tangle::torch
