// The engine's plans: per call (geometry, steps, the matrices that are the same for every row)
// and per tile (the rows' matrices and the channels they draw).
#include <algorithm>
#include <cmath>

#include "engine_impl.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"
#include "tangle/core/random.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle::detail::mixed {

namespace {

constexpr std::uint64_t kCopyBudget = std::uint64_t{1} << 30;  // saved copies per call, at most
// Rows per tile: as many as keep a tile within this many bytes, so that a tile and its cotangent
// stay in a core's L2 cache (2 MiB) while its steps sweep it: a row in every lane for small
// states; fewer rows, with the lowest bits of the state in the lanes, for large ones (one
// 16-qubit trajectory, one 10-qubit density matrix per tile).
constexpr std::uint64_t kTileBytes = std::uint64_t{512} << 10;

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

MatrixC inverse_or_empty(const MatrixC& m) {
  const Eigen::PartialPivLU<MatrixC> lu(m);
  return lu.inverse();
}

}  // namespace

double draw_uniform(std::uint64_t seed, index_t sample, index_t trajectory, size_t op) {
  std::uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ (static_cast<std::uint64_t>(sample) + 0x632be59bd9b4e019ULL));
  h = mix(h ^ (static_cast<std::uint64_t>(trajectory) * 0x85157af5ULL + 0x1d8e4e27c47d124fULL));
  h = mix(h ^ (static_cast<std::uint64_t>(op) * 0xd1b54a32d192ed03ULL + 1));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

void block_derivatives(const std::vector<MatrixC>& s, const std::vector<std::vector<MatrixC>>& ds, const MatrixC& t,
                       double factor, std::vector<std::vector<double>>& d) {
  const size_t n = s.size();
  std::vector<MatrixC> before(n);  // before[o] = S_(o-1) ... S_0
  MatrixC p = MatrixC::Identity(t.rows(), t.cols());
  for (size_t o = 0; o < n; ++o) {
    before[o] = p;
    if (o + 1 < n) p = s[o] * p;
  }
  d.assign(n, {});
  MatrixC a = t;  // T (S_last ... S_(o+1))
  for (size_t o = n; o-- > 0;) {
    if (!ds[o].empty()) {
      const MatrixC x = before[o] * a;
      for (const MatrixC& dm : ds[o]) d[o].push_back(factor * dm.cwiseProduct(x.transpose()).sum().real());
    }
    if (o > 0) a = a * s[o];
  }
}

template <typename Real>
Geometry Engine<Real>::geometry(int n_qubits, Space space, index_t rows) {
  const int bits = space == Space::Pure ? n_qubits : 2 * n_qubits;
  index_t spt = L;
  while (spt > 1 && (std::uint64_t{1} << bits) * static_cast<std::uint64_t>(spt) * 2 * sizeof(Real) > kTileBytes)
    spt /= 2;
  Geometry g = Geometry::make(bits, std::min(rows, spt), L);
  g.batch = rows;
  g.n_tiles = (rows + g.samples_per_tile - 1) / g.samples_per_tile;
  return g;
}

template <typename Real>
Engine<Real>::Engine(const LoweredProgram& prog, Space space, const RunOptions& options, const EngineRequest& req)
    : prog_(prog), space_(space), opts_(options), req_(req), kt_(kernels::kernel_table<Real>()), n_(prog.n_qubits) {
  geo_ = geometry(n_, space, req.rows);
  backward_ = req.cotangent != nullptr;
  prep_ = !prog.ops.empty() && (prog.ops[0].kind == LoweredOp::Kind::AmplitudeEmbedding ||
                                prog.ops[0].kind == LoweredOp::Kind::StatePreparation);
  threads_ = resolve_threads(options.threads);
  workers_ = geo_.n_tiles >= 2 * threads_ ? threads_ : 1;
  // Threads inside one tile only when a pass over it outweighs waking a team (small states run
  // serially: a 4-qubit density matrix is 4 KiB, and under load a parallel region costs more than it).
  const std::uint64_t tile_bytes = static_cast<std::uint64_t>(geo_.tile_reals()) * sizeof(Real);
  inner_ = workers_ > 1 || tile_bytes < 128 * 1024 ? 1 : threads_;
  steps_ = plan_steps(prog, space);
  if (space == Space::Pure) {
    quadratic_ = std::make_unique<readout::QuadraticReadouts<Real>>();
    quadratic_->build(prog.readouts, geo_);
  } else {
    linear_ = std::make_unique<LinearReadouts>(prog.readouts, n_, geo_);
  }
  const std::uint64_t limit = options.memory_limit ? options.memory_limit : available_memory_bytes();
  const std::uint64_t budget = std::min(limit / 2, kCopyBudget) / static_cast<std::uint64_t>(workers_);
  capacity_ = backward_ ? static_cast<std::size_t>(std::min<std::uint64_t>(budget / tile_bytes, steps_.size())) : 0;
}

template <typename Real>
Engine<Real>::~Engine() = default;

template <typename Real>
std::uint64_t Engine<Real>::memory_bytes() const {
  const std::uint64_t tile_bytes = static_cast<std::uint64_t>(geo_.tile_reals()) * sizeof(Real);
  const std::uint64_t tiles = (backward_ ? 2 : 1) + (quadratic_ && quadratic_->needs_copy() ? 1 : 0) + capacity_;
  std::uint64_t per_worker = tiles * tile_bytes + tile::Reducer<Real>::bytes(index_t{1} << 12);
  // Per-tile plans: three LaneComplex tables per block step at most.
  for (const Step& step : steps_) {
    const std::uint64_t dim = std::uint64_t{1} << (step.wires.size() * (space_ == Space::Doubled ? 2 : 1));
    per_worker += dim * dim * 2 * L * sizeof(Real) * 3;
  }
  return per_worker * static_cast<std::uint64_t>(workers_);
}

template <typename Real>
MatrixC Engine<Real>::dense_unitary(const LoweredOp& op, const double* x, HermitianExp* keep) const {
  const int k = static_cast<int>(op.targets.size());
  const Eigen::Index dim = Eigen::Index{1} << k;
  switch (op.kind) {
    case LoweredOp::Kind::Matrix: return Eigen::Map<const MatrixC>(op.matrix.data(), dim, dim);
    case LoweredOp::Kind::Phase: {  // on its last wire, controlled by the others
      MatrixC u = MatrixC::Identity(2, 2);
      u(1, 1) = std::polar(1.0, eval(op.angle, x));
      return u;
    }
    case LoweredOp::Kind::SpecialUnitary: {
      HermitianExp e = hermitian_exp(pauli_combination((op.per_sample ? x : req_.weights) + op.offset, k));
      MatrixC u = e.u;
      if (keep != nullptr) *keep = std::move(e);
      return u;
    }
    case LoweredOp::Kind::Evolution: {  // exp(-i t H / 2) = exp(i A), A = -t/4 (M + M^T)
      const double t = eval(op.angle, x);
      const double* m = x + op.offset;
      MatrixC a(dim, dim);
      for (Eigen::Index i = 0; i < dim; ++i)
        for (Eigen::Index j = 0; j < dim; ++j) a(i, j) = -0.25 * t * (m[i * dim + j] + m[j * dim + i]);
      HermitianExp e = hermitian_exp(a);
      MatrixC u = e.u;
      if (keep != nullptr) *keep = std::move(e);
      return u;
    }
    default: TANGLE_CHECK(false, "op ", op.source, " is not a dense unitary");
  }
  return {};
}

template <typename Real>
MatrixC Engine<Real>::block_op_matrix(const Step& step, size_t k, const double* x, int draw, double prob,
                                      std::vector<MatrixC>* ders) const {
  const StepPlan& p = *plans_[&step - steps_.data()];
  const LoweredOp& op = prog_.ops[step.ops[k]];
  const bool want = ders != nullptr && op.has_parameters();
  if (ders != nullptr) ders->clear();
  if (op.kind != LoweredOp::Kind::Channel) {
    const double angle = op.kind == LoweredOp::Kind::Matrix ? 0.0 : eval(op.angle, x);
    const MatrixC u = op_unitary(op, angle);
    const std::vector<int> bits = space_bits(op_wires(op), n_, space_);
    if (space_ == Space::Pure) {
      if (want) ders->push_back(embed(op_unitary_derivative(op, angle), bits, p.bits));
      return embed(u, bits, p.bits);
    }
    if (want) ders->push_back(embed(doubled_derivative(u, op_unitary_derivative(op, angle)), bits, p.bits));
    return embed(doubled(u), bits, p.bits);
  }
  std::vector<double> sv;
  for (const Expr& e : op.strengths) sv.push_back(eval(e, x));
  const int kq = static_cast<int>(op.targets.size());
  const std::vector<int> bits = space_bits(op.targets, n_, space_);
  if (space_ == Space::Doubled) {
    const Eigen::Index dim = Eigen::Index{1} << (2 * kq);
    std::vector<cdouble> sup(static_cast<size_t>(dim * dim)), dsup;
    if (want) dsup.resize(sup.size() * sv.size());
    channel_superoperator(op.gate, sv.data(), op.matrix, kq, sup.data(), want ? dsup.data() : nullptr);
    if (want)
      for (size_t j = 0; j < sv.size(); ++j)
        ders->push_back(embed(Eigen::Map<const MatrixC>(dsup.data() + j * sup.size(), dim, dim), bits, p.bits));
    return embed(Eigen::Map<const MatrixC>(sup.data(), dim, dim), bits, p.bits);
  }
  const Eigen::Index dim = Eigen::Index{1} << kq;
  std::vector<cdouble> dk;
  const std::vector<cdouble> kraus = channel_kraus(op.gate, sv.data(), op.matrix, kq, want ? &dk : nullptr);
  const size_t dd = static_cast<size_t>(dim * dim), n_ops = kraus.size() / dd;
  const double scale = 1.0 / std::sqrt(prob);
  if (want)
    for (size_t j = 0; j < sv.size(); ++j)
      ders->push_back(scale * embed(Eigen::Map<const MatrixC>(dk.data() + (j * n_ops + static_cast<size_t>(draw)) * dd, dim, dim),
                                    bits, p.bits));
  return scale * embed(Eigen::Map<const MatrixC>(kraus.data() + static_cast<size_t>(draw) * dd, dim, dim), bits, p.bits);
}

// c = cos(theta/2), kappa and -kappa (the kernel's signed sine, 0 where controls fail) per lane,
// for the rows' word and (doubled) the columns' word, whose angle is -theta unless ny is odd.
template <typename Real>
template <typename Angle>
void Engine<Real>::fill_rotation(const StepPlan& p, Angle&& theta, Real* out) const {
  static const double kFactor[4] = {-1.0, 1.0, 1.0, -1.0};
  for (int part = 0; part < (space_ == Space::Doubled ? 2 : 1); ++part) {
    const PauliMap& pm = part == 0 ? p.pm : p.pm_col;
    Real* r = out + part * 3 * L;
    for (int l = 0; l < L; ++l) {
      const double th = part == 1 && p.col_negate ? -theta(l) : theta(l);
      const double sign = pm.lane_sign[static_cast<size_t>(l)];
      const double kap = kFactor[pm.ny & 3] * std::sin(0.5 * th) * sign;
      r[l] = static_cast<Real>(sign == 0.0 ? 1.0 : std::cos(0.5 * th));
      r[L + l] = static_cast<Real>(kap);
      r[2 * L + l] = static_cast<Real>(-kap);
    }
  }
}

template <typename Real>
void Engine<Real>::plan_step(size_t s) {
  const Step& step = steps_[s];
  StepPlan& p = *plans_[s];
  const double* x0 = req_.inputs;  // any row: used only where nothing depends on the inputs
  switch (step.kind) {
    case Step::Kind::Block: {
      p.bits = space_bits(step.wires, n_, space_);
      p.tm = map_targets(geo_, p.bits, {});
      p.dim = 1 << p.bits.size();
      p.cached.assign(step.ops.size(), {});
      bool base = !step.input_params;
      for (size_t k = 0; k < step.ops.size(); ++k) {
        const LoweredOp& op = prog_.ops[step.ops[k]];
        if (op.kind != LoweredOp::Kind::Channel) {
          if (!op.angle.uses_inputs()) p.cached[k].push_back(block_op_matrix(step, k, x0, 0, 1.0, nullptr));
          continue;
        }
        typename StepPlan::Channel c;
        c.k = k;
        c.row_strengths = std::any_of(op.strengths.begin(), op.strengths.end(), [](const Expr& e) { return e.uses_inputs(); });
        c.trainable = op.has_parameters();
        c.from_state = space_ == Space::Pure && !state_independent(op);
        if (c.from_state) base = false;
        if (!c.row_strengths) {
          std::vector<double> sv;
          for (const Expr& e : op.strengths) sv.push_back(eval(e, x0));
          const int kq = static_cast<int>(op.targets.size());
          if (space_ == Space::Doubled) {
            p.cached[k].push_back(block_op_matrix(step, k, x0, 0, 1.0, nullptr));
            const Eigen::Index dim = Eigen::Index{1} << (2 * kq);
            std::vector<cdouble> sup(static_cast<size_t>(dim * dim));
            channel_superoperator(op.gate, sv.data(), op.matrix, kq, sup.data());
            c.kappa = {condition_number(Eigen::Map<const MatrixC>(sup.data(), dim, dim))};
          } else {
            const std::vector<cdouble> kraus = channel_kraus(op.gate, sv.data(), op.matrix, kq);
            const Eigen::Index dim = Eigen::Index{1} << kq;
            const size_t dd = static_cast<size_t>(dim * dim);
            for (size_t i = 0; i < kraus.size() / dd; ++i) {
              const Eigen::Map<const MatrixC> ki(kraus.data() + i * dd, dim, dim);
              p.cached[k].push_back(embed(ki, op.targets, p.bits));
              c.kappa.push_back(condition_number(ki));
              c.probs.push_back(ki.squaredNorm() / static_cast<double>(dim));  // tr(K^dagger K) / d
            }
          }
        }
        p.channels.push_back(std::move(c));
      }
      if (!base) break;
      // The matrix every row shares when its channels draw branch 0 (the noiseless one).
      p.uniform = true;
      p.m = MatrixC::Identity(p.dim, p.dim);
      size_t ci = 0;
      for (size_t k = 0; k < step.ops.size(); ++k) {
        const bool is_channel = prog_.ops[step.ops[k]].kind == LoweredOp::Kind::Channel;
        double prob = 1.0;
        if (is_channel) {
          const typename StepPlan::Channel& c = p.channels[ci++];
          if (space_ == Space::Pure) prob = c.probs[0];
          p.kappa *= c.kappa[0];
          if (space_ == Space::Doubled) p.unitary = false;
        }
        MatrixC sk = p.cached[k][0];
        if (is_channel && space_ == Space::Pure) sk /= std::sqrt(prob);
        p.m = sk * p.m;
        if (step.has_params) {
          std::vector<MatrixC> d;
          p.op_mats.push_back(block_op_matrix(step, k, x0, 0, prob, &d));
          p.op_ders.push_back(std::move(d));
        }
      }
      tile::plan_matrix<Real>(p.tm, p.m, L, p.fwd);
      tile::plan_matrix<Real>(p.tm, p.m.adjoint(), L, p.adj);
      if (p.unitary) {
        tile::plan_matrix<Real>(p.tm, p.m.adjoint(), L, p.inv);
      } else if (std::isfinite(p.kappa)) {
        tile::plan_matrix<Real>(p.tm, inverse_or_empty(p.m), L, p.inv);
      }
      break;
    }
    case Step::Kind::Rotation: {
      const LoweredOp& op = prog_.ops[step.ops[0]];
      p.pm = map_pauli(geo_, op.targets, op.word, op.controls);
      if (space_ == Space::Doubled) {
        std::vector<int> t, c;
        for (int q : op.targets) t.push_back(n_ + q);
        for (int q : op.controls) c.push_back(n_ + q);
        p.pm_col = map_pauli(geo_, t, op.word, c);
        p.col_negate = (p.pm.ny & 1) == 0;
      }
      if (step.input_params) break;
      p.uniform = true;
      p.rot.resize(6 * L);
      const double theta = eval(op.angle, x0);
      fill_rotation(p, [&](int) { return theta; }, p.rot.data());
      break;
    }
    case Step::Kind::Dense: {
      const LoweredOp& op = prog_.ops[step.ops[0]];
      std::vector<int> targets = op.targets, controls = op.controls;
      if (op.kind == LoweredOp::Kind::Phase) {
        targets = {op.targets.back()};
        controls.assign(op.targets.begin(), op.targets.end() - 1);
      }
      p.tm = map_targets(geo_, targets, controls);
      if (space_ == Space::Doubled) {
        std::vector<int> t, c;
        for (int q : targets) t.push_back(n_ + q);
        for (int q : controls) c.push_back(n_ + q);
        p.tm_col = map_targets(geo_, t, c);
      }
      if (step.input_params) break;
      p.uniform = true;
      p.m = dense_unitary(op, x0, &p.su);
      tile::plan_matrix<Real>(p.tm, p.m, L, p.fwd);
      tile::plan_matrix<Real>(p.tm, p.m.adjoint(), L, p.inv);
      if (space_ == Space::Doubled) {
        tile::plan_matrix<Real>(p.tm_col, p.m.conjugate(), L, p.fwd_col);
        tile::plan_matrix<Real>(p.tm_col, p.m.transpose(), L, p.inv_col);
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Per tile

template <typename Real>
void Engine<Real>::prepare_tile(index_t tile, Workspace& w) {
  const index_t spt = geo_.samples_per_tile;
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    const StepPlan& p = *plans_[s];
    TileStep& t = w.steps[s];
    t.uniform = p.uniform;
    t.have_inv = t.have_adj = false;
    t.restore = false;
    t.saved = -1;
    t.kappa = p.kappa;
    t.unitary = p.unitary;
    switch (step.kind) {
      case Step::Kind::Block:
        if (space_ == Space::Pure && !p.channels.empty()) draw_independent(s, tile, w);
        if (!t.uniform && !step.state_draw) build_block(s, tile, w);
        break;
      case Step::Kind::Rotation: {
        if (t.uniform) break;
        const LoweredOp& op = prog_.ops[step.ops[0]];
        t.rot.ensure(6 * L);
        fill_rotation(p, [&](int l) { return eval(op.angle, row_inputs(row_of(tile, geo_.sample_slot(l)))); }, t.rot.data());
        break;
      }
      case Step::Kind::Dense: {
        if (t.uniform) break;
        const LoweredOp& op = prog_.ops[step.ops[0]];
        t.m.resize(static_cast<size_t>(spt));
        t.exps.resize(static_cast<size_t>(spt));
        for (int slot = 0; slot < spt; ++slot)
          t.m[static_cast<size_t>(slot)] = dense_unitary(op, row_inputs(row_of(tile, slot)), &t.exps[static_cast<size_t>(slot)]);
        auto value = [&](bool conj, bool adjoint) {
          return [&, conj, adjoint](int slot, int r, int c) {
            const MatrixC& u = t.m[static_cast<size_t>(slot)];
            const cdouble v = adjoint ? std::conj(u(c, r)) : u(r, c);
            return conj ? std::conj(v) : v;
          };
        };
        tile::plan_slot_matrices<Real>(geo_, p.tm, value(false, false), t.fwd);
        tile::plan_slot_matrices<Real>(geo_, p.tm, value(false, true), t.inv);
        if (space_ == Space::Doubled) {
          tile::plan_slot_matrices<Real>(geo_, p.tm_col, value(true, false), t.fwd_col);
          tile::plan_slot_matrices<Real>(geo_, p.tm_col, value(true, true), t.inv_col);
        }
        break;
      }
    }
  }
}

// Draws every state-independent channel of a block, per slot; the tile runs the call's plans
// when every slot drew branch 0 of each.
template <typename Real>
void Engine<Real>::draw_independent(size_t s, index_t tile, Workspace& w) {
  const Step& step = steps_[s];
  const StepPlan& p = *plans_[s];
  TileStep& t = w.steps[s];
  const index_t spt = geo_.samples_per_tile;
  const size_t nc = p.channels.size();
  t.draws.assign(static_cast<size_t>(spt) * nc, 0);
  t.probs.assign(static_cast<size_t>(spt) * nc, 1.0);
  size_t ns = 0;
  for (const auto& c : p.channels) ns = std::max(ns, prog_.ops[step.ops[c.k]].strengths.size());
  t.cv.assign(static_cast<size_t>(spt) * nc * ns, 0.0);
  bool all_base = true;
  for (int slot = 0; slot < spt; ++slot) {
    const index_t row = row_of(tile, slot);
    const double* x = row_inputs(row);
    for (size_t ci = 0; ci < nc; ++ci) {
      const auto& c = p.channels[ci];
      if (c.from_state) continue;
      const LoweredOp& op = prog_.ops[step.ops[c.k]];
      std::vector<double> sv;
      for (const Expr& e : op.strengths) sv.push_back(eval(e, x));
      std::vector<double> probs = c.probs, dprobs;
      if (c.row_strengths || c.trainable) {
        // tr(K^dagger K) / d for each branch, and its derivatives in the strengths
        const int kq = static_cast<int>(op.targets.size());
        const size_t dim = size_t{1} << kq, dd = dim * dim;
        std::vector<cdouble> dk;
        const std::vector<cdouble> kraus = channel_kraus(op.gate, sv.data(), op.matrix, kq, c.trainable ? &dk : nullptr);
        const size_t nb = kraus.size() / dd;
        probs.assign(nb, 0.0);
        dprobs.assign(nb * sv.size(), 0.0);
        for (size_t i = 0; i < nb; ++i) {
          for (size_t e = 0; e < dd; ++e) probs[i] += std::norm(kraus[i * dd + e]);
          probs[i] /= static_cast<double>(dim);
          if (c.trainable)
            for (size_t j = 0; j < sv.size(); ++j) {
              double d = 0.0;
              for (size_t e = 0; e < dd; ++e) d += 2.0 * (std::conj(kraus[i * dd + e]) * dk[(j * nb + i) * dd + e]).real();
              dprobs[j * nb + i] = d / static_cast<double>(dim);
            }
        }
      }
      const double u = draw_uniform(req_.seed, req_.first_sample + row / req_.rows_per_sample, row % req_.rows_per_sample, step.ops[c.k]);
      size_t b = 0;
      double acc = probs[0];
      while (b + 1 < probs.size() && (u >= acc || probs[b] == 0.0)) acc += probs[++b];
      const size_t at = static_cast<size_t>(slot) * nc + ci;
      t.draws[at] = static_cast<int>(b);
      t.probs[at] = probs[b];
      if (b != 0) all_base = false;
      if (c.trainable)
        for (size_t j = 0; j < sv.size(); ++j) t.cv[at * ns + j] = probs[b] > 0.0 ? dprobs[j * probs.size() + b] / probs[b] : 0.0;
    }
  }
  t.uniform = p.uniform && all_base;
}

// A block whose first op is a channel drawn from the state: its branch probabilities per slot,
// tr(K_i rho K_i^dagger) with rho the state reduced to the channel's wires; then the block's matrices.
template <typename Real>
void Engine<Real>::draw_from_state(size_t s, index_t tile, const Real* psi, Workspace& w) {
  const Step& step = steps_[s];
  const StepPlan& p = *plans_[s];
  TileStep& t = w.steps[s];
  const LoweredOp& op = prog_.ops[step.ops[0]];
  const index_t spt = geo_.samples_per_tile;
  const size_t nc = p.channels.size();
  size_t ns = 0;
  for (const auto& c : p.channels) ns = std::max(ns, prog_.ops[step.ops[c.k]].strengths.size());
  const TargetMap tm = map_targets(geo_, op.targets, {});
  std::vector<MatrixC> rho;
  tile::outer_slots(kt_, geo_, w.red, psi, psi, tm, inner_, rho);
  const int kq = static_cast<int>(op.targets.size());
  const Eigen::Index dim = Eigen::Index{1} << kq;
  const size_t dd = static_cast<size_t>(dim * dim);
  const bool trainable = p.channels[0].trainable;
  for (int slot = 0; slot < spt; ++slot) {
    const index_t row = row_of(tile, slot);
    const double* x = row_inputs(row);
    std::vector<double> sv;
    for (const Expr& e : op.strengths) sv.push_back(eval(e, x));
    std::vector<cdouble> dk;
    const std::vector<cdouble> kraus = channel_kraus(op.gate, sv.data(), op.matrix, kq, trainable ? &dk : nullptr);
    const size_t nb = kraus.size() / dd;
    const MatrixC& r = rho[static_cast<size_t>(slot)];
    std::vector<double> probs(nb);
    double total = 0.0;
    for (size_t i = 0; i < nb; ++i) {
      const Eigen::Map<const MatrixC> ki(kraus.data() + i * dd, dim, dim);
      probs[i] = std::max(0.0, (ki * r * ki.adjoint()).trace().real());
      total += probs[i];
    }
    TANGLE_CHECK(total > 0.0 && std::isfinite(total), gate_info(op.gate).name, " (op ", op.source,
                 "): the state has norm ", total, " where the channel is drawn");
    const double u = draw_uniform(req_.seed, req_.first_sample + row / req_.rows_per_sample, row % req_.rows_per_sample, step.ops[0]) * total;
    size_t b = 0;
    double acc = probs[0];
    while (b + 1 < nb && (u >= acc || probs[b] == 0.0)) acc += probs[++b];
    const size_t at = static_cast<size_t>(slot) * nc;
    t.draws[at] = static_cast<int>(b);
    t.probs[at] = probs[b] / total;
    if (trainable && probs[b] > 0.0) {
      // d log p_b / ds = 2 Re tr(dK_b rho K_b^dagger) / p_b
      const Eigen::Map<const MatrixC> kb(kraus.data() + b * dd, dim, dim);
      for (size_t j = 0; j < sv.size(); ++j) {
        const Eigen::Map<const MatrixC> dkb(dk.data() + (j * nb + b) * dd, dim, dim);
        t.cv[at * ns + j] = 2.0 * (dkb * r * kb.adjoint()).trace().real() / probs[b];
      }
    }
  }
  build_block(s, tile, w);
}

template <typename Real>
void Engine<Real>::build_block(size_t s, index_t tile, Workspace& w) {
  const Step& step = steps_[s];
  const StepPlan& p = *plans_[s];
  TileStep& t = w.steps[s];
  const index_t spt = geo_.samples_per_tile;
  const size_t nc = p.channels.size();
  t.uniform = false;
  t.m.resize(static_cast<size_t>(spt));
  t.kappa = 1.0;
  t.unitary = true;
  for (int slot = 0; slot < spt; ++slot) {
    const double* x = row_inputs(row_of(tile, slot));
    MatrixC m = MatrixC::Identity(p.dim, p.dim);
    double kappa = 1.0;
    size_t ci = 0;
    for (size_t k = 0; k < step.ops.size(); ++k) {
      const bool is_channel = prog_.ops[step.ops[k]].kind == LoweredOp::Kind::Channel;
      int draw = 0;
      double prob = 1.0;
      if (is_channel) {
        const auto& c = p.channels[ci];
        if (space_ == Space::Pure) {
          draw = t.draws[static_cast<size_t>(slot) * nc + ci];
          prob = t.probs[static_cast<size_t>(slot) * nc + ci];
          if (c.from_state) t.unitary = false;
        } else {
          t.unitary = false;
        }
        if (!c.row_strengths) {
          kappa *= c.kappa[space_ == Space::Pure ? static_cast<size_t>(draw) : 0];
        } else if (space_ == Space::Doubled || c.from_state) {
          // The branch's (or superoperator's) condition number for this row's strengths.
          kappa *= condition_number(block_op_matrix(step, k, x, draw, prob, nullptr));
        }
        ++ci;
      }
      if (!p.cached[k].empty()) {
        const MatrixC& sk = p.cached[k][static_cast<size_t>(is_channel && space_ == Space::Pure ? draw : 0)];
        m = (is_channel && space_ == Space::Pure ? sk / std::sqrt(prob) : sk) * m;
      } else {
        m = block_op_matrix(step, k, x, draw, prob, nullptr) * m;
      }
    }
    t.kappa = std::max(t.kappa, kappa);
    t.m[static_cast<size_t>(slot)] = std::move(m);
  }
  if (spt == 1) {
    tile::plan_matrix<Real>(p.tm, t.m[0], L, t.fwd);  // one row: the cheapest kind its entries allow
  } else {
    tile::plan_slot_matrices<Real>(geo_, p.tm, [&](int slot, int r, int c) { return t.m[static_cast<size_t>(slot)](r, c); }, t.fwd);
  }
}

// The block's plan for this tile: 0 forward, 1 inverse (un-applying the state), 2 adjoint (the cotangent).
template <typename Real>
const tile::MatrixPlan<Real>& Engine<Real>::block_plan(size_t s, Workspace& w, int which) {
  const StepPlan& p = *plans_[s];
  TileStep& t = w.steps[s];
  if (t.uniform) return which == 0 ? p.fwd : which == 1 ? p.inv : p.adj;
  if (which == 0) return t.fwd;
  auto plan = [&](const std::vector<MatrixC>& m, tile::MatrixPlan<Real>& out) {
    if (m.size() == 1) {
      tile::plan_matrix<Real>(p.tm, m[0], L, out);
    } else {
      tile::plan_slot_matrices<Real>(geo_, p.tm, [&](int slot, int r, int c) { return m[static_cast<size_t>(slot)](r, c); }, out);
    }
  };
  if (which == 2 || t.unitary) {
    if (!t.have_adj) {
      std::vector<MatrixC> adj(t.m.size());
      for (size_t slot = 0; slot < t.m.size(); ++slot) adj[slot] = t.m[slot].adjoint();
      plan(adj, t.adj);
    }
    t.have_adj = true;
    return t.adj;
  }
  if (!t.have_inv) {
    std::vector<MatrixC> inv(t.m.size());
    for (size_t slot = 0; slot < t.m.size(); ++slot) inv[slot] = inverse_or_empty(t.m[slot]);
    plan(inv, t.inv);
  }
  t.have_inv = true;
  return t.inv;
}

template <typename Real>
double Engine<Real>::step_condition(size_t s, const Workspace& w) const {
  return steps_[s].kind == Step::Kind::Block ? w.steps[s].kappa : 1.0;
}

template class Engine<float>;
template class Engine<double>;

}  // namespace tangle::detail::mixed
