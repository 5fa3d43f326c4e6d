// DARUAN kernels (one-qubit data re-uploading activations, one per edge of a QKAN layer).
// Included by kernels_impl.hpp inside its anonymous namespace: same vectors, same ISA flags.
//
// Why Bloch vectors: a pure one-qubit state is a real unit 3-vector (X, Y, Z) and RZ(a), RY(b)
// are plane rotations of it, so a re-uploading block costs 12 real flops instead of a complex
// 2x2 product (about 28), and <Z> is the last component, read for free. The circuit per edge is
//   |+>  RZ(t00) RY(t01)  [RZ(w_l x + b_l + t_(l+1)0) RY(t_(l+1)1)]  for l < reps,   then <Z>,
// the encoding RZ of each repetition merged with the variational RZ after it (they commute).
// The state after the first two rotations does not depend on x: it is precomputed per edge.
//
// Lanes are samples: xT, gT, yT, dxT are [rows][ld] transposed batches, ld a multiple of L.
// Edge tables (DaruanLayout): per edge {coef, X0, Y0, Z0, then per repetition w, phase, cos, sin}.

constexpr double inv_factorial(int n) { return n <= 1 ? 1.0 : inv_factorial(n - 1) / n; }

// a = k pi + r with |r| <= pi/2, so sin a = (-1)^k sin r and cos a = (-1)^k cos r: the only
// branch is a sign, and the Taylor polynomials of sin and cos on [-pi/2, pi/2] (to within an ulp
// for these degrees) need no quadrant swap. (Reducing to [-pi/4, pi/4] needs shorter polynomials
// but a swap and two sign fixes per lane, which cost more instructions than they save in f32.)
template <typename Real>
struct Trig;
template <>
struct Trig<double> {
  static constexpr double kOneOverPi = 0.318309886183790671538;
  // Adding 1.5 * 2^52 rounds to the nearest integer and leaves it in the low mantissa bits.
  static constexpr double kRound = 6755399441055744.0;
  // pi in three parts of 33 bits (twice fdlibm's pi/2 split): k * kP1 and k * kP2 are exact for |k| < 2^20.
  static constexpr double kP1 = 3.14159265346825122833e+00, kP2 = 1.21542010126079319532e-10,
                          kP3 = 4.04453249759190126308e-21;
  // sin r = r + r z S(z), cos r = 1 + z C(z), z = r^2; highest degree first.
  static constexpr double kS[10] = {inv_factorial(21),  -inv_factorial(19), inv_factorial(17), -inv_factorial(15),
                                    inv_factorial(13),  -inv_factorial(11), inv_factorial(9),  -inv_factorial(7),
                                    inv_factorial(5),   -inv_factorial(3)};
  static constexpr double kC[11] = {-inv_factorial(22), inv_factorial(20), -inv_factorial(18), inv_factorial(16),
                                    -inv_factorial(14), inv_factorial(12), -inv_factorial(10), inv_factorial(8),
                                    -inv_factorial(6),  inv_factorial(4),  -inv_factorial(2)};
  static constexpr int kSignShift = 63;  // bit 0 of k to the sign bit
};
template <>
struct Trig<float> {
  static constexpr float kOneOverPi = 0.318309886183790671538f;
  static constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  // Cephes sinf.c's split of pi/4, times 4: k * kP1 is exact for |k| < 2^16.
  static constexpr float kP1 = 3.140625f, kP2 = 9.67502593994140625e-4f, kP3 = 1.509957990978376432e-7f;
  static constexpr float kS[5] = {static_cast<float>(-inv_factorial(11)), static_cast<float>(inv_factorial(9)),
                                  static_cast<float>(-inv_factorial(7)), static_cast<float>(inv_factorial(5)),
                                  static_cast<float>(-inv_factorial(3))};
  static constexpr float kC[6] = {static_cast<float>(inv_factorial(12)), static_cast<float>(-inv_factorial(10)),
                                  static_cast<float>(inv_factorial(8)),  static_cast<float>(-inv_factorial(6)),
                                  static_cast<float>(inv_factorial(4)),  static_cast<float>(-inv_factorial(2))};
  static constexpr int kSignShift = 31;
};

template <typename Real, size_t N>
inline V<Real> horner(V<Real> z, const Real (&c)[N]) {
  V<Real> p = splat(c[0]);
  for (size_t k = 1; k < N; ++k) p = p * z + c[k];
  return p;
}

// s = sin(a), c = cos(a) in every lane, to about an ulp for |a| < 2^15 (float) or 2^19 (double).
// Branch-free, so every lane costs the same.
template <typename Real>
inline void sincos_v(V<Real> a, V<Real>& s, V<Real>& c) {
  using T = Trig<Real>;
  const V<Real> shifted = a * T::kOneOverPi + T::kRound;
  const IV<Real> sign = reinterpret_cast<IV<Real>>(shifted) << T::kSignShift;  // k's parity
  const V<Real> k = shifted - T::kRound;
  const V<Real> r = ((a - k * T::kP1) - k * T::kP2) - k * T::kP3;
  const V<Real> z = r * r;
  const V<Real> ps = r + r * z * horner<Real>(z, T::kS);
  const V<Real> pc = Real(1) + z * horner<Real>(z, T::kC);
  s = reinterpret_cast<V<Real>>(reinterpret_cast<IV<Real>>(ps) ^ sign);
  c = reinterpret_cast<V<Real>>(reinterpret_cast<IV<Real>>(pc) ^ sign);
}

template <typename Real>
inline Real lane_sum(V<Real> v) {
  Real s = 0;
  for (int l = 0; l < L<Real>; ++l) s += v[l];
  return s;
}

// Edge e's forward pass on K vectors of samples (from vector v of input row i): the final Bloch
// vectors and, when kKeep, each repetition's cos and sin (for the backward pass). K independent
// chains hide the latency of the dependent rotations (each repetition waits for the previous one).
template <typename Real, int K, bool kKeep>
inline void edge_forward(const Real* xT, const Real* e, int reps, index_t ld, index_t i, index_t v, V<Real>* x,
                         V<Real>* X, V<Real>* Y, V<Real>* Z, V<Real> (*cs)[K], V<Real> (*sn)[K]) {
  for (int k = 0; k < K; ++k) {
    x[k] = load(xT + i * ld + (v + k) * L<Real>);
    X[k] = splat(e[1]);
    Y[k] = splat(e[2]);
    Z[k] = splat(e[3]);
  }
  for (int l = 0; l < reps; ++l) {
    const Real* p = e + 4 + 4 * l;
    const V<Real> w = splat(p[0]), ph = splat(p[1]), cb = splat(p[2]), sb = splat(p[3]);
    for (int k = 0; k < K; ++k) {
      V<Real> s, c;
      sincos_v<Real>(w * x[k] + ph, s, c);
      if constexpr (kKeep) {
        cs[l][k] = c;
        sn[l][k] = s;
      }
      const V<Real> X1 = c * X[k] - s * Y[k];  // RZ
      Y[k] = s * X[k] + c * Y[k];
      X[k] = cb * X1 + sb * Z[k];  // RY
      Z[k] = cb * Z[k] - sb * X1;
    }
  }
}

template <typename Real, int K>
void daruan_forward_block(const Real* xT, const Real* edges, index_t n_in, int reps, index_t ld, index_t j,
                          index_t v, Real* yT) {
  const index_t stride = daruan_edge_stride(reps);
  V<Real> acc[K] = {};
  for (index_t i = 0; i < n_in; ++i) {
    const Real* e = edges + (j * n_in + i) * stride;
    V<Real> x[K], X[K], Y[K], Z[K];
    edge_forward<Real, K, false>(xT, e, reps, ld, i, v, x, X, Y, Z, nullptr, nullptr);
    const V<Real> coef = splat(e[0]);
    for (int k = 0; k < K; ++k) acc[k] = acc[k] + coef * Z[k];
  }
  for (int k = 0; k < K; ++k) store(yT + j * ld + (v + k) * L<Real>, acc[k]);
}

template <typename Real>
void daruan_forward(const Real* xT, const Real* edges, index_t n_in, int reps, index_t ld, index_t j_begin,
                    index_t j_end, index_t v_begin, index_t v_end, Real* yT) {
  for (index_t j = j_begin; j < j_end; ++j) {
    index_t v = v_begin;
    for (; v + 2 <= v_end; v += 2) daruan_forward_block<Real, 2>(xT, edges, n_in, reps, ld, j, v, yT);
    for (; v < v_end; ++v) daruan_forward_block<Real, 1>(xT, edges, n_in, reps, ld, j, v, yT);
  }
}

// The adjoint of one edge on K vectors: the forward pass keeps each repetition's cos and sin, then
// the backward pass un-applies the rotations (exact: they are orthogonal) to the state and to the
// cotangent lambda together, reading each angle's derivative lambda . (generator x state) on the
// way. Per-edge sums go to `acc` (the gradient order of kernels.hpp, one vector per entry), dx to dxT.
template <typename Real, int K>
void daruan_backward_block(const Real* xT, const Real* gT, const Real* e, int reps, index_t ld, index_t i, index_t v,
                           V<Real>* acc, Real* dxT) {
  V<Real> cs[kMaxDaruanReps][K], sn[kMaxDaruanReps][K];
  V<Real> x[K], X[K], Y[K], Z[K];
  edge_forward<Real, K, true>(xT, e, reps, ld, i, v, x, X, Y, Z, cs, sn);
  const V<Real> coef = splat(e[0]);
  V<Real> lx[K], ly[K], lz[K], dx[K];
  for (int k = 0; k < K; ++k) {
    const V<Real> g = load(gT + (v + k) * L<Real>);
    acc[0] = acc[0] + g * Z[k];  // d coef
    lx[k] = V<Real>{};
    ly[k] = V<Real>{};
    lz[k] = g * coef;
    dx[k] = V<Real>{};
  }
  for (int l = reps - 1; l >= 0; --l) {
    const Real* p = e + 4 + 4 * l;
    const V<Real> w = splat(p[0]), cb = splat(p[2]), sb = splat(p[3]);
    V<Real>* a = acc + 3 + 3 * l;
    for (int k = 0; k < K; ++k) {
      // RY(b): d(X, Z)/db = (Z, -X) at the state after it.
      a[2] = a[2] + (lx[k] * Z[k] - lz[k] * X[k]);
      const V<Real> X1 = cb * X[k] - sb * Z[k];
      Z[k] = sb * X[k] + cb * Z[k];
      const V<Real> L1 = cb * lx[k] - sb * lz[k];
      lz[k] = sb * lx[k] + cb * lz[k];
      // RZ(a): d(X, Y)/da = (-Y, X) at the state after it; a = w x + phase.
      const V<Real> ga = ly[k] * X1 - L1 * Y[k];
      a[0] = a[0] + ga;
      a[1] = a[1] + ga * x[k];
      dx[k] = dx[k] + ga * w;
      const V<Real> c = cs[l][k], s = sn[l][k];
      X[k] = c * X1 + s * Y[k];
      Y[k] = c * Y[k] - s * X1;
      lx[k] = c * L1 + s * ly[k];
      ly[k] = c * ly[k] - s * L1;
    }
  }
  // The two fixed rotations at the start: RY(t01) after RZ(t00) on |+> = (1, 0, 0).
  const V<Real> cb = splat(e[4 + 4 * reps]), sb = splat(e[5 + 4 * reps]);
  for (int k = 0; k < K; ++k) {
    acc[2] = acc[2] + (lx[k] * Z[k] - lz[k] * X[k]);
    const V<Real> X1 = cb * X[k] - sb * Z[k];
    const V<Real> L1 = cb * lx[k] - sb * lz[k];
    acc[1] = acc[1] + (ly[k] * X1 - L1 * Y[k]);
    Real* d = dxT + i * ld + (v + k) * L<Real>;
    store(d, load(d) + dx[k]);
  }
}

template <typename Real>
void daruan_backward(const Real* xT, const Real* gT, const Real* edges, index_t n_in, index_t n_out, int reps,
                     index_t ld, index_t i_begin, index_t i_end, Real* dxT, Real* grads) {
  const index_t stride = daruan_edge_stride(reps), gstride = daruan_grad_stride(reps);
  const index_t n_vec = ld / L<Real>;
  V<Real> acc[3 + 3 * kMaxDaruanReps];
  for (index_t i = i_begin; i < i_end; ++i) {
    for (index_t v = 0; v < n_vec; ++v) store(dxT + i * ld + v * L<Real>, V<Real>{});
    for (index_t j = 0; j < n_out; ++j) {
      const index_t edge = j * n_in + i;
      const Real* e = edges + edge * stride;
      for (index_t m = 0; m < gstride; ++m) acc[m] = V<Real>{};
      const Real* g = gT + j * ld;
      index_t v = 0;
      for (; v + 2 <= n_vec; v += 2) daruan_backward_block<Real, 2>(xT, g, e, reps, ld, i, v, acc, dxT);
      for (; v < n_vec; ++v) daruan_backward_block<Real, 1>(xT, g, e, reps, ld, i, v, acc, dxT);
      for (index_t m = 0; m < gstride; ++m) grads[edge * gstride + m] = lane_sum<Real>(acc[m]);
    }
  }
}

// The vector rate the DARUAN floor is quoted against: 16 independent multiply-add chains (enough
// to cover FMA latency on every port), iters rounds; out receives the sums so nothing is elided.
// Flops done: iters * 16 * 2 * L.
template <typename Real>
void fma_probe(Real* out, index_t iters) {
  V<Real> a[16];
  for (int k = 0; k < 16; ++k) a[k] = splat(static_cast<Real>(k) * Real(1e-3));
  const V<Real> m = splat(Real(0.999999)), c = splat(Real(1e-7));
  for (index_t it = 0; it < iters; ++it)
    for (int k = 0; k < 16; ++k) a[k] = a[k] * m + c;
  V<Real> s = V<Real>{};
  for (int k = 0; k < 16; ++k) s = s + a[k];
  store(out, s);
}
