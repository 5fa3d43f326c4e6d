// One call of the state-vector backend: workspaces, tiles over threads, the entry points.
#include "executor.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle::detail::statevector {

template <typename Real>
std::uint64_t Executor<Real>::memory_bytes() const {
  const std::uint64_t tile = static_cast<std::uint64_t>(geo_.tile_reals()) * sizeof(Real);
  std::uint64_t per_ws = tile * ((backward_ ? 2 : 1) + (needs_copy_ || n_checkpoints_ > 0 ? 1 : 0));
  const std::uint64_t block = (std::uint64_t{1} << kBlockBitsForward) * 2 * L * sizeof(Real) * 2;
  per_ws += static_cast<std::uint64_t>(inner_threads_) *
            (block + static_cast<std::uint64_t>(max_reduction_reals_) * (sizeof(Real) + sizeof(double)) * kMaxParts);
  per_ws += static_cast<std::uint64_t>(n_checkpoints_) * tile;  // saved states (0 before they are chosen)
  if (contract_prefix_) {  // prefix_gradients: products and contractions of both halves, pieces of d
    const std::uint64_t n_lo = std::uint64_t{1} << (geo_.nvb / 2), n_hi = std::uint64_t{1} << (geo_.nvb - geo_.nvb / 2);
    per_ws += (2 * n_lo + 2 * n_hi + static_cast<std::uint64_t>(kMaxParts) * n_lo) * 2 * L * sizeof(Real);
  }
  for (const auto& e : evo_keys_) {
    const std::uint64_t dim = std::uint64_t{1} << e.second;
    per_ws += dim * dim * (static_cast<std::uint64_t>(geo_.samples_per_tile) * 8 + 4 * L * sizeof(Real));
  }
  const std::uint64_t n_ws = tile_parallel_ ? static_cast<std::uint64_t>(threads_) : 1;
  std::uint64_t seg = static_cast<std::uint64_t>(prog_.n_weights) * 8;
  for (int s : su_dims_) seg += (std::uint64_t{1} << (2 * s)) * 16;
  return n_ws * per_ws + (backward_ ? static_cast<std::uint64_t>(n_segments_) * seg : 0);
}

template <typename Real>
void Executor<Real>::run() {
  check_allocation(memory_bytes(), opts_.memory_limit,
                   detail::concat("simulating ", prog_.n_qubits, " qubits (state vector, ", req_.batch, " samples, ",
                                  sizeof(Real) == 4 ? "f32" : "f64", ")"));
  const int n_ws = tile_parallel_ ? threads_ : 1;
  std::vector<Workspace<Real>> ws(static_cast<size_t>(n_ws));
  for (auto& w : ws) init_workspace(w);
  std::vector<SegmentAcc> seg(backward_ ? static_cast<size_t>(n_segments_) : 0);
  for (auto& s : seg) {
    if (!req_.per_sample_weights) s.dw.assign(static_cast<size_t>(prog_.n_weights), 0.0);
    for (int k : su_dims_) s.su_r.push_back(MatrixC::Zero(index_t{1} << k, index_t{1} << k));
  }

  // Segments of tiles, one thread each, each with its own workspace. Without tile parallelism
  // the segments run here, outside any parallel region, so that sweeps inside a tile can use
  // the threads (a region of one thread around them would make theirs nested and serial).
  auto run_segment = [&](size_t s, Workspace<Real>& w) {
    const index_t t0 = geo_.n_tiles * static_cast<index_t>(s) / n_segments_;
    const index_t t1 = geo_.n_tiles * static_cast<index_t>(s + 1) / n_segments_;
    for (index_t t = t0; t < t1; ++t) process_tile(t, w, backward_ ? &seg[s] : nullptr);
  };
  if (tile_parallel_) {
    for_each_index(static_cast<size_t>(n_segments_), threads_,
                   [&](size_t s) { run_segment(s, ws[static_cast<size_t>(omp_get_thread_num())]); });
  } else {
    for (size_t s = 0; s < static_cast<size_t>(n_segments_); ++s) run_segment(s, ws[0]);
  }
  if (backward_ && !req_.per_sample_weights) finish_weights(seg);
}

// ---------------------------------------------------------------------------------------
template <typename Real>
void Executor<Real>::process_tile(index_t tile, Workspace<Real>& w, SegmentAcc* acc) {
  Real* psi = w.psi.data();
  prepare_tile(tile, w);
  if (product_blocks_ > 0) {
    product_prefix(tile, psi, w);
  } else {
    init_state(tile, psi, w);
  }
  for (size_t b = product_blocks_; b < blocks_.size(); ++b) forward_block(blocks_[b], tile, psi, w);
  if (req_.outputs != nullptr || backward_) readouts(psi, w);
  const index_t n_out = prog_.n_outputs;
  for (int s = 0; s < geo_.samples_per_tile; ++s) {
    if (!geo_.valid(tile, s)) continue;
    const index_t row = geo_.row(tile, s);
    if (req_.outputs != nullptr)
      std::copy(w.outputs.begin() + s * n_out, w.outputs.begin() + (s + 1) * n_out, req_.outputs + row * n_out);
    if (req_.states != nullptr) write_state(psi, s, req_.states + row * geo_.n_vec * (index_t{1} << geo_.lq));
  }
  if (!backward_) return;
  Real* lam = w.lam.data();
  seed_lambda(tile, psi, lam, w);
  // Blocks before the first one with parameters need no gradient, and the first one no
  // un-applying after its gradients.
  const size_t stop = contract_prefix_ ? std::max(first_needed_, product_blocks_) : first_needed_;
  for (size_t b = blocks_.size(); b-- > stop;) backward_block(blocks_[b], tile, psi, lam, w, acc, b == first_needed_);
  if (contract_prefix_ && first_needed_ < product_blocks_) prefix_gradients(tile, lam, w, acc);
  flush_evolution_gradients(tile, w);
}

template <typename Real>
void Executor<Real>::write_state(const Real* psi, int slot, cdouble* out) const {
  const index_t dim = index_t{1} << geo_.n;
  const index_t low_mask = (index_t{1} << geo_.lq) - 1;
  for (index_t i = 0; i < dim; ++i) {
    const index_t v = i >> geo_.lq;
    const int lane = static_cast<int>(((i & low_mask) << geo_.sb) | slot);
    out[i] = cdouble(psi[v * 2 * L + lane], psi[v * 2 * L + L + lane]);
  }
}

namespace {

void check_finite(const double* data, index_t rows, index_t cols, const char* what) {
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) {
      const double v = data[r * cols + c];
      if (!std::isfinite(v)) throw ValueError(detail::concat(what, "[", r, ", ", c, "] = ", v, " is not finite"));
    }
}

}  // namespace
}  // namespace tangle::detail::statevector

namespace tangle::detail {

void check_request(const LoweredProgram& prog, const ExecRequest& req) {
  TANGLE_CHECK(req.batch >= 1, "batch size ", req.batch, " must be at least 1");
  statevector::check_finite(req.inputs, req.batch, prog.n_inputs, "input x");
  statevector::check_finite(req.weights, 1, prog.n_weights, "weight w");
  if (req.cotangent != nullptr) statevector::check_finite(req.cotangent, req.batch, prog.n_outputs, "cotangent");
  // Angles are affine in finite values but may still overflow; and embeddings need a norm.
  for (const LoweredOp& op : prog.ops) {
    if (op.kind == LoweredOp::Kind::AmplitudeEmbedding) {
      const index_t dim = index_t{1} << op.targets.size();
      for (index_t b = 0; b < req.batch; ++b) {
        const double* x = req.inputs + b * prog.n_inputs + op.offset;
        double s = 0.0;
        for (index_t j = 0; j < dim; ++j) {
          const double a = j < op.count ? x[j] : op.pad;
          s += a * a;
        }
        if (op.normalize) {
          TANGLE_CHECK(s > 0.0 && std::isfinite(s), "AmplitudeEmbedding: sample ", b,
                       " has norm ", std::sqrt(s), " and cannot be normalized");
        } else {
          TANGLE_CHECK(std::abs(s - 1.0) < 1e-6, "AmplitudeEmbedding: sample ", b, " has squared norm ", s,
                       " but normalize=false requires 1");
        }
      }
      continue;
    }
    if (op.kind == LoweredOp::Kind::Channel) {
      // Strengths: finite and inside the channel's domain, for every sample that sets them.
      if (!op.has_parameters()) continue;
      bool per_sample = false;
      for (const Expr& e : op.strengths) per_sample = per_sample || e.uses_inputs();
      const index_t rows = per_sample ? req.batch : 1;
      std::vector<double> v(op.strengths.size());
      for (index_t b = 0; b < rows; ++b) {
        for (size_t j = 0; j < v.size(); ++j) v[j] = op.strengths[j].eval<double>(req.weights, req.inputs + b * prog.n_inputs);
        try {
          check_channel_strengths(op.gate, v.data());
        } catch (const ValueError& e) {
          throw ValueError(detail::concat(e.what(), " (op ", op.source, per_sample ? detail::concat(", sample ", b) : std::string(), ")"));
        }
      }
      continue;
    }
    if (op.kind == LoweredOp::Kind::SpecialUnitary || op.kind == LoweredOp::Kind::Matrix ||
        op.kind == LoweredOp::Kind::StatePreparation)
      continue;
    const bool per_sample = op.angle.uses_inputs();
    const index_t rows = per_sample ? req.batch : 1;
    for (index_t b = 0; b < rows; ++b) {
      const double a = op.angle.eval<double>(req.weights, req.inputs + b * prog.n_inputs);
      TANGLE_CHECK(std::isfinite(a), "angle ", op.angle.to_string(), " of op ", op.source, " is ", a,
                   per_sample ? detail::concat(" for sample ", b) : std::string());
    }
  }
}

}  // namespace tangle::detail

namespace tangle::detail::statevector {
namespace {

// The program the executor runs: small tiles are compute-bound, so absorbing Clifford gates
// saves their sweeps, and ops that no readout can see are dropped. (Large tiles keep them, so
// that gathered blocks stay local; exported states must be the real ones.) The optimized program
// is made once and kept.
std::shared_ptr<const LoweredProgram> runnable(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                               bool states) {
  const int lanes = options.precision == Precision::F32 ? kernels::kLanes<float> : kernels::kLanes<double>;
  const bool absorb = options.fuse && !states && Geometry::make(program.n_qubits, batch, lanes).nvb <= kMaxAbsorbBits;
  if (!absorb) return {};
  std::lock_guard<std::mutex> lock(program.optimized.mutex);
  if (!program.optimized.value)
    program.optimized.value =
        std::make_shared<const LoweredProgram>(drop_unobserved(schedule_commuting(absorb_cliffords(program))));
  return program.optimized.value;
}

}  // namespace

template class Executor<float>;
template class Executor<double>;

}  // namespace tangle::detail::statevector

namespace tangle::detail {

using statevector::Executor;

void execute_statevector(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  TANGLE_CHECK(!program.has_channels, "the circuit has channels (noise), which the statevector backend cannot run: "
               "use backend density_matrix or trajectories");
  TANGLE_CHECK(request.density == nullptr, "a statevector run has no density matrices: ask for states");
  check_request(program, request);
  const std::shared_ptr<const LoweredProgram> optimized =
      statevector::runnable(program, options, request.batch, request.states != nullptr);
  const LoweredProgram& run = optimized ? *optimized : program;
  if (options.precision == Precision::F32) {
    Executor<float>(run, options, request).run();
  } else {
    Executor<double>(run, options, request).run();
  }
}

std::uint64_t statevector_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                 bool gradient) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  std::vector<double> zeros(static_cast<size_t>(std::max<index_t>(program.n_weights, 1)), 0.0);
  double cot = 0.0;
  ExecRequest req;
  req.batch = batch;
  req.weights = zeros.data();
  req.inputs = zeros.data();
  req.cotangent = gradient ? &cot : nullptr;
  const std::shared_ptr<const LoweredProgram> optimized = statevector::runnable(program, options, batch, false);
  const LoweredProgram& run = optimized ? *optimized : program;
  if (options.precision == Precision::F32) return Executor<float>(run, options, req).memory_bytes();
  return Executor<double>(run, options, req).memory_bytes();
}

}  // namespace tangle::detail
