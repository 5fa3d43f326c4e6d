// The state-vector backend: a lowered program run over a batch in tiles of SIMD vectors whose
// lanes are samples (kernels/kernels.hpp has the layout), forward and by the adjoint method.
//
// One class, Executor<Real>, defined over several files along its seams:
//   plan.cpp      blocks, segments, rotation sets, phase tables and saved states, from the program
//   forward.cpp   applying ops to a tile (or a gathered sub-block of it), the initial state
//   prefix.cpp    the leading product state and its gradients
//   readout.cpp   outputs and the adjoint seed, and the reductions they use
//   backward.cpp  the adjoint sweep: gradients of every op kind
//   executor.cpp  one call: workspaces, tiles over threads, the entry points
// Each file instantiates the members it defines for float and double.
#pragma once

#include "sim/executor.hpp"

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

#include "sim/plan/clifford_frame.hpp"
#include "sim/dense_math.hpp"
#include "sim/plan/schedule.hpp"
#include "sim/readout/quadratic.hpp"
#include "sim/tile/tile_ops.hpp"
#include "sim/geometry.hpp"
#include "kernels/kernels.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"

namespace tangle::detail::statevector {

using kernels::CoefMode;
using kernels::GroupIndex;
using kernels::KernelTable;
using tile::MatrixPlan;
using tile::plan_matrix;
using tile::sweep;
using tile::kMaxParts;

inline constexpr int kMaxSegments = 32;  // gradient partial sums: fixed count, so sums never depend on threads
// Tiles up to 2^18 vectors (32 MiB, the last-level cache) run in place with Clifford absorption and
// commuting segments; larger ones in gathered blocks, whose gates must stay local.
inline constexpr int kMaxAbsorbBits = 18;
inline constexpr std::uint64_t kTileParallelMaxBytes = std::uint64_t{1} << 20;  // the L2 cache of one core
inline constexpr std::uint64_t kCheckpointBudget = std::uint64_t{1} << 30;  // saved states per call

// ------------------------------------------------------------------------------------------
// Plans for one geometry and precision


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
inline int dense_threads(int k, int threads) { return k >= 6 ? threads : 1; }

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
  tile::Reducer<Real> red;
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

  // -----------------------------------------------------------------------------------------
  // One call (executor.cpp): workspaces, tiles, the tile's rows and angles
  std::uint64_t memory_bytes() const;
  void run();

 private:
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
  void process_tile(index_t tile, Workspace<Real>& w, SegmentAcc* acc);
  void write_state(const Real* psi, int slot, cdouble* out) const;


  // -----------------------------------------------------------------------------------------
  // Planning (plan.cpp): blocks, segments, rotation sets, phase tables, saved states
  std::int64_t footprint(const LoweredOp& op) const;
  void build_blocks();
  void build_plans();
  void build_segments();
  bool set_member(size_t i) const;
  void build_runs(Block& b);
  std::pair<AlignedBuffer<Real>, AlignedBuffer<Real>> build_phase_table(const std::vector<size_t>& ops) const;
  void update_reduction_size(const OpPlan<Real>& p);
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
  void init_workspace(Workspace<Real>& w) const;
  void prepare_tile(index_t tile, Workspace<Real>& w);


  // -----------------------------------------------------------------------------------------
  // Applying ops (forward.cpp)
  void apply_plan(const MatrixPlan<Real>& p, const TargetMap& tm, Real* t, int inner) {
    tile::apply_matrix_plan(kt_, p, tm, t, inner);
  }
  void fill_lane_table(const TargetMap& tm, const std::vector<double>& mats, bool transpose, AlignedBuffer<Real>& out);
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
  SuCache<Real>& su_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w);
  EvoCache<Real>& evolution_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w);
  void apply_evolution(const OpPlan<Real>& p, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse);
  void apply_op(size_t i, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse);
  void apply_rest(const Block& b, index_t tile, Real* t, Workspace<Real>& w, bool inverse, Real* saved = nullptr,
                  const Real* phase = nullptr);
  std::pair<const Real*, const Real*> rotation_coefs(size_t i, const Workspace<Real>& w, bool inverse) const;
  kernels::RotationSet<Real> filled_set(const Block& b, const Block::Run& run, const Workspace<Real>& w,
                                        bool inverse) const;
  void gather(const Block& b, const Real* t, index_t outer, Real* out) const;
  void scatter(const Block& b, const Real* in, index_t outer, Real* t) const;
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
  void apply_phase(const Block& b, Real* t, bool inverse, const Real* from = nullptr);
  void copy_tile(const Real* from, Real* to) const { tile::copy_tile(geo_, from, to, inner_threads_); }
  Real* checkpoint(const Block& b, Workspace<Real>& w) const {
    if (b.checkpoint == final_checkpoint_) return w.psi.data();
    return w.checkpoints.data() + static_cast<size_t>(b.checkpoint) * static_cast<size_t>(geo_.tile_reals());
  }
  void forward_block(const Block& b, index_t tile, Real* psi, Workspace<Real>& w);
  void init_state(index_t tile, Real* t, Workspace<Real>& w);
  static double embedding_norm(const LoweredOp& op, const double* x);


  // -----------------------------------------------------------------------------------------
  // Product states from |0...0> (prefix.cpp)
  static bool is_one_qubit(const LoweredOp& op);
  void apply_one_qubit(const OpPlan<Real>& p, index_t tile, std::vector<std::array<cdouble, 2>>& factor,
                       std::vector<cdouble>& global) const;
  void one_qubit_matrix(const LoweredOp& op, index_t tile, int lane, cdouble (&m)[2][2]) const;
  void write_product(const std::vector<std::array<cdouble, 2>>& factor, const std::vector<cdouble>& global, Real* t,
                     Real* f) const;
  void product_prefix(index_t tile, Real* psi, Workspace<Real>& w);
  void prefix_gradients(index_t tile, const Real* lam, Workspace<Real>& w, SegmentAcc* acc);
  static cdouble mul(cdouble a, cdouble b);
  static std::array<cdouble, 2> apply2(const std::array<cdouble, 4>& m, const std::array<cdouble, 2>& r);
  static void product_table(const std::array<cdouble, 2>* f, int bits, const cdouble* g, std::vector<cdouble>& out);
  static std::array<cdouble, 2> pauli_times(Pauli p, const std::array<cdouble, 2>& r);
  static void one_open(const std::vector<cdouble>& t, int m, const std::array<cdouble, 2>* f, std::array<cdouble, 2>* e);


  // -----------------------------------------------------------------------------------------
  // Readouts and the adjoint seed (readout.cpp)
  // Reductions in fixed chunks (tile::Reducer): results never depend on the thread count.
  template <typename F>
  const double* reduce(Scratch<Real>& s, index_t count, int vectors_per_group, index_t size, int inner, F&& kernel) {
    return s.red.reduce(count, vectors_per_group, size, inner, std::forward<F>(kernel));
  }
  void pauli_inner_slots(Scratch<Real>& s, const Real* a, const Real* b, const PauliMap& pm, int inner, cdouble* out) {
    tile::pauli_inner_slots(kt_, geo_, s.red, a, b, pm, inner, s.sign.data(), out);
  }
  void slot_values(const double* acc, const double* lane_sign, int ny, cdouble* out) const {
    tile::slot_values(geo_, acc, lane_sign, ny, out);
  }
  void outer_slots(Scratch<Real>& s, const Real* a, const Real* b, const TargetMap& tm, int inner,
                   std::vector<MatrixC>& r) {
    tile::outer_slots(kt_, geo_, s.red, a, b, tm, inner, r);
  }
  void readouts(const Real* psi, Workspace<Real>& w);
  void seed_lambda(index_t tile, const Real* psi, Real* lam, Workspace<Real>& w);


  // -----------------------------------------------------------------------------------------
  // The adjoint sweep (backward.cpp)
  void set_gradients(const Block& b, const Block::Run& run, index_t tile, const Real* psi, const Real* lam,
                     Workspace<Real>& w, SegmentAcc* acc);
  void chain_set_sums(const Block& b, const Block::Run& run, const double* sums, bool reversed, index_t tile,
                      Scratch<Real>& s, SegmentAcc* acc);
  void set_adjoint(const Block& b, const Block::Run& run, index_t tile, Real* psi, Real* lam, Workspace<Real>& w,
                   SegmentAcc* acc);
  void chain_angle(const Expr& e, index_t tile, const double* d_angle, SegmentAcc* acc);
  void add_weight(index_t row, index_t k, double d, SegmentAcc* acc);
  void angle_gradient(const OpPlan<Real>& p, Scratch<Real>& s, const Real* psi, const Real* lam, int inner,
                      double* d_angle);
  void backward_op(size_t i, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc);
  void phase_gradients(const Block& b, index_t tile, const Real* psi, const Real* lam, const Real* phase,
                       Workspace<Real>& w, SegmentAcc* acc);
  void phase_adjoint(const Block& b, index_t tile, const Real* psi, Real* lam, const Real* phase, bool last,
                     Workspace<Real>& w, SegmentAcc* acc);
  std::vector<std::uint64_t> phase_masks(const Block& b) const;
  void chain_phase_sums(const Block& b, index_t tile, const double* sums, SegmentAcc* acc);
  void backward_segment(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
                        bool last);
  void backward_block(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
                      bool last);
  // True when the op covers every qubit of a tile with one sample per lane: each sample's state
  // is then one vector of the op's local basis, and R = psi lambda^dagger has rank one.
  bool whole_register(const TargetMap& tm) const { return tm.kl == 0 && geo_.lq == 0 && tm.kh == geo_.nvb; }
  void slot_vector(const TargetMap& tm, const Real* t, int slot, cdouble* out) const;
  // Per slot, either Y (dense) or its rank-one factors Y = a b^dagger.
  struct EvolutionY {
    bool rank_one = false;
    std::vector<MatrixC> y;
    std::vector<Eigen::VectorXcd> a, b;
  };
  EvolutionY evolution_y(const OpPlan<Real>& p, index_t tile, const EvoCache<Real>& e, const Real* psi,
                         const Real* lam, Workspace<Real>& w);
  void evolution_gradient(const OpPlan<Real>& p, index_t tile, const Real* psi, const Real* lam, Workspace<Real>& w,
                          SegmentAcc* acc);
  void flush_evolution_gradients(index_t tile, Workspace<Real>& w);
  void embedding_gradient(const OpPlan<Real>& p, index_t tile, const Real* lam);
  void finish_weights(const std::vector<SegmentAcc>& seg);

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
  readout::QuadraticReadouts<Real> readouts_;
  std::vector<std::pair<index_t, int>> evo_keys_;
  std::vector<int> evo_owner_;
  std::vector<int> su_dims_;
};

}  // namespace tangle::detail::statevector
