// Loops on a vectorized density matrix: vec(rho) of n qubits is a vector on 2n bits, index
// r * 2^n + c, so row wire q is bit 2n-1-q and column wire q is bit n-1-q. Every map rho -> A rho B^dagger
// is a local matrix on some of these bits: a unitary U is U on the row bits and conj(U) on the
// column bits, a channel its superoperator on both (channel.hpp).
//
// Each loop makes one pass over the vector (and a second one for the inner products), so a step
// moves 2 x 4^n x 2 sizeof(Real) bytes: memory-bound like the pure engine's sweeps.
#pragma once

#include <complex>
#include <cstdint>
#include <bit>
#include <vector>

#include "tangle/core/bits.hpp"
#include "tangle/core/types.hpp"

namespace tangle::detail::density {

template <typename Real>
using Cx = std::complex<Real>;

/// The positions a local map touches: `bits` (first = most significant local bit) and control
/// bits that must be set.
struct LocalBits {
  std::vector<int> bits;
  std::uint64_t ctrl = 0;
  // derived
  std::vector<index_t> offsets;  // 2^k offsets in local index order
  int ins[64] = {};
  int n_ins = 0;
  index_t groups = 0;

  LocalBits(std::vector<int> b, std::uint64_t control, int n_bits) : bits(std::move(b)), ctrl(control) {
    const int k = static_cast<int>(bits.size());
    offsets.assign(size_t{1} << k, 0);
    for (size_t i = 0; i < offsets.size(); ++i)
      for (int t = 0; t < k; ++t)
        if ((i >> (k - 1 - t)) & 1) offsets[i] |= index_t{1} << bits[static_cast<size_t>(t)];
    std::uint64_t used = ctrl;
    for (int b2 : bits) used |= std::uint64_t{1} << b2;
    for (int p = 0; p < n_bits; ++p)
      if ((used >> p) & 1) ins[n_ins++] = p;
    groups = index_t{1} << (n_bits - n_ins);
  }
  index_t base(index_t g) const {
    return static_cast<index_t>(insert_zero_bits(static_cast<std::uint64_t>(g), ins, n_ins) | ctrl);
  }
};

/// v[group] <- M v[group] for a 2^k x 2^k row-major matrix M.
template <typename Real>
void apply_local(Cx<Real>* v, const LocalBits& lb, const Cx<Real>* m) {
  const size_t dim = lb.offsets.size();
  const index_t* off = lb.offsets.data();
  if (dim == 2) {
    const Cx<Real> m00 = m[0], m01 = m[1], m10 = m[2], m11 = m[3];
    for (index_t g = 0; g < lb.groups; ++g) {
      const index_t b = lb.base(g);
      const Cx<Real> a0 = v[b + off[0]], a1 = v[b + off[1]];
      v[b + off[0]] = m00 * a0 + m01 * a1;
      v[b + off[1]] = m10 * a0 + m11 * a1;
    }
    return;
  }
  std::vector<Cx<Real>> in(dim);
  for (index_t g = 0; g < lb.groups; ++g) {
    const index_t b = lb.base(g);
    for (size_t i = 0; i < dim; ++i) in[i] = v[b + off[i]];
    for (size_t i = 0; i < dim; ++i) {
      Cx<Real> s = 0;
      const Cx<Real>* row = m + i * dim;
      for (size_t j = 0; j < dim; ++j) s += row[j] * in[j];
      v[b + off[i]] = s;
    }
  }
}

/// out[j][i] += sum over groups of a[g + off_j] conj(b[g + off_i]) (double accumulators).
template <typename Real>
void partial_outer(const Cx<Real>* a, const Cx<Real>* b, const LocalBits& lb, cdouble* out) {
  const size_t dim = lb.offsets.size();
  const index_t* off = lb.offsets.data();
  std::vector<cdouble> acc(dim * dim, 0.0);
  for (index_t g = 0; g < lb.groups; ++g) {
    const index_t base = lb.base(g);
    for (size_t j = 0; j < dim; ++j) {
      const cdouble aj(a[base + off[j]]);
      for (size_t i = 0; i < dim; ++i) acc[j * dim + i] += aj * std::conj(cdouble(b[base + off[i]]));
    }
  }
  for (size_t t = 0; t < dim * dim; ++t) out[t] += acc[t];
}

/// A Pauli word's action on some bits: P|j> = i^ny (-1)^popcount(j & z) |j ^ x>, active only
/// where the control bits are set (identity elsewhere).
struct PauliBits {
  std::uint64_t x = 0, z = 0, ctrl = 0;
  int ny = 0;
  int pivot = -1;  // highest bit of x, or -1
  template <typename Real>
  Cx<Real> phase(std::uint64_t j) const {
    static const Cx<Real> ipow[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    const int sign = std::popcount(j & z) & 1;
    const Cx<Real> p = ipow[ny & 3];
    return sign ? -p : p;
  }
};

/// v <- (c - i s P) v on the control-active subspace (exp(-i theta/2 P) for c = cos, s = sin of theta/2).
template <typename Real>
void apply_pauli_rotation(Cx<Real>* v, int n_bits, const PauliBits& p, Real c, Real s) {
  const index_t dim = index_t{1} << n_bits;
  const Cx<Real> mis(0, -s);
  if (p.x == 0) {
    for (index_t j = 0; j < dim; ++j) {
      if ((static_cast<std::uint64_t>(j) & p.ctrl) != p.ctrl) continue;
      v[j] *= Cx<Real>(c, 0) + mis * p.phase<Real>(static_cast<std::uint64_t>(j));
    }
    return;
  }
  const std::uint64_t hb = std::uint64_t{1} << p.pivot;
  for (index_t j = 0; j < dim; ++j) {
    const std::uint64_t uj = static_cast<std::uint64_t>(j);
    if ((uj & hb) || (uj & p.ctrl) != p.ctrl) continue;
    const std::uint64_t k = uj ^ p.x;
    const Cx<Real> a = v[j], b = v[k];
    v[j] = c * a + mis * p.phase<Real>(k) * b;
    v[k] = c * b + mis * p.phase<Real>(uj) * a;
  }
}

/// sum_j conj(lam_j) (P psi)_j over the control-active subspace, in double.
template <typename Real>
cdouble pauli_inner(const Cx<Real>* lam, const Cx<Real>* psi, int n_bits, const PauliBits& p) {
  const index_t dim = index_t{1} << n_bits;
  cdouble acc = 0.0;
  for (index_t j = 0; j < dim; ++j) {
    const std::uint64_t uj = static_cast<std::uint64_t>(j);
    if ((uj & p.ctrl) != p.ctrl) continue;
    const std::uint64_t k = uj ^ p.x;
    acc += std::conj(cdouble(lam[j])) * cdouble(p.phase<Real>(k) * psi[k]);
  }
  return acc;
}

/// v_j *= f where every bit of `mask` is set in j.
template <typename Real>
void apply_masked_factor(Cx<Real>* v, int n_bits, std::uint64_t mask, Cx<Real> f) {
  const index_t dim = index_t{1} << n_bits;
  for (index_t j = 0; j < dim; ++j)
    if ((static_cast<std::uint64_t>(j) & mask) == mask) v[j] *= f;
}

/// sum_j conj(lam_j) psi_j where every bit of `mask` is set in j.
template <typename Real>
cdouble masked_inner(const Cx<Real>* lam, const Cx<Real>* psi, int n_bits, std::uint64_t mask) {
  const index_t dim = index_t{1} << n_bits;
  cdouble acc = 0.0;
  for (index_t j = 0; j < dim; ++j)
    if ((static_cast<std::uint64_t>(j) & mask) == mask) acc += std::conj(cdouble(lam[j])) * cdouble(psi[j]);
  return acc;
}

}  // namespace tangle::detail::density
