// Kernel bodies: Pauli rotations (single and in commuting sets) and Pauli inner products.
// Included by kernels_impl.hpp inside its anonymous namespace: same vectors, same ISA flags.

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
