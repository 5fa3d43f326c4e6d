// DARUAN layers: validation, the per-edge tables, the transposed batches and the thread split
// around the kernels of src/kernels/daruan_impl.hpp.
#include "tangle/sim/daruan.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "kernels/kernels.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"

namespace tangle {
namespace {

using kernels::daruan_edge_stride;
using kernels::daruan_grad_stride;

void check_shape(const DaruanShape& s) {
  TANGLE_CHECK(s.batch >= 1, "DARUAN: batch size ", s.batch, " must be at least 1");
  TANGLE_CHECK(s.n_in >= 1, "DARUAN: input width ", s.n_in, " must be at least 1");
  TANGLE_CHECK(s.n_out >= 1, "DARUAN: output width ", s.n_out, " must be at least 1");
  TANGLE_CHECK(s.reps >= 1 && s.reps <= kernels::kMaxDaruanReps, "DARUAN: reps = ", s.reps, " must be in [1, ",
               kernels::kMaxDaruanReps, "]");
}

template <typename Real>
void check_finite(const Real* v, index_t n, index_t row, const char* what) {
  for (index_t k = 0; k < n; ++k)
    TANGLE_CHECK(std::isfinite(v[k]), "DARUAN: ", what, " [", k / row, ", ", k % row, "] = ", v[k],
                 " is not finite");
}

template <typename Real>
void check_params(const DaruanShape& s, const DaruanParams<Real>& p) {
  TANGLE_CHECK(p.theta != nullptr && p.pre_w != nullptr && p.pre_b != nullptr && p.coef != nullptr,
               "DARUAN: a parameter array is missing");
  const index_t edges = s.n_out * s.n_in;
  check_finite(p.theta, edges * 2 * (s.reps + 1), 2 * (s.reps + 1), "theta (edge, entry)");
  check_finite(p.pre_w, edges * s.reps, s.reps, "pre-activation weight (edge, rep)");
  check_finite(p.pre_b, edges * s.reps, s.reps, "pre-activation bias (edge, rep)");
  check_finite(p.coef, edges, s.n_in, "coefficient (out, in)");
}

// Samples per kernel vector: the batch is padded to a whole number of vectors.
template <typename Real>
index_t padded_batch(index_t batch) {
  constexpr index_t L = kernels::kLanes<Real>;
  return (batch + L - 1) / L * L;
}

// The edge tables (kernels.hpp): the fixed start state, merged phases and the RY cosines.
template <typename Real>
AlignedBuffer<Real> edge_tables(const DaruanShape& s, const DaruanParams<Real>& p, int threads) {
  const index_t edges = s.n_out * s.n_in, stride = daruan_edge_stride(s.reps);
  const int r = s.reps;
  AlignedBuffer<Real> t(static_cast<std::size_t>(edges * stride));
  Real* out = t.data();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (index_t e = 0; e < edges; ++e) {
    const Real* th = p.theta + e * 2 * (r + 1);
    Real* o = out + e * stride;
    // |+> = (1, 0, 0), then RZ(t00), then RY(t01).
    const double a = th[0], b = th[1];
    o[0] = p.coef[e];
    o[1] = static_cast<Real>(std::cos(b) * std::cos(a));
    o[2] = static_cast<Real>(std::sin(a));
    o[3] = static_cast<Real>(-std::sin(b) * std::cos(a));
    for (int l = 0; l < r; ++l) {
      Real* q = o + 4 + 4 * l;
      q[0] = p.pre_w[e * r + l];
      q[1] = p.pre_b[e * r + l] + th[2 * (l + 1)];
      q[2] = static_cast<Real>(std::cos(static_cast<double>(th[2 * (l + 1) + 1])));
      q[3] = static_cast<Real>(std::sin(static_cast<double>(th[2 * (l + 1) + 1])));
    }
    o[4 + 4 * r] = static_cast<Real>(std::cos(b));
    o[5 + 4 * r] = static_cast<Real>(std::sin(b));
  }
  return t;
}

// rows [rows][ld] (padding zero) from a [cols_of_src = rows] major matrix src [batch][rows].
template <typename Real>
void transpose_in(const Real* src, index_t batch, index_t rows, index_t ld, Real* dst) {
  for (index_t b = 0; b < batch; ++b)
    for (index_t r = 0; r < rows; ++r) dst[r * ld + b] = src[b * rows + r];
}
template <typename Real>
void transpose_out(const Real* src, index_t batch, index_t rows, index_t ld, Real* dst) {
  for (index_t b = 0; b < batch; ++b)
    for (index_t r = 0; r < rows; ++r) dst[b * rows + r] = src[r * ld + b];
}

}  // namespace

int daruan_max_reps() { return kernels::kMaxDaruanReps; }

template <typename Real>
void daruan_forward(const DaruanShape& s, const Real* x, const DaruanParams<Real>& p, Real* y, int threads) {
  check_shape(s);
  TANGLE_CHECK(x != nullptr && y != nullptr, "DARUAN: input or output array is missing");
  check_finite(x, s.batch * s.n_in, s.n_in, "input x (sample, feature)");
  check_params(s, p);
  threads = resolve_threads(threads);
  const index_t ld = padded_batch<Real>(s.batch), n_vec = ld / kernels::kLanes<Real>;
  check_allocation(static_cast<std::uint64_t>(ld * (s.n_in + s.n_out)) * sizeof(Real), 0, "a DARUAN batch");
  const AlignedBuffer<Real> edges = edge_tables(s, p, threads);
  AlignedBuffer<Real> xT(static_cast<std::size_t>(ld * s.n_in)), yT(static_cast<std::size_t>(ld * s.n_out));
  transpose_in(x, s.batch, s.n_in, ld, xT.data());
  const auto& k = kernels::kernel_table<Real>();
  // Tasks are (row, block of 16 vectors): enough of them to balance threads, each long enough
  // to amortize its edge table reads; every output is written by one task, in a fixed order.
  constexpr index_t kBlock = 16;
  const index_t n_blocks = (n_vec + kBlock - 1) / kBlock, tasks = s.n_out * n_blocks;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (index_t t = 0; t < tasks; ++t) {
    const index_t j = t / n_blocks, v0 = (t % n_blocks) * kBlock;
    k.daruan_forward(xT.data(), edges.data(), s.n_in, s.reps, ld, j, j + 1, v0, std::min(n_vec, v0 + kBlock),
                     yT.data());
  }
  transpose_out(yT.data(), s.batch, s.n_out, ld, y);
}

template <typename Real>
void daruan_backward(const DaruanShape& s, const Real* x, const DaruanParams<Real>& p, const Real* g, Real* dx,
                     const DaruanGrads<Real>& d, int threads) {
  check_shape(s);
  TANGLE_CHECK(x != nullptr && g != nullptr, "DARUAN: input or cotangent array is missing");
  TANGLE_CHECK(d.theta != nullptr && d.pre_w != nullptr && d.pre_b != nullptr && d.coef != nullptr,
               "DARUAN: a gradient array is missing");
  check_finite(x, s.batch * s.n_in, s.n_in, "input x (sample, feature)");
  check_finite(g, s.batch * s.n_out, s.n_out, "cotangent (sample, output)");
  check_params(s, p);
  threads = resolve_threads(threads);
  const index_t ld = padded_batch<Real>(s.batch), edges_n = s.n_out * s.n_in, r = s.reps;
  const index_t gs = daruan_grad_stride(s.reps);
  check_allocation(static_cast<std::uint64_t>(ld * (2 * s.n_in + s.n_out) + edges_n * gs) * sizeof(Real), 0,
                   "a DARUAN gradient");
  const AlignedBuffer<Real> edges = edge_tables(s, p, threads);
  AlignedBuffer<Real> xT(static_cast<std::size_t>(ld * s.n_in)), gT(static_cast<std::size_t>(ld * s.n_out));
  AlignedBuffer<Real> dxT(static_cast<std::size_t>(ld * s.n_in)), grads(static_cast<std::size_t>(edges_n * gs));
  transpose_in(x, s.batch, s.n_in, ld, xT.data());
  transpose_in(g, s.batch, s.n_out, ld, gT.data());  // padded lanes stay 0: they add nothing
  const auto& k = kernels::kernel_table<Real>();
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (index_t i = 0; i < s.n_in; ++i)
    k.daruan_backward(xT.data(), gT.data(), edges.data(), s.n_in, s.n_out, s.reps, ld, i, i + 1, dxT.data(),
                      grads.data());
  if (dx != nullptr) transpose_out(dxT.data(), s.batch, s.n_in, ld, dx);
  // Per-edge sums to the parameters: the merged phase b_l + t_(l+1)0 feeds both.
  for (index_t e = 0; e < edges_n; ++e) {
    const Real* q = grads.data() + e * gs;
    Real* th = d.theta + e * 2 * (r + 1);
    d.coef[e] = q[0];
    th[0] = q[1];
    th[1] = q[2];
    for (index_t l = 0; l < r; ++l) {
      const Real* ql = q + 3 + 3 * l;
      d.pre_b[e * r + l] = ql[0];
      th[2 * (l + 1)] = ql[0];
      d.pre_w[e * r + l] = ql[1];
      th[2 * (l + 1) + 1] = ql[2];
    }
  }
}

// Counted from daruan_impl.hpp (a fused multiply-add is 2): the angle (2), the sine-cosine pair
// (reduction 10; sine 3 + 2 (S - 1) and cosine 2 + 2 (C - 1) for S and C polynomial terms: 5 and 6
// in f32, 10 and 11 in f64), RZ and RY (12); the backward sweep adds 35 (the derivatives and the
// two un-applied rotations of state and cotangent).
double daruan_forward_flops_per_rep(Precision p) { return p == Precision::F32 ? 47.0 : 67.0; }
double daruan_backward_flops_per_rep(Precision p) { return daruan_forward_flops_per_rep(p) + 35.0; }

namespace {
template <typename Real>
double peak(int threads) {
  const auto& k = kernels::kernel_table<Real>();
  constexpr index_t kIters = 4'000'000;
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads)
    {
      alignas(64) Real out[kernels::kLanes<Real>];
      k.fma_probe(out, kIters);
    }
    const double t = omp_get_wtime() - t0;
    best = std::max(best, 32.0 * kernels::kLanes<Real> * static_cast<double>(kIters) * threads / t);
  }
  return best;
}
}  // namespace

double vector_peak_flops(Precision p, int threads) {
  threads = resolve_threads(threads);
  return p == Precision::F32 ? peak<float>(threads) : peak<double>(threads);
}

template void daruan_forward<float>(const DaruanShape&, const float*, const DaruanParams<float>&, float*, int);
template void daruan_forward<double>(const DaruanShape&, const double*, const DaruanParams<double>&, double*, int);
template void daruan_backward<float>(const DaruanShape&, const float*, const DaruanParams<float>&, const float*,
                                     float*, const DaruanGrads<float>&, int);
template void daruan_backward<double>(const DaruanShape&, const double*, const DaruanParams<double>&, const double*,
                                      double*, const DaruanGrads<double>&, int);

}  // namespace tangle
