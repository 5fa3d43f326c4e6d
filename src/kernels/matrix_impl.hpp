// Kernel bodies: dense, diagonal and permutation matrices on the targets of a tile.
// Included by kernels_impl.hpp inside its anonymous namespace: same vectors, same ISA flags.

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
