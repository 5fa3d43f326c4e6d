// Operations on whole tiles that every backend shares: local matrices planned for the kernels
// (uniform, or one per sample slot), their application split over threads, and reductions in
// fixed chunks, so that sums never depend on the number of threads (kernels/kernels.hpp has
// the tile layout, geometry.hpp the mapping of wires onto it).
#pragma once

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/kernels.hpp"
#include "sim/dense_math.hpp"
#include "sim/geometry.hpp"
#include "tangle/core/memory.hpp"

namespace tangle::detail::tile {

using kernels::CoefMode;
using kernels::GroupIndex;
using kernels::KernelTable;

inline constexpr int kMaxParts = 16;  // reduction parts per sweep: a fixed count, so sums never depend on threads

/// A local matrix in the form the kernels take: a lane-uniform permutation (with phases), a
/// diagonal, or dense coefficients (uniform, real per lane, or complex per lane with lane
/// permutations for lane targets).
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

/// The plan of one matrix shared by every sample (the cheapest kind its entries allow).
template <typename Real>
void plan_matrix(const TargetMap& tm, const MatrixC& m, int lanes, MatrixPlan<Real>& p);

/// The dense LaneComplex plan of per-lane matrices value(lane, row, col) (local indices, target
/// 0 most significant), with lane permutations for lane targets; lanes whose controls fail get
/// the identity.
template <typename Real, typename Value>
void plan_lane_matrices(const TargetMap& tm, int lanes, Value&& value, MatrixPlan<Real>& p) {
  const int L = lanes, dh = 1 << tm.kh, np = 1 << tm.kl;
  p.kind = MatrixPlan<Real>::Kind::Dense;
  p.mode = CoefMode::LaneComplex;
  p.n_perm = np;
  p.lane_perm = tm.lane_xor;
  p.coef.ensure(static_cast<size_t>(dh) * dh * np * 2 * L);
  for (int l = 0; l < L; ++l) {
    const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
    const bool active = tm.lane_active(l);
    for (int o = 0; o < dh; ++o)
      for (int i = 0; i < dh; ++i)
        for (int q = 0; q < np; ++q) {
          const cdouble v = active ? cdouble(value(l, tm.local(o, lo), tm.local(i, lo ^ q)))
                                   : cdouble((o == i && q == 0) ? 1.0 : 0.0);
          const size_t idx = static_cast<size_t>(((o * dh + i) * np + q) * 2 * L);
          p.coef[idx + static_cast<size_t>(l)] = static_cast<Real>(v.real());
          p.coef[idx + static_cast<size_t>(L + l)] = static_cast<Real>(v.imag());
        }
  }
}

/// The same for per-slot matrices value(slot, row, col): the lanes of a slot share its matrix.
template <typename Real, typename Value>
void plan_slot_matrices(const Geometry& geo, const TargetMap& tm, Value&& value, MatrixPlan<Real>& p) {
  plan_lane_matrices<Real>(tm, geo.lanes, [&](int lane, int r, int c) { return value(geo.sample_slot(lane), r, c); }, p);
}

/// Runs an elementwise kernel over `count` groups, split over `threads`. Elementwise results do
/// not depend on the split.
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

/// Applies a planned matrix to a tile (`threads` share it).
template <typename Real>
void apply_matrix_plan(const KernelTable<Real>& kt, const MatrixPlan<Real>& p, const TargetMap& tm, Real* t,
                       int threads) {
  const GroupIndex g = tm.groups();
  switch (p.kind) {
    case MatrixPlan<Real>::Kind::Permutation:
      sweep(g.count, threads, [&](index_t b, index_t e) {
        kt.apply_permutation(t, g, p.dst.data(), p.has_phase ? p.coef.data() : nullptr, b, e);
      });
      break;
    case MatrixPlan<Real>::Kind::Diagonal:
      sweep(g.count, threads, [&](index_t b, index_t e) { kt.apply_diagonal(t, g, p.coef.data(), b, e); });
      break;
    case MatrixPlan<Real>::Kind::Dense:
      sweep(g.count, threads, [&](index_t b, index_t e) {
        kt.apply_matrix(t, g, p.mode, p.coef.data(), p.n_perm, p.lane_perm.data(), b, e);
      });
      break;
  }
}

/// Reductions in fixed chunks: `kernel(begin, end, Real* acc)` over `count` groups; the sum of
/// every chunk is added, in chunk order within fixed parts, into the result (size `size`, in
/// double). The chunking depends on the geometry only, never on `threads`.
template <typename Real>
class Reducer {
 public:
  template <typename F>
  const double* reduce(index_t count, int vectors_per_group, index_t size, int threads, F&& kernel) {
    const index_t chunk = reduction_chunk(vectors_per_group);
    const index_t n_chunks = (count + chunk - 1) / chunk;
    const index_t parts = std::max<index_t>(1, std::min<index_t>(kMaxParts, n_chunks));
    tmp_.ensure(static_cast<size_t>(parts * size));
    if (acc_.size() < static_cast<size_t>(parts * size)) acc_.resize(static_cast<size_t>(parts * size));
    auto run_part = [&](index_t part) {
      Real* tmp = tmp_.data() + part * size;
      double* acc = acc_.data() + part * size;
      std::fill(acc, acc + size, 0.0);
      const index_t c0 = n_chunks * part / parts, c1 = n_chunks * (part + 1) / parts;
      for (index_t c = c0; c < c1; ++c) {
        std::fill(tmp, tmp + size, Real(0));
        kernel(c * chunk, std::min(count, (c + 1) * chunk), tmp);
        for (index_t i = 0; i < size; ++i) acc[i] += static_cast<double>(tmp[i]);
      }
    };
    if (threads > 1 && parts > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
      for (index_t part = 0; part < parts; ++part) run_part(part);
    } else {
      for (index_t part = 0; part < parts; ++part) run_part(part);
    }
    out_.assign(static_cast<size_t>(size), 0.0);
    for (index_t part = 0; part < parts; ++part)
      for (index_t i = 0; i < size; ++i) out_[static_cast<size_t>(i)] += acc_[static_cast<size_t>(part * size + i)];
    return out_.data();
  }

  /// Bytes the buffers take for reductions of at most `size` reals.
  static std::uint64_t bytes(index_t size) {
    return static_cast<std::uint64_t>(size) * (sizeof(Real) + sizeof(double)) * kMaxParts;
  }

 private:
  AlignedBuffer<Real> tmp_;
  std::vector<double> acc_, out_;
};

/// out[slot] = i^ny times the sum over the slot's lanes of acc (complex, {re[L], im[L]}), each
/// lane first multiplied by lane_sign[lane] when given.
void slot_values(const Geometry& geo, const double* acc, const double* lane_sign, int ny, cdouble* out);

/// R_slot[i][j] = sum a_i conj(b_j) over everything but the targets, per slot (local indices).
template <typename Real>
void outer_slots(const KernelTable<Real>& kt, const Geometry& geo, Reducer<Real>& red, const Real* a, const Real* b,
                 const TargetMap& tm, int threads, std::vector<MatrixC>& r) {
  const int L = geo.lanes, dh = 1 << tm.kh, np = 1 << tm.kl, dim = 1 << tm.k;
  const index_t size = static_cast<index_t>(dh) * dh * np * 2 * L;
  const GroupIndex g = tm.groups();
  const double* acc = red.reduce(g.count, dh, size, threads, [&](index_t b0, index_t b1, Real* tmp) {
    kt.partial_outer(a, b, g, np, tm.lane_xor.data(), b0, b1, tmp);
  });
  r.assign(static_cast<size_t>(geo.samples_per_tile), MatrixC::Zero(dim, dim));
  for (int l = 0; l < L; ++l) {
    const int lo = tm.lo_of_lane[static_cast<size_t>(l)];
    MatrixC& rs = r[static_cast<size_t>(geo.sample_slot(l))];
    for (int i = 0; i < dh; ++i)
      for (int j = 0; j < dh; ++j)
        for (int q = 0; q < np; ++q) {
          const size_t idx = static_cast<size_t>(((i * dh + j) * np + q) * 2 * L);
          rs(tm.local(i, lo), tm.local(j, lo ^ q)) +=
              cdouble(acc[idx + static_cast<size_t>(l)], acc[idx + static_cast<size_t>(L + l)]);
        }
  }
}

/// out[slot] = <a|P|b> of the slot's lanes for a Pauli word mapped onto the geometry; `sign` is
/// an L-real scratch buffer.
template <typename Real>
void pauli_inner_slots(const KernelTable<Real>& kt, const Geometry& geo, Reducer<Real>& red, const Real* a,
                       const Real* b, const PauliMap& pm, int threads, Real* sign, cdouble* out) {
  const int L = geo.lanes;
  for (int l = 0; l < L; ++l) sign[l] = static_cast<Real>(pm.lane_sign[static_cast<size_t>(l)]);
  const int vpg = pm.index.xv != 0 ? 2 : 1;
  const double* acc = red.reduce(pm.index.groups.count, vpg, 2 * L, threads, [&](index_t b0, index_t b1, Real* tmp) {
    kt.pauli_inner(a, b, pm.index, sign, b0, b1, tmp);
  });
  slot_values(geo, acc, nullptr, pm.ny, out);
}

/// Copies a tile, split over threads.
template <typename Real>
void copy_tile(const Geometry& geo, const Real* from, Real* to, int threads) {
  const index_t w = 2 * geo.lanes;
  sweep(geo.n_vec, threads, [&](index_t v0, index_t v1) { std::copy(from + v0 * w, from + v1 * w, to + v0 * w); });
}

}  // namespace tangle::detail::tile
