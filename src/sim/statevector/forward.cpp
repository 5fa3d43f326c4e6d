// Applying ops to a tile or a gathered sub-block, and the initial state (executor.hpp).
#include "executor.hpp"

namespace tangle::detail::statevector {

// ---------------------------------------------------------------------------------------
// Applying ops
// Builds the per-lane coefficient table of per-slot real matrices `mats` ([slots][dim][dim]),
// transposed when `transpose`: LaneReal without lane targets, LaneComplex with them.
template <typename Real>
void Executor<Real>::fill_lane_table(const TargetMap& tm, const std::vector<double>& mats, bool transpose, AlignedBuffer<Real>& out) {
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

template <typename Real>
SuCache<Real>& Executor<Real>::su_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w) {
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

template <typename Real>
EvoCache<Real>& Executor<Real>::evolution_data(const OpPlan<Real>& p, index_t tile, Workspace<Real>& w) {
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

template <typename Real>
void Executor<Real>::apply_evolution(const OpPlan<Real>& p, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse) {
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
template <typename Real>
void Executor<Real>::apply_op(size_t i, index_t tile, Real* t, Workspace<Real>& w, int inner, bool inverse) {
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
      // Named copies, not a structured binding: clang before 16 cannot capture bindings in lambdas.
      const auto coefs = rotation_coefs(i, w, inverse);
      const auto c = coefs.first;
      const auto kappa = coefs.second;
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
    case LoweredOp::Kind::Channel:  // never planned (execute_statevector refuses channels)
      break;  // handled by init_state
  }
}

// A block's `rest` ops in order, or their inverses in reverse order.
// With `phase` (forward only, the last run a set): that set's pass also stores its result into
// `saved` (unless nullptr) and then applies `phase`.
template <typename Real>
void Executor<Real>::apply_rest(const Block& b, index_t tile, Real* t, Workspace<Real>& w, bool inverse, Real* saved,
                const Real* phase) {
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
template <typename Real>
std::pair<const Real*, const Real*> Executor<Real>::rotation_coefs(size_t i, const Workspace<Real>& w, bool inverse) const {
  const OpPlan<Real>& p = plans_[i];
  if (p.per_tile) {
    const Real* d = w.lane[i].data();
    return {d, inverse ? d + 2 * L : d + L};
  }
  return {p.c.data(), inverse ? p.kappa_neg.data() : p.kappa.data()};
}

// A run's RotationSet with its rotations' coefficients.
template <typename Real>
kernels::RotationSet<Real> Executor<Real>::filled_set(const Block& b, const Block::Run& run, const Workspace<Real>& w,
                                      bool inverse) const {
  kernels::RotationSet<Real> rs = inverse ? rotation_sets_[static_cast<size_t>(run.set)].second
                                          : rotation_sets_[static_cast<size_t>(run.set)].first;
  for (int j = 0; j < run.count; ++j) {
    const size_t i = b.rest[run.first + static_cast<size_t>(inverse ? run.count - 1 - j : j)];
    std::tie(rs.c[j], rs.kappa[j]) = rotation_coefs(i, w, inverse);
  }
  return rs;
}

template <typename Real>
void Executor<Real>::gather(const Block& b, const Real* t, index_t outer, Real* out) const {
  const index_t base = static_cast<index_t>(deposit_bits(static_cast<std::uint64_t>(outer), b.outer_mask));
  const size_t bytes = 2 * L * sizeof(Real);
  for (size_t j = 0; j < b.offsets.size(); ++j) std::memcpy(out + 2 * L * j, t + 2 * L * (base + b.offsets[j]), bytes);
}

template <typename Real>
void Executor<Real>::scatter(const Block& b, const Real* in, index_t outer, Real* t) const {
  const index_t base = static_cast<index_t>(deposit_bits(static_cast<std::uint64_t>(outer), b.outer_mask));
  const size_t bytes = 2 * L * sizeof(Real);
  for (size_t j = 0; j < b.offsets.size(); ++j) std::memcpy(t + 2 * L * (base + b.offsets[j]), in + 2 * L * j, bytes);
}

// t = b's phase table (or its inverse) times t, or times `from` when given.
template <typename Real>
void Executor<Real>::apply_phase(const Block& b, Real* t, bool inverse, const Real* from) {
  const auto& tables = phase_tables_[static_cast<size_t>(b.phase_table)];
  const Real* table = inverse ? tables.second.data() : tables.first.data();
  const Real* in = from != nullptr ? from : t;
  sweep(geo_.n_vec, inner_threads_, [&](index_t v0, index_t v1) { kt_.apply_phase_table(t, in, table, v0, v1); });
}

// A tile copied, split over the tile's threads like a sweep.
template <typename Real>
void Executor<Real>::forward_block(const Block& b, index_t tile, Real* psi, Workspace<Real>& w) {
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

template <typename Real>
void Executor<Real>::init_state(index_t tile, Real* t, Workspace<Real>& w) {
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

template <typename Real>
double Executor<Real>::embedding_norm(const LoweredOp& op, const double* x) {
  if (!op.normalize) return 1.0;
  const index_t dim = index_t{1} << op.targets.size();
  double s = 0.0;
  for (index_t j = 0; j < dim; ++j) {
    const double a = j < op.count ? x[j] : op.pad;
    s += a * a;
  }
  return std::sqrt(s);
}

template void Executor<float>::fill_lane_table(const TargetMap& tm, const std::vector<double>& mats, bool transpose, AlignedBuffer<float>& out);
template SuCache<float>& Executor<float>::su_data(const OpPlan<float>& p, index_t tile, Workspace<float>& w);
template EvoCache<float>& Executor<float>::evolution_data(const OpPlan<float>& p, index_t tile, Workspace<float>& w);
template void Executor<float>::apply_evolution(const OpPlan<float>& p, index_t tile, float* t, Workspace<float>& w, int inner, bool inverse);
template void Executor<float>::apply_op(size_t i, index_t tile, float* t, Workspace<float>& w, int inner, bool inverse);
template void Executor<float>::apply_rest(const Block& b, index_t tile, float* t, Workspace<float>& w, bool inverse, float* saved,
                const float* phase);
template std::pair<const float*, const float*> Executor<float>::rotation_coefs(size_t i, const Workspace<float>& w, bool inverse) const;
template kernels::RotationSet<float> Executor<float>::filled_set(const Block& b, const Block::Run& run, const Workspace<float>& w,
                                      bool inverse) const;
template void Executor<float>::gather(const Block& b, const float* t, index_t outer, float* out) const;
template void Executor<float>::scatter(const Block& b, const float* in, index_t outer, float* t) const;
template void Executor<float>::apply_phase(const Block& b, float* t, bool inverse, const float* from);
template void Executor<float>::forward_block(const Block& b, index_t tile, float* psi, Workspace<float>& w);
template void Executor<float>::init_state(index_t tile, float* t, Workspace<float>& w);
template double Executor<float>::embedding_norm(const LoweredOp& op, const double* x);
template void Executor<double>::fill_lane_table(const TargetMap& tm, const std::vector<double>& mats, bool transpose, AlignedBuffer<double>& out);
template SuCache<double>& Executor<double>::su_data(const OpPlan<double>& p, index_t tile, Workspace<double>& w);
template EvoCache<double>& Executor<double>::evolution_data(const OpPlan<double>& p, index_t tile, Workspace<double>& w);
template void Executor<double>::apply_evolution(const OpPlan<double>& p, index_t tile, double* t, Workspace<double>& w, int inner, bool inverse);
template void Executor<double>::apply_op(size_t i, index_t tile, double* t, Workspace<double>& w, int inner, bool inverse);
template void Executor<double>::apply_rest(const Block& b, index_t tile, double* t, Workspace<double>& w, bool inverse, double* saved,
                const double* phase);
template std::pair<const double*, const double*> Executor<double>::rotation_coefs(size_t i, const Workspace<double>& w, bool inverse) const;
template kernels::RotationSet<double> Executor<double>::filled_set(const Block& b, const Block::Run& run, const Workspace<double>& w,
                                      bool inverse) const;
template void Executor<double>::gather(const Block& b, const double* t, index_t outer, double* out) const;
template void Executor<double>::scatter(const Block& b, const double* in, index_t outer, double* t) const;
template void Executor<double>::apply_phase(const Block& b, double* t, bool inverse, const double* from);
template void Executor<double>::forward_block(const Block& b, index_t tile, double* psi, Workspace<double>& w);
template void Executor<double>::init_state(index_t tile, double* t, Workspace<double>& w);
template double Executor<double>::embedding_norm(const LoweredOp& op, const double* x);

}  // namespace tangle::detail::statevector
