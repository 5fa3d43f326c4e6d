// Kernel bodies. Included once per instruction set by kernels_<isa>.cpp, inside
// `namespace tangle::kernels::<isa>`, and compiled with that file's -m flags. The vectors are
// GCC vector extensions of 64 bytes: one AVX-512 register, two AVX2 registers or four SSE2
// registers, so the same source serves every instruction set.
//
// Nothing in here may be an inline function with external linkage shared with other files
// (the linker could pick the AVX-512 copy for everyone), hence the anonymous namespace.

namespace {

template <typename Real>
struct Vec;
template <>
struct Vec<double> {
  typedef double V __attribute__((vector_size(64), may_alias));
  typedef long long I __attribute__((vector_size(64)));
};
template <>
struct Vec<float> {
  typedef float V __attribute__((vector_size(64), may_alias));
  typedef int I __attribute__((vector_size(64)));
};

template <typename Real>
using V = typename Vec<Real>::V;
template <typename Real>
using IV = typename Vec<Real>::I;

template <typename Real>
constexpr int L = kLanes<Real>;

template <typename Real>
inline V<Real> load(const Real* p) {
  return *reinterpret_cast<const V<Real>*>(p);
}
template <typename Real>
inline void store(Real* p, V<Real> v) {
  *reinterpret_cast<V<Real>*>(p) = v;
}
template <typename Real>
inline V<Real> splat(Real x) {
  return V<Real>{} + x;
}

template <typename Real>
struct CV {
  V<Real> re, im;
};

// Vector v of a tile starts at 2L * v.
template <typename Real>
inline Real* at(Real* t, index_t v) {
  return t + 2 * L<Real> * v;
}
template <typename Real>
inline const Real* at(const Real* t, index_t v) {
  return t + 2 * L<Real> * v;
}
template <typename Real>
inline CV<Real> load_c(const Real* p) {
  return {load(p), load(p + L<Real>)};
}
template <typename Real>
inline void store_c(Real* p, CV<Real> x) {
  store(p, x.re);
  store(p + L<Real>, x.im);
}

template <typename Real>
inline CV<Real> cmul(CV<Real> a, CV<Real> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
// Entry v of a table of one complex number per vector ({re, im}), in every lane.
template <typename Real>
inline CV<Real> table_entry(const Real* table, index_t v) {
  return {splat(table[2 * v]), splat(table[2 * v + 1])};
}
// acc + a * b
template <typename Real>
inline CV<Real> cmac(CV<Real> acc, CV<Real> a, CV<Real> b) {
  return {acc.re + a.re * b.re - a.im * b.im, acc.im + a.re * b.im + a.im * b.re};
}
// acc + conj(a) * b
template <typename Real>
inline CV<Real> cmac_conj(CV<Real> acc, CV<Real> a, CV<Real> b) {
  return {acc.re + a.re * b.re + a.im * b.im, acc.im + a.re * b.im - a.im * b.re};
}

// Lane l reads lane l ^ mask.
template <typename Real>
inline IV<Real> xor_index(int mask) {
  IV<Real> idx;
  for (int l = 0; l < L<Real>; ++l) idx[l] = l ^ mask;
  return idx;
}
// GCC's variable shuffle; clang (the sanitizer and fuzzing builds) has only constant shuffles,
// so there the lanes are read one by one (correct, not fast: those builds check, they do not time).
template <typename Real>
inline V<Real> permute(V<Real> v, IV<Real> idx) {
#if defined(__clang__)
  V<Real> r;
  for (int l = 0; l < L<Real>; ++l) r[l] = v[idx[l] & (L<Real> - 1)];
  return r;
#else
  return __builtin_shuffle(v, idx);
#endif
}
template <typename Real>
inline CV<Real> permute(CV<Real> v, IV<Real> idx) {
  return {permute<Real>(v.re, idx), permute<Real>(v.im, idx)};
}

// Coefficient (o, i, p) of a matrix, as a complex vector.
template <typename Real>
inline CV<Real> coef_at(CoefMode mode, const Real* coef, index_t idx) {
  switch (mode) {
    case CoefMode::UniformComplex:
      return {splat(coef[2 * idx]), splat(coef[2 * idx + 1])};
    case CoefMode::LaneComplex:
      return load_c(coef + 2 * L<Real> * idx);
    case CoefMode::LaneReal:
      break;
  }
  return {load(coef + L<Real> * idx), V<Real>{}};
}

inline constexpr int kMaxDim = 1 << kMaxDenseQubits;

// GroupIndex::base, repeated here so that no inline function is shared with other files.
inline index_t gbase(const GroupIndex& g, index_t k) {
  std::uint64_t x = static_cast<std::uint64_t>(k);
  for (int i = 0; i < g.n_ins; ++i) {
    const int pos = g.ins[i];
    x = ((x >> pos) << (pos + 1)) | (x & ((std::uint64_t{1} << pos) - 1));
  }
  return static_cast<index_t>(x | g.fixed);
}

#include "matrix_impl.hpp"
#include "pauli_impl.hpp"
#include "reduce_impl.hpp"
#include "daruan_impl.hpp"

template <typename Real>
KernelTable<Real> make_table(const char* isa) {
  return KernelTable<Real>{
      isa,
      &apply_matrix<Real>,
      &apply_diagonal<Real>,
      &apply_permutation<Real>,
      &apply_pauli_rotation<Real>,
      &apply_pauli_rotations<Real>,
      &apply_pauli_rotations_phase<Real>,
      &pauli_inner_set<Real>,
      &adjoint_pauli_rotations<Real>,
      &pauli_inner<Real>,
      &pauli_axpy<Real>,
      &partial_outer<Real>,
      &probabilities<Real>,
      &weighted_axpy<Real>,
      &apply_phase_table<Real>,
      &product_double<Real>,
      &imag_products<Real>,
      &signed_sums<Real>,
      &product_contract<Real>,
      &phase_adjoint<Real>,
      &daruan_forward<Real>,
      &daruan_backward<Real>,
      &fma_probe<Real>,
  };
}

}  // namespace

template <typename Real>
const KernelTable<Real>& table() {
  static const KernelTable<Real> t = make_table<Real>(TANGLE_ISA_NAME);
  return t;
}

template const KernelTable<float>& table<float>();
template const KernelTable<double>& table<double>();
