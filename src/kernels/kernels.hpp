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

#include <bit>
#include <cstdint>
#include <type_traits>
#include <utility>

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

/// Up to kMax Pauli rotations applied in order in one pass. They are uncontrolled, exchange no
/// lanes, and their vector flips x_i are linearly independent, so each group is a coset
/// {v ^ X_m : m < 2^count} of the span of the flips (X_m = xor of x_i over the bits i of m), and
/// rotation i pairs member m with member m ^ 2^i. The 2^count vectors of a group are loaded and
/// stored once for all the rotations.
template <typename Real>
struct RotationSet {
  static constexpr int kMax = 3;
  int count = 0;
  std::uint64_t zv[kMax] = {};           // vector bits of each rotation's sign
  unsigned sign[kMax] = {};              // bit m of sign[i]: parity(X_m & zv[i])
  index_t member[1 << kMax] = {};        // X_m
  const Real* c[kMax] = {};              // per lane, as for apply_pauli_rotation
  const Real* kappa[kMax] = {};
  unsigned imag = 0;                     // bit i: rotation i's kappa is imaginary
  GroupIndex groups;                     // coset representatives: zero bits at the pivots
};

/// Fills the geometry of a RotationSet (not its coefficients) for `count` rotations with vector
/// flips xv[i], sign bits zv[i] and imaginary kappas where bit i of `imag` is set, on tiles of
/// n_vec vectors. False when count is out of range or the flips are not linearly independent.
template <typename Real>
bool plan_rotation_set(int count, const std::uint64_t* xv, const std::uint64_t* zv, unsigned imag,
                       index_t n_vec, RotationSet<Real>& rs) {
  constexpr int kMax = RotationSet<Real>::kMax;
  if (count < 1 || count > kMax || (n_vec >> count) == 0) return false;
  // Gaussian elimination over GF(2): each reduced flip keeps a pivot bit no other one has, so
  // the vectors with every pivot bit clear are one representative per coset.
  std::uint64_t basis[kMax];
  int pivot[kMax];
  for (int i = 0; i < count; ++i) {
    std::uint64_t x = xv[i];
    for (int j = 0; j < i; ++j)
      if ((x >> pivot[j]) & 1) x ^= basis[j];
    if (x == 0) return false;
    pivot[i] = std::countr_zero(x);
    for (int j = 0; j < i; ++j)
      if ((basis[j] >> pivot[i]) & 1) basis[j] ^= x;
    basis[i] = x;
  }
  rs = RotationSet<Real>{};
  rs.count = count;
  rs.imag = imag;
  for (int m = 0; m < (1 << count); ++m) {
    std::uint64_t x = 0;
    for (int i = 0; i < count; ++i)
      if ((m >> i) & 1) x ^= xv[i];
    rs.member[m] = static_cast<index_t>(x);
    for (int i = 0; i < count; ++i)
      if (std::popcount(x & zv[i]) & 1) rs.sign[i] |= 1u << m;
  }
  for (int i = 0; i < count; ++i) rs.zv[i] = zv[i];
  for (int i = 1; i < count; ++i)  // ascending, as the group numbering inserts them
    for (int j = i; j > 0 && pivot[j - 1] > pivot[j]; --j) std::swap(pivot[j - 1], pivot[j]);
  rs.groups.n_ins = count;
  for (int i = 0; i < count; ++i) rs.groups.ins[i] = pivot[i];
  rs.groups.count = n_vec >> count;
  return true;
}

/// Masks per signed_sums or phase_adjoint call, and phase_adjoint's run of vectors.
inline constexpr int kMaxPhaseMasks = 32;
inline constexpr int kPhaseRun = 8;

/// DARUAN edge tables (daruan_impl.hpp): per edge {coef, X0, Y0, Z0, then per repetition
/// w, phase, cos b, sin b, then cos t01, sin t01}; per-edge gradients {d coef, d t00, d t01, then
/// per repetition d phase, d w, d b}. Repetitions are bounded so that the backward pass keeps
/// each one's cos and sin in a fixed stack array.
inline constexpr int kMaxDaruanReps = 64;
constexpr index_t daruan_edge_stride(int reps) { return 6 + 4 * static_cast<index_t>(reps); }
constexpr index_t daruan_grad_stride(int reps) { return 3 + 3 * static_cast<index_t>(reps); }

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

  /// The rotations of a RotationSet, in order, over its groups [begin, end).
  void (*apply_pauli_rotations)(Real* tile, const RotationSet<Real>& r, index_t begin, index_t end);

  /// apply_pauli_rotations, then the result stored into `saved` (unless nullptr) and multiplied
  /// by `phase` (per vector, as apply_phase_table) in the tile: a set, the saved state after it
  /// and the phase table of the segment after it, in one pass.
  void (*apply_pauli_rotations_phase)(Real* tile, Real* saved, const Real* phase, const RotationSet<Real>& r,
                                      index_t begin, index_t end);

  /// For each rotation i of a RotationSet (its coefficients unused): acc[i][lane] (complex,
  /// {re[L], im[L]}) += sum_j conj(a_j) . sign_i(j) . b_(j ^ x_i) over the set's groups
  /// [begin, end): pauli_inner of every rotation in one pass, without the lane part of the sign.
  /// Only the part an angle gradient reads is summed: the imaginary part for rotations with an
  /// imaginary kappa (bit i of r.imag), the real part for the others; the other part is left as
  /// it was.
  void (*pauli_inner_set)(const Real* a, const Real* b, const RotationSet<Real>& r, index_t begin, index_t end,
                          Real* acc);

  /// The adjoint step of a set, given as its inverse `r` (rotations in reverse order, kappas
  /// negated): acc[i] += pauli_inner_set(lam, psi) for r's rotation i, at the input states; then
  /// r applied to psi and to lam. One pass over both states.
  void (*adjoint_pauli_rotations)(Real* psi, Real* lam, const RotationSet<Real>& r, index_t begin, index_t end,
                                  Real* acc);

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
  /// vector, the same for every lane (a diagonal shared by the batch). `in` may be `out`.
  void (*apply_phase_table)(Real* out, const Real* in, const Real* phase, index_t begin, index_t end);

  /// One doubling step of a product state: for v in [begin, end) (within [0, half)),
  /// t[v + half] = f1 . t[v] and then t[v] = f0 . t[v], with f = {f0 re[L], f0 im[L], f1 re[L],
  /// f1 im[L]} per lane.
  void (*product_double)(Real* tile, const Real* f, index_t half, index_t begin, index_t end);

  /// t[v][lane] = Im(conj(a_v) p_v b_v) for vectors v in [begin, end), p_v = phase[v] (one complex
  /// {re, im} per vector, as in apply_phase_table) or 1 when phase is nullptr.
  void (*imag_products)(const Real* a, const Real* b, const Real* phase, index_t begin, index_t end, Real* t);

  /// acc[k][lane] += sum_v (-1)^popcount(v & masks[k]) t[v][lane] over v in [begin, end), for
  /// k < n_masks (at most kMaxPhaseMasks): the Z-string gradients of a fused diagonal segment.
  void (*signed_sums)(const Real* t, const std::uint64_t* masks, int n_masks, index_t begin, index_t end, Real* acc);

  /// The contraction of a tile with a product state split at vector bit k: with t_v = conj(lam_v)
  /// and v = h 2^k + j, for h in [begin, end): c[h] = sum_j t_v w_lo[j], and d[j] += sum_h t_v w_hi[h]
  /// for every j < 2^k. w_lo [2^k], w_hi, c and d hold one complex per lane ({re[L], im[L]}) per entry.
  /// (One pass over the tile for every one-open contraction of a product-state prefix's gradients.)
  void (*product_contract)(const Real* lam, const Real* w_lo, const Real* w_hi, int k, index_t begin, index_t end,
                           Real* c, Real* d);

  /// A phase-only segment's adjoint step in one pass over vectors [begin, end) (multiples of 8):
  /// acc[k][lane] += sum_v (-1)^popcount(v & masks[k]) Im(conj(lam_v) p_v psi_v) for k < n_masks
  /// (at most kMaxPhaseMasks), p as in imag_products; then, when `inv` is not nullptr, lam_v = inv[v] . lam_v.
  /// imag_products and signed_sums in one, without their buffer, and the table un-applied.
  void (*phase_adjoint)(Real* lam, const Real* psi, const Real* phase, const Real* inv, const std::uint64_t* masks,
                        int n_masks, index_t begin, index_t end, Real* acc);

  /// DARUAN layer forward: yT[j][v] = sum_i coef_ji <Z>_ji(xT[i][v]) for rows j in [j_begin, j_end)
  /// and vectors v in [v_begin, v_end) of L samples; xT [n_in][ld], yT [n_out][ld] (transposed).
  void (*daruan_forward)(const Real* xT, const Real* edges, index_t n_in, int reps, index_t ld, index_t j_begin,
                         index_t j_end, index_t v_begin, index_t v_end, Real* yT);

  /// DARUAN layer backward for the inputs i in [i_begin, i_end) (every row j and every vector):
  /// dxT[i] = d(sum_j gT[j] . yT[j]) / dxT[i], written; grads of the edges (j, i), written, each
  /// summed over the samples. Inputs own disjoint edges, so ranges can run in parallel.
  void (*daruan_backward)(const Real* xT, const Real* gT, const Real* edges, index_t n_in, index_t n_out, int reps,
                          index_t ld, index_t i_begin, index_t i_end, Real* dxT, Real* grads);

  /// A peak-rate probe: iters rounds of 16 independent vector multiply-adds (32 L flops per
  /// round); the sums go to out [L].
  void (*fma_probe)(Real* out, index_t iters);
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
