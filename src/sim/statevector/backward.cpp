// The adjoint sweep: gradients of every op kind, lambda (and psi) taken back (executor.hpp).
#include "executor.hpp"

namespace tangle::detail::statevector {

// The angle gradients of a set run's rotations at psi and lambda, in one pass, into acc.
template <typename Real>
void Executor<Real>::set_gradients(const Block& b, const Block::Run& run, index_t tile, const Real* psi, const Real* lam,
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
template <typename Real>
void Executor<Real>::chain_set_sums(const Block& b, const Block::Run& run, const double* sums, bool reversed, index_t tile,
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

// The adjoint step of a set run without saved states: its gradients at its end, then the set
// un-applied to psi and lambda, in one pass (kernels' adjoint_pauli_rotations).
template <typename Real>
void Executor<Real>::set_adjoint(const Block& b, const Block::Run& run, index_t tile, Real* psi, Real* lam, Workspace<Real>& w,
                 SegmentAcc* acc) {
  const kernels::RotationSet<Real> rs = filled_set(b, run, w, true);
  Scratch<Real>& s = w.scratch[0];
  const double* sums = reduce(s, rs.groups.count, 1 << rs.count, static_cast<index_t>(rs.count) * 2 * L,
                              inner_threads_, [&](index_t b0, index_t b1, Real* tmp) {
                                kt_.adjoint_pauli_rotations(psi, lam, rs, b0, b1, tmp);
                              });
  chain_set_sums(b, run, sums, true, tile, s, acc);  // the inverse set holds the run in reverse order
}

// ---------------------------------------------------------------------------------------
// Gradients
// Adds d(loss)/d(angle) for each slot of a tile into the weights and inputs it depends on.
template <typename Real>
void Executor<Real>::chain_angle(const Expr& e, index_t tile, const double* d_angle, SegmentAcc* acc) {
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

template <typename Real>
void Executor<Real>::add_weight(index_t row, index_t k, double d, SegmentAcc* acc) {
  if (req_.d_weights == nullptr) return;
  if (req_.per_sample_weights) {
    req_.d_weights[row * prog_.n_weights + k] += d;
  } else {
    acc->dw[static_cast<size_t>(k)] += d;
  }
}

// d(loss)/d(angle) per slot of a Pauli rotation or phase, from psi and lambda after the op.
template <typename Real>
void Executor<Real>::angle_gradient(const OpPlan<Real>& p, Scratch<Real>& s, const Real* psi, const Real* lam, int inner,
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

template <typename Real>
void Executor<Real>::backward_op(size_t i, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc) {
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
    case LoweredOp::Kind::Channel:  // never planned (execute_statevector refuses channels)
      break;
  }
}

// The gradients of a block's phase table (its Z rotations, all at the block's end):
// d/dtheta_k = Im <lambda| Z_k |psi> = sum_v sigma_k(v) Im(conj(lambda_v) psi_v).
// `phase` (nullptr, or the block's forward phase table) multiplies psi first: for a block that
// reads the previous block's saved state.
template <typename Real>
void Executor<Real>::phase_gradients(const Block& b, index_t tile, const Real* psi, const Real* lam, const Real* phase,
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
template <typename Real>
void Executor<Real>::phase_adjoint(const Block& b, index_t tile, const Real* psi, Real* lam, const Real* phase, bool last,
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

template <typename Real>
std::vector<std::uint64_t> Executor<Real>::phase_masks(const Block& b) const {
  std::vector<std::uint64_t> masks;
  for (size_t i : b.fused) masks.push_back(plans_[i].pauli.index.zv);
  return masks;
}

// Per-lane sums of the masks of b.fused ({L} per mask) into the ops' angle gradients.
template <typename Real>
void Executor<Real>::chain_phase_sums(const Block& b, index_t tile, const double* sums, SegmentAcc* acc) {
  std::vector<double> d(static_cast<size_t>(geo_.samples_per_tile));
  for (size_t k = 0; k < b.fused.size(); ++k) {
    std::fill(d.begin(), d.end(), 0.0);
    for (int l = 0; l < L; ++l) d[static_cast<size_t>(geo_.sample_slot(l))] += sums[k * L + static_cast<size_t>(l)];
    chain_angle(prog_.ops[b.fused[k]].angle, tile, d.data(), acc);
  }
}

// A segment of commuting ops: every gradient read at its end, then lambda (and, without
// saved states, psi) taken back through it.
template <typename Real>
void Executor<Real>::backward_segment(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
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

template <typename Real>
void Executor<Real>::backward_block(const Block& b, index_t tile, Real* psi, Real* lam, Workspace<Real>& w, SegmentAcc* acc,
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

// The local vector of sample `slot` of a tile (whole_register ops only).
template <typename Real>
void Executor<Real>::slot_vector(const TargetMap& tm, const Real* t, int slot, cdouble* out) const {
  for (size_t j = 0; j < tm.offsets.size(); ++j) {
    const index_t at = 2 * L * tm.offsets[j] + slot;
    out[tm.loc_hi[j]] = cdouble(t[at], t[at + L]);
  }
}

// Y = V^T R V per slot, R = sum over the other qubits of psi_prev lambda^dagger. When the op
// covers the whole register, R is the outer product of two vectors: Y is kept as its factors
// (V^T psi)(V^T lambda)^dagger, two matrix-vector products instead of two matrix products.
template <typename Real>
typename Executor<Real>::EvolutionY Executor<Real>::evolution_y(const OpPlan<Real>& p, index_t tile, const EvoCache<Real>& e, const Real* psi,
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
template <typename Real>
void Executor<Real>::evolution_gradient(const OpPlan<Real>& p, index_t tile, const Real* psi, const Real* lam, Workspace<Real>& w,
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
template <typename Real>
void Executor<Real>::flush_evolution_gradients(index_t tile, Workspace<Real>& w) {
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

template <typename Real>
void Executor<Real>::embedding_gradient(const OpPlan<Real>& p, index_t tile, const Real* lam) {
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

template <typename Real>
void Executor<Real>::finish_weights(const std::vector<SegmentAcc>& seg) {
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

template void Executor<float>::set_gradients(const Block& b, const Block::Run& run, index_t tile, const float* psi, const float* lam,
                   Workspace<float>& w, SegmentAcc* acc);
template void Executor<float>::chain_set_sums(const Block& b, const Block::Run& run, const double* sums, bool reversed, index_t tile,
                    Scratch<float>& s, SegmentAcc* acc);
template void Executor<float>::set_adjoint(const Block& b, const Block::Run& run, index_t tile, float* psi, float* lam, Workspace<float>& w,
                 SegmentAcc* acc);
template void Executor<float>::chain_angle(const Expr& e, index_t tile, const double* d_angle, SegmentAcc* acc);
template void Executor<float>::add_weight(index_t row, index_t k, double d, SegmentAcc* acc);
template void Executor<float>::angle_gradient(const OpPlan<float>& p, Scratch<float>& s, const float* psi, const float* lam, int inner,
                    double* d_angle);
template void Executor<float>::backward_op(size_t i, index_t tile, float* psi, float* lam, Workspace<float>& w, SegmentAcc* acc);
template void Executor<float>::phase_gradients(const Block& b, index_t tile, const float* psi, const float* lam, const float* phase,
                     Workspace<float>& w, SegmentAcc* acc);
template void Executor<float>::phase_adjoint(const Block& b, index_t tile, const float* psi, float* lam, const float* phase, bool last,
                   Workspace<float>& w, SegmentAcc* acc);
template std::vector<std::uint64_t> Executor<float>::phase_masks(const Block& b) const;
template void Executor<float>::chain_phase_sums(const Block& b, index_t tile, const double* sums, SegmentAcc* acc);
template void Executor<float>::backward_segment(const Block& b, index_t tile, float* psi, float* lam, Workspace<float>& w, SegmentAcc* acc,
                      bool last);
template void Executor<float>::backward_block(const Block& b, index_t tile, float* psi, float* lam, Workspace<float>& w, SegmentAcc* acc,
                    bool last);
template void Executor<float>::slot_vector(const TargetMap& tm, const float* t, int slot, cdouble* out) const;
template Executor<float>::EvolutionY Executor<float>::evolution_y(const OpPlan<float>& p, index_t tile, const EvoCache<float>& e, const float* psi,
                       const float* lam, Workspace<float>& w);
template void Executor<float>::evolution_gradient(const OpPlan<float>& p, index_t tile, const float* psi, const float* lam, Workspace<float>& w,
                        SegmentAcc* acc);
template void Executor<float>::flush_evolution_gradients(index_t tile, Workspace<float>& w);
template void Executor<float>::embedding_gradient(const OpPlan<float>& p, index_t tile, const float* lam);
template void Executor<float>::finish_weights(const std::vector<SegmentAcc>& seg);
template void Executor<double>::set_gradients(const Block& b, const Block::Run& run, index_t tile, const double* psi, const double* lam,
                   Workspace<double>& w, SegmentAcc* acc);
template void Executor<double>::chain_set_sums(const Block& b, const Block::Run& run, const double* sums, bool reversed, index_t tile,
                    Scratch<double>& s, SegmentAcc* acc);
template void Executor<double>::set_adjoint(const Block& b, const Block::Run& run, index_t tile, double* psi, double* lam, Workspace<double>& w,
                 SegmentAcc* acc);
template void Executor<double>::chain_angle(const Expr& e, index_t tile, const double* d_angle, SegmentAcc* acc);
template void Executor<double>::add_weight(index_t row, index_t k, double d, SegmentAcc* acc);
template void Executor<double>::angle_gradient(const OpPlan<double>& p, Scratch<double>& s, const double* psi, const double* lam, int inner,
                    double* d_angle);
template void Executor<double>::backward_op(size_t i, index_t tile, double* psi, double* lam, Workspace<double>& w, SegmentAcc* acc);
template void Executor<double>::phase_gradients(const Block& b, index_t tile, const double* psi, const double* lam, const double* phase,
                     Workspace<double>& w, SegmentAcc* acc);
template void Executor<double>::phase_adjoint(const Block& b, index_t tile, const double* psi, double* lam, const double* phase, bool last,
                   Workspace<double>& w, SegmentAcc* acc);
template std::vector<std::uint64_t> Executor<double>::phase_masks(const Block& b) const;
template void Executor<double>::chain_phase_sums(const Block& b, index_t tile, const double* sums, SegmentAcc* acc);
template void Executor<double>::backward_segment(const Block& b, index_t tile, double* psi, double* lam, Workspace<double>& w, SegmentAcc* acc,
                      bool last);
template void Executor<double>::backward_block(const Block& b, index_t tile, double* psi, double* lam, Workspace<double>& w, SegmentAcc* acc,
                    bool last);
template void Executor<double>::slot_vector(const TargetMap& tm, const double* t, int slot, cdouble* out) const;
template Executor<double>::EvolutionY Executor<double>::evolution_y(const OpPlan<double>& p, index_t tile, const EvoCache<double>& e, const double* psi,
                       const double* lam, Workspace<double>& w);
template void Executor<double>::evolution_gradient(const OpPlan<double>& p, index_t tile, const double* psi, const double* lam, Workspace<double>& w,
                        SegmentAcc* acc);
template void Executor<double>::flush_evolution_gradients(index_t tile, Workspace<double>& w);
template void Executor<double>::embedding_gradient(const OpPlan<double>& p, index_t tile, const double* lam);
template void Executor<double>::finish_weights(const std::vector<SegmentAcc>& seg);

}  // namespace tangle::detail::statevector
