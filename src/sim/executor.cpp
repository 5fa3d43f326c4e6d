#include "executor.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <bit>
#include <cstring>
#include <limits>
#include <mutex>
#include <tuple>

#include "clifford_frame.hpp"
#include "dense_math.hpp"
#include "schedule.hpp"
#include "geometry.hpp"
#include "kernels/kernels.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"

namespace tangle::detail {
namespace {

using kernels::CoefMode;
using kernels::GroupIndex;
using kernels::KernelTable;

constexpr int kMaxSegments = 32;  // gradient partial sums: fixed count, so sums never depend on threads
constexpr int kMaxParts = 16;     // reduction parts per sweep, likewise
// Tiles up to 2^18 vectors (32 MiB, the last-level cache) run in place with Clifford absorption and
// commuting segments; larger ones in gathered blocks, whose gates must stay local.
constexpr int kMaxAbsorbBits = 18;
constexpr std::uint64_t kTileParallelMaxBytes = std::uint64_t{1} << 20;  // the L2 cache of one core
constexpr std::uint64_t kCheckpointBudget = std::uint64_t{1} << 30;  // saved states per call

// ------------------------------------------------------------------------------------------
// Plans for one geometry and precision

template <typename Real>
struct MatrixPlan {
  enum class Kind : std::uint8_t { Permutation, Diagonal, Dense };
  Kind kind = Kind::Dense;
  CoefMode mode = CoefMode::UniformComplex;
  AlignedBuffer<Real> coef;  // Dense: coefficients; Diagonal: [2^kh][2L]; Permutation: phases [2^kh][2]
  int n_perm = 1;
  std::vector<int> lane_perm{0};
  std::vector<int> dst;
  bool has_phase = false;
};

template <typename Real>
void plan_matrix(const TargetMap& tm, const MatrixC& m, int lanes, MatrixPlan<Real>& p) {
  const int L = lanes;
  const int dh = 1 << tm.kh, np = 1 << tm.kl, dim = 1 << tm.k;
  bool diagonal = true, real = true, permutation = true;
  for (int c = 0; c < dim; ++c) {
    int nonzero = 0;
    for (int r = 0; r < dim; ++r) {
      const cdouble v = m(r, c);
      if (r != c && v != 0.0) diagonal = false;
      if (v.imag() != 0.0) real = false;
      if (v != 0.0) {
        ++nonzero;
        if (std::abs(std::abs(v) - 1.0) > 1e-14) permutation = false;
      }
    }
    if (nonzero != 1) permutation = false;
  }
  const bool plain_lanes = tm.kl == 0 && tm.lane_ctrl_mask == 0;
  if (diagonal) {
    p.kind = MatrixPlan<Real>::Kind::Diagonal;
    p.coef.resize(static_cast<size_t>(dh) * 2 * L);
    for (int j = 0; j < dh; ++j) {
      for (int l = 0; l < L; ++l) {
        const int loc = tm.local(j, tm.lo_of_lane[static_cast<size_t>(l)]);
        const cdouble v = tm.lane_active(l) ? m(loc, loc) : cdouble(1.0);
        p.coef[static_cast<size_t>(j * 2 * L + l)] = static_cast<Real>(v.real());
        p.coef[static_cast<size_t>(j * 2 * L + L + l)] = static_cast<Real>(v.imag());
      }
    }
    return;
  }
  if (permutation && plain_lanes) {
    p.kind = MatrixPlan<Real>::Kind::Permutation;
    p.dst.assign(static_cast<size_t>(dh), 0);
    p.coef.resize(static_cast<size_t>(dh) * 2);
    for (int i = 0; i < dh; ++i) {
      for (int o = 0; o < dh; ++o) {
        const cdouble v = m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]);
        if (v == 0.0) continue;
        p.dst[static_cast<size_t>(i)] = o;
        p.coef[static_cast<size_t>(2 * i)] = static_cast<Real>(v.real());
        p.coef[static_cast<size_t>(2 * i + 1)] = static_cast<Real>(v.imag());
        if (v != 1.0) p.has_phase = true;
      }
    }
    return;
  }
  p.kind = MatrixPlan<Real>::Kind::Dense;
  if (plain_lanes) {
    p.n_perm = 1;
    p.lane_perm = {0};
    if (real) {
      p.mode = CoefMode::LaneReal;
      p.coef.resize(static_cast<size_t>(dh) * dh * L);
      for (int o = 0; o < dh; ++o)
        for (int i = 0; i < dh; ++i)
          for (int l = 0; l < L; ++l)
            p.coef[static_cast<size_t>((o * dh + i) * L + l)] =
                static_cast<Real>(m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]).real());
    } else {
      p.mode = CoefMode::UniformComplex;
      p.coef.resize(static_cast<size_t>(dh) * dh * 2);
      for (int o = 0; o < dh; ++o) {
        for (int i = 0; i < dh; ++i) {
          const cdouble v = m(tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]);
          p.coef[static_cast<size_t>(2 * (o * dh + i))] = static_cast<Real>(v.real());
          p.coef[static_cast<size_t>(2 * (o * dh + i) + 1)] = static_cast<Real>(v.imag());
        }
      }
    }
    return;
  }
  // Lane targets or lane controls: per-lane coefficients with lane permutations.
  p.mode = CoefMode::LaneComplex;
  p.n_perm = np;
  p.lane_perm = tm.lane_xor;
  p.coef.resize(static_cast<size_t>(dh) * dh * np * 2 * L);
  for (int l = 0; l < L; ++l) {
    const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
    const bool active = tm.lane_active(l);
    for (int o = 0; o < dh; ++o) {
      for (int i = 0; i < dh; ++i) {
        for (int q = 0; q < np; ++q) {
          cdouble v;
          if (active) {
            v = m(tm.local(o, lo), tm.local(i, lo ^ q));
          } else {
            v = (o == i && q == 0) ? 1.0 : 0.0;
          }
          const size_t idx = static_cast<size_t>(((o * dh + i) * np + q) * 2 * L);
          p.coef[idx + static_cast<size_t>(l)] = static_cast<Real>(v.real());
          p.coef[idx + static_cast<size_t>(L + l)] = static_cast<Real>(v.imag());
        }
      }
    }
  }
}

// Runs an elementwise kernel over `count` groups, split over `threads`. Elementwise results do
// not depend on the split.
template <typename F>
void sweep(index_t count, int threads, F&& f) {
  const index_t pieces = threads > 1 ? std::min<index_t>(count, static_cast<index_t>(threads) * 4) : 1;
  if (pieces <= 1) {
    f(index_t{0}, count);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (index_t p = 0; p < pieces; ++p) f(count * p / pieces, count * (p + 1) / pieces);
}

// Runs f(j) for every j < count, spread over `threads`; rethrows the first exception.
template <typename F>
void for_each_index(size_t count, int threads, F&& f) {
  std::exception_ptr error;
  std::mutex error_mutex;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1 && count > 1)
  for (size_t j = 0; j < count; ++j) {
    try {
      f(j);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

// Threads for independent dense work on 2^k x 2^k matrices: only blocks of at least 2^6 are
// worth a parallel region (a region costs microseconds idle, far more when another process keeps
// the cores busy; small blocks, the common case, take less than that).
int dense_threads(int k, int threads) { return k >= 6 ? threads : 1; }

// ------------------------------------------------------------------------------------------

template <typename Real>
struct OpPlan {
  const LoweredOp* op = nullptr;
  int block = 0;             // the block it runs in (its geometry is that block's)
  TargetMap tm;
  PauliMap pauli;
  int kappa_class = 0;       // PauliRotation: -i * i^ny = {-i, 1, i, -1}[ny % 4]
  bool per_tile = false;     // parameters depend on the sample's inputs
  AlignedBuffer<Real> c, kappa, kappa_neg;  // PauliRotation, uniform: [L] each
  AlignedBuffer<Real> diag, diag_inv;       // Phase, uniform: [2L] each
  MatrixPlan<Real> fwd, inv;                // Matrix, SpecialUnitary
  HermitianExp su;                          // SpecialUnitary
  int evo_slot = -1;                        // Evolution: index of its eigen cache
  std::vector<index_t> amp_index;           // AmplitudeEmbedding: storage index of each local index
  int su_slot = -1;                         // SpecialUnitary: index of its batch-summed R
  int su_cache = -1;                        // SpecialUnitary on inputs: index of its per-tile unitaries
};

// Consecutive ops applied together. A gathered block copies, for each setting of the vector
// bits outside `mask`, the 2^|mask| vectors it touches into a small buffer that stays in the
// L1/L2 cache, applies all its ops there, and copies them back: one pass over the tile for the
// whole block instead of one per op. Other blocks work on the tile in place.
struct Block {
  std::vector<size_t> ops;
  bool gather = false;
  Geometry geo;                    // the sub-block's geometry (the tile's when not gathered)
  std::uint64_t mask = 0;          // gathered vector bits
  std::uint64_t outer_mask = 0;    // the others
  index_t n_outer = 1;
  std::vector<index_t> offsets;    // [2^|mask|]: tile offset of each local vector
  // Segments of commuting ops (not gathered): uniform Z-rotations applied as one phase per
  // vector (`fused`, tables in the executor), the other ops one by one (`rest`).
  std::vector<size_t> fused, rest;
  // `rest` as runs applied together: a run of two or three Pauli rotations is one
  // kernels::RotationSet pass (`set`, an index into the executor's sets), otherwise one op.
  struct Run {
    size_t first = 0;
    int count = 1;
    int set = -1;
  };
  std::vector<Run> runs;
  int phase_table = -1;            // index of its phase tables
  int checkpoint = -1;             // index of the saved state at its end (gradient runs)
  // A block of phases only, right after a block with a saved state: its end state is that state
  // times its phase table, so it shares that block's saved state (`checkpoint`) instead of
  // saving its own, and reads it through the table.
  bool phases_after_saved = false;
  // A block of phases only right after a block whose last run is a set: that set's forward pass
  // applies this block's table (`next_phase` of the block before, -1 otherwise), and stores the
  // saved state between them, so that neither the table nor the saved state costs a pass.
  int next_phase = -1;
  bool phase_by_previous = false;
};

template <typename Real>
struct ReadoutPlan {
  Readout::Kind kind = Readout::Kind::Expval;
  index_t out_offset = 0;
  std::vector<PauliMap> terms;
  std::vector<double> coefs;
  TargetMap tm;
  MatrixC h;
  MatrixPlan<Real> h_plan;  // Hermitian: applied to a copy of psi when seeding lambda
  index_t basis_state = 0;
};

template <typename Real>
struct EvoCache {
  index_t offset = 0;
  int k = 0;
  int targets_owner = -1;  // plan whose TargetMap the tables follow
  index_t tile = -1;
  std::vector<double> v;  // [slots][dim][dim]
  std::vector<double> h;  // [slots][dim]
  AlignedBuffer<Real> vt_table, v_table;
  // Input gradients of every op sharing this decomposition, summed in the eigenbasis and taken
  // back to the pixel basis once per tile (see evolution_gradient).
  std::vector<MatrixR> zsum;  // [slots]
  bool pending = false;
  // Gamma^T, the divided differences of exp(-i time h / 2) transposed, split into real and
  // imaginary parts, per slot, for the last time asked.
  struct GammaT {
    MatrixR re, im;
  };
  std::vector<GammaT> gamma;
  std::vector<double> gamma_time;

  void size_gamma(size_t slots) {
    if (gamma.size() >= slots) return;
    gamma.resize(slots);
    gamma_time.resize(slots, std::numeric_limits<double>::quiet_NaN());
  }

  // Slot `slot` only: threads may ask for different slots at once (after size_gamma).
  const GammaT& gamma_for(int slot, double time, int dim) {
    const auto s = static_cast<size_t>(slot);
    if (!(gamma_time[s] == time)) {
      const MatrixC g = divided_differences(-0.5 * time, h.data() + s * static_cast<size_t>(dim), dim);
      gamma[s].re = g.real().transpose();
      gamma[s].im = g.imag().transpose();
      gamma_time[s] = time;
    }
    return gamma[s];
  }
};

// The per-sample unitaries of a SpecialUnitary on inputs, for one tile.
template <typename Real>
struct SuCache {
  index_t tile = -1;
  std::vector<HermitianExp> slots;  // per sample slot
  AlignedBuffer<Real> fwd, inv;     // LaneComplex tables
};

// What one thread needs for reductions and gathered blocks.
template <typename Real>
struct Scratch {
  AlignedBuffer<Real> psi, lam;  // gathered sub-blocks
  AlignedBuffer<Real> red_tmp;
  std::vector<double> red_acc, red_out;
  AlignedBuffer<Real> sign;
  std::vector<cdouble> values;
};

template <typename Real>
struct Workspace {
  AlignedBuffer<Real> psi, lam, copy;          // the tile, its cotangent, a copy for Hermitian seeds
  std::vector<AlignedBuffer<Real>> lane;       // per op: per-sample rotation or phase vectors of this tile
  AlignedBuffer<Real> dvec, wvec;
  std::vector<Scratch<Real>> scratch;          // one per thread working inside this tile
  std::vector<double> outputs;                 // [slots][n_outputs]
  std::vector<double> cot;                     // [slots][n_outputs]
  std::vector<double> grad;                    // gathered backward: [chunks][gradient ops][slots]
  AlignedBuffer<Real> checkpoints;             // [segments with parameters][tile]: psi at their ends
  AlignedBuffer<Real> tvec;                    // [vectors][L]: Im(conj(lambda) psi)
  AlignedBuffer<Real> prefix_lo, prefix_hi, prefix_c, prefix_d;  // prefix_gradients' products and contractions
  std::vector<EvoCache<Real>> evo;
  std::vector<SuCache<Real>> su;
};

struct SegmentAcc {
  std::vector<double> dw;
  std::vector<MatrixC> su_r;
};

template <typename Real>
class Executor {
 public:
  static constexpr int L = kernels::kLanes<Real>;
  // Tiles larger than the L2 cache (2^10 vectors of 128 bytes = 128 KiB) are swept in gathered
  // blocks of 2^K vectors: 128 KiB forward (K = 10), two buffers of 64 KiB backward (K = 9), so
  // that a block's gates run out of the 1 MiB L2 cache instead of main memory.
  static constexpr int kBlockBitsForward = 10;
  static constexpr int kBlockBitsBackward = 9;
  static constexpr int kContiguousBits = 5;
  // Outer iterations of a gathered block per chunk of gradient sums (fixed: thread-independent).
  static constexpr index_t kOuterChunk = 16;

  Executor(const LoweredProgram& prog, const RunOptions& opts, const ExecRequest& req)
      : prog_(prog), opts_(opts), req_(req), kt_(kernels::kernel_table<Real>()) {
    geo_ = Geometry::make(prog.n_qubits, req.batch, L);
    threads_ = resolve_threads(opts.threads);
    backward_ = req.cotangent != nullptr;
    n_segments_ = static_cast<int>(std::min<index_t>(geo_.n_tiles, kMaxSegments));
    // Tiles that fit the L2 cache go one per thread; larger ones stream through the shared L3
    // cache, and the threads share each of them, so that one tile's states compete for it, not
    // one per thread.
    tile_parallel_ = threads_ > 1 && geo_.n_tiles >= 2 * threads_ &&
                     static_cast<std::uint64_t>(geo_.tile_reals()) * sizeof(Real) <= kTileParallelMaxBytes;
    inner_threads_ = tile_parallel_ ? 1 : threads_;
    build_blocks();
    build_plans();
    build_segments();
  }

  std::uint64_t memory_bytes() const {
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

  void run() {
    check_allocation(memory_bytes(), opts_.memory_limit, "simulating this batch");
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

 private:
  // ---------------------------------------------------------------------------------------
  // Blocks and plans

  // Vector bits an op touches, or -1 if it must run on the whole tile.
  std::int64_t footprint(const LoweredOp& op) const {
    if (op.kind != LoweredOp::Kind::Matrix && op.kind != LoweredOp::Kind::PauliRotation &&
        op.kind != LoweredOp::Kind::Phase)
      return -1;
    std::uint64_t mask = 0;
    for (int q : op.targets)
      if (!geo_.in_lane(q)) mask |= std::uint64_t{1} << geo_.vec_bit(q);
    for (int q : op.controls)
      if (!geo_.in_lane(q)) mask |= std::uint64_t{1} << geo_.vec_bit(q);
    return static_cast<std::int64_t>(mask);
  }

  void build_blocks() {
    const int k_max = backward_ ? kBlockBitsBackward : kBlockBitsForward;
    // Gathered blocks always hold the lowest vector bits, so that they are copied in contiguous
    // runs of 2^kContiguousBits vectors (4 KiB: one page); the gates' own bits take the rest.
    const int k_ops = k_max - kContiguousBits;
    auto plain = [&](size_t i) {
      Block b;
      b.ops = {i};
      b.geo = geo_;
      blocks_.push_back(std::move(b));
    };
    if (!opts_.fuse || geo_.nvb <= kMaxAbsorbBits) {
      // In place: either asked for, or the whole tile already fits the cache. Blocks follow the
      // program's segments of commuting ops when it has them.
      if (prog_.segment_ends.empty()) {
        for (size_t i = 0; i < prog_.ops.size(); ++i) plain(i);
        return;
      }
      size_t start = 0;
      for (size_t end : prog_.segment_ends) {
        Block b;
        for (size_t i = start; i < end; ++i) b.ops.push_back(i);
        b.geo = geo_;
        blocks_.push_back(std::move(b));
        start = end;
      }
      return;
    }
    std::vector<size_t> current;
    std::uint64_t mask = 0;
    auto close = [&] {
      if (current.empty()) return;
      // Add the lowest bits up to k_max: contiguous runs to copy and fewer outer iterations.
      for (int b = 0; b < geo_.nvb && std::popcount(mask) < k_max; ++b) mask |= std::uint64_t{1} << b;
      Block blk;
      blk.ops = current;
      blk.gather = true;
      blk.mask = mask;
      blk.outer_mask = ((std::uint64_t{1} << geo_.nvb) - 1) & ~mask;
      blk.n_outer = index_t{1} << std::popcount(blk.outer_mask);
      blk.geo = geo_.sub_block(mask);
      blk.offsets.resize(static_cast<size_t>(blk.geo.n_vec));
      for (index_t j = 0; j < blk.geo.n_vec; ++j)
        blk.offsets[static_cast<size_t>(j)] = static_cast<index_t>(deposit_bits(static_cast<std::uint64_t>(j), mask));
      blocks_.push_back(std::move(blk));
      current.clear();
      mask = 0;
    };
    const std::uint64_t low = (std::uint64_t{1} << kContiguousBits) - 1;
    auto high_bits = [&](std::uint64_t m) { return std::popcount(m & ~low); };
    for (size_t i = 0; i < prog_.ops.size(); ++i) {
      const std::int64_t f = footprint(prog_.ops[i]);
      if (f < 0 || high_bits(static_cast<std::uint64_t>(f)) > k_ops) {
        close();
        plain(i);
        continue;
      }
      if (high_bits(mask | static_cast<std::uint64_t>(f)) > k_ops) close();
      if (current.empty()) mask = low;
      current.push_back(i);
      mask |= static_cast<std::uint64_t>(f);
    }
    close();
  }

  void build_plans() {
    const double* w = req_.weights;
    // The exponentials of the SpecialUnitary blocks on weights (an eigen-decomposition of up to
    // 2^k x 2^k each, one per layer of a re-uploading circuit) are independent: one per thread.
    std::vector<size_t> su_ops;
    for (size_t i = 0; i < prog_.ops.size(); ++i)
      if (prog_.ops[i].kind == LoweredOp::Kind::SpecialUnitary && !prog_.ops[i].per_sample) su_ops.push_back(i);
    std::vector<HermitianExp> su_exp(su_ops.size());
    if (!su_ops.empty()) {
      std::shared_ptr<HermitianExpCache> cache;
      {
        std::lock_guard<std::mutex> lock(prog_.exponentials.mutex);
        if (!prog_.exponentials.value) prog_.exponentials.value = std::make_shared<HermitianExpCache>(su_ops.size());
        cache = prog_.exponentials.value;
      }
      int k_max = 0;
      for (size_t i : su_ops) k_max = std::max(k_max, static_cast<int>(prog_.ops[i].targets.size()));
      for_each_index(su_ops.size(), dense_threads(k_max, threads_), [&](size_t j) {
        const LoweredOp& op = prog_.ops[su_ops[j]];
        su_exp[j] = cache->get(w + op.offset, static_cast<int>(op.targets.size()));
      });
    }
    size_t next_su = 0;
    plans_.resize(prog_.ops.size());
    for (size_t b = 0; b < blocks_.size(); ++b)
      for (size_t i : blocks_[b].ops) plans_[i].block = static_cast<int>(b);
    for (size_t i = 0; i < prog_.ops.size(); ++i) {
      const LoweredOp& op = prog_.ops[i];
      OpPlan<Real>& p = plans_[i];
      const Geometry& g = blocks_[static_cast<size_t>(p.block)].geo;
      p.op = &op;
      switch (op.kind) {
        case LoweredOp::Kind::Matrix: {
          p.tm = map_targets(g, op.targets, op.controls);
          const index_t dim = index_t{1} << op.targets.size();
          MatrixC m = Eigen::Map<const MatrixC>(op.matrix.data(), dim, dim);
          plan_matrix<Real>(p.tm, m, L, p.fwd);
          plan_matrix<Real>(p.tm, m.adjoint(), L, p.inv);
          break;
        }
        case LoweredOp::Kind::PauliRotation: {
          p.pauli = map_pauli(g, op.targets, op.word, op.controls);
          p.kappa_class = p.pauli.ny & 3;
          p.per_tile = op.angle.uses_inputs();
          if (!p.per_tile) {
            p.c.resize(L);
            p.kappa.resize(L);
            p.kappa_neg.resize(L);
            const double theta = op.angle.eval<double>(w, nullptr);
            fill_rotation(p, [&](int) { return theta; }, p.c.data(), p.kappa.data(), p.kappa_neg.data());
          }
          break;
        }
        case LoweredOp::Kind::Phase: {
          p.tm = map_targets(g, {}, op.targets);
          p.per_tile = op.angle.uses_inputs();
          if (!p.per_tile) {
            p.diag.resize(2 * L);
            p.diag_inv.resize(2 * L);
            const double phi = op.angle.eval<double>(w, nullptr);
            fill_phase(p, [&](int) { return phi; }, p.diag.data(), p.diag_inv.data());
          }
          break;
        }
        case LoweredOp::Kind::SpecialUnitary: {
          const int k = static_cast<int>(op.targets.size());
          p.tm = map_targets(g, op.targets, {});
          if (op.per_sample) {
            p.per_tile = true;  // one unitary per sample, built per tile (SuCache)
            p.su_cache = static_cast<int>(n_su_caches_++);
            break;
          }
          p.su = std::move(su_exp[next_su++]);
          plan_matrix<Real>(p.tm, p.su.u, L, p.fwd);
          plan_matrix<Real>(p.tm, p.su.u.adjoint(), L, p.inv);
          p.su_slot = static_cast<int>(su_dims_.size());
          su_dims_.push_back(k);
          break;
        }
        case LoweredOp::Kind::Evolution: {
          const int k = static_cast<int>(op.targets.size());
          p.tm = map_targets(g, op.targets, {});
          p.per_tile = true;
          // Ops uploading the same input block on the same wires share one eigen-decomposition.
          for (size_t e = 0; e < evo_keys_.size(); ++e) {
            const LoweredOp& other = prog_.ops[static_cast<size_t>(evo_owner_[e])];
            if (other.offset == op.offset && other.targets == op.targets) p.evo_slot = static_cast<int>(e);
          }
          if (p.evo_slot < 0) {
            p.evo_slot = static_cast<int>(evo_keys_.size());
            evo_keys_.push_back({op.offset, k});
            evo_owner_.push_back(static_cast<int>(i));
          }
          break;
        }
        case LoweredOp::Kind::AmplitudeEmbedding:
        case LoweredOp::Kind::StatePreparation: {
          const int k = static_cast<int>(op.targets.size());
          p.amp_index.assign(size_t{1} << k, 0);
          for (size_t j = 0; j < p.amp_index.size(); ++j)
            for (int t = 0; t < k; ++t)
              if (j >> (k - 1 - t) & 1)
                p.amp_index[j] |= index_t{1} << geo_.storage_bit(op.targets[static_cast<size_t>(t)]);
          break;
        }
      }
      update_reduction_size(p);
    }

    index_t offset = 0;
    for (const Readout& r : prog_.readouts) {
      ReadoutPlan<Real> rp;
      rp.kind = r.kind();
      rp.out_offset = offset;
      offset += r.n_outputs();
      switch (r.kind()) {
        case Readout::Kind::Expval:
          for (const PauliTerm& t : r.observable().terms()) {
            std::vector<int> targets;
            std::vector<Pauli> word;
            for (const auto& f : t.factors) {
              targets.push_back(f.first);
              word.push_back(f.second);
            }
            rp.terms.push_back(map_pauli(geo_, targets, word, {}));
            rp.coefs.push_back(t.coef);
          }
          max_reduction_reals_ = std::max<index_t>(max_reduction_reals_, 2 * L);
          break;
        case Readout::Kind::Probs:
        case Readout::Kind::Projector:
          rp.tm = map_targets(geo_, r.wires(), {});
          rp.basis_state = r.basis_state();
          max_reduction_reals_ = std::max<index_t>(max_reduction_reals_, (index_t{1} << rp.tm.kh) * L);
          break;
        case Readout::Kind::Hermitian: {
          rp.tm = map_targets(geo_, r.wires(), {});
          const index_t dim = index_t{1} << r.wires().size();
          rp.h = Eigen::Map<const MatrixC>(r.matrix().data(), dim, dim);
          plan_matrix<Real>(rp.tm, rp.h, L, rp.h_plan);
          needs_copy_ = true;
          max_reduction_reals_ =
              std::max<index_t>(max_reduction_reals_, (index_t{1} << (2 * rp.tm.kh + rp.tm.kl)) * 2 * L);
          break;
        }
      }
      readouts_.push_back(std::move(rp));
    }
  }

  // Splits each in-place block into fused and other ops, builds the fused phase tables, and
  // decides where the forward pass saves psi for the backward pass.
  void build_segments() {
    // Leading blocks of one-qubit ops on |0...0>: their states are products, written directly.
    product_blocks_ = 0;
    const bool from_zero = prog_.ops.empty() || (prog_.ops[0].kind != LoweredOp::Kind::AmplitudeEmbedding &&
                                                 prog_.ops[0].kind != LoweredOp::Kind::StatePreparation);
    if (opts_.fuse && from_zero) {
      while (product_blocks_ < blocks_.size() && !blocks_[product_blocks_].gather &&
             std::all_of(blocks_[product_blocks_].ops.begin(), blocks_[product_blocks_].ops.end(),
                         [&](size_t i) { return is_one_qubit(prog_.ops[i]); }))
        ++product_blocks_;
    }
    // With a sample in every lane, the backward pass reads the prefix's gradients from lambda
    // alone (prefix_gradients): its blocks need no saved states.
    contract_prefix_ = backward_ && product_blocks_ > 0 && geo_.lq == 0;
    std::size_t checkpoints = 0;
    for (Block& b : blocks_) {
      if (b.gather) continue;
      for (size_t i : b.ops) {
        const OpPlan<Real>& p = plans_[i];
        const LoweredOp& op = *p.op;
        const bool fusable = op.kind == LoweredOp::Kind::PauliRotation && op.controls.empty() && !p.per_tile &&
                             p.pauli.index.xv == 0 && p.pauli.index.xl == 0 && is_diagonal(op) &&
                             std::all_of(op.targets.begin(), op.targets.end(), [&](int q) { return !geo_.in_lane(q); });
        (fusable ? b.fused : b.rest).push_back(i);
      }
      if (b.fused.size() < 2) {  // one rotation is as cheap applied directly
        b.rest = b.ops;
        b.fused.clear();
      } else {
        b.phase_table = static_cast<int>(phase_tables_.size());
        phase_tables_.push_back(build_phase_table(b.fused));
      }
      build_runs(b);
      const bool special = b.ops.size() == 1 && (prog_.ops[b.ops[0]].kind == LoweredOp::Kind::AmplitudeEmbedding ||
                                                 prog_.ops[b.ops[0]].kind == LoweredOp::Kind::StatePreparation);
      const bool prefix = contract_prefix_ && static_cast<size_t>(&b - blocks_.data()) < product_blocks_;
      if (!special && !prefix &&
          std::any_of(b.ops.begin(), b.ops.end(), [&](size_t i) { return prog_.ops[i].has_parameters(); })) {
        const Block* prev = &b == blocks_.data() ? nullptr : &b - 1;
        if (b.phase_table >= 0 && b.rest.empty() && prev != nullptr && !prev->gather && prev->checkpoint >= 0 &&
            !prev->phases_after_saved) {
          b.checkpoint = prev->checkpoint;
          b.phases_after_saved = true;
        } else {
          b.checkpoint = static_cast<int>(checkpoints++);
        }
      }
    }
    // The last block's saved state is psi itself, which nothing changes after the forward pass.
    const Block* last = blocks_.empty() ? nullptr : &blocks_.back();
    final_checkpoint_ = last != nullptr && !last->gather && !last->phases_after_saved && checkpoints > 0 &&
                                last->checkpoint == static_cast<int>(checkpoints) - 1
                            ? last->checkpoint
                            : -1;
    const std::size_t stored = checkpoints - (final_checkpoint_ >= 0 ? 1 : 0);
    // Saved states replace un-applying psi in the backward pass, when memory allows: within a
    // fixed budget, and within the caller's memory limit after everything else.
    // (per workspace: the states and, unless one is there already, a copy buffer)
    const std::uint64_t bytes = (stored + (needs_copy_ ? 0 : 1)) * static_cast<std::uint64_t>(geo_.tile_reals()) *
                                sizeof(Real) * static_cast<std::uint64_t>(tile_parallel_ ? threads_ : 1);
    const bool fits = bytes <= kCheckpointBudget &&
                      (opts_.memory_limit == 0 || memory_bytes() + bytes <= opts_.memory_limit);
    // Gathered blocks take psi back with lambda, so every block before them must too: a program
    // with gathered blocks saves no states.
    const bool gathered = std::any_of(blocks_.begin(), blocks_.end(), [](const Block& b) { return b.gather; });
    checkpointing_ = backward_ && checkpoints > 0 && opts_.fuse && fits && !gathered;
    n_checkpoints_ = checkpointing_ ? stored : 0;
    for (size_t b = product_blocks_; b + 1 < blocks_.size(); ++b) {
      Block& cur = blocks_[b];
      Block& next = blocks_[b + 1];
      if (cur.gather || next.gather || cur.runs.empty() || cur.runs.back().set < 0 || next.phase_table < 0 ||
          !next.rest.empty())
        continue;
      cur.next_phase = next.phase_table;
      next.phase_by_previous = true;
    }
    first_needed_ = blocks_.size();
    for (size_t b = 0; b < blocks_.size() && first_needed_ == blocks_.size(); ++b)
      for (size_t i : blocks_[b].ops)
        if (prog_.ops[i].has_parameters()) first_needed_ = b;
  }

  // Rotations that a RotationSet can carry: uncontrolled, flipping vector bits, no lane exchange.
  bool set_member(size_t i) const {
    const OpPlan<Real>& p = plans_[i];
    const kernels::PauliIndex& x = p.pauli.index;
    return p.op->kind == LoweredOp::Kind::PauliRotation && x.xv != 0 && x.xl == 0 && x.groups.n_ins == 1 &&
           x.groups.fixed == 0;
  }

  // Cuts b.rest into runs: consecutive set members whose flips are linearly independent, up to
  // RotationSet::kMax at a time, share one pass; everything else runs alone.
  void build_runs(Block& b) {
    constexpr int kMax = kernels::RotationSet<Real>::kMax;
    b.runs.clear();
    size_t k = 0;
    while (k < b.rest.size()) {
      Block::Run run;
      run.first = k;
      std::uint64_t xv[kMax], zv[kMax];
      unsigned imag = 0;
      kernels::RotationSet<Real> fwd, inv;
      // Four rotations left go as two pairs, not three and a single: a pair's pass is a set
      // pass, cheaper than a single rotation's kernel.
      size_t left = 0;
      while (k + left < b.rest.size() && left <= kMax + 1 && set_member(b.rest[k + left])) ++left;
      const int most = left == kMax + 1 ? 2 : kMax;
      int count = 0;
      while (opts_.fuse && count < most && k + static_cast<size_t>(count) < b.rest.size() &&
             set_member(b.rest[k + static_cast<size_t>(count)])) {
        const OpPlan<Real>& p = plans_[b.rest[k + static_cast<size_t>(count)]];
        xv[count] = p.pauli.index.xv;
        zv[count] = p.pauli.index.zv;
        if ((p.kappa_class & 1) == 0) imag |= 1u << count;
        kernels::RotationSet<Real> candidate;
        if (!kernels::plan_rotation_set(count + 1, xv, zv, imag, geo_.n_vec, candidate)) break;
        fwd = candidate;
        ++count;
      }
      if (count >= 2) {
        // The inverse pass un-applies the same rotations in reverse order.
        std::reverse(xv, xv + count);
        std::reverse(zv, zv + count);
        unsigned rimag = 0;
        for (int i = 0; i < count; ++i)
          if ((imag >> i) & 1) rimag |= 1u << (count - 1 - i);
        kernels::plan_rotation_set(count, xv, zv, rimag, geo_.n_vec, inv);
        run.count = count;
        run.set = static_cast<int>(rotation_sets_.size());
        rotation_sets_.emplace_back(fwd, inv);
      }
      k += static_cast<size_t>(run.count);
      b.runs.push_back(run);
    }
  }

  // {phase, inverse phase} per vector: prod_k exp(-i theta_k sigma_k(v) / 2), sigma_k(v) the sign
  // of Z-word k on basis vector v.
  std::pair<AlignedBuffer<Real>, AlignedBuffer<Real>> build_phase_table(const std::vector<size_t>& ops) const {
    std::vector<double> c, sn;
    std::vector<std::uint64_t> masks;
    for (size_t i : ops) {
      const OpPlan<Real>& p = plans_[i];
      const Expr& angle = p.op->angle;
      const double theta = angle.eval<double>(req_.weights, nullptr);
      c.push_back(std::cos(0.5 * theta));
      sn.push_back(std::sin(0.5 * theta));
      masks.push_back(p.pauli.index.zv);
    }
    AlignedBuffer<Real> t(static_cast<size_t>(2 * geo_.n_vec)), inv(static_cast<size_t>(2 * geo_.n_vec));
    // Entries in runs of kRun: each run's products are independent chains (one long chain per
    // entry waits on multiply latency), and within a run the sign of Z_k at v0 + j is the sign
    // at v0 times a per-k pattern over j. Products written out: std::complex's operator* checks
    // for infinities on every call.
    constexpr index_t kRun = 8;
    const index_t run = std::min(kRun, geo_.n_vec);
    std::vector<std::array<double, kRun>> signed_sn(masks.size());
    for (size_t k = 0; k < masks.size(); ++k)
      for (index_t j = 0; j < run; ++j)
        signed_sn[k][static_cast<size_t>(j)] = (std::popcount(static_cast<std::uint64_t>(j) & masks[k]) & 1) ? sn[k] : -sn[k];
    sweep(geo_.n_vec / run, threads_, [&](index_t r0, index_t r1) {
      for (index_t r = r0; r < r1; ++r) {
        const index_t v0 = r * run;
        double re[kRun], im[kRun];
        std::fill(re, re + kRun, 1.0);
        std::fill(im, im + kRun, 0.0);
        for (size_t k = 0; k < masks.size(); ++k) {
          const double flip = (std::popcount(static_cast<std::uint64_t>(v0) & masks[k]) & 1) ? -1.0 : 1.0;
          for (index_t j = 0; j < kRun; ++j) {
            const double s = flip * signed_sn[k][static_cast<size_t>(j)];
            const double x = re[j] * c[k] - im[j] * s;
            im[j] = re[j] * s + im[j] * c[k];
            re[j] = x;
          }
        }
        for (index_t j = 0; j < run; ++j) {
          const size_t at = static_cast<size_t>(2 * (v0 + j));
          t[at] = static_cast<Real>(re[j]);
          t[at + 1] = static_cast<Real>(im[j]);
          inv[at] = static_cast<Real>(re[j]);
          inv[at + 1] = static_cast<Real>(-im[j]);
        }
      }
    });
    return {std::move(t), std::move(inv)};
  }

  void update_reduction_size(const OpPlan<Real>& p) {
    switch (p.op->kind) {
      case LoweredOp::Kind::PauliRotation:
      case LoweredOp::Kind::Phase:
        max_reduction_reals_ = std::max<index_t>(max_reduction_reals_, 2 * L);
        break;
      case LoweredOp::Kind::SpecialUnitary:
      case LoweredOp::Kind::Evolution:
        max_reduction_reals_ = std::max<index_t>(max_reduction_reals_, (index_t{1} << (2 * p.tm.kh + p.tm.kl)) * 2 * L);
        break;
      default: break;
    }
  }

  // c = cos(theta/2), kappa = factor * sin(theta/2) * lane sign (0 where controls fail).
  template <typename Angle>
  void fill_rotation(const OpPlan<Real>& p, Angle&& angle, Real* c, Real* kappa, Real* kappa_neg) const {
    static const double kFactor[4] = {-1.0, 1.0, 1.0, -1.0};  // with imaginary kappa for ny even
    for (int l = 0; l < L; ++l) {
      const double sign = p.pauli.lane_sign[static_cast<size_t>(l)];
      if (sign == 0.0) {
        c[l] = 1;
        kappa[l] = kappa_neg[l] = 0;
        continue;
      }
      const double theta = angle(l);
      c[l] = static_cast<Real>(std::cos(0.5 * theta));
      const double k = kFactor[p.kappa_class] * std::sin(0.5 * theta) * sign;
      kappa[l] = static_cast<Real>(k);
      kappa_neg[l] = static_cast<Real>(-k);
    }
  }

  template <typename Angle>
  void fill_phase(const OpPlan<Real>& p, Angle&& angle, Real* d, Real* d_inv) const {
    for (int l = 0; l < L; ++l) {
      double re = 1.0, im = 0.0;
      if (p.tm.lane_active(l)) {
        const double phi = angle(l);
        re = std::cos(phi);
        im = std::sin(phi);
      }
      d[l] = static_cast<Real>(re);
      d[L + l] = static_cast<Real>(im);
      d_inv[l] = static_cast<Real>(re);
      d_inv[L + l] = static_cast<Real>(-im);
    }
  }

  // Slots of a tile that hold samples (the others pad the last tile).
  index_t valid_slots(index_t tile) const {
    return std::min<index_t>(geo_.samples_per_tile, geo_.batch - tile * geo_.samples_per_tile);
  }

  const double* row_inputs(index_t tile, int slot) const {
    return req_.inputs + geo_.row(tile, slot) * prog_.n_inputs;
  }

  double lane_angle(const Expr& e, index_t tile, int lane) const {
    return e.eval<double>(req_.weights, row_inputs(tile, geo_.sample_slot(lane)));
  }

  void init_workspace(Workspace<Real>& w) const {
    w.psi.resize(static_cast<size_t>(geo_.tile_reals()));
    if (backward_) w.lam.resize(static_cast<size_t>(geo_.tile_reals()));
    if (needs_copy_) w.copy.resize(static_cast<size_t>(geo_.tile_reals()));
    w.lane.resize(plans_.size());
    for (size_t i = 0; i < plans_.size(); ++i) {
      if (!plans_[i].per_tile) continue;
      if (plans_[i].op->kind == LoweredOp::Kind::PauliRotation) w.lane[i].resize(3 * L);
      if (plans_[i].op->kind == LoweredOp::Kind::Phase) w.lane[i].resize(4 * L);
    }
    w.dvec.resize(2 * L);
    w.scratch.resize(static_cast<size_t>(inner_threads_));
    const bool gathered = std::any_of(blocks_.begin(), blocks_.end(), [](const Block& b) { return b.gather; });
    const size_t block = (size_t{1} << kBlockBitsForward) * 2 * L;
    for (Scratch<Real>& s : w.scratch) {
      if (gathered) s.psi.resize(block);
      if (gathered && backward_) s.lam.resize(block);
      s.sign.resize(L);
    }
    w.outputs.assign(static_cast<size_t>(geo_.samples_per_tile * prog_.n_outputs), 0.0);
    w.cot.assign(static_cast<size_t>(geo_.samples_per_tile * prog_.n_outputs), 0.0);
    if (checkpointing_) {
      w.checkpoints.resize(n_checkpoints_ * static_cast<size_t>(geo_.tile_reals()));
      if (!w.copy.size()) w.copy.resize(static_cast<size_t>(geo_.tile_reals()));
    }
    if (backward_ && !phase_tables_.empty()) w.tvec.resize(static_cast<size_t>(geo_.n_vec * L));
    w.su.resize(n_su_caches_);
    w.evo.resize(evo_keys_.size());
    for (size_t e = 0; e < evo_keys_.size(); ++e) {
      w.evo[e].offset = evo_keys_[e].first;
      w.evo[e].k = evo_keys_[e].second;
      w.evo[e].targets_owner = evo_owner_[e];
      w.evo[e].tile = -1;
    }
  }

  // The per-sample rotation and phase vectors of a tile, computed once for all its sweeps.
  void prepare_tile(index_t tile, Workspace<Real>& w) {
    for (size_t i = 0; i < plans_.size(); ++i) {
      const OpPlan<Real>& p = plans_[i];
      if (!p.per_tile) continue;
      auto angle = [&](int l) { return lane_angle(p.op->angle, tile, l); };
      Real* d = w.lane[i].data();
      if (p.op->kind == LoweredOp::Kind::PauliRotation) fill_rotation(p, angle, d, d + L, d + 2 * L);
      if (p.op->kind == LoweredOp::Kind::Phase) fill_phase(p, angle, d, d + 2 * L);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Reductions in fixed chunks: `kernel(begin, end, Real* acc)` over `count` groups; the sum
  // of every chunk is added, in chunk order within fixed parts, into s.red_out (size `size`).

  template <typename F>
  const double* reduce(Scratch<Real>& s, index_t count, int vectors_per_group, index_t size, int inner, F&& kernel) {
    const index_t chunk = reduction_chunk(vectors_per_group);
    const index_t n_chunks = (count + chunk - 1) / chunk;
    index_t parts = std::min<index_t>(kMaxParts, n_chunks);
    if (parts < 1) parts = 1;
    s.red_tmp.ensure(static_cast<size_t>(parts * size));
    if (s.red_acc.size() < static_cast<size_t>(parts * size)) s.red_acc.resize(static_cast<size_t>(parts * size));
    auto run_part = [&](index_t part) {
      Real* tmp = s.red_tmp.data() + part * size;
      double* acc = s.red_acc.data() + part * size;
      std::fill(acc, acc + size, 0.0);
      const index_t c0 = n_chunks * part / parts, c1 = n_chunks * (part + 1) / parts;
      for (index_t c = c0; c < c1; ++c) {
        std::fill(tmp, tmp + size, Real(0));
        kernel(c * chunk, std::min(count, (c + 1) * chunk), tmp);
        for (index_t i = 0; i < size; ++i) acc[i] += static_cast<double>(tmp[i]);
      }
    };
    if (inner > 1 && parts > 1) {
#pragma omp parallel for num_threads(inner) schedule(static)
      for (index_t part = 0; part < parts; ++part) run_part(part);
    } else {
      for (index_t part = 0; part < parts; ++part) run_part(part);
    }
    s.red_out.assign(static_cast<size_t>(size), 0.0);
    for (index_t part = 0; part < parts; ++part)
      for (index_t i = 0; i < size; ++i) s.red_out[static_cast<size_t>(i)] += s.red_acc[static_cast<size_t>(part * size + i)];
    return s.red_out.data();
  }

  // Per-slot sum of conj(a) . P b over the lanes of each slot: out[slot] (complex, times i^ny).
  void pauli_inner_slots(Scratch<Real>& s, const Real* a, const Real* b, const PauliMap& pm, int inner, cdouble* out) {
    Real* sign = s.sign.data();
    for (int l = 0; l < L; ++l) sign[l] = static_cast<Real>(pm.lane_sign[static_cast<size_t>(l)]);
    const int vpg = pm.index.xv != 0 ? 2 : 1;
    const double* acc = reduce(s, pm.index.groups.count, vpg, 2 * L, inner, [&](index_t b0, index_t b1, Real* tmp) {
      kt_.pauli_inner(a, b, pm.index, sign, b0, b1, tmp);
    });
    slot_values(acc, nullptr, pm.ny, out);
  }

  // out[slot] = i^ny times the sum of acc's lanes (complex, {re[L], im[L]}) of that slot, each
  // lane first multiplied by lane_sign[lane] when given.
  void slot_values(const double* acc, const double* lane_sign, int ny, cdouble* out) const {
    static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    for (index_t k = 0; k < geo_.samples_per_tile; ++k) out[k] = 0.0;
    for (int l = 0; l < L; ++l)
      out[geo_.sample_slot(l)] += cdouble(acc[l], acc[L + l]) * (lane_sign != nullptr ? lane_sign[l] : 1.0);
    for (index_t k = 0; k < geo_.samples_per_tile; ++k) out[k] *= kPowI[ny & 3];
  }

  // The angle gradients of a set run's rotations at psi and lambda, in one pass, into acc.
  void set_gradients(const Block& b, const Block::Run& run, index_t tile, const Real* psi, const Real* lam,
                     Workspace<Real>& w, SegmentAcc* acc) {
    const kernels::RotationSet<Real>& rs = rotation_sets_[static_cast<size_t>(run.set)].first;
    const double* sums = reduce(w.scratch[0], rs.groups.count, 1 << rs.count, static_cast<index_t>(rs.count) * 2 * L,
                                inner_threads_,
                                [&](index_t b0, index_t b1, Real* tmp) { kt_.pauli_inner_set(lam, psi, rs, b0, b1, tmp); });
    chain_set_sums(b, run, sums, false, tile, w.scratch[0], acc);
  }

  // d/dtheta = 2 Im <lambda| P/2 |psi> of each parametrized rotation of a set run, from the set's
  // inner products ({re[L], im[L]} per rotation, in the inverse set's order when `reversed`),
  // chained into acc as angle_gradient and chain_angle do one rotation at a time.
  void chain_set_sums(const Block& b, const Block::Run& run, const double* sums, bool reversed, index_t tile,
                      Scratch<Real>& s, SegmentAcc* acc) {
    const index_t spt = geo_.samples_per_tile;
    s.values.resize(static_cast<size_t>(spt));
    std::vector<double> d(static_cast<size_t>(spt));
    for (int j = 0; j < run.count; ++j) {
      const size_t i = b.rest[run.first + static_cast<size_t>(j)];
      if (!prog_.ops[i].has_parameters()) continue;
      const int at = reversed ? run.count - 1 - j : j;
      slot_values(sums + 2 * L * at, plans_[i].pauli.lane_sign.data(), plans_[i].pauli.ny, s.values.data());
      for (index_t k = 0; k < spt; ++k) d[static_cast<size_t>(k)] = s.values[static_cast<size_t>(k)].imag();
      chain_angle(prog_.ops[i].angle, tile, d.data(), acc);
    }
  }

  // R_slot[i][j] = sum a_i conj(b_j) over everything but the targets, per slot.
  void outer_slots(Scratch<Real>& s, const Real* a, const Real* b, const TargetMap& tm, int inner,
                   std::vector<MatrixC>& r) {
    const int dh = 1 << tm.kh, np = 1 << tm.kl, dim = 1 << tm.k;
    const index_t size = static_cast<index_t>(dh) * dh * np * 2 * L;
    const GroupIndex g = tm.groups();
    const double* acc = reduce(s, g.count, dh, size, inner, [&](index_t b0, index_t b1, Real* tmp) {
      kt_.partial_outer(a, b, g, np, tm.lane_xor.data(), b0, b1, tmp);
    });
    r.assign(static_cast<size_t>(geo_.samples_per_tile), MatrixC::Zero(dim, dim));
    for (int l = 0; l < L; ++l) {
      const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
      MatrixC& rs = r[static_cast<size_t>(geo_.sample_slot(l))];
      for (int i = 0; i < dh; ++i)
        for (int j = 0; j < dh; ++j)
          for (int q = 0; q < np; ++q) {
            const size_t idx = static_cast<size_t>(((i * dh + j) * np + q) * 2 * L);
            rs(tm.local(i, lo), tm.local(j, lo ^ q)) +=
                cdouble(acc[idx + static_cast<size_t>(l)], acc[idx + static_cast<size_t>(L + l)]);
          }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Applying ops

  void apply_plan(const MatrixPlan<Real>& p, const TargetMap& tm, Real* t, int inner) {
    const GroupIndex g = tm.groups();
    switch (p.kind) {
      case MatrixPlan<Real>::Kind::Permutation:
        sweep(g.count, inner, [&](index_t b, index_t e) {
          kt_.apply_permutation(t, g, p.dst.data(), p.has_phase ? p.coef.data() : nullptr, b, e);
        });
        break;
      case MatrixPlan<Real>::Kind::Diagonal:
        sweep(g.count, inner, [&](index_t b, index_t e) { kt_.apply_diagonal(t, g, p.coef.data(), b, e); });
        break;
      case MatrixPlan<Real>::Kind::Dense:
        sweep(g.count, inner, [&](index_t b, index_t e) {
          kt_.apply_matrix(t, g, p.mode, p.coef.data(), p.n_perm, p.lane_perm.data(), b, e);
        });
        break;
    }
  }

  // Builds the per-lane coefficient table of per-slot real matrices `mats` ([slots][dim][dim]),
  // transposed when `transpose`: LaneReal without lane targets, LaneComplex with them.
  void fill_lane_table(const TargetMap& tm, const std::vector<double>& mats, bool transpose, AlignedBuffer<Real>& out) {
    const int dh = 1 << tm.kh, np = 1 << tm.kl, dim = 1 << tm.k;
    auto value = [&](int slot, int r, int c) {
      const double* m = mats.data() + static_cast<size_t>(slot) * dim * dim;
      return transpose ? m[c * dim + r] : m[r * dim + c];
    };
    if (tm.kl == 0) {
      out.resize(static_cast<size_t>(dh) * dh * L);
      for (int o = 0; o < dh; ++o)
        for (int i = 0; i < dh; ++i)
          for (int l = 0; l < L; ++l)
            out[static_cast<size_t>((o * dh + i) * L + l)] = static_cast<Real>(
                value(geo_.sample_slot(l), tm.loc_hi[static_cast<size_t>(o)], tm.loc_hi[static_cast<size_t>(i)]));
      return;
    }
    out.resize(static_cast<size_t>(dh) * dh * np * 2 * L);
    for (int l = 0; l < L; ++l) {
      const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
      for (int o = 0; o < dh; ++o)
        for (int i = 0; i < dh; ++i)
          for (int q = 0; q < np; ++q) {
            const size_t idx = static_cast<size_t>(((o * dh + i) * np + q) * 2 * L);
            out[idx + static_cast<size_t>(l)] =
                static_cast<Real>(value(geo_.sample_slot(l), tm.local(o, lo), tm.local(i, lo ^ q)));
            out[idx + static_cast<size_t>(L + l)] = 0;
          }
    }
  }

  // A LaneComplex table of per-slot complex matrices value(slot, row, col), lane permutations
  // for lane targets included.
  template <typename Value>
  void fill_lane_table_complex(const TargetMap& tm, Value&& value, AlignedBuffer<Real>& out) {
    const int dh = 1 << tm.kh, np = 1 << tm.kl;
    out.resize(static_cast<size_t>(dh) * dh * np * 2 * L);
    for (int l = 0; l < L; ++l) {
      const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
      const int slot = geo_.sample_slot(l);
      for (int o = 0; o < dh; ++o)
        for (int i = 0; i < dh; ++i)
          for (int q = 0; q < np; ++q) {
            const cdouble v = value(slot, tm.local(o, lo), tm.local(i, lo ^ q));
            const size_t idx = static_cast<size_t>(((o * dh + i) * np + q) * 2 * L);
            out[idx + static_cast<size_t>(l)] = static_cast<Real>(v.real());
            out[idx + static_cast<size_t>(L + l)] = static_cast<Real>(v.imag());
          }
    }
  }

  SuCache<Real>& su_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w) {
    SuCache<Real>& c = w.su[static_cast<size_t>(p.su_cache)];
    if (c.tile == tile) return c;
    const int k = static_cast<int>(p.op->targets.size());
    c.slots.resize(static_cast<size_t>(geo_.samples_per_tile));
    const index_t valid = valid_slots(tile);
    for_each_index(static_cast<size_t>(valid), dense_threads(k, inner_threads_), [&](size_t s) {
      c.slots[s] = hermitian_exp(pauli_combination(row_inputs(tile, static_cast<int>(s)) + p.op->offset, k));
    });
    for (index_t s = valid; s < geo_.samples_per_tile; ++s) c.slots[static_cast<size_t>(s)] = c.slots[static_cast<size_t>(valid - 1)];
    fill_lane_table_complex(p.tm, [&](int slot, int r, int col) { return c.slots[static_cast<size_t>(slot)].u(r, col); },
                            c.fwd);
    fill_lane_table_complex(
        p.tm, [&](int slot, int r, int col) { return std::conj(c.slots[static_cast<size_t>(slot)].u(col, r)); }, c.inv);
    c.tile = tile;
    return c;
  }

  EvoCache<Real>& evolution_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w) {
    EvoCache<Real>& e = w.evo[static_cast<size_t>(p.evo_slot)];
    if (e.tile == tile) return e;
    const int dim = 1 << e.k;
    const index_t slots = geo_.samples_per_tile;
    e.v.assign(static_cast<size_t>(slots * dim * dim), 0.0);
    e.h.assign(static_cast<size_t>(slots * dim), 0.0);
    // One decomposition per sample, spread over the tile's threads; padding slots repeat the
    // last sample (their lanes are discarded).
    const index_t valid = valid_slots(tile);
    for_each_index(static_cast<size_t>(valid), dense_threads(e.k, inner_threads_), [&](size_t s) {
      const double* m = row_inputs(tile, static_cast<int>(s)) + e.offset;
      const SymmetricEigen se = symmetric_eigen(m, dim);
      std::copy(se.v.data(), se.v.data() + dim * dim, e.v.data() + s * dim * dim);
      std::copy(se.h.data(), se.h.data() + dim, e.h.data() + s * dim);
    });
    for (index_t s = valid; s < slots; ++s) {
      std::copy(e.v.data() + (valid - 1) * dim * dim, e.v.data() + valid * dim * dim, e.v.data() + s * dim * dim);
      std::copy(e.h.data() + (valid - 1) * dim, e.h.data() + valid * dim, e.h.data() + s * dim);
    }
    const TargetMap& tm = plans_[static_cast<size_t>(e.targets_owner)].tm;
    fill_lane_table(tm, e.v, true, e.vt_table);
    fill_lane_table(tm, e.v, false, e.v_table);
    std::fill(e.gamma_time.begin(), e.gamma_time.end(), std::numeric_limits<double>::quiet_NaN());
    e.tile = tile;
    return e;
  }

  void apply_evolution(const OpPlan<Real>& p, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse) {
    EvoCache<Real>& e = evolution_data(p, tile, w);
    const TargetMap& tm = p.tm;
    const int dh = 1 << tm.kh, dim = 1 << tm.k;
    const CoefMode mode = tm.kl == 0 ? CoefMode::LaneReal : CoefMode::LaneComplex;
    const int np = 1 << tm.kl;
    const GroupIndex g = tm.groups();
    // psi <- V (phase . (V^T psi)), phase_j = exp(-i t h_j / 2) (conjugated for the inverse)
    sweep(g.count, inner, [&](index_t b, index_t en) {
      kt_.apply_matrix(t, g, mode, e.vt_table.data(), np, tm.lane_xor.data(), b, en);
    });
    AlignedBuffer<Real>& d = w.dvec;
    d.ensure(static_cast<size_t>(dh) * 2 * L);
    for (int l = 0; l < L; ++l) {
      const int slot = geo_.sample_slot(l);
      const double time = lane_angle(p.op->angle, tile, l);
      for (int j = 0; j < dh; ++j) {
        const double h = e.h[static_cast<size_t>(slot * dim + tm.local(j, tm.lo_of_lane[static_cast<size_t>(l)]))];
        const double phi = (inverse ? 0.5 : -0.5) * time * h;
        d[static_cast<size_t>(j * 2 * L + l)] = static_cast<Real>(std::cos(phi));
        d[static_cast<size_t>(j * 2 * L + L + l)] = static_cast<Real>(std::sin(phi));
      }
    }
    sweep(g.count, inner, [&](index_t b, index_t en) { kt_.apply_diagonal(t, g, d.data(), b, en); });
    sweep(g.count, inner, [&](index_t b, index_t en) {
      kt_.apply_matrix(t, g, mode, e.v_table.data(), np, tm.lane_xor.data(), b, en);
    });
  }

  // Applies op i (or its inverse) to `t`, a tile or a gathered sub-block of the op's block.
  void apply_op(size_t i, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse) {
    OpPlan<Real>& p = plans_[i];
    switch (p.op->kind) {
      case LoweredOp::Kind::Matrix:
        apply_plan(inverse ? p.inv : p.fwd, p.tm, t, inner);
        break;
      case LoweredOp::Kind::SpecialUnitary: {
        if (!p.op->per_sample) {
          apply_plan(inverse ? p.inv : p.fwd, p.tm, t, inner);
          break;
        }
        const SuCache<Real>& c = su_data(p, tile, w);
        const GroupIndex g = p.tm.groups();
        const Real* table = inverse ? c.inv.data() : c.fwd.data();
        sweep(g.count, inner, [&](index_t b, index_t e) {
          kt_.apply_matrix(t, g, CoefMode::LaneComplex, table, 1 << p.tm.kl, p.tm.lane_xor.data(), b, e);
        });
        break;
      }
      case LoweredOp::Kind::PauliRotation: {
        const auto [c, kappa] = rotation_coefs(i, w, inverse);
        const bool imag = (p.kappa_class & 1) == 0;
        sweep(p.pauli.index.groups.count, inner, [&](index_t b, index_t e) {
          kt_.apply_pauli_rotation(t, p.pauli.index, c, kappa, imag, b, e);
        });
        break;
      }
      case LoweredOp::Kind::Phase: {
        const Real* d = inverse ? p.diag_inv.data() : p.diag.data();
        if (p.per_tile) d = w.lane[i].data() + (inverse ? 2 * L : 0);
        const GroupIndex g = p.tm.groups();
        sweep(g.count, inner, [&](index_t b, index_t e) { kt_.apply_diagonal(t, g, d, b, e); });
        break;
      }
      case LoweredOp::Kind::Evolution:
        apply_evolution(p, tile, t, w, inner, inverse);
        break;
      case LoweredOp::Kind::AmplitudeEmbedding:
      case LoweredOp::Kind::StatePreparation:
        break;  // handled by init_state
    }
  }

  // A block's `rest` ops in order, or their inverses in reverse order.
  // With `phase` (forward only, the last run a set): that set's pass also stores its result into
  // `saved` (unless nullptr) and then applies `phase`.
  void apply_rest(const Block& b, index_t tile, Real* t, Workspace<Real>& w, bool inverse, Real* saved = nullptr,
                  const Real* phase = nullptr) {
    const size_t n = b.runs.size();
    for (size_t r = 0; r < n; ++r) {
      const Block::Run& run = b.runs[inverse ? n - 1 - r : r];
      if (run.set < 0) {
        apply_op(b.rest[run.first], tile, t, w, inner_threads_, inverse);
        continue;
      }
      const kernels::RotationSet<Real> rs = filled_set(b, run, w, inverse);
      if (phase != nullptr && r == n - 1) {
        sweep(rs.groups.count, inner_threads_,
              [&](index_t b0, index_t b1) { kt_.apply_pauli_rotations_phase(t, saved, phase, rs, b0, b1); });
      } else {
        sweep(rs.groups.count, inner_threads_, [&](index_t b0, index_t b1) { kt_.apply_pauli_rotations(t, rs, b0, b1); });
      }
    }
  }

  // Pauli rotation i's per-lane {c, kappa} (negated kappa for its inverse): its plan's, or this
  // tile's for a rotation on inputs.
  std::pair<const Real*, const Real*> rotation_coefs(size_t i, const Workspace<Real>& w, bool inverse) const {
    const OpPlan<Real>& p = plans_[i];
    if (p.per_tile) {
      const Real* d = w.lane[i].data();
      return {d, inverse ? d + 2 * L : d + L};
    }
    return {p.c.data(), inverse ? p.kappa_neg.data() : p.kappa.data()};
  }

  // A run's RotationSet with its rotations' coefficients.
  kernels::RotationSet<Real> filled_set(const Block& b, const Block::Run& run, const Workspace<Real>& w,
                                        bool inverse) const {
    kernels::RotationSet<Real> rs = inverse ? rotation_sets_[static_cast<size_t>(run.set)].second
                                            : rotation_sets_[static_cast<size_t>(run.set)].first;
    for (int j = 0; j < run.count; ++j) {
      const size_t i = b.rest[run.first + static_cast<size_t>(inverse ? run.count - 1 - j : j)];
      std::tie(rs.c[j], rs.kappa[j]) = rotation_coefs(i, w, inverse);
    }
    return rs;
  }

  // The adjoint step of a set run without saved states: its gradients at its end, then the set
  // un-applied to psi and lambda, in one pass (kernels' adjoint_pauli_rotations).
  void set_adjoint(const Block& b, const Block::Run& run, index_t tile, Real* psi, Real* lam, Workspace<Real>& w,
                   SegmentAcc* acc) {
    const kernels::RotationSet<Real> rs = filled_set(b, run, w, true);
    Scratch<Real>& s = w.scratch[0];
    const double* sums = reduce(s, rs.groups.count, 1 << rs.count, static_cast<index_t>(rs.count) * 2 * L,
                                inner_threads_, [&](index_t b0, index_t b1, Real* tmp) {
                                  kt_.adjoint_pauli_rotations(psi, lam, rs, b0, b1, tmp);
                                });
    chain_set_sums(b, run, sums, true, tile, s, acc);  // the inverse set holds the run in reverse order
  }

  void gather(const Block& b, const Real* t, index_t outer, Real* out) const {
    const index_t base = static_cast<index_t>(deposit_bits(static_cast<std::uint64_t>(outer), b.outer_mask));
    const size_t bytes = 2 * L * sizeof(Real);
    for (size_t j = 0; j < b.offsets.size(); ++j) std::memcpy(out + 2 * L * j, t + 2 * L * (base + b.offsets[j]), bytes);
  }

  void scatter(const Block& b, const Real* in, index_t outer, Real* t) const {
    const index_t base = static_cast<index_t>(deposit_bits(static_cast<std::uint64_t>(outer), b.outer_mask));
    const size_t bytes = 2 * L * sizeof(Real);
    for (size_t j = 0; j < b.offsets.size(); ++j) std::memcpy(t + 2 * L * (base + b.offsets[j]), in + 2 * L * j, bytes);
  }

  // Runs `body(outer_begin, outer_end, scratch)` over a gathered block's outer iterations in
  // fixed chunks, spread over the tile's threads.
  template <typename F>
  void for_outer(const Block& b, Workspace<Real>& w, F&& body) {
    const index_t n_chunks = (b.n_outer + kOuterChunk - 1) / kOuterChunk;
    if (inner_threads_ > 1 && n_chunks > 1) {
#pragma omp parallel for num_threads(inner_threads_) schedule(static)
      for (index_t k = 0; k < n_chunks; ++k)
        body(k, k * kOuterChunk, std::min(b.n_outer, (k + 1) * kOuterChunk), w.scratch[static_cast<size_t>(omp_get_thread_num())]);
    } else {
      for (index_t k = 0; k < n_chunks; ++k)
        body(k, k * kOuterChunk, std::min(b.n_outer, (k + 1) * kOuterChunk), w.scratch[0]);
    }
  }

  // t = b's phase table (or its inverse) times t, or times `from` when given.
  void apply_phase(const Block& b, Real* t, bool inverse, const Real* from = nullptr) {
    const auto& tables = phase_tables_[static_cast<size_t>(b.phase_table)];
    const Real* table = inverse ? tables.second.data() : tables.first.data();
    const Real* in = from != nullptr ? from : t;
    sweep(geo_.n_vec, inner_threads_, [&](index_t v0, index_t v1) { kt_.apply_phase_table(t, in, table, v0, v1); });
  }

  // A tile copied, split over the tile's threads like a sweep.
  void copy_tile(const Real* from, Real* to) const {
    sweep(geo_.n_vec, inner_threads_, [&](index_t v0, index_t v1) {
      std::copy(from + v0 * 2 * L, from + v1 * 2 * L, to + v0 * 2 * L);
    });
  }

  Real* checkpoint(const Block& b, Workspace<Real>& w) const {
    if (b.checkpoint == final_checkpoint_) return w.psi.data();
    return w.checkpoints.data() + static_cast<size_t>(b.checkpoint) * static_cast<size_t>(geo_.tile_reals());
  }

  void forward_block(const Block& b, index_t tile, Real* psi, Workspace<Real>& w) {
    if (!b.gather) {
      const bool saved = checkpointing_ && b.checkpoint >= 0 && !b.phases_after_saved;
      if (b.phase_table >= 0 && !b.phase_by_previous) apply_phase(b, psi, false);
      if (b.next_phase < 0) {
        apply_rest(b, tile, psi, w, false);
        if (saved && checkpoint(b, w) != psi) copy_tile(psi, checkpoint(b, w));
        return;
      }
      apply_rest(b, tile, psi, w, false, saved ? checkpoint(b, w) : nullptr,
                 phase_tables_[static_cast<size_t>(b.next_phase)].first.data());
      return;
    }
    for_outer(b, w, [&](index_t, index_t o0, index_t o1, Scratch<Real>& s) {
      for (index_t o = o0; o < o1; ++o) {
        gather(b, psi, o, s.psi.data());
        for (size_t i : b.ops) apply_op(i, tile, s.psi.data(), w, 1, false);
        scatter(b, s.psi.data(), o, psi);
      }
    });
  }

  // ---------------------------------------------------------------------------------------
  // Product states. From |0...0>, one-qubit ops keep the state a product of one-qubit states:
  // the leading blocks made only of them (a first layer of rotations, with the phase layer
  // after it) are applied to 2-vectors per qubit and lane, and their states written out once,
  // instead of one sweep of the tile per op.

  static bool is_one_qubit(const LoweredOp& op) {
    if (!op.controls.empty()) return false;
    switch (op.kind) {
      case LoweredOp::Kind::PauliRotation:
      case LoweredOp::Kind::Matrix: return op.targets.size() == 1;
      case LoweredOp::Kind::Phase: return op.targets.size() <= 1;
      default: return false;
    }
  }

  // Applies op (plan p) to factor[q][lane] (q its target) or, for a global phase, to `global`.
  // An op without inputs has the same matrix in every lane, computed once.
  void apply_one_qubit(const OpPlan<Real>& p, index_t tile, std::vector<std::array<cdouble, 2>>& factor,
                       std::vector<cdouble>& global) const {
    const LoweredOp& op = *p.op;
    cdouble m[2][2];
    for (int l = 0; l < L; ++l) {
      if (op.kind == LoweredOp::Kind::Phase && op.targets.empty()) {
        global[static_cast<size_t>(l)] *= std::polar(1.0, lane_angle(op.angle, tile, l));
        continue;
      }
      if (l == 0 || p.per_tile) one_qubit_matrix(op, tile, l, m);
      std::array<cdouble, 2>& f = factor[static_cast<size_t>(op.targets[0] * L + l)];
      f = {m[0][0] * f[0] + m[0][1] * f[1], m[1][0] * f[0] + m[1][1] * f[1]};
    }
  }

  void one_qubit_matrix(const LoweredOp& op, index_t tile, int lane, cdouble (&m)[2][2]) const {
    if (op.kind == LoweredOp::Kind::Matrix) {
      for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 2; ++c) m[r][c] = op.matrix[static_cast<size_t>(2 * r + c)];
    } else if (op.kind == LoweredOp::Kind::Phase) {
      m[0][0] = 1.0;
      m[0][1] = m[1][0] = 0.0;
      m[1][1] = std::polar(1.0, lane_angle(op.angle, tile, lane));
    } else {
      // exp(-i theta/2 P) = cos(theta/2) - i sin(theta/2) P, with P|c> = phase(c) |c ^ x>
      const double theta = lane_angle(op.angle, tile, lane);
      const double c = std::cos(0.5 * theta), sn = std::sin(0.5 * theta);
      const PauliMasks pm = pauli_masks(static_cast<std::uint64_t>(op.word[0]), 1);
      m[0][0] = m[1][1] = c;
      m[0][1] = m[1][0] = 0.0;
      for (std::uint64_t col = 0; col < 2; ++col) m[col ^ pm.x][col] += cdouble(0.0, -1.0) * sn * pauli_phase(pm, col);
    }
  }

  // t = global * prod_q factor[q] in the tile layout: vector 0 holds the lane qubits' part, then
  // each vector bit doubles the filled range (vectors v and v + 2^b from v), lane-parallel.
  void write_product(const std::vector<std::array<cdouble, 2>>& factor, const std::vector<cdouble>& global, Real* t,
                     Real* f) const {
    for (int l = 0; l < L; ++l) {
      cdouble a = global[static_cast<size_t>(l)];
      for (int q = 0; q < geo_.n; ++q)
        if (geo_.in_lane(q)) a *= factor[static_cast<size_t>(q * L + l)][(l >> geo_.lane_bit(q)) & 1];
      t[l] = static_cast<Real>(a.real());
      t[L + l] = static_cast<Real>(a.imag());
    }
    Real *f0r = f, *f0i = f + L, *f1r = f + 2 * L, *f1i = f + 3 * L;
    for (int vb = 0; vb < geo_.nvb; ++vb) {
      const int q = geo_.n - 1 - (vb + geo_.lq);
      for (int l = 0; l < L; ++l) {
        const std::array<cdouble, 2>& fq = factor[static_cast<size_t>(q * L + l)];
        f0r[l] = static_cast<Real>(fq[0].real());
        f0i[l] = static_cast<Real>(fq[0].imag());
        f1r[l] = static_cast<Real>(fq[1].real());
        f1i[l] = static_cast<Real>(fq[1].imag());
      }
      const index_t half = index_t{1} << vb;
      sweep(half, inner_threads_, [&](index_t v0, index_t v1) { kt_.product_double(t, f, half, v0, v1); });
    }
  }

  void product_prefix(index_t tile, Real* psi, Workspace<Real>& w) {
    w.dvec.ensure(4 * L);  // one qubit's factors per lane, for write_product
    std::vector<std::array<cdouble, 2>> factor(static_cast<size_t>(geo_.n * L), std::array<cdouble, 2>{1.0, 0.0});
    std::vector<cdouble> global(L, 1.0);
    for (size_t b = 0; b < product_blocks_; ++b) {
      const Block& blk = blocks_[b];
      for (size_t i : blk.ops) apply_one_qubit(plans_[i], tile, factor, global);
      if (checkpointing_ && blk.checkpoint >= 0 && !blk.phases_after_saved)
        write_product(factor, global, checkpoint(blk, w), w.dvec.data());
    }
    // A last block of phases that shares the saved state just written: psi is that state times
    // its table, one pass instead of another product.
    const Block& last = blocks_[product_blocks_ - 1];
    if (checkpointing_ && last.phases_after_saved) {
      apply_phase(last, psi, false, checkpoint(last, w));
      return;
    }
    if (checkpointing_ && last.checkpoint == final_checkpoint_ && final_checkpoint_ >= 0) return;  // written just now
    write_product(factor, global, psi, w.dvec.data());
  }

  // The gradients of the product-state prefix (its blocks' ops, all on one qubit each), from
  // lambda at its end: psi = g prod_q f_q there, so the derivative of <lambda|psi> by an op on
  // qubit q is e_q . df_q, e_q (two numbers per lane) the contraction of lambda with every factor
  // but q's, and df_q the derivative of q's factor, the op's derivative between the ops of q before
  // and after it. Every e_q comes from one pass over lambda, split at the middle vector bit
  // (product_contract), then halving contractions of what it leaves, in double.
  void prefix_gradients(index_t tile, const Real* lam, Workspace<Real>& w, SegmentAcc* acc) {
    using Pair = std::array<cdouble, 2>;
    const int n = geo_.n, nb = geo_.nvb;  // lq == 0: vector bit b is qubit n - 1 - b
    // Each qubit's ops in order with their matrices (one for all lanes when they have no inputs),
    // the factors they make from |0>, and the global phase.
    std::vector<std::vector<size_t>> ops(static_cast<size_t>(n));
    std::vector<size_t> global_ops;
    for (size_t b = 0; b < product_blocks_; ++b)
      for (size_t i : blocks_[b].ops)
        (prog_.ops[i].targets.empty() ? global_ops : ops[static_cast<size_t>(prog_.ops[i].targets[0])]).push_back(i);
    std::vector<std::vector<std::array<cdouble, 4>>> mats(static_cast<size_t>(n));  // [q][t * L + l]
    std::vector<Pair> f(static_cast<size_t>(nb * L));  // the factors, per vector bit and lane
    for (int q = 0; q < n; ++q) {
      const std::vector<size_t>& qs = ops[static_cast<size_t>(q)];
      std::vector<std::array<cdouble, 4>>& m = mats[static_cast<size_t>(q)];
      m.resize(qs.size() * L);
      for (size_t t = 0; t < qs.size(); ++t) {
        for (int l = 0; l < L; ++l) {
          if (l > 0 && !plans_[qs[t]].per_tile) {
            m[t * L + static_cast<size_t>(l)] = m[t * L];
            continue;
          }
          cdouble mt[2][2];
          one_qubit_matrix(prog_.ops[qs[t]], tile, l, mt);
          m[t * L + static_cast<size_t>(l)] = {mt[0][0], mt[0][1], mt[1][0], mt[1][1]};
        }
      }
      for (int l = 0; l < L; ++l) {
        Pair r{1.0, 0.0};
        for (size_t t = 0; t < qs.size(); ++t) r = apply2(m[t * L + static_cast<size_t>(l)], r);
        f[static_cast<size_t>((n - 1 - q) * L + l)] = r;
      }
    }
    std::vector<cdouble> global(L, 1.0);
    for (size_t i : global_ops)
      for (int l = 0; l < L; ++l)
        global[static_cast<size_t>(l)] = mul(global[static_cast<size_t>(l)], std::polar(1.0, lane_angle(prog_.ops[i].angle, tile, l)));

    // c[h] = sum_j conj(lam) w_lo[j] and d[j] = sum_h conj(lam) g w_hi[h], v = h 2^k + j; pieces
    // of h summed in a fixed order (thread-independent).
    const int k = nb / 2;
    const index_t n_lo = index_t{1} << k, n_hi = index_t{1} << (nb - k);
    const index_t pieces = std::min<index_t>(n_hi, kMaxParts);
    AlignedBuffer<Real>& w_lo = w.prefix_lo;
    AlignedBuffer<Real>& w_hi = w.prefix_hi;
    AlignedBuffer<Real>& c = w.prefix_c;
    AlignedBuffer<Real>& d = w.prefix_d;
    w_lo.ensure(static_cast<size_t>(n_lo * 2 * L));
    w_hi.ensure(static_cast<size_t>(n_hi * 2 * L));
    c.ensure(static_cast<size_t>(n_hi * 2 * L));
    d.resize(static_cast<size_t>(pieces * n_lo * 2 * L));  // zeroed: the pieces add into it
    std::vector<cdouble> prod;
    auto fill_products = [&](Real* out, int bits, int first_bit, bool with_global) {
      product_table(f.data() + static_cast<size_t>(first_bit) * L, bits, with_global ? global.data() : nullptr, prod);
      for (size_t j = 0; j < (size_t{1} << bits); ++j)
        for (int l = 0; l < L; ++l) {
          out[j * 2 * L + static_cast<size_t>(l)] = static_cast<Real>(prod[j * L + static_cast<size_t>(l)].real());
          out[j * 2 * L + static_cast<size_t>(L + l)] = static_cast<Real>(prod[j * L + static_cast<size_t>(l)].imag());
        }
    };
    fill_products(w_lo.data(), k, 0, false);
    fill_products(w_hi.data(), nb - k, k, true);
    auto piece = [&](index_t p) {
      kt_.product_contract(lam, w_lo.data(), w_hi.data(), k, n_hi * p / pieces, n_hi * (p + 1) / pieces, c.data(),
                           d.data() + p * n_lo * 2 * L);
    };
    if (inner_threads_ > 1 && pieces > 1) {
#pragma omp parallel for num_threads(inner_threads_) schedule(static)
      for (index_t p = 0; p < pieces; ++p) piece(p);
    } else {
      for (index_t p = 0; p < pieces; ++p) piece(p);
    }
    std::vector<cdouble> hi(static_cast<size_t>(n_hi * L)), lo(static_cast<size_t>(n_lo * L), 0.0);
    for (index_t h = 0; h < n_hi; ++h)
      for (int l = 0; l < L; ++l)
        hi[static_cast<size_t>(h * L + l)] = mul(global[static_cast<size_t>(l)], cdouble(c[h * 2 * L + l], c[h * 2 * L + L + l]));
    for (index_t p = 0; p < pieces; ++p)
      for (index_t j = 0; j < n_lo; ++j)
        for (int l = 0; l < L; ++l) {
          const Real* dj = d.data() + (p * n_lo + j) * 2 * L;
          lo[static_cast<size_t>(j * L + l)] += cdouble(dj[l], dj[L + l]);
        }
    std::vector<Pair> e(static_cast<size_t>(nb * L));
    one_open(lo, k, f.data(), e.data());
    one_open(hi, nb - k, f.data() + static_cast<size_t>(k) * L, e.data() + static_cast<size_t>(k) * L);

    // Along each qubit's ops: the state after each (forward), the environment after it (the row
    // vector e_q^T times the ops after it, backward); d/dtheta = 2 Re(env . G . state after), as
    // dM/dtheta = G M (G = -i/2 P for a rotation about P, i |1><1| for a phase).
    const index_t spt = geo_.samples_per_tile;
    std::vector<double> d_angle(static_cast<size_t>(spt));
    std::vector<std::vector<double>> grads;
    std::vector<Pair> after;
    for (int q = 0; q < n; ++q) {
      const std::vector<size_t>& qs = ops[static_cast<size_t>(q)];
      if (std::none_of(qs.begin(), qs.end(), [&](size_t i) { return prog_.ops[i].has_parameters(); })) continue;
      const std::vector<std::array<cdouble, 4>>& m = mats[static_cast<size_t>(q)];
      grads.assign(qs.size(), std::vector<double>(static_cast<size_t>(spt), 0.0));
      after.resize(qs.size());
      for (int l = 0; l < L; ++l) {
        Pair r{1.0, 0.0};
        for (size_t t = 0; t < qs.size(); ++t) after[t] = r = apply2(m[t * L + static_cast<size_t>(l)], r);
        Pair env = e[static_cast<size_t>((n - 1 - q) * L + l)];
        for (size_t t = qs.size(); t-- > 0;) {
          const LoweredOp& op = prog_.ops[qs[t]];
          if (op.has_parameters()) {
            Pair g;  // G times the state after the op
            if (op.kind == LoweredOp::Kind::Phase) {
              g = {0.0, cdouble(-after[t][1].imag(), after[t][1].real())};
            } else {
              const Pair pr = pauli_times(op.word[0], after[t]);
              g = {cdouble(0.5 * pr[0].imag(), -0.5 * pr[0].real()), cdouble(0.5 * pr[1].imag(), -0.5 * pr[1].real())};
            }
            grads[t][static_cast<size_t>(geo_.sample_slot(l))] += 2.0 * (mul(env[0], g[0]) + mul(env[1], g[1])).real();
          }
          const std::array<cdouble, 4>& mt = m[t * L + static_cast<size_t>(l)];
          env = {mul(env[0], mt[0]) + mul(env[1], mt[2]), mul(env[0], mt[1]) + mul(env[1], mt[3])};
        }
      }
      for (size_t t = 0; t < qs.size(); ++t)
        if (prog_.ops[qs[t]].has_parameters()) chain_angle(prog_.ops[qs[t]].angle, tile, grads[t].data(), acc);
    }
    // A global phase exp(i phi): d/dphi = 2 Re(i <lambda|psi>), <lambda|psi> = e_b . f_b for any b.
    for (size_t i : global_ops) {
      if (!prog_.ops[i].has_parameters()) continue;
      std::fill(d_angle.begin(), d_angle.end(), 0.0);
      for (int l = 0; l < L; ++l) {
        const Pair& eb = e[static_cast<size_t>(l)];
        const Pair& fb = f[static_cast<size_t>(l)];
        d_angle[static_cast<size_t>(geo_.sample_slot(l))] += -2.0 * (mul(eb[0], fb[0]) + mul(eb[1], fb[1])).imag();
      }
      chain_angle(prog_.ops[i].angle, tile, d_angle.data(), acc);
    }
  }

  // Complex products written out: std::complex's operator* checks for infinities on every call.
  static cdouble mul(cdouble a, cdouble b) {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
  }
  // m r for a 2 x 2 matrix m = {m00, m01, m10, m11}.
  static std::array<cdouble, 2> apply2(const std::array<cdouble, 4>& m, const std::array<cdouble, 2>& r) {
    return {mul(m[0], r[0]) + mul(m[1], r[1]), mul(m[2], r[0]) + mul(m[3], r[1])};
  }

  // out[j L + l] = g_l prod_{b < bits} f[b L + l][bit b of j] (g = 1 when nullptr), by doubling.
  static void product_table(const std::array<cdouble, 2>* f, int bits, const cdouble* g, std::vector<cdouble>& out) {
    out.assign((size_t{1} << bits) * L, 1.0);
    if (g != nullptr) std::copy(g, g + L, out.begin());
    for (int b = 0; b < bits; ++b) {
      const size_t half = size_t{1} << b;
      for (size_t j = 0; j < half; ++j)
        for (int l = 0; l < L; ++l) {
          const cdouble x = out[j * L + static_cast<size_t>(l)];
          out[(j + half) * L + static_cast<size_t>(l)] = mul(x, f[static_cast<size_t>(b * L + l)][1]);
          out[j * L + static_cast<size_t>(l)] = mul(x, f[static_cast<size_t>(b * L + l)][0]);
        }
    }
  }

  // P r for a one-qubit Pauli P, by the action one_qubit_matrix builds rotations from.
  static std::array<cdouble, 2> pauli_times(Pauli p, const std::array<cdouble, 2>& r) {
    const PauliMasks pm = pauli_masks(static_cast<std::uint64_t>(p), 1);
    std::array<cdouble, 2> out;
    for (std::uint64_t c = 0; c < 2; ++c) out[c ^ pm.x] = mul(pauli_phase(pm, c), r[c]);
    return out;
  }

  // e[b] for b < m ({x = 0, x = 1} per lane): the sum over the 2^m entries v of t (per lane,
  // t[v L + l]) with bit b of v equal to x, of t_v prod_{b' != b} f[b'][v_b'] (f per bit and
  // lane): every one-open contraction of t with the product state f. Split in halves: the low
  // bits' come from t contracted over the high ones, and the other way round; O(2^m) per level.
  static void one_open(const std::vector<cdouble>& t, int m, const std::array<cdouble, 2>* f, std::array<cdouble, 2>* e) {
    if (m == 0) return;
    if (m == 1) {
      for (int l = 0; l < L; ++l) e[l] = {t[static_cast<size_t>(l)], t[static_cast<size_t>(L + l)]};
      return;
    }
    const int m1 = m / 2, m2 = m - m1;
    const size_t n1 = size_t{1} << m1, n2 = size_t{1} << m2;
    std::vector<cdouble> w1, w2, over_high(n1 * L, 0.0), over_low(n2 * L, 0.0);
    product_table(f, m1, nullptr, w1);
    product_table(f + static_cast<size_t>(m1) * L, m2, nullptr, w2);
    for (size_t h = 0; h < n2; ++h)
      for (size_t j = 0; j < n1; ++j)
        for (int l = 0; l < L; ++l) {
          const size_t at = static_cast<size_t>(l);
          const cdouble x = t[((h << m1) | j) * L + at];
          over_high[j * L + at] += mul(x, w2[h * L + at]);
          over_low[h * L + at] += mul(x, w1[j * L + at]);
        }
    one_open(over_high, m1, f, e);
    one_open(over_low, m2, f + static_cast<size_t>(m1) * L, e + static_cast<size_t>(m1) * L);
  }

  void init_state(index_t tile, Real* t, Workspace<Real>& w) {
    w.psi.zero();
    const index_t low_mask = (index_t{1} << geo_.lq) - 1;
    auto put = [&](index_t storage, int slot, cdouble value) {
      const index_t v = storage >> geo_.lq;
      const int lane = static_cast<int>(((storage & low_mask) << geo_.sb) | slot);
      t[v * 2 * L + lane] = static_cast<Real>(value.real());
      t[v * 2 * L + L + lane] = static_cast<Real>(value.imag());
    };
    const LoweredOp::Kind first = plans_.empty() ? LoweredOp::Kind::Matrix : plans_[0].op->kind;
    for (int s = 0; s < geo_.samples_per_tile; ++s) {
      if (first == LoweredOp::Kind::StatePreparation) {
        const OpPlan<Real>& p = plans_[0];
        for (size_t j = 0; j < p.amp_index.size(); ++j) put(p.amp_index[j], s, p.op->matrix[j]);
        continue;
      }
      if (first != LoweredOp::Kind::AmplitudeEmbedding) {
        put(0, s, 1.0);
        continue;
      }
      const OpPlan<Real>& p = plans_[0];
      const double* x = row_inputs(tile, s) + p.op->offset;
      const double norm = embedding_norm(*p.op, x);
      for (size_t j = 0; j < p.amp_index.size(); ++j) {
        const double a = j < static_cast<size_t>(p.op->count) ? x[j] : p.op->pad;
        put(p.amp_index[j], s, a / norm);
      }
    }
  }

  static double embedding_norm(const LoweredOp& op, const double* x) {
    if (!op.normalize) return 1.0;
    const index_t dim = index_t{1} << op.targets.size();
    double s = 0.0;
    for (index_t j = 0; j < dim; ++j) {
      const double a = j < op.count ? x[j] : op.pad;
      s += a * a;
    }
    return std::sqrt(s);
  }

  // ---------------------------------------------------------------------------------------
  // Readouts and the adjoint seed

  void readouts(const Real* psi, Workspace<Real>& w) {
    const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
    Scratch<Real>& s = w.scratch[0];
    const int inner = inner_threads_;
    std::fill(w.outputs.begin(), w.outputs.end(), 0.0);
    std::vector<cdouble> slot_values(static_cast<size_t>(spt));
    std::vector<MatrixC> r;
    for (const ReadoutPlan<Real>& rp : readouts_) {
      switch (rp.kind) {
        case Readout::Kind::Expval:
          for (size_t t = 0; t < rp.terms.size(); ++t) {
            pauli_inner_slots(s, psi, psi, rp.terms[t], inner, slot_values.data());
            for (index_t k = 0; k < spt; ++k)
              w.outputs[static_cast<size_t>(k * n_out + rp.out_offset)] += rp.coefs[t] * slot_values[static_cast<size_t>(k)].real();
          }
          break;
        case Readout::Kind::Probs:
        case Readout::Kind::Projector: {
          const int dh = 1 << rp.tm.kh;
          const GroupIndex g = rp.tm.groups();
          const double* acc = reduce(s, g.count, dh, static_cast<index_t>(dh) * L, inner,
                                     [&](index_t b0, index_t b1, Real* tmp) { kt_.probabilities(psi, g, b0, b1, tmp); });
          for (int l = 0; l < L; ++l) {
            const int slot = geo_.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
            for (int j = 0; j < dh; ++j) {
              const int loc = rp.tm.local(j, lo);
              const double v = acc[j * L + l];
              if (rp.kind == Readout::Kind::Probs) {
                w.outputs[static_cast<size_t>(slot * n_out + rp.out_offset + loc)] += v;
              } else if (loc == rp.basis_state) {
                w.outputs[static_cast<size_t>(slot * n_out + rp.out_offset)] += v;
              }
            }
          }
          break;
        }
        case Readout::Kind::Hermitian:
          outer_slots(s, psi, psi, rp.tm, inner, r);
          for (index_t k = 0; k < spt; ++k) {
            // <psi|H|psi> = sum_ij H_ij conj(psi_i) psi_j = sum_ij H_ij R[j][i]
            const MatrixC& rs = r[static_cast<size_t>(k)];
            w.outputs[static_cast<size_t>(k * n_out + rp.out_offset)] += (rp.h.cwiseProduct(rs.transpose())).sum().real();
          }
          break;
      }
    }
  }

  void seed_lambda(index_t tile, const Real* psi, Real* lam, Workspace<Real>& w) {
    const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
    const int inner = inner_threads_;
    for (index_t s = 0; s < spt; ++s) {
      const bool valid = geo_.valid(tile, static_cast<int>(s));
      for (index_t o = 0; o < n_out; ++o)
        w.cot[static_cast<size_t>(s * n_out + o)] = valid ? req_.cotangent[(tile * spt + s) * n_out + o] : 0.0;
    }
    w.lam.zero();
    static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    for (const ReadoutPlan<Real>& rp : readouts_) {
      switch (rp.kind) {
        case Readout::Kind::Expval:
          for (size_t t = 0; t < rp.terms.size(); ++t) {
            const PauliMap& pm = rp.terms[t];
            w.dvec.ensure(2 * L);
            Real* coef = w.dvec.data();
            for (int l = 0; l < L; ++l) {
              const double g = w.cot[static_cast<size_t>(geo_.sample_slot(l) * n_out + rp.out_offset)];
              const cdouble c = g * rp.coefs[t] * pm.lane_sign[static_cast<size_t>(l)] * kPowI[pm.ny & 3];
              coef[l] = static_cast<Real>(c.real());
              coef[L + l] = static_cast<Real>(c.imag());
            }
            sweep(pm.index.groups.count, inner, [&](index_t b, index_t e) { kt_.pauli_axpy(lam, psi, pm.index, coef, b, e); });
          }
          break;
        case Readout::Kind::Probs:
        case Readout::Kind::Projector: {
          const int dh = 1 << rp.tm.kh;
          w.wvec.ensure(static_cast<size_t>(dh) * L);
          for (int l = 0; l < L; ++l) {
            const int s = geo_.sample_slot(l), lo = rp.tm.lo_of_lane[static_cast<size_t>(l)];
            for (int j = 0; j < dh; ++j) {
              const int loc = rp.tm.local(j, lo);
              double g = 0.0;
              if (rp.kind == Readout::Kind::Probs) {
                g = w.cot[static_cast<size_t>(s * n_out + rp.out_offset + loc)];
              } else if (loc == rp.basis_state) {
                g = w.cot[static_cast<size_t>(s * n_out + rp.out_offset)];
              }
              w.wvec[static_cast<size_t>(j * L + l)] = static_cast<Real>(g);
            }
          }
          const GroupIndex g = rp.tm.groups();
          sweep(g.count, inner, [&](index_t b, index_t e) { kt_.weighted_axpy(lam, psi, g, w.wvec.data(), b, e); });
          break;
        }
        case Readout::Kind::Hermitian: {
          copy_tile(psi, w.copy.data());
          apply_plan(rp.h_plan, rp.tm, w.copy.data(), inner);
          w.wvec.ensure(L);
          for (int l = 0; l < L; ++l)
            w.wvec[static_cast<size_t>(l)] =
                static_cast<Real>(w.cot[static_cast<size_t>(geo_.sample_slot(l) * n_out + rp.out_offset)]);
          const TargetMap all = map_targets(geo_, {}, {});
          const GroupIndex g = all.groups();
          sweep(g.count, inner, [&](index_t b, index_t e) { kt_.weighted_axpy(lam, w.copy.data(), g, w.wvec.data(), b, e); });
          break;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Gradients

  // Adds d(loss)/d(angle) for each slot of a tile into the weights and inputs it depends on.
  void chain_angle(const Expr& e, index_t tile, const double* d_angle, SegmentAcc* acc) {
    for (int s = 0; s < geo_.samples_per_tile; ++s) {
      if (!geo_.valid(tile, s)) continue;
      const double g = d_angle[s];
      if (g == 0.0) continue;
      const index_t row = geo_.row(tile, s);
      const double* x = row_inputs(tile, s);
      for (const Term& t : e.terms()) {
        const double xw = t.weight >= 0 ? req_.weights[t.weight] : 1.0;
        const double x1 = t.input >= 0 ? x[t.input] : 1.0;
        const double x2 = t.input2 >= 0 ? x[t.input2] : 1.0;
        if (t.weight >= 0) add_weight(row, t.weight, g * t.coef * x1 * x2, acc);
        if (req_.d_inputs == nullptr) continue;
        double* dx = req_.d_inputs + row * prog_.n_inputs;
        if (t.input >= 0) dx[t.input] += g * t.coef * xw * x2;
        if (t.input2 >= 0) dx[t.input2] += g * t.coef * xw * x1;
      }
    }
  }

  void add_weight(index_t row, index_t k, double d, SegmentAcc* acc) {
    if (req_.d_weights == nullptr) return;
    if (req_.per_sample_weights) {
      req_.d_weights[row * prog_.n_weights + k] += d;
    } else {
      acc->dw[static_cast<size_t>(k)] += d;
    }
  }

  // d(loss)/d(angle) per slot of a Pauli rotation or phase, from psi and lambda after the op.
  void angle_gradient(const OpPlan<Real>& p, Scratch<Real>& s, const Real* psi, const Real* lam, int inner,
                      double* d_angle) {
    const index_t spt = geo_.samples_per_tile;
    s.values.resize(static_cast<size_t>(spt));
    if (p.op->kind == LoweredOp::Kind::PauliRotation) {
      // d/dtheta = 2 Im <lambda| G |psi>, G = P/2 on the control-active subspace
      pauli_inner_slots(s, lam, psi, p.pauli, inner, s.values.data());
      for (index_t k = 0; k < spt; ++k) d_angle[k] = s.values[static_cast<size_t>(k)].imag();
      return;
    }
    // U = exp(i phi Pi): d/dphi = 2 Re <lambda| i Pi |psi> = -2 Im <lambda|Pi|psi>
    PauliMap pm;
    pm.index.groups = p.tm.groups_;
    pm.lane_sign.assign(static_cast<size_t>(L), 0.0);
    for (int l = 0; l < L; ++l) pm.lane_sign[static_cast<size_t>(l)] = p.tm.lane_active(l) ? 1.0 : 0.0;
    pauli_inner_slots(s, lam, psi, pm, inner, s.values.data());
    for (index_t k = 0; k < spt; ++k) d_angle[k] = -2.0 * s.values[static_cast<size_t>(k)].imag();
  }

  void backward_op(size_t i, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc) {
    OpPlan<Real>& p = plans_[i];
    const LoweredOp& op = *p.op;
    const int inner = inner_threads_;
    Scratch<Real>& s = w.scratch[0];
    const index_t spt = geo_.samples_per_tile;
    std::vector<double> d_angle(static_cast<size_t>(spt), 0.0);
    switch (op.kind) {
      case LoweredOp::Kind::Matrix:
        apply_op(i, tile, psi, w, inner, true);
        apply_op(i, tile, lam, w, inner, true);
        break;
      case LoweredOp::Kind::PauliRotation:
      case LoweredOp::Kind::Phase:
        if (op.has_parameters()) {
          angle_gradient(p, s, psi, lam, inner, d_angle.data());
          chain_angle(op.angle, tile, d_angle.data(), acc);
        }
        apply_op(i, tile, psi, w, inner, true);
        apply_op(i, tile, lam, w, inner, true);
        break;
      case LoweredOp::Kind::SpecialUnitary: {
        apply_op(i, tile, psi, w, inner, true);
        if (!op.per_sample && !req_.per_sample_weights && whole_register(p.tm)) {
          // R summed over the tile: sum_s psi_s lambda_s^dagger, one [dim x samples] by
          // [samples x dim] product instead of a dim x dim reduction per sample.
          const int dim = 1 << p.tm.k;
          MatrixC a(dim, geo_.samples_per_tile), b(dim, geo_.samples_per_tile);
          a.setZero();
          b.setZero();
          std::vector<cdouble> column(static_cast<size_t>(dim));
          for (int slot = 0; slot < spt; ++slot) {
            if (!geo_.valid(tile, slot)) continue;
            slot_vector(p.tm, psi, slot, column.data());
            for (int j = 0; j < dim; ++j) a(j, slot) = column[static_cast<size_t>(j)];
            slot_vector(p.tm, lam, slot, column.data());
            for (int j = 0; j < dim; ++j) b(j, slot) = column[static_cast<size_t>(j)];
          }
          acc->su_r[static_cast<size_t>(p.su_slot)] += complex_product(a, false, b, true);
          apply_op(i, tile, lam, w, inner, true);
          break;
        }
        std::vector<MatrixC> r;
        outer_slots(s, psi, lam, p.tm, inner, r);
        if (op.per_sample) {
          // Inputs: each sample's own unitary and gradient.
          const SuCache<Real>& c = su_data(p, tile, w);
          const int k = static_cast<int>(op.targets.size());
          std::vector<cdouble> traces(static_cast<size_t>(op.count));
          for (int slot = 0; slot < spt; ++slot) {
            if (!geo_.valid(tile, slot) || req_.d_inputs == nullptr) continue;
            pauli_traces(exp_gradient(c.slots[static_cast<size_t>(slot)], r[static_cast<size_t>(slot)]), k, traces.data());
            double* dx = req_.d_inputs + geo_.row(tile, slot) * prog_.n_inputs + op.offset;
            for (index_t j = 0; j < op.count; ++j) dx[j] += 2.0 * traces[static_cast<size_t>(j)].real();
          }
        } else if (req_.per_sample_weights) {
          const int k = static_cast<int>(op.targets.size());
          std::vector<cdouble> traces(static_cast<size_t>(op.count));
          for (int slot = 0; slot < spt; ++slot) {
            if (!geo_.valid(tile, slot)) continue;
            pauli_traces(exp_gradient(p.su, r[static_cast<size_t>(slot)]), k, traces.data());
            for (index_t j = 0; j < op.count; ++j)
              add_weight(geo_.row(tile, slot), op.offset + j, 2.0 * traces[static_cast<size_t>(j)].real(), acc);
          }
        } else {
          MatrixC& total = acc->su_r[static_cast<size_t>(p.su_slot)];
          for (int slot = 0; slot < spt; ++slot)
            if (geo_.valid(tile, slot)) total += r[static_cast<size_t>(slot)];
        }
        apply_op(i, tile, lam, w, inner, true);
        break;
      }
      case LoweredOp::Kind::Evolution: {
        apply_op(i, tile, psi, w, inner, true);
        evolution_gradient(p, tile, psi, lam, w, acc);
        apply_op(i, tile, lam, w, inner, true);
        break;
      }
      case LoweredOp::Kind::AmplitudeEmbedding:
        embedding_gradient(p, tile, lam);
        break;
      case LoweredOp::Kind::StatePreparation:
        break;
    }
  }

  // The gradients of a block's phase table (its Z rotations, all at the block's end):
  // d/dtheta_k = Im <lambda| Z_k |psi> = sum_v sigma_k(v) Im(conj(lambda_v) psi_v).
  // `phase` (nullptr, or the block's forward phase table) multiplies psi first: for a block that
  // reads the previous block's saved state.
  void phase_gradients(const Block& b, index_t tile, const Real* psi, const Real* lam, const Real* phase,
                       Workspace<Real>& w, SegmentAcc* acc) {
    Real* t = w.tvec.data();
    sweep(geo_.n_vec, inner_threads_, [&](index_t v0, index_t v1) { kt_.imag_products(lam, psi, phase, v0, v1, t); });
    // Fixed chunks of vectors, summed in order: thread-independent.
    const std::vector<std::uint64_t> masks = phase_masks(b);
    const int n_masks = static_cast<int>(masks.size());
    std::vector<double> sums(masks.size() * L, 0.0);
    for (int k0 = 0; k0 < n_masks; k0 += kernels::kMaxPhaseMasks) {
      const int nk = std::min(kernels::kMaxPhaseMasks, n_masks - k0);
      const double* part = reduce(w.scratch[0], geo_.n_vec, 1, static_cast<index_t>(nk) * L, inner_threads_,
                                  [&](index_t v0, index_t v1, Real* tmp) {
                                    kt_.signed_sums(t, masks.data() + k0, nk, v0, v1, tmp);
                                  });
      std::copy(part, part + static_cast<size_t>(nk) * L, sums.begin() + static_cast<std::ptrdiff_t>(k0) * L);
    }
    chain_phase_sums(b, tile, sums.data(), acc);
  }

  // A block of phases only, with saved states: its gradients as phase_gradients reads them and,
  // unless `last`, lambda taken back through its table, in one pass (kernels' phase_adjoint).
  // Blocks with more than the kernel's masks, or fewer than its 8 vectors, take the two passes.
  void phase_adjoint(const Block& b, index_t tile, const Real* psi, Real* lam, const Real* phase, bool last,
                     Workspace<Real>& w, SegmentAcc* acc) {
    const std::vector<std::uint64_t> masks = phase_masks(b);
    const int n_masks = static_cast<int>(masks.size());
    if (n_masks > kernels::kMaxPhaseMasks || geo_.n_vec % kernels::kPhaseRun != 0) {
      phase_gradients(b, tile, psi, lam, phase, w, acc);
      if (!last) apply_phase(b, lam, true);
      return;
    }
    const Real* inv = last ? nullptr : phase_tables_[static_cast<size_t>(b.phase_table)].second.data();
    constexpr index_t run = kernels::kPhaseRun;
    const double* sums = reduce(w.scratch[0], geo_.n_vec / run, run, static_cast<index_t>(n_masks) * L, inner_threads_,
                                [&](index_t r0, index_t r1, Real* tmp) {
                                  kt_.phase_adjoint(lam, psi, phase, inv, masks.data(), n_masks, r0 * run, r1 * run, tmp);
                                });
    chain_phase_sums(b, tile, sums, acc);
  }

  std::vector<std::uint64_t> phase_masks(const Block& b) const {
    std::vector<std::uint64_t> masks;
    for (size_t i : b.fused) masks.push_back(plans_[i].pauli.index.zv);
    return masks;
  }

  // Per-lane sums of the masks of b.fused ({L} per mask) into the ops' angle gradients.
  void chain_phase_sums(const Block& b, index_t tile, const double* sums, SegmentAcc* acc) {
    std::vector<double> d(static_cast<size_t>(geo_.samples_per_tile));
    for (size_t k = 0; k < b.fused.size(); ++k) {
      std::fill(d.begin(), d.end(), 0.0);
      for (int l = 0; l < L; ++l) d[static_cast<size_t>(geo_.sample_slot(l))] += sums[k * L + static_cast<size_t>(l)];
      chain_angle(prog_.ops[b.fused[k]].angle, tile, d.data(), acc);
    }
  }

  // A segment of commuting ops: every gradient read at its end, then lambda (and, without
  // saved states, psi) taken back through it.
  void backward_segment(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
                        bool last) {
    const LoweredOp::Kind kind = prog_.ops[b.ops[0]].kind;
    const bool single = b.ops.size() == 1 && kind != LoweredOp::Kind::PauliRotation &&
                        kind != LoweredOp::Kind::Phase && kind != LoweredOp::Kind::Matrix;
    if (!checkpointing_) {
      // psi goes back with lambda. Every op of a segment commutes with the others, so the phase
      // table's gradients are read at its end, and each set's at the set's end.
      if (b.phase_table >= 0) phase_gradients(b, tile, psi, lam, nullptr, w, acc);
      for (size_t r = b.runs.size(); r-- > 0;) {
        const Block::Run& run = b.runs[r];
        if (run.set >= 0) {
          set_adjoint(b, run, tile, psi, lam, w, acc);
        } else {
          backward_op(b.rest[run.first], tile, psi, lam, w, acc);
        }
      }
      if (b.phase_table >= 0) {
        apply_phase(b, psi, true);
        apply_phase(b, lam, true);
      }
      return;
    }
    if (single) {
      // Dense blocks need psi before the op: their saved end state taken back through them.
      // (Embeddings and state preparations need lambda only.)
      Real* before = nullptr;
      if (b.checkpoint >= 0) {
        copy_tile(checkpoint(b, w), w.copy.data());
        before = w.copy.data();
      }
      backward_op(b.ops[0], tile, before, lam, w, acc);
      return;
    }
    if (b.checkpoint < 0) {
      // Nothing to differentiate: only lambda goes back.
      if (b.phase_table >= 0) apply_phase(b, lam, true);
      apply_rest(b, tile, lam, w, true);
      return;
    }
    const Real* end = checkpoint(b, w);
    const Real* end_phase =
        b.phases_after_saved ? phase_tables_[static_cast<size_t>(b.phase_table)].first.data() : nullptr;
    if (b.phase_table >= 0 && b.rest.empty()) {
      phase_adjoint(b, tile, end, lam, end_phase, last, w, acc);
      return;
    }
    const index_t spt = geo_.samples_per_tile;
    std::vector<double> d(static_cast<size_t>(spt));
    if (b.phase_table >= 0) phase_gradients(b, tile, end, lam, end_phase, w, acc);
    for (const Block::Run& run : b.runs) {
      const auto ops = b.rest.begin() + static_cast<std::ptrdiff_t>(run.first);
      if (std::none_of(ops, ops + run.count, [&](size_t i) { return prog_.ops[i].has_parameters(); })) continue;
      if (run.set >= 0) {
        set_gradients(b, run, tile, end, lam, w, acc);
        continue;
      }
      angle_gradient(plans_[*ops], w.scratch[0], end, lam, inner_threads_, d.data());
      chain_angle(prog_.ops[*ops].angle, tile, d.data(), acc);
    }
    if (last) return;  // nothing before needs lambda
    if (b.phase_table >= 0) apply_phase(b, lam, true);
    apply_rest(b, tile, lam, w, true);
  }

  void backward_block(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
                      bool last) {
    if (!b.gather) {
      backward_segment(b, tile, psi, lam, w, acc, last);
      return;
    }
    // Gradient sums of the block's parametrized ops, per chunk of outer iterations, added in
    // chunk order afterwards: the same order whether one thread or several ran the chunks.
    std::vector<size_t> grad_ops;
    for (size_t i : b.ops)
      if (prog_.ops[i].has_parameters()) grad_ops.push_back(i);
    const index_t spt = geo_.samples_per_tile;
    const index_t n_chunks = (b.n_outer + kOuterChunk - 1) / kOuterChunk;
    const size_t per_chunk = grad_ops.size() * static_cast<size_t>(spt);
    w.grad.assign(static_cast<size_t>(n_chunks) * per_chunk, 0.0);
    for_outer(b, w, [&](index_t chunk, index_t o0, index_t o1, Scratch<Real>& s) {
      double* sums = w.grad.data() + static_cast<size_t>(chunk) * per_chunk;
      std::vector<double> d(static_cast<size_t>(spt));
      for (index_t o = o0; o < o1; ++o) {
        gather(b, psi, o, s.psi.data());
        gather(b, lam, o, s.lam.data());
        size_t g = grad_ops.size();
        for (size_t k = b.ops.size(); k-- > 0;) {
          const size_t i = b.ops[k];
          if (prog_.ops[i].has_parameters()) {
            --g;
            angle_gradient(plans_[i], s, s.psi.data(), s.lam.data(), 1, d.data());
            for (index_t slot = 0; slot < spt; ++slot) sums[g * static_cast<size_t>(spt) + static_cast<size_t>(slot)] += d[static_cast<size_t>(slot)];
          }
          apply_op(i, tile, s.psi.data(), w, 1, true);
          apply_op(i, tile, s.lam.data(), w, 1, true);
        }
        scatter(b, s.psi.data(), o, psi);
        scatter(b, s.lam.data(), o, lam);
      }
    });
    std::vector<double> total(per_chunk, 0.0);
    for (index_t k = 0; k < n_chunks; ++k)
      for (size_t j = 0; j < per_chunk; ++j) total[j] += w.grad[static_cast<size_t>(k) * per_chunk + j];
    for (size_t g = 0; g < grad_ops.size(); ++g)
      chain_angle(prog_.ops[grad_ops[g]].angle, tile, total.data() + g * static_cast<size_t>(spt), acc);
  }

  // True when the op covers every qubit of a tile with one sample per lane: each sample's state
  // is then one vector of the op's local basis, and R = psi lambda^dagger has rank one.
  bool whole_register(const TargetMap& tm) const { return tm.kl == 0 && geo_.lq == 0 && tm.kh == geo_.nvb; }

  // The local vector of sample `slot` of a tile (whole_register ops only).
  void slot_vector(const TargetMap& tm, const Real* t, int slot, cdouble* out) const {
    for (size_t j = 0; j < tm.offsets.size(); ++j) {
      const index_t at = 2 * L * tm.offsets[j] + slot;
      out[tm.loc_hi[j]] = cdouble(t[at], t[at + L]);
    }
  }

  // Per slot, either Y (dense) or its rank-one factors Y = a b^dagger.
  struct EvolutionY {
    bool rank_one = false;
    std::vector<MatrixC> y;
    std::vector<Eigen::VectorXcd> a, b;
  };

  // Y = V^T R V per slot, R = sum over the other qubits of psi_prev lambda^dagger. When the op
  // covers the whole register, R is the outer product of two vectors: Y is kept as its factors
  // (V^T psi)(V^T lambda)^dagger, two matrix-vector products instead of two matrix products.
  EvolutionY evolution_y(const OpPlan<Real>& p, index_t tile, const EvoCache<Real>& e, const Real* psi,
                         const Real* lam, Workspace<Real>& w) {
    const int dim = 1 << e.k;
    const TargetMap& tm = p.tm;
    const size_t spt = static_cast<size_t>(geo_.samples_per_tile);
    EvolutionY out;
    if (whole_register(tm)) {
      out.rank_one = true;
      out.a.resize(spt);
      out.b.resize(spt);
      for_each_index(static_cast<size_t>(valid_slots(tile)), dense_threads(e.k, inner_threads_), [&](size_t s) {
        Eigen::VectorXcd a(dim), b(dim);
        slot_vector(tm, psi, static_cast<int>(s), a.data());
        slot_vector(tm, lam, static_cast<int>(s), b.data());
        Eigen::Map<const MatrixR> v(e.v.data() + s * dim * dim, dim, dim);
        out.a[s] = v.transpose().cast<cdouble>() * a;
        out.b[s] = v.transpose().cast<cdouble>() * b;
      });
      return out;
    }
    std::vector<MatrixC> r;
    outer_slots(w.scratch[0], psi, lam, tm, inner_threads_, r);
    out.y.resize(spt);
    for (int s = 0; s < geo_.samples_per_tile; ++s) {
      Eigen::Map<const MatrixR> v(e.v.data() + static_cast<size_t>(s) * dim * dim, dim, dim);
      out.y[static_cast<size_t>(s)] = real_congruence(v.transpose(), r[static_cast<size_t>(s)]);
    }
    return out;
  }

  // U = V f(h) V^T, f(h) = exp(-i t h / 2), from psi before the op and lambda after it.
  void evolution_gradient(const OpPlan<Real>& p, index_t tile, const Real* psi, const Real* lam, Workspace<Real>& w,
                          SegmentAcc* acc) {
    const LoweredOp& op = *p.op;
    EvoCache<Real>& e = evolution_data(p, tile, w);
    const int dim = 1 << e.k;
    const EvolutionY y = evolution_y(p, tile, e, psi, lam, w);
    std::vector<double> d_time(static_cast<size_t>(geo_.samples_per_tile), 0.0);
    if (req_.d_inputs != nullptr && !e.pending) {
      e.zsum.assign(static_cast<size_t>(geo_.samples_per_tile), MatrixR::Zero(dim, dim));
      e.pending = true;
    }
    e.size_gamma(static_cast<size_t>(geo_.samples_per_tile));
    // Slots are independent: spread over the tile's threads.
    for_each_index(static_cast<size_t>(valid_slots(tile)), dense_threads(e.k, inner_threads_), [&](size_t slot) {
      const int s = static_cast<int>(slot);
      const double time = op.angle.eval<double>(req_.weights, row_inputs(tile, s));
      const double* h = e.h.data() + slot * dim;
      auto y_diag = [&](int j) {
        return y.rank_one ? y.a[slot](j) * std::conj(y.b[slot](j)) : y.y[slot](j, j);
      };
      cdouble dt = 0.0;
      for (int j = 0; j < dim; ++j) dt += cdouble(0.0, -0.5 * h[j]) * std::polar(1.0, -0.5 * time * h[j]) * y_diag(j);
      d_time[slot] = 2.0 * dt.real();
      if (req_.d_inputs == nullptr) return;
      // Daleckii-Krein: dU = V [Gamma . (V^T dH V)] V^T; summed in the eigenbasis over the ops,
      // real parts only (see flush_evolution_gradients): z[l][j] += Re(Gamma[j][l] Y[l][j]).
      // Ops re-uploading the same block with the same time share Gamma.
      const typename EvoCache<Real>::GammaT& g = e.gamma_for(s, time, dim);
      MatrixR& z = e.zsum[slot];
      if (y.rank_one) {
        // Y[l][j] = a_l conj(b_j)
        const Eigen::ArrayXd br = y.b[slot].real().array(), bi = y.b[slot].imag().array();
        for (int l = 0; l < dim; ++l) {
          const double ar = y.a[slot](l).real(), ai = y.a[slot](l).imag();
          const auto gr = g.re.row(l).array().transpose(), gi = g.im.row(l).array().transpose();
          // Re((gr + i gi)(ar + i ai)(br - i bi))
          z.row(l).array() += ((gr * ar - gi * ai) * br + (gr * ai + gi * ar) * bi).transpose();
        }
      } else {
        const MatrixC& ys = y.y[slot];
        for (int l = 0; l < dim; ++l)
          for (int j = 0; j < dim; ++j)
            z(l, j) += g.re(l, j) * ys(l, j).real() - g.im(l, j) * ys(l, j).imag();
      }
    });
    chain_angle(op.angle, tile, d_time.data(), acc);
  }

  // d/dM = Re(G + G^T) with Re G = V Re(Z) V^T (V is real), once per tile and eigen-decomposition.
  void flush_evolution_gradients(index_t tile, Workspace<Real>& w) {
    for (EvoCache<Real>& e : w.evo) {
      if (!e.pending) continue;
      const int dim = 1 << e.k;
      for_each_index(static_cast<size_t>(valid_slots(tile)), dense_threads(e.k, inner_threads_), [&](size_t s) {
        Eigen::Map<const MatrixR> v(e.v.data() + s * dim * dim, dim, dim);
        const MatrixR g = real_congruence_real_part(v, e.zsum[s]);
        double* dx = req_.d_inputs + geo_.row(tile, static_cast<int>(s)) * prog_.n_inputs + e.offset;
        for (int a = 0; a < dim; ++a)
          for (int b = 0; b < dim; ++b) dx[a * dim + b] += g(a, b) + g(b, a);
      });
      e.pending = false;
    }
  }

  void embedding_gradient(const OpPlan<Real>& p, index_t tile, const Real* lam) {
    if (req_.d_inputs == nullptr) return;
    const LoweredOp& op = *p.op;
    const index_t low_mask = (index_t{1} << geo_.lq) - 1;
    const size_t dim = p.amp_index.size();
    std::vector<double> g(dim), a(dim);
    for (int s = 0; s < geo_.samples_per_tile; ++s) {
      if (!geo_.valid(tile, s)) continue;
      const double* x = row_inputs(tile, s) + op.offset;
      const double norm = embedding_norm(op, x);
      double dot = 0.0;
      for (size_t j = 0; j < dim; ++j) {
        const index_t storage = p.amp_index[j];
        const index_t v = storage >> geo_.lq;
        const int lane = static_cast<int>(((storage & low_mask) << geo_.sb) | s);
        g[j] = 2.0 * static_cast<double>(lam[v * 2 * L + lane]);  // d/d(real amplitude) = 2 Re lambda
        a[j] = (j < static_cast<size_t>(op.count) ? x[j] : op.pad) / norm;
        dot += a[j] * g[j];
      }
      double* dx = req_.d_inputs + geo_.row(tile, s) * prog_.n_inputs + op.offset;
      for (index_t j = 0; j < op.count; ++j) {
        const size_t u = static_cast<size_t>(j);
        dx[j] += op.normalize ? (g[u] - a[u] * dot) / norm : g[u];
      }
    }
  }

  void finish_weights(const std::vector<SegmentAcc>& seg) {
    if (req_.d_weights == nullptr) return;
    for (const SegmentAcc& s : seg)
      for (index_t k = 0; k < prog_.n_weights; ++k) req_.d_weights[k] += s.dw[static_cast<size_t>(k)];
    // One SpecialUnitary per thread; their gradients are added in op order afterwards.
    std::vector<const OpPlan<Real>*> su;
    for (const OpPlan<Real>& p : plans_)
      if (p.op->kind == LoweredOp::Kind::SpecialUnitary && !p.op->per_sample) su.push_back(&p);
    std::vector<std::vector<cdouble>> traces(su.size());
    int k_max = 0;
    for (const OpPlan<Real>* p : su) k_max = std::max(k_max, static_cast<int>(p->op->targets.size()));
    for_each_index(su.size(), dense_threads(k_max, threads_), [&](size_t j) {
      const OpPlan<Real>& p = *su[j];
      const int k = static_cast<int>(p.op->targets.size());
      MatrixC r = MatrixC::Zero(index_t{1} << k, index_t{1} << k);
      for (const SegmentAcc& s : seg) r += s.su_r[static_cast<size_t>(p.su_slot)];
      traces[j].resize(static_cast<size_t>(p.op->count));
      pauli_traces(exp_gradient(p.su, r), k, traces[j].data());
    });
    for (size_t j = 0; j < su.size(); ++j)
      for (index_t t = 0; t < su[j]->op->count; ++t)
        req_.d_weights[su[j]->op->offset + t] += 2.0 * traces[j][static_cast<size_t>(t)].real();
  }

  // ---------------------------------------------------------------------------------------

  void process_tile(index_t tile, Workspace<Real>& w, SegmentAcc* acc) {
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

  void write_state(const Real* psi, int slot, cdouble* out) const {
    const index_t dim = index_t{1} << geo_.n;
    const index_t low_mask = (index_t{1} << geo_.lq) - 1;
    for (index_t i = 0; i < dim; ++i) {
      const index_t v = i >> geo_.lq;
      const int lane = static_cast<int>(((i & low_mask) << geo_.sb) | slot);
      out[i] = cdouble(psi[v * 2 * L + lane], psi[v * 2 * L + L + lane]);
    }
  }

  const LoweredProgram& prog_;
  const RunOptions& opts_;
  const ExecRequest& req_;
  const KernelTable<Real>& kt_;
  Geometry geo_;
  int threads_ = 1;
  int inner_threads_ = 1;
  bool backward_ = false;
  bool tile_parallel_ = false;
  bool needs_copy_ = false;
  int n_segments_ = 1;
  index_t max_reduction_reals_ = 2 * L;
  std::vector<Block> blocks_;
  std::vector<std::pair<AlignedBuffer<Real>, AlignedBuffer<Real>>> phase_tables_;
  std::vector<std::pair<kernels::RotationSet<Real>, kernels::RotationSet<Real>>> rotation_sets_;  // {forward, inverse}
  bool checkpointing_ = false;
  std::size_t n_checkpoints_ = 0;  // saved states stored (the final one, if any, is psi)
  int final_checkpoint_ = -1;       // the saved state that psi itself holds
  std::size_t first_needed_ = 0;  // first block with parameters
  std::size_t product_blocks_ = 0;  // leading blocks whose states are products (product_prefix)
  bool contract_prefix_ = false;    // their gradients come from prefix_gradients
  std::size_t n_su_caches_ = 0;
  std::vector<OpPlan<Real>> plans_;
  std::vector<ReadoutPlan<Real>> readouts_;
  std::vector<std::pair<index_t, int>> evo_keys_;
  std::vector<int> evo_owner_;
  std::vector<int> su_dims_;
};

void check_finite(const double* data, index_t rows, index_t cols, const char* what) {
  for (index_t r = 0; r < rows; ++r)
    for (index_t c = 0; c < cols; ++c) {
      const double v = data[r * cols + c];
      if (!std::isfinite(v)) throw ValueError(detail::concat(what, "[", r, ", ", c, "] = ", v, " is not finite"));
    }
}

void check_request(const LoweredProgram& prog, const ExecRequest& req) {
  TANGLE_CHECK(req.batch >= 1, "batch size ", req.batch, " must be at least 1");
  check_finite(req.inputs, req.batch, prog.n_inputs, "input x");
  check_finite(req.weights, 1, prog.n_weights, "weight w");
  if (req.cotangent != nullptr) check_finite(req.cotangent, req.batch, prog.n_outputs, "cotangent");
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

void execute_statevector(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  check_request(program, request);
  const std::shared_ptr<const LoweredProgram> optimized =
      runnable(program, options, request.batch, request.states != nullptr);
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
  const std::shared_ptr<const LoweredProgram> optimized = runnable(program, options, batch, false);
  const LoweredProgram& run = optimized ? *optimized : program;
  if (options.precision == Precision::F32) return Executor<float>(run, options, req).memory_bytes();
  return Executor<double>(run, options, req).memory_bytes();
}

}  // namespace tangle::detail
