// The engine's passes: tiles over threads, the forward pass with its saved copies, the backward pass.
#include <omp.h>

#include <cmath>
#include <exception>
#include <mutex>

#include "engine_impl.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"

namespace tangle::detail::mixed {

namespace {

// The position of storage index `s` of slot `slot` in a tile: {vector, lane}.
std::pair<index_t, index_t> place(const Geometry& geo, index_t s, int slot) {
  return {s >> geo.lq, ((s & ((index_t{1} << geo.lq) - 1)) << geo.sb) | slot};
}

constexpr index_t kMaxSegments = 64;  // gradient partial sums: a fixed count, so sums never depend on threads

}  // namespace

template <typename Real>
void Engine<Real>::run() {
  if (req_.rows == 0) return;
  const std::uint64_t tile_bytes = static_cast<std::uint64_t>(geo_.tile_reals()) * sizeof(Real);
  check_allocation(tile_bytes * (backward_ ? 2 : 1) * static_cast<std::uint64_t>(workers_), opts_.memory_limit,
                   detail::concat("simulating ", n_, " qubits (", space_ == Space::Doubled ? "density matrix" : "trajectories",
                                  ", ", sizeof(Real) == 4 ? "f32" : "f64", ")"));
  for (size_t s = plans_.size(); s < steps_.size(); ++s) {
    plans_.push_back(std::make_unique<StepPlan>());
    plan_step(s);
  }
  const index_t n_tiles = geo_.n_tiles;
  const index_t segments = std::min<index_t>(n_tiles, kMaxSegments);
  const index_t nw = prog_.n_weights;
  const bool sum_weights = backward_ && req_.d_weights != nullptr && !req_.per_sample_weights;
  std::vector<std::vector<double>> seg_dw(static_cast<size_t>(segments), std::vector<double>(sum_weights ? nw : 0, 0.0));
  auto make_workspace = [&](Workspace& w) {
    w.psi.resize(static_cast<size_t>(geo_.tile_reals()));
    if (backward_) w.lam.resize(static_cast<size_t>(geo_.tile_reals()));
    if (backward_ && quadratic_ && quadratic_->needs_copy()) w.copy.resize(static_cast<size_t>(geo_.tile_reals()));
    w.saved.resize(capacity_);
    w.steps.resize(steps_.size());
    w.sign.resize(L);
    w.out.assign(static_cast<size_t>(geo_.samples_per_tile * prog_.n_outputs), 0.0);
    w.cot.assign(w.out.size(), 0.0);
  };
  auto run_segment = [&](index_t seg, Workspace& w) {
    const index_t t0 = n_tiles * seg / segments, t1 = n_tiles * (seg + 1) / segments;
    for (index_t tile = t0; tile < t1; ++tile) process_tile(tile, w, seg_dw[static_cast<size_t>(seg)]);
  };
  if (workers_ > 1) {
    std::exception_ptr error;
    std::mutex error_mutex;
#pragma omp parallel num_threads(workers_)
    {
      Workspace w;
      try {
        make_workspace(w);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
#pragma omp for schedule(dynamic, 1)
      for (index_t seg = 0; seg < segments; ++seg) {
        if (error) continue;
        try {
          run_segment(seg, w);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
  } else {
    Workspace w;
    make_workspace(w);
    for (index_t seg = 0; seg < segments; ++seg) run_segment(seg, w);
  }
  if (sum_weights)
    for (const std::vector<double>& d : seg_dw)
      for (index_t j = 0; j < nw; ++j) req_.d_weights[j] += d[static_cast<size_t>(j)];
}

template <typename Real>
void Engine<Real>::init_state(index_t tile, Real* psi, Workspace& w) {
  const index_t spt = geo_.samples_per_tile;
  if (prep_) {
    // The prepared state's 2^n amplitudes per slot (the other wires |0>).
    const LoweredOp& op = prog_.ops[0];
    const int k = static_cast<int>(op.targets.size());
    w.amps.assign(static_cast<size_t>(spt), std::vector<cdouble>(size_t{1} << n_, 0.0));
    for (int slot = 0; slot < spt; ++slot) {
      std::vector<cdouble> local(size_t{1} << k);
      if (op.kind == LoweredOp::Kind::StatePreparation) {
        local = op.matrix;
      } else {
        const double* x = row_inputs(row_of(tile, slot));
        double norm = 0.0;
        for (size_t j = 0; j < local.size(); ++j) {
          const double v = static_cast<index_t>(j) < op.count ? x[op.offset + static_cast<index_t>(j)] : op.pad;
          local[j] = v;
          norm += v * v;
        }
        if (op.normalize)
          for (cdouble& v : local) v /= std::sqrt(norm);
      }
      for (size_t j = 0; j < local.size(); ++j) {
        index_t idx = 0;
        for (int t = 0; t < k; ++t)
          if ((j >> (k - 1 - t)) & 1) idx |= index_t{1} << (n_ - 1 - op.targets[static_cast<size_t>(t)]);
        w.amps[static_cast<size_t>(slot)][static_cast<size_t>(idx)] = local[j];
      }
    }
  }
  if (space_ == Space::Doubled) {
    linear_->init(psi, prep_ ? &w.amps : nullptr, inner_);
    return;
  }
  const index_t w2 = 2 * L;
  tile::sweep(geo_.n_vec, inner_, [&](index_t v0, index_t v1) { std::fill(psi + v0 * w2, psi + v1 * w2, Real(0)); });
  for (int slot = 0; slot < spt; ++slot) {
    if (!prep_) {
      const auto [v, lane] = place(geo_, 0, slot);
      psi[v * w2 + lane] = 1;
      continue;
    }
    const std::vector<cdouble>& a = w.amps[static_cast<size_t>(slot)];
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] == 0.0) continue;
      const auto [v, lane] = place(geo_, static_cast<index_t>(i), slot);
      psi[v * w2 + lane] = static_cast<Real>(a[i].real());
      psi[v * w2 + L + lane] = static_cast<Real>(a[i].imag());
    }
  }
}

template <typename Real>
void Engine<Real>::apply_rotation(size_t s, Real* t, Workspace& w, bool inverse, bool rows, bool cols) {
  const StepPlan& p = *plans_[s];
  const Real* r = p.uniform ? p.rot.data() : w.steps[s].rot.data();
  for (int part = 0; part < 2; ++part) {
    if ((part == 0 && !rows) || (part == 1 && !cols)) continue;
    const PauliMap& pm = part == 0 ? p.pm : p.pm_col;
    const Real* c = r + part * 3 * L;
    const Real* kappa = c + (inverse ? 2 * L : L);
    const bool imag = ((pm.ny & 3) & 1) == 0;
    tile::sweep(pm.index.groups.count, inner_,
                [&](index_t b, index_t e) { kt_.apply_pauli_rotation(t, pm.index, c, kappa, imag, b, e); });
  }
}

template <typename Real>
void Engine<Real>::apply_dense(size_t s, Real* t, Workspace& w, bool inverse, bool rows, bool cols) {
  const StepPlan& p = *plans_[s];
  const TileStep& ts = w.steps[s];
  const bool u = p.uniform;
  if (rows) tile::apply_matrix_plan(kt_, inverse ? (u ? p.inv : ts.inv) : (u ? p.fwd : ts.fwd), p.tm, t, inner_);
  if (cols) tile::apply_matrix_plan(kt_, inverse ? (u ? p.inv_col : ts.inv_col) : (u ? p.fwd_col : ts.fwd_col), p.tm_col, t, inner_);
}

template <typename Real>
void Engine<Real>::apply_step(size_t s, index_t tile, Real* t, Workspace& w, int which) {
  (void)tile;
  const bool doubled = space_ == Space::Doubled;
  switch (steps_[s].kind) {
    case Step::Kind::Block: tile::apply_matrix_plan(kt_, block_plan(s, w, which), plans_[s]->tm, t, inner_); break;
    case Step::Kind::Rotation: apply_rotation(s, t, w, which != 0, true, doubled); break;
    case Step::Kind::Dense: apply_dense(s, t, w, which != 0, true, doubled); break;
  }
}

template <typename Real>
void Engine<Real>::process_tile(index_t tile, Workspace& w, std::vector<double>& dw) {
  const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
  prepare_tile(tile, w);
  Real* psi = w.psi.data();
  init_state(tile, psi, w);
  double amplification = 1.0;
  size_t used = 0;
  for (size_t s = 0; s < steps_.size(); ++s) {
    if (steps_[s].state_draw) draw_from_state(s, tile, psi, w);
    if (backward_) {
      TileStep& t = w.steps[s];
      const double kappa = step_condition(s, w);
      if (!std::isfinite(kappa) || amplification * kappa > kMaxAmplification) {
        t.restore = true;
        if (used < capacity_) {
          w.saved[used].ensure(static_cast<size_t>(geo_.tile_reals()));
          tile::copy_tile(geo_, psi, w.saved[used].data(), inner_);
          t.saved = static_cast<int>(used++);
        }
        amplification = 1.0;
      } else {
        amplification *= kappa;
      }
    }
    apply_step(s, tile, psi, w, 0);
  }
  if (space_ == Space::Pure) {
    quadratic_->outputs(kt_, geo_, w.red, w.sign.data(), psi, inner_, n_out, w.out.data());
  } else {
    linear_->outputs(psi, w.out.data());
  }
  for (int slot = 0; slot < spt; ++slot) {
    if (!geo_.valid(tile, slot)) continue;
    const index_t row = row_of(tile, slot);
    if (req_.outputs != nullptr)
      std::copy(w.out.begin() + slot * n_out, w.out.begin() + (slot + 1) * n_out, req_.outputs + row * n_out);
    if (req_.density != nullptr) linear_->density(psi, slot, req_.density + (row << (2 * n_)));
  }
  if (!backward_) return;
  for (int slot = 0; slot < spt; ++slot) {
    const bool valid = geo_.valid(tile, slot);
    for (index_t o = 0; o < n_out; ++o)
      w.cot[static_cast<size_t>(slot * n_out + o)] = valid ? req_.cotangent[row_of(tile, slot) * n_out + o] : 0.0;
  }
  Real* lam = w.lam.data();
  if (space_ == Space::Pure) {
    quadratic_->seed(kt_, geo_, w.cot.data(), n_out, psi, lam, w.copy.data(), w.coef, inner_);
  } else {
    linear_->seed(w.cot.data(), lam, inner_);
  }
  for (size_t s = steps_.size(); s-- > 0;) backward_step(s, tile, psi, lam, w, dw);
  embedding_gradient(tile, lam, w);
  if (space_ == Space::Pure) control_variates(tile, w, dw);
}

// The state before step s, restored from its copy or recomputed from the last copy before it.
template <typename Real>
void Engine<Real>::restore_state(size_t s, index_t tile, Real* psi, Workspace& w) {
  const TileStep& t = w.steps[s];
  if (t.saved >= 0) {
    tile::copy_tile(geo_, w.saved[static_cast<size_t>(t.saved)].data(), psi, inner_);
    return;
  }
  size_t from = s;
  while (from > 0 && w.steps[from - 1].saved < 0) --from;
  if (from > 0) {
    --from;
    tile::copy_tile(geo_, w.saved[static_cast<size_t>(w.steps[from].saved)].data(), psi, inner_);
  } else {
    init_state(tile, psi, w);
  }
  for (size_t e = from; e < s; ++e) apply_step(e, tile, psi, w, 0);
}

template <typename Real>
void Engine<Real>::backward_step(size_t s, index_t tile, Real* psi, Real* lam, Workspace& w, std::vector<double>& dw) {
  const Step& step = steps_[s];
  const bool doubled = space_ == Space::Doubled;
  switch (step.kind) {
    case Step::Kind::Block:
      if (w.steps[s].restore) {
        restore_state(s, tile, psi, w);
      } else {
        apply_step(s, tile, psi, w, 1);
      }
      if (step.has_params) block_gradients(s, tile, psi, lam, w, dw);
      apply_step(s, tile, lam, w, 2);
      break;
    case Step::Kind::Rotation:
      if (step.has_params) rotation_gradients(s, tile, psi, lam, w, dw);
      apply_rotation(s, psi, w, true, true, doubled);
      apply_rotation(s, lam, w, true, true, doubled);
      break;
    case Step::Kind::Dense:
      // Doubled: the gradient reads the state with its rows un-applied, its columns not yet.
      apply_dense(s, psi, w, true, true, false);
      if (step.has_params) dense_gradients(s, tile, psi, lam, w, dw);
      if (doubled) apply_dense(s, psi, w, true, false, true);
      apply_dense(s, lam, w, true, true, doubled);
      break;
  }
}

template class Engine<float>;
template class Engine<double>;

}  // namespace tangle::detail::mixed
