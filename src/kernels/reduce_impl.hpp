// Kernel bodies: reduced operators, probabilities, weighted sums and products.
// Included by kernels_impl.hpp inside its anonymous namespace: same vectors, same ISA flags.

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
