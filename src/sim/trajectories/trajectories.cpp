// The trajectories backend: pure states with sampled noise (Monte-Carlo wave functions).
//
// Each sample runs `RunOptions::trajectories` trajectories; every trajectory is a row of the
// mixed-state engine (mixed/engine.hpp), its state a pure state in the lanes of a tile. At each
// channel a trajectory draws one Kraus operator K_i and continues with K_i |psi> / sqrt(p_i):
// for channels whose branch probabilities do not depend on the state (depolarizing, flips, Pauli
// channels, phase damping, Kraus sets of scaled unitaries) with p_i fixed; for the others
// (amplitude damping, thermal relaxation, reset, general Kraus sets) with p_i = ||K_i psi||^2,
// read from the state reduced to the channel's wires. Draws come from (seed, sample, trajectory,
// op): the same seed gives the same estimates whatever the thread count. The drawn operators
// are fused with the gates around them, so noise costs no pass of its own.
//
// Outputs are the means over each sample's trajectories, with their standard errors in RunInfo.
// Gradients are those of the estimator: each trajectory's exact adjoint gradient with its
// normalizations held fixed, which is unbiased for the gradient of the mean (the probability of
// a trajectory cancels against 1 / ||K psi||^2); noise strengths get it too, with a control variate.
#include <algorithm>
#include <cmath>

#include "../executor.hpp"
#include "../mixed/engine.hpp"
#include "tangle/core/error.hpp"

namespace tangle::detail {

namespace {

// Samples per engine call: its per-row buffers (outputs, cotangents, input gradients) within 256 MiB.
index_t samples_per_call(const LoweredProgram& prog, index_t batch, index_t trajectories, bool per_sample_weights) {
  const std::uint64_t per_row =
      8 * static_cast<std::uint64_t>(2 * prog.n_outputs + prog.n_inputs + (per_sample_weights ? prog.n_weights : 0) + 1);
  const std::uint64_t fit = (std::uint64_t{256} << 20) / (per_row * static_cast<std::uint64_t>(trajectories));
  return std::max<index_t>(1, std::min<index_t>(batch, static_cast<index_t>(fit)));
}

template <typename Real>
void run_engine(const LoweredProgram& prog, const RunOptions& options, const mixed::EngineRequest& r) {
  mixed::Engine<Real>(prog, mixed::Space::Pure, options, r).run();
}

}  // namespace

void execute_trajectories(const LoweredProgram& prog, const RunOptions& options, const ExecRequest& req) {
  TANGLE_CHECK(req.states == nullptr && req.density == nullptr,
               "the trajectories backend returns estimates, not states (use statevector or density_matrix)");
  TANGLE_CHECK(options.trajectories >= 1, "trajectories=", options.trajectories, " must be at least 1");
  check_request(prog, req);
  const index_t T = options.trajectories;
  const index_t n_in = prog.n_inputs, n_out = prog.n_outputs, n_w = prog.n_weights;
  const bool grad = req.cotangent != nullptr;
  const index_t chunk = samples_per_call(prog, req.batch, T, req.per_sample_weights);
  std::vector<double> y, g, dx, dw;
  std::vector<double> se(static_cast<size_t>(req.batch * n_out), 0.0);
  for (index_t b0 = 0; b0 < req.batch; b0 += chunk) {
    const index_t samples = std::min(chunk, req.batch - b0), rows = samples * T;
    mixed::EngineRequest r;
    r.inputs = req.inputs + b0 * n_in;
    r.weights = req.weights;
    r.rows = rows;
    r.rows_per_sample = T;
    r.seed = options.seed;
    r.first_sample = b0;
    y.assign(static_cast<size_t>(rows * n_out), 0.0);
    r.outputs = y.data();
    if (grad) {
      g.resize(static_cast<size_t>(rows * n_out));
      for (index_t row = 0; row < rows; ++row)
        for (index_t o = 0; o < n_out; ++o)
          g[static_cast<size_t>(row * n_out + o)] = req.cotangent[(b0 + row / T) * n_out + o] / static_cast<double>(T);
      r.cotangent = g.data();
      if (req.d_inputs != nullptr) {
        dx.assign(static_cast<size_t>(rows * n_in), 0.0);
        r.d_inputs = dx.data();
      }
      if (req.d_weights != nullptr) {
        r.per_sample_weights = req.per_sample_weights;
        if (req.per_sample_weights) {
          dw.assign(static_cast<size_t>(rows * n_w), 0.0);
          r.d_weights = dw.data();
        } else {
          r.d_weights = req.d_weights;
        }
      }
    }
    if (options.precision == Precision::F32) {
      run_engine<float>(prog, options, r);
    } else {
      run_engine<double>(prog, options, r);
    }
    // Means, standard errors, and the rows' input (and per-sample weight) gradients, summed in row order.
    for (index_t s = 0; s < samples; ++s) {
      const index_t b = b0 + s;
      for (index_t o = 0; o < n_out; ++o) {
        double sum = 0.0, sum2 = 0.0;
        for (index_t t = 0; t < T; ++t) {
          const double v = y[static_cast<size_t>((s * T + t) * n_out + o)];
          sum += v;
          sum2 += v * v;
        }
        const double mean = sum / static_cast<double>(T);
        if (req.outputs != nullptr) req.outputs[b * n_out + o] = mean;
        const double var = T > 1 ? std::max(0.0, (sum2 - static_cast<double>(T) * mean * mean) / static_cast<double>(T - 1)) : 0.0;
        se[static_cast<size_t>(b * n_out + o)] = std::sqrt(var / static_cast<double>(T));
      }
      if (!dx.empty())
        for (index_t t = 0; t < T; ++t)
          for (index_t j = 0; j < n_in; ++j) req.d_inputs[b * n_in + j] += dx[static_cast<size_t>((s * T + t) * n_in + j)];
      if (!dw.empty())
        for (index_t t = 0; t < T; ++t)
          for (index_t j = 0; j < n_w; ++j) req.d_weights[b * n_w + j] += dw[static_cast<size_t>((s * T + t) * n_w + j)];
    }
  }
  if (req.info != nullptr) req.info->std_errors = std::move(se);
}

std::uint64_t trajectories_memory(const LoweredProgram& prog, const RunOptions& options, index_t batch, bool gradient) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  const index_t T = std::max(1, options.trajectories);
  const index_t chunk = samples_per_call(prog, batch, T, false);
  std::vector<double> zeros(static_cast<size_t>(std::max<index_t>({prog.n_weights, prog.n_inputs, 1})), 0.0);
  double cot = 0.0;
  mixed::EngineRequest r;
  r.inputs = zeros.data();
  r.weights = zeros.data();
  r.rows = chunk * T;
  r.rows_per_sample = T;
  r.cotangent = gradient ? &cot : nullptr;
  const std::uint64_t buffers = static_cast<std::uint64_t>(chunk * T) * 8 * static_cast<std::uint64_t>(2 * prog.n_outputs + prog.n_inputs);
  if (options.precision == Precision::F32)
    return mixed::Engine<float>(prog, mixed::Space::Pure, options, r).memory_bytes() + buffers;
  return mixed::Engine<double>(prog, mixed::Space::Pure, options, r).memory_bytes() + buffers;
}

}  // namespace tangle::detail
