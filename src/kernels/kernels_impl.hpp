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
template <typename Real>
inline V<Real> permute(V<Real> v, IV<Real> idx) {
  return __builtin_shuffle(v, idx);
}
template <typename Real>
inline CV<Real> permute(CV<Real> v, IV<Real> idx) {
  return {__builtin_shuffle(v.re, idx), __builtin_shuffle(v.im, idx)};
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

// ---------------------------------------------------------------------------------------------
// apply_matrix

// One target, no lane permutation: the common case of every one-qubit gate on a batch.
template <typename Real, CoefMode kMode>
void matrix_1(Real* t, const GroupIndex& g, const Real* coef, index_t begin, index_t end) {
  const CV<Real> m00 = coef_at(kMode, coef, 0), m01 = coef_at(kMode, coef, 1);
  const CV<Real> m10 = coef_at(kMode, coef, 2), m11 = coef_at(kMode, coef, 3);
  const index_t off = g.offsets[1];  // offsets[0] is 0
  for (index_t k = begin; k < end; ++k) {
    Real* p0 = at(t, gbase(g, k));
    Real* p1 = at(t, gbase(g, k) + off);
    const CV<Real> a0 = load_c(p0), a1 = load_c(p1);
    if constexpr (kMode == CoefMode::LaneReal) {
      store_c(p0, CV<Real>{m00.re * a0.re + m01.re * a1.re, m00.re * a0.im + m01.re * a1.im});
      store_c(p1, CV<Real>{m10.re * a0.re + m11.re * a1.re, m10.re * a0.im + m11.re * a1.im});
    } else {
      store_c(p0, cmac(cmul(m00, a0), m01, a1));
      store_c(p1, cmac(cmul(m10, a0), m11, a1));
    }
  }
}

// 2^kh = Dim targets (2 to 4 qubits: the blocks of the mixed-state backends), no lane
// permutation: inputs in registers, the coefficient mode and the loops fixed at compile time.
template <typename Real, int Dim, CoefMode kMode>
void matrix_k(Real* t, const GroupIndex& g, const Real* coef, index_t begin, index_t end) {
  index_t off[Dim];
  for (int i = 0; i < Dim; ++i) off[i] = g.offsets[i];
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    CV<Real> a[Dim];
    for (int i = 0; i < Dim; ++i) a[i] = load_c(at(t, base + off[i]));
    for (int o = 0; o < Dim; ++o) {
      CV<Real> acc{V<Real>{}, V<Real>{}};
      for (int i = 0; i < Dim; ++i) {
        const index_t idx = static_cast<index_t>(o) * Dim + i;
        if constexpr (kMode == CoefMode::LaneReal) {
          const V<Real> c = load(coef + L<Real> * idx);
          acc.re = acc.re + c * a[i].re;
          acc.im = acc.im + c * a[i].im;
        } else {
          acc = cmac(acc, coef_at(kMode, coef, idx), a[i]);
        }
      }
      store_c(at(t, base + off[o]), acc);
    }
  }
}

// Dim vector targets and NPerm lane patterns (targets inside the lanes: a large state with one
// sample per tile), fixed at compile time: out[o] = sum_i sum_p C[o][i][p] . perm_p(in[i]), the
// permuted inputs kept in registers.
template <typename Real, int Dim, int NPerm, CoefMode kMode>
void matrix_lanes(Real* t, const GroupIndex& g, const Real* coef, const int* lane_perm, index_t begin, index_t end) {
  index_t off[Dim];
  for (int i = 0; i < Dim; ++i) off[i] = g.offsets[i];
  IV<Real> perm[NPerm];
  for (int p = 0; p < NPerm; ++p) perm[p] = xor_index<Real>(lane_perm[p]);
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    CV<Real> a[Dim * NPerm];
    for (int i = 0; i < Dim; ++i) {
      const CV<Real> v = load_c(at(t, base + off[i]));
      for (int p = 0; p < NPerm; ++p) a[i * NPerm + p] = p == 0 && lane_perm[0] == 0 ? v : permute(v, perm[p]);
    }
    for (int o = 0; o < Dim; ++o) {
      CV<Real> acc{V<Real>{}, V<Real>{}};
      for (int ip = 0; ip < Dim * NPerm; ++ip) acc = cmac(acc, coef_at(kMode, coef, static_cast<index_t>(o) * Dim * NPerm + ip), a[ip]);
      store_c(at(t, base + off[o]), acc);
    }
  }
}

// Any number of targets and lane permutations; inputs are staged on the stack.
template <typename Real, CoefMode kMode>
void matrix_any(Real* t, const GroupIndex& g, const Real* coef, int n_perm, const int* lane_perm, index_t begin,
                index_t end) {
  const int dim = 1 << g.kh;
  alignas(64) Real staged[kMaxDim * 2 * L<Real>];
  IV<Real> perm[16];
  for (int p = 0; p < n_perm; ++p) perm[p] = xor_index<Real>(lane_perm ? lane_perm[p] : 0);
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int i = 0; i < dim; ++i) {
      const CV<Real> a = load_c(at(t, base + g.offsets[i]));
      for (int p = 0; p < n_perm; ++p)
        store_c(staged + 2 * L<Real> * (i * n_perm + p), n_perm == 1 ? a : permute(a, perm[p]));
    }
    for (int o = 0; o < dim; ++o) {
      CV<Real> acc{V<Real>{}, V<Real>{}};
      const index_t row = static_cast<index_t>(o) * dim * n_perm;
      for (int ip = 0; ip < dim * n_perm; ++ip)
        acc = cmac(acc, coef_at(kMode, coef, row + ip), load_c(staged + 2 * L<Real> * ip));
      store_c(at(t, base + g.offsets[o]), acc);
    }
  }
}

// One target inside the lanes (a low qubit of a small batch): out = C0 . a + C1 . perm(a).
template <typename Real>
void matrix_lane_1(Real* t, const GroupIndex& g, const Real* coef, const int* lane_perm, index_t begin, index_t end) {
  const CV<Real> c0 = load_c(coef), c1 = load_c(coef + 2 * L<Real>);
  const IV<Real> perm = xor_index<Real>(lane_perm[1]);
  for (index_t k = begin; k < end; ++k) {
    Real* p = at(t, gbase(g, k));
    const CV<Real> a = load_c(p);
    store_c(p, cmac(cmul(c0, a), c1, permute(a, perm)));
  }
}

template <typename Real, CoefMode kMode>
void matrix_by_size(Real* t, const GroupIndex& g, const Real* coef, int n_perm, const int* lane_perm, index_t begin,
                    index_t end) {
  if (n_perm == 1) {
    switch (g.kh) {
      case 1: return matrix_1<Real, kMode>(t, g, coef, begin, end);
      case 2: return matrix_k<Real, 4, kMode>(t, g, coef, begin, end);
      case 3: return matrix_k<Real, 8, kMode>(t, g, coef, begin, end);
      case 4: return matrix_k<Real, 16, kMode>(t, g, coef, begin, end);
      default: break;
    }
  }
  // Up to 16 complex inputs per group in registers.
  if (n_perm == 2) {
    switch (g.kh) {
      case 0: return matrix_lanes<Real, 1, 2, kMode>(t, g, coef, lane_perm, begin, end);
      case 1: return matrix_lanes<Real, 2, 2, kMode>(t, g, coef, lane_perm, begin, end);
      case 2: return matrix_lanes<Real, 4, 2, kMode>(t, g, coef, lane_perm, begin, end);
      case 3: return matrix_lanes<Real, 8, 2, kMode>(t, g, coef, lane_perm, begin, end);
      default: break;
    }
  }
  if (n_perm == 4) {
    switch (g.kh) {
      case 0: return matrix_lanes<Real, 1, 4, kMode>(t, g, coef, lane_perm, begin, end);
      case 1: return matrix_lanes<Real, 2, 4, kMode>(t, g, coef, lane_perm, begin, end);
      case 2: return matrix_lanes<Real, 4, 4, kMode>(t, g, coef, lane_perm, begin, end);
      default: break;
    }
  }
  if (n_perm == 8 && g.kh <= 1) {
    if (g.kh == 0) return matrix_lanes<Real, 1, 8, kMode>(t, g, coef, lane_perm, begin, end);
    return matrix_lanes<Real, 2, 8, kMode>(t, g, coef, lane_perm, begin, end);
  }
  matrix_any<Real, kMode>(t, g, coef, n_perm, lane_perm, begin, end);
}

template <typename Real>
void apply_matrix(Real* t, const GroupIndex& g, CoefMode mode, const Real* coef, int n_perm,
                  const int* lane_perm, index_t begin, index_t end) {
  if (g.kh == 0 && n_perm == 2 && mode == CoefMode::LaneComplex)
    return matrix_lane_1(t, g, coef, lane_perm, begin, end);
  switch (mode) {
    case CoefMode::UniformComplex:
      return matrix_by_size<Real, CoefMode::UniformComplex>(t, g, coef, n_perm, lane_perm, begin, end);
    case CoefMode::LaneComplex:
      return matrix_by_size<Real, CoefMode::LaneComplex>(t, g, coef, n_perm, lane_perm, begin, end);
    case CoefMode::LaneReal:
      return matrix_by_size<Real, CoefMode::LaneReal>(t, g, coef, n_perm, lane_perm, begin, end);
  }
}

// ---------------------------------------------------------------------------------------------
// apply_diagonal, apply_permutation

template <typename Real>
void apply_diagonal(Real* t, const GroupIndex& g, const Real* d, index_t begin, index_t end) {
  const int dim = 1 << g.kh;
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int j = 0; j < dim; ++j) {
      Real* p = at(t, base + g.offsets[j]);
      store_c(p, cmul(load_c(d + 2 * L<Real> * j), load_c(p)));
    }
  }
}

template <typename Real>
void apply_permutation(Real* t, const GroupIndex& g, const int* dst, const Real* phase,
                       index_t begin, index_t end) {
  const int dim = 1 << g.kh;
  if (dim == 2 && dst[0] == 1 && dst[1] == 0 && phase == nullptr) {
    // A plain swap of two vectors: X, CNOT, Toffoli on vector bits.
    const index_t off = g.offsets[1];
    for (index_t k = begin; k < end; ++k) {
      Real* p0 = at(t, gbase(g, k));
      Real* p1 = at(t, gbase(g, k) + off);
      const CV<Real> a0 = load_c(p0), a1 = load_c(p1);
      store_c(p0, a1);
      store_c(p1, a0);
    }
    return;
  }
  alignas(64) Real staged[kMaxDim * 2 * L<Real>];
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int j = 0; j < dim; ++j) store_c(staged + 2 * L<Real> * j, load_c(at(t, base + g.offsets[j])));
    for (int j = 0; j < dim; ++j) {
      CV<Real> a = load_c(staged + 2 * L<Real> * j);
      if (phase) a = cmul(table_entry(phase, j), a);
      store_c(at(t, base + g.offsets[dst[j]]), a);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pauli rotations and Pauli inner products

inline bool odd(std::uint64_t x) { return __builtin_parityll(x) != 0; }

// x with its sign flipped when bit 0 of `neg` is set. Branch-free: the signs of a Pauli word's
// entries follow the parity of index bits, a pattern branch predictors do not learn.
template <typename VT>
inline VT negate_if(VT x, std::uint64_t neg) {
  using E = std::remove_cvref_t<decltype(x[0])>;
  using S = std::conditional_t<sizeof(E) == 8, long long, int>;
  typedef S I __attribute__((vector_size(sizeof(VT))));
  const S bit = static_cast<S>(static_cast<std::make_unsigned_t<S>>(neg & 1) << (8 * sizeof(S) - 1));
  return (VT)((I)x ^ bit);
}

// Calls body(index) with the cheapest numbering of g's groups: most Pauli words insert one bit
// and have no controls, which needs no loop over inserted bits per group.
template <typename F>
inline void with_groups(const GroupIndex& g, F&& body) {
  if (g.fixed == 0 && g.n_ins == 1) {
    const int h = g.ins[0];
    const index_t low = (index_t{1} << h) - 1;
    body([h, low](index_t k) { return ((k >> h) << (h + 1)) | (k & low); });
  } else if (g.fixed == 0 && g.n_ins == 0) {
    body([](index_t k) { return k; });
  } else {
    body([&g](index_t k) { return gbase(g, k); });
  }
}

// kappa (real or imaginary) times x.
template <typename Real, bool kImag>
inline CV<Real> kappa_times(V<Real> kappa, CV<Real> x) {
  if constexpr (kImag) {
    return {-(kappa * x.im), kappa * x.re};
  } else {
    return {kappa * x.re, kappa * x.im};
  }
}

template <typename Real, bool kImag, bool kLanePerm>
void pauli_rotation(Real* t, const PauliIndex& p, const Real* cvec, const Real* kvec, index_t begin,
                    index_t end) {
  const V<Real> c = load(cvec), kappa = load(kvec);
  const IV<Real> perm = xor_index<Real>(p.xl);
  const std::uint64_t zv = p.zv;
  with_groups(p.groups, [&](auto base) {
    if (p.xv != 0) {
      const index_t xv = static_cast<index_t>(p.xv);
      for (index_t k = begin; k < end; ++k) {
        const index_t v = base(k), u = v ^ xv;
        Real* pv = at(t, v);
        Real* pu = at(t, u);
        const CV<Real> a = load_c(pv), b = load_c(pu);
        const CV<Real> pa = kLanePerm ? permute(a, perm) : a;
        const CV<Real> pb = kLanePerm ? permute(b, perm) : b;
        const V<Real> kv = negate_if(kappa, odd(static_cast<std::uint64_t>(u) & zv));
        const V<Real> ku = negate_if(kappa, odd(static_cast<std::uint64_t>(v) & zv));
        const CV<Real> fv = kappa_times<Real, kImag>(kv, pb), fu = kappa_times<Real, kImag>(ku, pa);
        store_c(pv, CV<Real>{c * a.re + fv.re, c * a.im + fv.im});
        store_c(pu, CV<Real>{c * b.re + fu.re, c * b.im + fu.im});
      }
    } else {
      for (index_t k = begin; k < end; ++k) {
        const index_t v = base(k);
        Real* pv = at(t, v);
        const CV<Real> a = load_c(pv);
        const CV<Real> pa = kLanePerm ? permute(a, perm) : a;
        const V<Real> kv = negate_if(kappa, odd(static_cast<std::uint64_t>(v) & zv));
        const CV<Real> f = kappa_times<Real, kImag>(kv, pa);
        store_c(pv, CV<Real>{c * a.re + f.re, c * a.im + f.im});
      }
    }
  });
}

template <typename Real>
void apply_pauli_rotation(Real* t, const PauliIndex& p, const Real* c, const Real* kappa,
                          bool kappa_imag, index_t begin, index_t end) {
  const bool perm = p.xl != 0;
  if (kappa_imag) {
    perm ? pauli_rotation<Real, true, true>(t, p, c, kappa, begin, end)
         : pauli_rotation<Real, true, false>(t, p, c, kappa, begin, end);
  } else {
    perm ? pauli_rotation<Real, false, true>(t, p, c, kappa, begin, end)
         : pauli_rotation<Real, false, false>(t, p, c, kappa, begin, end);
  }
}

// K rotations on each coset of 2^K vectors, held in registers between them (K <= 3: 16 of the
// 32 AVX-512 registers for the coset, 6 for the coefficients).
// A RotationSet's geometry in registers: group k's representative and the members' signs.
template <int K>
struct SetWalk {
  static constexpr int M = 1 << K;
  int pivot[K];
  std::uint64_t zv[K];
  unsigned sign[K];
  index_t member[M];

  template <typename Real>
  explicit SetWalk(const RotationSet<Real>& r) {
    for (int i = 0; i < K; ++i) {
      pivot[i] = r.groups.ins[i];
      zv[i] = r.zv[i];
      sign[i] = r.sign[i];
    }
    for (int m = 0; m < M; ++m) member[m] = r.member[m];
  }
  index_t base(index_t k) const {
    std::uint64_t x = static_cast<std::uint64_t>(k);
    for (int i = 0; i < K; ++i) x = ((x >> pivot[i]) << (pivot[i] + 1)) | (x & ((std::uint64_t{1} << pivot[i]) - 1));
    return static_cast<index_t>(x);
  }
};

// A set's coefficients, with every signed kappa its rotations use: kappa[p][i][n] multiplies
// member n as the source of rotation i in a coset whose parity with zv[i] is p. Looked up per
// coset, not computed per member (a shift, a broadcast and an xor each, mostly on the port the
// FMAs need).
template <typename Real, int K>
struct SetCoefs {
  V<Real> c[K];
  V<Real> kappa[2][K][1 << K];
  SetCoefs(const RotationSet<Real>& r, const SetWalk<K>& walk) {
    for (int i = 0; i < K; ++i) {
      c[i] = load(r.c[i]);
      const V<Real> k = load(r.kappa[i]);
      for (int p = 0; p < 2; ++p)
        for (int n = 0; n < (1 << K); ++n) kappa[p][i][n] = negate_if(k, ((walk.sign[i] >> n) & 1) ^ p);
    }
  }
};

// The rotations of a set applied, in order, to one coset held in registers (a[m]: member m).
template <typename Real, int K, unsigned kImag>
[[gnu::always_inline]] inline void rotate_coset(CV<Real>* a, const SetWalk<K>& walk, index_t v,
                                                const SetCoefs<Real, K>& coef) {
  constexpr int M = 1 << K;
  auto rotate = [&]<int I>(std::integral_constant<int, I>) {
    constexpr bool imag = ((kImag >> I) & 1) != 0;
    const V<Real>* kappa = coef.kappa[odd(static_cast<std::uint64_t>(v) & walk.zv[I]) ? 1 : 0][I];
    const V<Real> c = coef.c[I];
#pragma GCC unroll 8
    for (int m = 0; m < M; ++m) {
      if ((m >> I) & 1) continue;
      const int n = m | (1 << I);
      const CV<Real> am = a[m], an = a[n];
      const CV<Real> fm = kappa_times<Real, imag>(kappa[n], an);
      const CV<Real> fn = kappa_times<Real, imag>(kappa[m], am);
      a[m] = CV<Real>{c * am.re + fm.re, c * am.im + fm.im};
      a[n] = CV<Real>{c * an.re + fn.re, c * an.im + fn.im};
    }
  };
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (rotate(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, K>{});
}

// The signs of a set's inner products: sign[p][i][n] (+1 or -1 in every lane) multiplies member
// n as the partner in rotation i's product, in a coset whose parity with zv[i] is p (as
// SetCoefs' kappas).
template <typename Real, int K>
struct SetSigns {
  V<Real> sign[2][K][1 << K];
  explicit SetSigns(const SetWalk<K>& walk) {
    for (int p = 0; p < 2; ++p)
      for (int i = 0; i < K; ++i)
        for (int n = 0; n < (1 << K); ++n) sign[p][i][n] = splat<Real>((((walk.sign[i] >> n) & 1) ^ p) != 0 ? -1 : 1);
  }
};

// sum[i] += the gradient's part of sum_m conj(a_m) . sign . b_(m ^ 2^i) over one coset, b in
// registers: its imaginary part where bit i of kImag is set (an imaginary kappa: ny even), its
// real part otherwise, the only part d/dtheta = Im(i^ny <a|P|b>) reads. Three operations per
// product instead of a complex multiply-add and two sign flips.
template <typename Real, int K, unsigned kImag>
[[gnu::always_inline]] inline void inner_coset(V<Real>* sum, const Real* a, const CV<Real>* b, const SetWalk<K>& walk,
                                               const SetSigns<Real, K>& signs, index_t v) {
  constexpr int M = 1 << K;
  const V<Real>* sign[K];
#pragma GCC unroll 3
  for (int i = 0; i < K; ++i) sign[i] = signs.sign[odd(static_cast<std::uint64_t>(v) & walk.zv[i]) ? 1 : 0][i];
#pragma GCC unroll 8
  for (int m = 0; m < M; ++m) {
    const CV<Real> am = load_c(at(a, v ^ walk.member[m]));
    [&]<int... I>(std::integer_sequence<int, I...>) {
      ((sum[I] = sum[I] + sign[I][m ^ (1 << I)] * (((kImag >> I) & 1) != 0
                                                       ? am.re * b[m ^ (1 << I)].im - am.im * b[m ^ (1 << I)].re
                                                       : am.re * b[m ^ (1 << I)].re + am.im * b[m ^ (1 << I)].im)),
       ...);
    }(std::make_integer_sequence<int, K>{});
  }
}

// Unrolled loads and stores of a coset, so that its members stay in registers rather than an
// indexed stack array.
template <typename Real, int K>
[[gnu::always_inline]] inline void load_coset(CV<Real>* a, const Real* t, const SetWalk<K>& walk, index_t v) {
#pragma GCC unroll 8
  for (int m = 0; m < (1 << K); ++m) a[m] = load_c(at(t, v ^ walk.member[m]));
}
template <typename Real, int K>
[[gnu::always_inline]] inline void store_coset(Real* t, const CV<Real>* a, const SetWalk<K>& walk, index_t v) {
#pragma GCC unroll 8
  for (int m = 0; m < (1 << K); ++m) store_c(at(t, v ^ walk.member[m]), a[m]);
}

// acc[i] ({re[L], im[L]}) += sum[i] in the part inner_coset computed.
template <typename Real, int K, unsigned kImag>
inline void add_sums(Real* acc, const V<Real>* sum) {
  for (int i = 0; i < K; ++i) {
    Real* out = acc + 2 * L<Real> * i + (((kImag >> i) & 1) != 0 ? L<Real> : 0);
    store(out, load(out) + sum[i]);
  }
}

// With kPhase, each rotated coset is also stored into `saved` (unless nullptr) and multiplied by
// its vectors' entries of `phase` before it is stored into t.
template <typename Real, int K, unsigned kImag, bool kPhase>
void rotation_set(Real* t, Real* saved, const Real* phase, const RotationSet<Real>& r, index_t begin, index_t end) {
  const SetWalk<K> walk(r);
  const SetCoefs<Real, K> coef(r, walk);
  for (index_t k = begin; k < end; ++k) {
    const index_t v = walk.base(k);
    CV<Real> a[1 << K];
    load_coset<Real, K>(a, t, walk, v);
    rotate_coset<Real, K, kImag>(a, walk, v, coef);
    if constexpr (kPhase) {
      if (saved != nullptr) store_coset<Real, K>(saved, a, walk, v);
#pragma GCC unroll 8
      for (int m = 0; m < (1 << K); ++m) {
        const index_t u = v ^ walk.member[m];
        a[m] = cmul(table_entry(phase, u), a[m]);
      }
    }
    store_coset<Real, K>(t, a, walk, v);
  }
}

// The adjoint step of a set: inner products <lam| P_i |psi> at the set's end, then the set
// (given as its inverse) un-applied to psi and lam, in one pass over both.
template <typename Real, int K, unsigned kImag>
void adjoint_set(Real* psi, Real* lam, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc) {
  const SetWalk<K> walk(r);
  const SetCoefs<Real, K> coef(r, walk);
  const SetSigns<Real, K> signs(walk);
  V<Real> sum[K] = {};
  for (index_t k = begin; k < end; ++k) {
    const index_t v = walk.base(k);
    CV<Real> p[1 << K];
    load_coset<Real, K>(p, psi, walk, v);
    inner_coset<Real, K, kImag>(sum, lam, p, walk, signs, v);
    rotate_coset<Real, K, kImag>(p, walk, v, coef);
    store_coset<Real, K>(psi, p, walk, v);
    CV<Real> l[1 << K];
    load_coset<Real, K>(l, lam, walk, v);
    rotate_coset<Real, K, kImag>(l, walk, v, coef);
    store_coset<Real, K>(lam, l, walk, v);
  }
  add_sums<Real, K, kImag>(acc, sum);
}

template <typename Real, int K, bool kPhase, unsigned... kImag>
void rotation_set_dispatch(Real* t, Real* saved, const Real* phase, const RotationSet<Real>& r, index_t begin,
                           index_t end, std::integer_sequence<unsigned, kImag...>) {
  using F = void (*)(Real*, Real*, const Real*, const RotationSet<Real>&, index_t, index_t);
  static constexpr F kBodies[] = {&rotation_set<Real, K, kImag, kPhase>...};
  kBodies[r.imag](t, saved, phase, r, begin, end);
}

template <typename Real, bool kPhase>
void rotations_by_count(Real* t, Real* saved, const Real* phase, const RotationSet<Real>& r, index_t begin,
                        index_t end) {
  switch (r.count) {
    case 1:
      return rotation_set_dispatch<Real, 1, kPhase>(t, saved, phase, r, begin, end,
                                                    std::make_integer_sequence<unsigned, 2>{});
    case 2:
      return rotation_set_dispatch<Real, 2, kPhase>(t, saved, phase, r, begin, end,
                                                    std::make_integer_sequence<unsigned, 4>{});
    default:
      return rotation_set_dispatch<Real, 3, kPhase>(t, saved, phase, r, begin, end,
                                                    std::make_integer_sequence<unsigned, 8>{});
  }
}

template <typename Real>
void apply_pauli_rotations(Real* t, const RotationSet<Real>& r, index_t begin, index_t end) {
  rotations_by_count<Real, false>(t, nullptr, nullptr, r, begin, end);
}

template <typename Real>
void apply_pauli_rotations_phase(Real* t, Real* saved, const Real* phase, const RotationSet<Real>& r, index_t begin,
                                 index_t end) {
  rotations_by_count<Real, true>(t, saved, phase, r, begin, end);
}

template <typename Real, int K, unsigned... kImag>
void adjoint_set_dispatch(Real* psi, Real* lam, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc,
                          std::integer_sequence<unsigned, kImag...>) {
  using F = void (*)(Real*, Real*, const RotationSet<Real>&, index_t, index_t, Real*);
  static constexpr F kBodies[] = {&adjoint_set<Real, K, kImag>...};
  kBodies[r.imag](psi, lam, r, begin, end, acc);
}

template <typename Real>
void adjoint_pauli_rotations(Real* psi, Real* lam, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc) {
  switch (r.count) {
    case 1: return adjoint_set_dispatch<Real, 1>(psi, lam, r, begin, end, acc, std::make_integer_sequence<unsigned, 2>{});
    case 2: return adjoint_set_dispatch<Real, 2>(psi, lam, r, begin, end, acc, std::make_integer_sequence<unsigned, 4>{});
    default: return adjoint_set_dispatch<Real, 3>(psi, lam, r, begin, end, acc, std::make_integer_sequence<unsigned, 8>{});
  }
}

template <typename Real, int K, unsigned kImag>
void inner_set(const Real* a, const Real* b, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc) {
  const SetWalk<K> walk(r);
  const SetSigns<Real, K> signs(walk);
  V<Real> sum[K] = {};
  for (index_t k = begin; k < end; ++k) {
    const index_t v = walk.base(k);
    CV<Real> bm[1 << K];
    load_coset<Real, K>(bm, b, walk, v);
    inner_coset<Real, K, kImag>(sum, a, bm, walk, signs, v);
  }
  add_sums<Real, K, kImag>(acc, sum);
}

template <typename Real, int K, unsigned... kImag>
void inner_set_dispatch(const Real* a, const Real* b, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc,
                        std::integer_sequence<unsigned, kImag...>) {
  using F = void (*)(const Real*, const Real*, const RotationSet<Real>&, index_t, index_t, Real*);
  static constexpr F kBodies[] = {&inner_set<Real, K, kImag>...};
  kBodies[r.imag](a, b, r, begin, end, acc);
}

template <typename Real>
void pauli_inner_set(const Real* a, const Real* b, const RotationSet<Real>& r, index_t begin, index_t end, Real* acc) {
  switch (r.count) {
    case 1: return inner_set_dispatch<Real, 1>(a, b, r, begin, end, acc, std::make_integer_sequence<unsigned, 2>{});
    case 2: return inner_set_dispatch<Real, 2>(a, b, r, begin, end, acc, std::make_integer_sequence<unsigned, 4>{});
    default: return inner_set_dispatch<Real, 3>(a, b, r, begin, end, acc, std::make_integer_sequence<unsigned, 8>{});
  }
}

// Calls f(j, src) for every vector j of the groups [begin, end), src = j ^ xv its partner.
template <typename F>
inline void for_pauli_entries(const PauliIndex& p, index_t begin, index_t end, F&& f) {
  with_groups(p.groups, [&](auto base) {
    const index_t xv = static_cast<index_t>(p.xv);
    if (xv != 0) {
      for (index_t k = begin; k < end; ++k) {
        const index_t v = base(k), u = v ^ xv;
        f(v, u);
        f(u, v);
      }
    } else {
      for (index_t k = begin; k < end; ++k) f(base(k), base(k));
    }
  });
}

template <typename Real>
void pauli_inner(const Real* a, const Real* b, const PauliIndex& p, const Real* lane_sign,
                 index_t begin, index_t end, Real* acc) {
  const IV<Real> perm = xor_index<Real>(p.xl);
  const bool lane_perm = p.xl != 0;
  const std::uint64_t zv = p.zv;
  CV<Real> sum{V<Real>{}, V<Real>{}};
  auto add = [&](index_t j, index_t src) {
    const CV<Real> aj = load_c(at(a, j));
    CV<Real> bs = load_c(at(b, src));
    if (lane_perm) bs = permute(bs, perm);
    // the sign of j is the parity of (j ^ xy) & zy, whose vector part is src & zv
    const std::uint64_t neg = odd(static_cast<std::uint64_t>(src) & zv);
    sum = cmac_conj(sum, aj, CV<Real>{negate_if(bs.re, neg), negate_if(bs.im, neg)});
  };
  for_pauli_entries(p, begin, end, add);
  const V<Real> s = load(lane_sign);
  store(acc, load(acc) + s * sum.re);
  store(acc + L<Real>, load(acc + L<Real>) + s * sum.im);
}

template <typename Real>
void pauli_axpy(Real* dst, const Real* src, const PauliIndex& p, const Real* coef, index_t begin,
                index_t end) {
  const IV<Real> perm = xor_index<Real>(p.xl);
  const bool lane_perm = p.xl != 0;
  const CV<Real> c = load_c(coef);
  const std::uint64_t zv = p.zv;
  auto add = [&](index_t j, index_t from) {
    CV<Real> s = load_c(at(src, from));
    if (lane_perm) s = permute(s, perm);
    Real* pj = at(dst, j);
    const std::uint64_t neg = odd(static_cast<std::uint64_t>(from) & zv);
    store_c(pj, cmac(load_c(pj), CV<Real>{negate_if(c.re, neg), negate_if(c.im, neg)}, s));
  };
  for_pauli_entries(p, begin, end, add);
}

// ---------------------------------------------------------------------------------------------
// Reduced operators, probabilities, weighted sums

// 2^kh = Dim vector targets and NPerm lane patterns, fixed at compile time: the sums of the
// range in local accumulators.
template <typename Real, int Dim, int NPerm>
void partial_outer_k(const Real* a, const Real* b, const GroupIndex& g, const int* lane_perm, index_t begin,
                     index_t end, Real* acc) {
  constexpr int kCols = Dim * NPerm;
  index_t off[Dim];
  for (int i = 0; i < Dim; ++i) off[i] = g.offsets[i];
  IV<Real> perm[NPerm];
  for (int p = 0; p < NPerm; ++p) perm[p] = xor_index<Real>(NPerm == 1 ? 0 : lane_perm[p]);
  CV<Real> sum[Dim * kCols];
  for (int e = 0; e < Dim * kCols; ++e) sum[e] = load_c(acc + 2 * L<Real> * e);
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    CV<Real> bj[kCols];
    for (int j = 0; j < Dim; ++j) {
      const CV<Real> v = load_c(at(b, base + off[j]));
      for (int p = 0; p < NPerm; ++p) bj[j * NPerm + p] = NPerm == 1 ? v : permute(v, perm[p]);
    }
    for (int i = 0; i < Dim; ++i) {
      const CV<Real> ai = load_c(at(a, base + off[i]));
      for (int j = 0; j < kCols; ++j) {
        CV<Real>& r = sum[i * kCols + j];
        r.re = r.re + ai.re * bj[j].re + ai.im * bj[j].im;
        r.im = r.im + ai.im * bj[j].re - ai.re * bj[j].im;
      }
    }
  }
  for (int e = 0; e < Dim * kCols; ++e) store_c(acc + 2 * L<Real> * e, sum[e]);
}

template <typename Real>
void partial_outer(const Real* a, const Real* b, const GroupIndex& g, int n_perm, const int* lane_perm,
                   index_t begin, index_t end, Real* acc) {
  if (n_perm == 1) {
    switch (g.kh) {
      case 1: return partial_outer_k<Real, 2, 1>(a, b, g, lane_perm, begin, end, acc);
      case 2: return partial_outer_k<Real, 4, 1>(a, b, g, lane_perm, begin, end, acc);
      case 4: return partial_outer_k<Real, 16, 1>(a, b, g, lane_perm, begin, end, acc);
      default: break;
    }
  }
  if (n_perm == 2 && g.kh <= 2) {
    if (g.kh == 0) return partial_outer_k<Real, 1, 2>(a, b, g, lane_perm, begin, end, acc);
    if (g.kh == 1) return partial_outer_k<Real, 2, 2>(a, b, g, lane_perm, begin, end, acc);
    return partial_outer_k<Real, 4, 2>(a, b, g, lane_perm, begin, end, acc);
  }
  if (n_perm == 4 && g.kh <= 1) {
    if (g.kh == 0) return partial_outer_k<Real, 1, 4>(a, b, g, lane_perm, begin, end, acc);
    return partial_outer_k<Real, 2, 4>(a, b, g, lane_perm, begin, end, acc);
  }
  const int dim = 1 << g.kh;
  alignas(64) Real staged[kMaxDim * 2 * L<Real>];
  IV<Real> perm[16];
  for (int p = 0; p < n_perm; ++p) perm[p] = xor_index<Real>(lane_perm ? lane_perm[p] : 0);
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int j = 0; j < dim; ++j) {
      const CV<Real> bj = load_c(at(b, base + g.offsets[j]));
      for (int p = 0; p < n_perm; ++p)
        store_c(staged + 2 * L<Real> * (j * n_perm + p), n_perm == 1 ? bj : permute(bj, perm[p]));
    }
    for (int i = 0; i < dim; ++i) {
      const CV<Real> ai = load_c(at(a, base + g.offsets[i]));
      Real* row = acc + 2 * L<Real> * static_cast<index_t>(i) * dim * n_perm;
      for (int jp = 0; jp < dim * n_perm; ++jp) {
        // a * conj(b) = conj(conj(a) * b)... computed directly:
        const CV<Real> bj = load_c(staged + 2 * L<Real> * jp);
        CV<Real> r = load_c(row + 2 * L<Real> * jp);
        r.re = r.re + ai.re * bj.re + ai.im * bj.im;
        r.im = r.im + ai.im * bj.re - ai.re * bj.im;
        store_c(row + 2 * L<Real> * jp, r);
      }
    }
  }
}

template <typename Real>
void probabilities(const Real* a, const GroupIndex& g, index_t begin, index_t end, Real* acc) {
  const int dim = 1 << g.kh;
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int j = 0; j < dim; ++j) {
      const CV<Real> x = load_c(at(a, base + g.offsets[j]));
      store(acc + L<Real> * j, load(acc + L<Real> * j) + x.re * x.re + x.im * x.im);
    }
  }
}

template <typename Real>
void weighted_axpy(Real* dst, const Real* src, const GroupIndex& g, const Real* w, index_t begin,
                   index_t end) {
  const int dim = 1 << g.kh;
  for (index_t k = begin; k < end; ++k) {
    const index_t base = gbase(g, k);
    for (int j = 0; j < dim; ++j) {
      const V<Real> wj = load(w + L<Real> * j);
      Real* pd = at(dst, base + g.offsets[j]);
      const CV<Real> s = load_c(at(src, base + g.offsets[j]));
      const CV<Real> d = load_c(pd);
      store_c(pd, CV<Real>{d.re + wj * s.re, d.im + wj * s.im});
    }
  }
}

template <typename Real>
void apply_phase_table(Real* out, const Real* in, const Real* phase, index_t begin, index_t end) {
  for (index_t v = begin; v < end; ++v) {
    const CV<Real> d = table_entry(phase, v);
    store_c(at(out, v), cmul(d, load_c(at(in, v))));
  }
}

template <typename Real>
void product_double(Real* t, const Real* f, index_t half, index_t begin, index_t end) {
  const CV<Real> f0 = load_c(f), f1 = load_c(f + 2 * L<Real>);
  for (index_t v = begin; v < end; ++v) {
    const CV<Real> a = load_c(at(t, v));
    store_c(at(t, v + half), cmul(f1, a));
    store_c(at(t, v), cmul(f0, a));
  }
}

template <typename Real>
void imag_products(const Real* a, const Real* b, const Real* phase, index_t begin, index_t end, Real* t) {
  for (index_t v = begin; v < end; ++v) {
    CV<Real> y = load_c(at(b, v));
    if (phase != nullptr) y = cmul(table_entry(phase, v), y);
    const CV<Real> x = load_c(at(a, v));
    store(t + L<Real> * v, x.re * y.im - x.im * y.re);
  }
}

template <typename Real>
void signed_sums(const Real* t, const std::uint64_t* masks, int n_masks, index_t begin, index_t end, Real* acc) {
  V<Real> sum[kMaxPhaseMasks];
  for (int k = 0; k < n_masks; ++k) sum[k] = load(acc + L<Real> * k);
  for (index_t v = begin; v < end; ++v) {
    const V<Real> x = load(t + L<Real> * v);
    for (int k = 0; k < n_masks; ++k)
      sum[k] = sum[k] + negate_if(x, odd(static_cast<std::uint64_t>(v) & masks[k]));
  }
  for (int k = 0; k < n_masks; ++k) store(acc + L<Real> * k, sum[k]);
}

// Signed sums in runs of 8 vectors: within a run starting at v0 (a multiple of 8), the sign of
// mask k at v0 + j is its sign at v0 times its sign at j, so each run's 8 products go through a
// Walsh-Hadamard transform W[j] = sum_i (-1)^popcount(i & j) t[i] once, and mask k adds
// +-W[masks[k] & 7]: 24 additions and one per mask instead of 8 per mask.
template <typename Real>
void phase_adjoint(Real* lam, const Real* psi, const Real* phase, const Real* inv, const std::uint64_t* masks,
                   int n_masks, index_t begin, index_t end, Real* acc) {
  constexpr int kRun = kPhaseRun;
  V<Real> sum[kMaxPhaseMasks];
  int low[kMaxPhaseMasks];
  for (int k = 0; k < n_masks; ++k) {
    sum[k] = load(acc + L<Real> * k);
    low[k] = static_cast<int>(masks[k] & (kRun - 1));
  }
  for (index_t v0 = begin; v0 < end; v0 += kRun) {
    V<Real> w[kRun];
    for (int j = 0; j < kRun; ++j) {
      const index_t v = v0 + j;
      CV<Real> y = load_c(at(psi, v));
      if (phase != nullptr) y = cmul(table_entry(phase, v), y);
      const CV<Real> x = load_c(at(lam, v));
      w[j] = x.re * y.im - x.im * y.re;
      if (inv != nullptr) store_c(at(lam, v), cmul(table_entry(inv, v), x));
    }
    for (int h = 1; h < kRun; h <<= 1)
      for (int i = 0; i < kRun; ++i)
        if ((i & h) == 0) {
          const V<Real> a = w[i], b = w[i + h];
          w[i] = a + b;
          w[i + h] = a - b;
        }
    for (int k = 0; k < n_masks; ++k)
      sum[k] = sum[k] + negate_if(w[low[k]], odd(static_cast<std::uint64_t>(v0) & masks[k]));
  }
  for (int k = 0; k < n_masks; ++k) store(acc + L<Real> * k, sum[k]);
}

template <typename Real>
void product_contract(const Real* lam, const Real* w_lo, const Real* w_hi, int k, index_t begin, index_t end, Real* c,
                      Real* d) {
  const index_t n_lo = index_t{1} << k;
  for (index_t h = begin; h < end; ++h) {
    const CV<Real> wh = load_c(at(w_hi, h));
    CV<Real> acc{V<Real>{}, V<Real>{}};
    const Real* row = at(lam, h << k);
    for (index_t j = 0; j < n_lo; ++j) {
      const CV<Real> x = load_c(at(row, j));
      acc = cmac_conj(acc, x, load_c(at(w_lo, j)));
      Real* dj = at(d, j);
      store_c(dj, cmac_conj(load_c(dj), x, wh));
    }
    store_c(at(c, h), acc);
  }
}

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
