// The simulator's hot loops, as a table of function pointers chosen once at run time by CPU
// features (AVX-512, AVX2+FMA, or the x86-64 baseline).
//
// Storage ("tile") layout. A tile holds L lanes of amplitudes, L = 64 bytes / sizeof(Real):
// 8 doubles or 16 floats, one cache line per component. Amplitude index bits split in two:
// the low `lq` bits of the storage index live inside the lanes, the rest select a vector.
// Vector v occupies 2L reals: the real parts of its L lanes, then the imaginary parts.
// The remaining lane bits (above the lq amplitude bits) number samples of the batch, so for
// batches of at least L samples every lane is a sample and every gate is a plain vector sweep;
// for a batch of one sample the lanes hold the lowest qubits instead (qsim's "low qubits").
//
// Kernels are free functions on raw pointers and POD arguments: no allocation, no exceptions,
// no checks (the API layer validated everything). Each works on a range [begin, end) of
// group indices so that the caller decides how to split work over threads. Reductions add
// into a caller-zeroed accumulator in Real; the caller cuts ranges into fixed chunks and sums
// the chunks in order (in double), so results never depend on the number of threads.
#pragma once

#include <cstdint>

#include "tangle/core/bits.hpp"
#include "tangle/core/types.hpp"

namespace tangle::kernels {

template <typename Real>
inline constexpr int kLanes = 64 / static_cast<int>(sizeof(Real));


/// Which vectors a k-target operation visits. A group is the set of 2^kh vectors that share
/// every bit except the targets'; groups are numbered 0..count by the free bits.
struct GroupIndex {
  int n_ins = 0;             // number of zero bits inserted into a group number
  int ins[64] = {};          // their vector-bit positions, ascending (targets and controls)
  std::uint64_t fixed = 0;   // bits set in every visited vector (controls that must be 1)
  int kh = 0;                // targets among the vector bits
  const index_t* offsets = nullptr;  // 2^kh vector offsets, in local index order
  index_t count = 0;         // number of groups

  index_t base(index_t k) const {
    return static_cast<index_t>(insert_zero_bits(static_cast<std::uint64_t>(k), ins, n_ins) | fixed);
  }
};

/// How a matrix's coefficients are stored.
enum class CoefMode : std::uint8_t {
  UniformComplex,  // [dim*dim] x {re, im}: the same for every lane
  LaneComplex,     // [dim*dim] x {re[L], im[L]}: one value per lane
  LaneReal,        // [dim*dim] x re[L]
};

/// A Pauli word's action P|j> = i^ny (-1)^popcount((j ^ xy) & zy) |j ^ xy>, split into vector bits
/// (xv, zv) and lane bits (xl = lane permutation; the lane part of the sign is in a per-lane factor).
struct PauliIndex {
  std::uint64_t xv = 0;  // vector bits flipped
  std::uint64_t zv = 0;  // vector bits contributing to the sign
  int xl = 0;            // lanes exchanged: lane l reads lane l ^ xl
  GroupIndex groups;     // groups = pairs (v, v ^ xv) when xv != 0, single vectors otherwise;
                         // controls restrict them; offsets unused
};

template <typename Real>
struct KernelTable {
  const char* isa;

  /// out[group] = M * in[group]; with kl lane targets, M is split into `n_perm` lane permutations:
  /// out[o] = sum_i sum_p C[o][i][p] . perm_p(in[i]). For n_perm == 1 the lane permutation is none.
  void (*apply_matrix)(Real* tile, const GroupIndex& g, CoefMode mode, const Real* coef, int n_perm,
                       const int* lane_perm, index_t begin, index_t end);

  /// out[base + off_j] = d[j] . in[base + off_j], d per lane complex: [2^kh] x {re[L], im[L]}.
  void (*apply_diagonal)(Real* tile, const GroupIndex& g, const Real* d, index_t begin, index_t end);

  /// Moves vectors inside each group: out[off[dst[j]]] = phase[j] * in[off[j]] (uniform phases).
  void (*apply_permutation)(Real* tile, const GroupIndex& g, const int* dst, const Real* phase,
                            index_t begin, index_t end);

  /// exp(-i theta/2 P) on the control-active subspace: out_j = c . a_j + kappa . s_hi(j) . a_(j^xy),
  /// with c and kappa per lane (kappa real, or imaginary when `kappa_imag`).
  void (*apply_pauli_rotation)(Real* tile, const PauliIndex& p, const Real* c, const Real* kappa,
                               bool kappa_imag, index_t begin, index_t end);

  /// acc[lane] += sum_j conj(a_j) . sign(j) . b_(j^xy) over the visited groups; sign per lane in `lane_sign`.
  void (*pauli_inner)(const Real* a, const Real* b, const PauliIndex& p, const Real* lane_sign,
                      index_t begin, index_t end, Real* acc);

  /// dst_j += coef . sign(j) . src_(j^xy), coef per lane complex.
  void (*pauli_axpy)(Real* dst, const Real* src, const PauliIndex& p, const Real* coef,
                     index_t begin, index_t end);

  /// acc[i][j][p] += a[off_i] . conj(perm_p(b[off_j])) over groups; acc is {re[L], im[L]} per entry.
  void (*partial_outer)(const Real* a, const Real* b, const GroupIndex& g, int n_perm,
                        const int* lane_perm, index_t begin, index_t end, Real* acc);

  /// acc[j][lane] += |a[base + off_j]|^2.
  void (*probabilities)(const Real* a, const GroupIndex& g, index_t begin, index_t end, Real* acc);

  /// dst[base + off_j] += w[j] . src[base + off_j], w per lane real: [2^kh] x re[L].
  void (*weighted_axpy)(Real* dst, const Real* src, const GroupIndex& g, const Real* w,
                        index_t begin, index_t end);

  /// out[v] = phase[v] * in[v] for vectors v in [begin, end): one complex number {re, im} per
  /// vector, the same for every lane (a diagonal shared by the batch).
  void (*apply_phase_table)(Real* tile, const Real* phase, index_t begin, index_t end);

  /// t[v][lane] = Im(conj(a_v) b_v) for vectors v in [begin, end).
  void (*imag_products)(const Real* a, const Real* b, index_t begin, index_t end, Real* t);

  /// acc[k][lane] += sum_v (-1)^popcount(v & masks[k]) t[v][lane] over v in [begin, end), for
  /// k < n_masks (at most 32): the Z-string gradients of a fused diagonal segment.
  void (*signed_sums)(const Real* t, const std::uint64_t* masks, int n_masks, index_t begin, index_t end, Real* acc);
};

/// The best table this CPU supports (chosen once).
template <typename Real>
const KernelTable<Real>& kernel_table();

/// A table by instruction-set name ("avx512", "avx2", "generic"), or nullptr if this CPU lacks it.
template <typename Real>
const KernelTable<Real>* kernel_table_for(const char* isa);

/// Tables built into this binary, compiled for each instruction set.
namespace generic {
template <typename Real> const KernelTable<Real>& table();
}
namespace avx2 {
template <typename Real> const KernelTable<Real>& table();
}
namespace avx512 {
template <typename Real> const KernelTable<Real>& table();
}

}  // namespace tangle::kernels
