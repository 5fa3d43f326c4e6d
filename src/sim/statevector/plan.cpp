// Planning one call: how the program's ops run on this batch's tiles (executor.hpp).
#include "executor.hpp"

namespace tangle::detail::statevector {


// ---------------------------------------------------------------------------------------
// Blocks and plans
// Vector bits an op touches, or -1 if it must run on the whole tile.
template <typename Real>
std::int64_t Executor<Real>::footprint(const LoweredOp& op) const {
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

template <typename Real>
void Executor<Real>::build_blocks() {
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

template <typename Real>
void Executor<Real>::build_plans() {
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
      case LoweredOp::Kind::Channel:
        TANGLE_CHECK(false, "the statevector backend cannot run channels");
        break;
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

  readouts_.build(prog_.readouts, geo_);
  needs_copy_ = needs_copy_ || readouts_.needs_copy();
  max_reduction_reals_ = std::max<index_t>(max_reduction_reals_, readouts_.reduction_reals());
}

// Splits each in-place block into fused and other ops, builds the fused phase tables, and
// decides where the forward pass saves psi for the backward pass.
template <typename Real>
void Executor<Real>::build_segments() {
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
template <typename Real>
bool Executor<Real>::set_member(size_t i) const {
  const OpPlan<Real>& p = plans_[i];
  const kernels::PauliIndex& x = p.pauli.index;
  return p.op->kind == LoweredOp::Kind::PauliRotation && x.xv != 0 && x.xl == 0 && x.groups.n_ins == 1 &&
         x.groups.fixed == 0;
}

// Cuts b.rest into runs: consecutive set members whose flips are linearly independent, up to
// RotationSet::kMax at a time, share one pass; everything else runs alone.
template <typename Real>
void Executor<Real>::build_runs(Block& b) {
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
template <typename Real>
std::pair<AlignedBuffer<Real>, AlignedBuffer<Real>> Executor<Real>::build_phase_table(const std::vector<size_t>& ops) const {
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

template <typename Real>
void Executor<Real>::update_reduction_size(const OpPlan<Real>& p) {
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

template <typename Real>
void Executor<Real>::init_workspace(Workspace<Real>& w) const {
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
template <typename Real>
void Executor<Real>::prepare_tile(index_t tile, Workspace<Real>& w) {
  for (size_t i = 0; i < plans_.size(); ++i) {
    const OpPlan<Real>& p = plans_[i];
    if (!p.per_tile) continue;
    auto angle = [&](int l) { return lane_angle(p.op->angle, tile, l); };
    Real* d = w.lane[i].data();
    if (p.op->kind == LoweredOp::Kind::PauliRotation) fill_rotation(p, angle, d, d + L, d + 2 * L);
    if (p.op->kind == LoweredOp::Kind::Phase) fill_phase(p, angle, d, d + 2 * L);
  }
}

template std::int64_t Executor<float>::footprint(const LoweredOp& op) const;
template void Executor<float>::build_blocks();
template void Executor<float>::build_plans();
template void Executor<float>::build_segments();
template bool Executor<float>::set_member(size_t i) const;
template void Executor<float>::build_runs(Block& b);
template std::pair<AlignedBuffer<float>, AlignedBuffer<float>> Executor<float>::build_phase_table(const std::vector<size_t>& ops) const;
template void Executor<float>::update_reduction_size(const OpPlan<float>& p);
template void Executor<float>::init_workspace(Workspace<float>& w) const;
template void Executor<float>::prepare_tile(index_t tile, Workspace<float>& w);
template std::int64_t Executor<double>::footprint(const LoweredOp& op) const;
template void Executor<double>::build_blocks();
template void Executor<double>::build_plans();
template void Executor<double>::build_segments();
template bool Executor<double>::set_member(size_t i) const;
template void Executor<double>::build_runs(Block& b);
template std::pair<AlignedBuffer<double>, AlignedBuffer<double>> Executor<double>::build_phase_table(const std::vector<size_t>& ops) const;
template void Executor<double>::update_reduction_size(const OpPlan<double>& p);
template void Executor<double>::init_workspace(Workspace<double>& w) const;
template void Executor<double>::prepare_tile(index_t tile, Workspace<double>& w);

}  // namespace tangle::detail::statevector
