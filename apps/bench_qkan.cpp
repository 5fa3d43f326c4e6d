// `tangle bench --workload QKAN`: QKAN[784 -> 64 -> 10], reps 3, batch 1,000, one training step
// (forward + backward) through tangle::torch::QKANLayer; the DARUAN kernels alone against their
// floor (flops per edge and sample over the vector rate); an MLP layer of the same parameter count
// as the first QKAN layer; and the gate-by-gate plain-torch solver (the authors' `exact` way) as a
// comparison point.
#include <torch/torch.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "tangle/core/parallel.hpp"
#include "tangle/sim/daruan.hpp"
#include "tangle/torch/kan.hpp"
#include "tangle/torch/qkan.hpp"

namespace tangle::cli {
namespace {

struct QkanRow {
  Precision precision = Precision::F32;
  double step = 0, kernel_fwd = 0, kernel_bwd = 0, floor_step = 0, peak = 0, mlp_step = 0, layer_step = 0;
  double reference_edge_samples = 0;  // plain torch, edge-samples per second (forward + backward)
  index_t edges = 0, batch = 0, params = 0, mlp_hidden = 0;
};

// One training step's forward + backward of `f` on x (gradients zeroed first).
double step_seconds(int repeats, ::torch::nn::Module& m, const std::function<::torch::Tensor()>& f) {
  return median_seconds(repeats, [&] {
    m.zero_grad();
    f().square().mean().backward();
  });
}

QkanRow run_qkan(Precision precision, int threads, int repeats) {
  ::torch::manual_seed(0);
  const auto dtype = precision == Precision::F32 ? ::torch::kFloat32 : ::torch::kFloat64;
  const index_t batch = 1000, n_in = 784, hidden = 64, n_out = 10;
  const int reps = 3;
  tangle::torch::QKANOptions o;
  o.reps = reps;
  o.threads = threads;
  ::torch::nn::Sequential net(tangle::torch::QKANLayer(n_in, hidden, o), tangle::torch::QKANLayer(hidden, n_out, o));
  net->to(dtype);
  const ::torch::Tensor x = ::torch::rand({batch, n_in}, dtype);
  QkanRow r;
  r.precision = precision;
  r.batch = batch;
  r.edges = n_in * hidden + hidden * n_out;
  r.step = step_seconds(repeats, *net, [&] { return net->forward(x); });

  // The kernels alone (no torch), on the network's two layers: the fraction of the floor.
  const double fwd = daruan_forward_flops_per_rep(precision) * reps, bwd = daruan_backward_flops_per_rep(precision) * reps;
  r.peak = vector_peak_flops(precision, threads);
  r.floor_step = static_cast<double>(r.edges) * batch * (fwd + bwd) / r.peak;
  ::torch::NoGradGuard no_grad;
  auto* first = net[0]->as<tangle::torch::QKANLayerImpl>();
  auto* second = net[1]->as<tangle::torch::QKANLayerImpl>();
  const ::torch::Tensor h = first->forward(x);
  auto kernel_times = [&](auto zero) {
    using Real = decltype(zero);
    double tf = 0, tb = 0;
    for (auto* l : {first, second}) {
      const ::torch::Tensor in = l == first ? x : h;
      const DaruanShape s{batch, l->in_features(), l->out_features(), reps};
      const DaruanParams<Real> p{l->theta.template data_ptr<Real>(), l->pre_w.template data_ptr<Real>(), l->pre_b.template data_ptr<Real>(),
                                 l->post_w.template data_ptr<Real>()};
      ::torch::Tensor y = ::torch::empty({batch, s.n_out}, dtype), g = ::torch::ones({batch, s.n_out}, dtype);
      ::torch::Tensor dx = ::torch::empty_like(in), dth = ::torch::empty_like(l->theta),
                      dw = ::torch::empty_like(l->pre_w), db = ::torch::empty_like(l->pre_b),
                      dc = ::torch::empty_like(l->post_w);
      tf += median_seconds(repeats, [&] { daruan_forward<Real>(s, in.template data_ptr<Real>(), p, y.template data_ptr<Real>(), threads); });
      tb += median_seconds(repeats, [&] {
        daruan_backward<Real>(s, in.template data_ptr<Real>(), p, g.template data_ptr<Real>(), dx.template data_ptr<Real>(),
                              {dth.template data_ptr<Real>(), dw.template data_ptr<Real>(), db.template data_ptr<Real>(), dc.template data_ptr<Real>()},
                              threads);
      });
    }
    r.kernel_fwd = tf;
    r.kernel_bwd = tb;
  };
  if (precision == Precision::F32) {
    kernel_times(0.0f);
  } else {
    kernel_times(0.0);
  }

  // The first layer against one Linear layer of the same parameter count (the 5x target).
  {
    ::torch::AutoGradMode grad(true);
    tangle::torch::QKANLayer layer(n_in, hidden, o);
    layer->to(dtype);
    r.params = tangle::torch::count_parameters(*layer);
    r.mlp_hidden = std::max<index_t>(1, r.params / (n_in + 1));  // Linear(n_in -> h): (n_in + 1) h parameters
    ::torch::nn::Linear mlp(n_in, r.mlp_hidden);
    mlp->to(dtype);
    r.layer_step = step_seconds(repeats, *layer, [&] { return layer(x); });
    r.mlp_step = step_seconds(repeats, *mlp, [&] { return mlp(x); });

    // Plain torch, gate by gate with autograd, on a slice of the first layer at a small batch
    // (its intermediates are [batch, out, in] complex tensors per gate).
    const index_t rb = 50;
    const ::torch::Tensor xs = x.narrow(0, 0, rb);
    const ::torch::Tensor th = first->theta.detach().clone().requires_grad_(true);
    const ::torch::Tensor pw = first->pre_w.detach().clone().requires_grad_(true);
    const ::torch::Tensor pb = first->pre_b.detach().clone().requires_grad_(true);
    const double t = median_seconds(std::max(1, repeats / 2), [&] {
      tangle::torch::daruan_torch_reference(xs, th, pw, pb).sum().backward();
    });
    r.reference_edge_samples = static_cast<double>(n_in * hidden) * rb / t;
  }
  return r;
}

// The MLP layer's step at the vector rate: 2 flops per weight and sample forward, 4 backward
// (torch's BLAS on this machine may be far from it, so both are reported).
double mlp_floor(const QkanRow& r) {
  return 6.0 * static_cast<double>(r.batch) * static_cast<double>(r.params) / r.peak;
}

void print_qkan(const QkanRow& r, bool json) {
  const double edge_samples = static_cast<double>(r.edges) * r.batch;
  const double kernel_step = r.kernel_fwd + r.kernel_bwd;
  if (json) {
    nlohmann::json j;
    j["workload"] = "QKAN";
    j["precision"] = std::string(precision_name(r.precision));
    j["batch"] = r.batch;
    j["edges"] = r.edges;
    j["step_ms"] = std::round(r.step * 1e4) / 10;
    j["kernel_forward_ms"] = std::round(r.kernel_fwd * 1e4) / 10;
    j["kernel_backward_ms"] = std::round(r.kernel_bwd * 1e4) / 10;
    j["floor_ms"] = std::round(r.floor_step * 1e4) / 10;
    j["fraction_of_floor"] = std::round(r.floor_step / kernel_step * 1000) / 1000;
    j["vector_gflops"] = std::round(r.peak / 1e8) / 10;
    j["layer_step_ms"] = std::round(r.layer_step * 1e4) / 10;
    j["mlp_step_ms"] = std::round(r.mlp_step * 1e4) / 10;
    j["qkan_over_mlp"] = std::round(r.layer_step / r.mlp_step * 100) / 100;
    j["mlp_floor_ms"] = std::round(mlp_floor(r) * 1e4) / 10;
    j["qkan_over_mlp_floor"] = std::round(r.layer_step / mlp_floor(r) * 100) / 100;
    j["edge_samples_per_s"] = std::round(edge_samples / kernel_step);
    j["torch_reference_edge_samples_per_s"] = std::round(r.reference_edge_samples);
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("QKAN[784->64->10] reps 3, batch %lld, %s: step (fwd+bwd, torch) %.1f ms; kernels %.1f + %.1f ms "
                "= %.0f %% of the floor %.1f ms (%.0f GFLOP/s vector rate)\n",
                static_cast<long long>(r.batch), std::string(precision_name(r.precision)).c_str(), r.step * 1e3,
                r.kernel_fwd * 1e3, r.kernel_bwd * 1e3, 100 * r.floor_step / kernel_step, r.floor_step * 1e3,
                r.peak / 1e9);
    std::printf("  QKANLayer(784->64) step %.1f ms vs Linear(784->%lld) (same %lld parameters) %.1f ms: %.1fx "
                "(%.1fx its floor %.1f ms); plain-torch gate-by-gate solver %.2g edge-samples/s vs kernels %.2g\n",
                r.layer_step * 1e3, static_cast<long long>(r.mlp_hidden), static_cast<long long>(r.params),
                r.mlp_step * 1e3, r.layer_step / r.mlp_step, r.layer_step / mlp_floor(r), mlp_floor(r) * 1e3,
                r.reference_edge_samples, edge_samples / kernel_step);
  }
  std::fflush(stdout);
}

}  // namespace

void run_qkan_bench(const BenchOptions& options, int threads) {
  for (Precision p : options.precisions) print_qkan(run_qkan(p, threads, options.repeats), options.json);
}

}  // namespace tangle::cli
