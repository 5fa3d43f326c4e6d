// Product states: the leading one-qubit ops from |0...0>, and their gradients (executor.hpp).
#include "executor.hpp"

namespace tangle::detail::statevector {

// ---------------------------------------------------------------------------------------
// Product states. From |0...0>, one-qubit ops keep the state a product of one-qubit states:
// the leading blocks made only of them (a first layer of rotations, with the phase layer
// after it) are applied to 2-vectors per qubit and lane, and their states written out once,
// instead of one sweep of the tile per op.
template <typename Real>
bool Executor<Real>::is_one_qubit(const LoweredOp& op) {
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
template <typename Real>
void Executor<Real>::apply_one_qubit(const OpPlan<Real>& p, index_t tile, std::vector<std::array<cdouble, 2>>& factor,
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

template <typename Real>
void Executor<Real>::one_qubit_matrix(const LoweredOp& op, index_t tile, int lane, cdouble (&m)[2][2]) const {
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
template <typename Real>
void Executor<Real>::write_product(const std::vector<std::array<cdouble, 2>>& factor, const std::vector<cdouble>& global, Real* t,
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

template <typename Real>
void Executor<Real>::product_prefix(index_t tile, Real* psi, Workspace<Real>& w) {
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
template <typename Real>
void Executor<Real>::prefix_gradients(index_t tile, const Real* lam, Workspace<Real>& w, SegmentAcc* acc) {
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
template <typename Real>
cdouble Executor<Real>::mul(cdouble a, cdouble b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// m r for a 2 x 2 matrix m = {m00, m01, m10, m11}.
template <typename Real>
std::array<cdouble, 2> Executor<Real>::apply2(const std::array<cdouble, 4>& m, const std::array<cdouble, 2>& r) {
  return {mul(m[0], r[0]) + mul(m[1], r[1]), mul(m[2], r[0]) + mul(m[3], r[1])};
}

// out[j L + l] = g_l prod_{b < bits} f[b L + l][bit b of j] (g = 1 when nullptr), by doubling.
template <typename Real>
void Executor<Real>::product_table(const std::array<cdouble, 2>* f, int bits, const cdouble* g, std::vector<cdouble>& out) {
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
template <typename Real>
std::array<cdouble, 2> Executor<Real>::pauli_times(Pauli p, const std::array<cdouble, 2>& r) {
  const PauliMasks pm = pauli_masks(static_cast<std::uint64_t>(p), 1);
  std::array<cdouble, 2> out;
  for (std::uint64_t c = 0; c < 2; ++c) out[c ^ pm.x] = mul(pauli_phase(pm, c), r[c]);
  return out;
}

// e[b] for b < m ({x = 0, x = 1} per lane): the sum over the 2^m entries v of t (per lane,
// t[v L + l]) with bit b of v equal to x, of t_v prod_{b' != b} f[b'][v_b'] (f per bit and
// lane): every one-open contraction of t with the product state f. Split in halves: the low
// bits' come from t contracted over the high ones, and the other way round; O(2^m) per level.
template <typename Real>
void Executor<Real>::one_open(const std::vector<cdouble>& t, int m, const std::array<cdouble, 2>* f, std::array<cdouble, 2>* e) {
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

template bool Executor<float>::is_one_qubit(const LoweredOp& op);
template void Executor<float>::apply_one_qubit(const OpPlan<float>& p, index_t tile, std::vector<std::array<cdouble, 2>>& factor,
                     std::vector<cdouble>& global) const;
template void Executor<float>::one_qubit_matrix(const LoweredOp& op, index_t tile, int lane, cdouble (&m)[2][2]) const;
template void Executor<float>::write_product(const std::vector<std::array<cdouble, 2>>& factor, const std::vector<cdouble>& global, float* t,
                   float* f) const;
template void Executor<float>::product_prefix(index_t tile, float* psi, Workspace<float>& w);
template void Executor<float>::prefix_gradients(index_t tile, const float* lam, Workspace<float>& w, SegmentAcc* acc);
template cdouble Executor<float>::mul(cdouble a, cdouble b);
template std::array<cdouble, 2> Executor<float>::apply2(const std::array<cdouble, 4>& m, const std::array<cdouble, 2>& r);
template void Executor<float>::product_table(const std::array<cdouble, 2>* f, int bits, const cdouble* g, std::vector<cdouble>& out);
template std::array<cdouble, 2> Executor<float>::pauli_times(Pauli p, const std::array<cdouble, 2>& r);
template void Executor<float>::one_open(const std::vector<cdouble>& t, int m, const std::array<cdouble, 2>* f, std::array<cdouble, 2>* e);
template bool Executor<double>::is_one_qubit(const LoweredOp& op);
template void Executor<double>::apply_one_qubit(const OpPlan<double>& p, index_t tile, std::vector<std::array<cdouble, 2>>& factor,
                     std::vector<cdouble>& global) const;
template void Executor<double>::one_qubit_matrix(const LoweredOp& op, index_t tile, int lane, cdouble (&m)[2][2]) const;
template void Executor<double>::write_product(const std::vector<std::array<cdouble, 2>>& factor, const std::vector<cdouble>& global, double* t,
                   double* f) const;
template void Executor<double>::product_prefix(index_t tile, double* psi, Workspace<double>& w);
template void Executor<double>::prefix_gradients(index_t tile, const double* lam, Workspace<double>& w, SegmentAcc* acc);
template cdouble Executor<double>::mul(cdouble a, cdouble b);
template std::array<cdouble, 2> Executor<double>::apply2(const std::array<cdouble, 4>& m, const std::array<cdouble, 2>& r);
template void Executor<double>::product_table(const std::array<cdouble, 2>* f, int bits, const cdouble* g, std::vector<cdouble>& out);
template std::array<cdouble, 2> Executor<double>::pauli_times(Pauli p, const std::array<cdouble, 2>& r);
template void Executor<double>::one_open(const std::vector<cdouble>& t, int m, const std::array<cdouble, 2>* f, std::array<cdouble, 2>* e);

}  // namespace tangle::detail::statevector
