// Kernels called directly, against scalar loops written from their documented formulas: every
// kernel table this CPU supports, both precisions.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <complex>
#include <random>
#include <vector>

#include "kernels/kernels.hpp"
#include "tangle/core/memory.hpp"

using namespace tangle;
using namespace tangle::kernels;

namespace {

template <typename Real>
std::vector<const KernelTable<Real>*> tables() {
  std::vector<const KernelTable<Real>*> out;
  for (const char* isa : {"generic", "avx2", "avx512"})
    if (const KernelTable<Real>* t = kernel_table_for<Real>(isa)) out.push_back(t);
  return out;
}

// One rotation of a RotationSet, applied by its formula: out_v = c a_v + kappa (i if imaginary)
// (-1)^parity((v ^ x) & z) a_(v ^ x), per lane.
template <typename Real>
void rotate_reference(std::vector<std::complex<double>>& a, int lanes, std::uint64_t x, std::uint64_t z,
                      const std::vector<Real>& c, const std::vector<Real>& kappa, bool imag) {
  const size_t n_vec = a.size() / static_cast<size_t>(lanes);
  std::vector<std::complex<double>> out(a.size());
  for (size_t v = 0; v < n_vec; ++v) {
    const size_t u = v ^ x;
    const double sign = (std::popcount(u & z) & 1) ? -1.0 : 1.0;
    for (int l = 0; l < lanes; ++l) {
      std::complex<double> term = sign * static_cast<double>(kappa[static_cast<size_t>(l)]) * a[u * lanes + l];
      if (imag) term *= std::complex<double>(0.0, 1.0);
      out[v * lanes + l] = static_cast<double>(c[static_cast<size_t>(l)]) * a[v * lanes + l] + term;
    }
  }
  a = out;
}

// A random RotationSet of `count` rotations on n_vec vectors, with its coefficients and the words
// it was planned from, and random tiles.
template <typename Real>
struct RandomSet {
  static constexpr int L = kLanes<Real>;
  int count = 0;
  std::uint64_t xv[3] = {}, zv[3] = {};
  unsigned imag = 0;
  std::vector<std::vector<Real>> c, kappa;
  AlignedBuffer<Real> coef;
  RotationSet<Real> rs;

  RandomSet(std::mt19937_64& rng, int n, size_t n_vec) : count(n), c(3, std::vector<Real>(L)), kappa(3, std::vector<Real>(L)) {
    std::uniform_int_distribution<std::uint64_t> mask(0, n_vec - 1);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    do {
      imag = 0;
      for (int i = 0; i < count; ++i) {
        do xv[i] = mask(rng); while (xv[i] == 0);
        zv[i] = mask(rng);
        if (rng() & 1) imag |= 1u << i;
      }
    } while (!plan_rotation_set(count, xv, zv, imag, static_cast<index_t>(n_vec), rs));
    coef.resize(static_cast<size_t>(6 * L));
    for (int i = 0; i < count; ++i) {
      for (int l = 0; l < L; ++l) {
        c[i][l] = static_cast<Real>(u(rng));
        kappa[i][l] = static_cast<Real>(u(rng));
        coef[static_cast<size_t>(2 * i * L + l)] = c[i][l];
        coef[static_cast<size_t>((2 * i + 1) * L + l)] = kappa[i][l];
      }
      rs.c[i] = coef.data() + 2 * i * L;
      rs.kappa[i] = coef.data() + (2 * i + 1) * L;
    }
  }
};

// A random tile and the same amplitudes as complex numbers, [vector][lane].
template <typename Real>
void random_tile(std::mt19937_64& rng, size_t n_vec, AlignedBuffer<Real>& tile, std::vector<std::complex<double>>& z) {
  constexpr int L = kLanes<Real>;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  tile.resize(2 * L * n_vec);
  z.resize(L * n_vec);
  for (size_t v = 0; v < n_vec; ++v)
    for (int l = 0; l < L; ++l) {
      tile[2 * L * v + l] = static_cast<Real>(u(rng));
      tile[2 * L * v + L + l] = static_cast<Real>(u(rng));
      z[v * L + l] = {tile[2 * L * v + l], tile[2 * L * v + L + l]};
    }
}

// One random complex number per vector (a phase table's layout; not of modulus one, which the
// kernels do not assume).
template <typename Real>
AlignedBuffer<Real> random_table(std::mt19937_64& rng, size_t n_vec) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  AlignedBuffer<Real> t(2 * n_vec);
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<Real>(u(rng));
  return t;
}

template <typename Real>
AlignedBuffer<Real> copy_of(const AlignedBuffer<Real>& b) {
  AlignedBuffer<Real> out(b.size());
  std::copy(b.data(), b.data() + b.size(), out.data());
  return out;
}

template <typename Real>
double max_error(const AlignedBuffer<Real>& tile, const std::vector<std::complex<double>>& z) {
  constexpr int L = kLanes<Real>;
  double err = 0.0;
  for (size_t v = 0; v < z.size() / L; ++v)
    for (int l = 0; l < L; ++l)
      err = std::max(err, std::abs(std::complex<double>(tile[2 * L * v + l], tile[2 * L * v + L + l]) - z[v * L + l]));
  return err;
}

// body(table, set, rng, trial) for `trials` random sets of one to three rotations on n_vec
// vectors, on every kernel table this CPU supports.
template <typename Real, typename F>
void for_random_sets(std::uint64_t seed, int trials, size_t n_vec, F&& body) {
  std::mt19937_64 rng(seed);
  for (const KernelTable<Real>* kt : tables<Real>())
    for (int trial = 0; trial < trials; ++trial) {
      RandomSet<Real> set(rng, 1 + trial % 3, n_vec);
      body(*kt, set, rng, trial);
    }
}

// sum_j conj(a_j) (-1)^parity((j ^ x) & z) b_(j ^ x) in lane l: a Pauli inner product by its formula.
std::complex<double> inner_reference(const std::vector<std::complex<double>>& a, const std::vector<std::complex<double>>& b,
                                     int lanes, int l, std::uint64_t x, std::uint64_t z) {
  std::complex<double> sum = 0.0;
  for (size_t j = 0; j < a.size() / static_cast<size_t>(lanes); ++j) {
    const size_t src = j ^ x;
    const double sign = (std::popcount(src & z) & 1) ? -1.0 : 1.0;
    sum += std::conj(a[j * lanes + l]) * sign * b[src * lanes + l];
  }
  return sum;
}

// Random coefficients of n_coef matrix entries in a coefficient mode: m[e * L + l] is entry e in
// lane l (real for LaneReal, the same in every lane for UniformComplex), `coef` the kernels' layout.
template <typename Real>
void random_coefficients(std::mt19937_64& rng, CoefMode mode, size_t n_coef, std::vector<std::complex<double>>& m,
                         AlignedBuffer<Real>& coef) {
  constexpr int L = kLanes<Real>;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  m.assign(n_coef * L, 0.0);
  coef.resize(n_coef * 2 * L);
  for (size_t e = 0; e < n_coef; ++e) {
    const double ur = u(rng), ui = mode == CoefMode::LaneReal ? 0.0 : u(rng);
    for (int l = 0; l < L; ++l) {
      double re = ur, im = ui;
      if (mode != CoefMode::UniformComplex) re = u(rng), im = mode == CoefMode::LaneReal ? 0.0 : u(rng);
      m[e * L + static_cast<size_t>(l)] = {re, im};
      if (mode == CoefMode::LaneComplex) {
        coef[e * 2 * L + static_cast<size_t>(l)] = static_cast<Real>(re);
        coef[e * 2 * L + L + static_cast<size_t>(l)] = static_cast<Real>(im);
      } else if (mode == CoefMode::LaneReal) {
        coef[e * L + static_cast<size_t>(l)] = static_cast<Real>(re);
      }
    }
    if (mode == CoefMode::UniformComplex) {
      coef[2 * e] = static_cast<Real>(ur);
      coef[2 * e + 1] = static_cast<Real>(ui);
    }
  }
}

}  // namespace

template <typename Real>
class KernelsTest : public ::testing::Test {};
using Reals = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelsTest, Reals);

// A RotationSet pass equals its rotations applied one at a time, in order: one to three
// rotations, random words (flips, signs, real and imaginary kappas), the groups split into two
// ranges as threads split them.
TYPED_TEST(KernelsTest, RotationSetEqualsItsRotationsInOrder) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 128;
  const double tol = std::is_same_v<Real, double> ? 1e-12 : 2e-5;
  for_random_sets<Real>(99, 60, n_vec, [&](const KernelTable<Real>& kt, RandomSet<Real>& set, std::mt19937_64& rng, int trial) {
    AlignedBuffer<Real> tile;
    std::vector<std::complex<double>> ref;
    random_tile(rng, n_vec, tile, ref);
    for (int i = 0; i < set.count; ++i)
      rotate_reference(ref, L, set.xv[i], set.zv[i], set.c[i], set.kappa[i], (set.imag >> i) & 1);
    const index_t third = set.rs.groups.count / 3;
    AlignedBuffer<Real> phased = copy_of(tile), unsaved = copy_of(tile), saved(tile.size());
    kt.apply_pauli_rotations(tile.data(), set.rs, 0, third);
    kt.apply_pauli_rotations(tile.data(), set.rs, third, set.rs.groups.count);
    EXPECT_LT(max_error(tile, ref), tol) << kt.isa << ", " << set.count << " rotations, trial " << trial;

    // The same pass storing its result and then applying a phase table: saved equals the set's
    // result, the tile that result times the table, and without `saved` the tile alike.
    const AlignedBuffer<Real> phase = random_table<Real>(rng, n_vec);
    std::vector<std::complex<double>> ref_phased(ref);
    for (size_t v = 0; v < n_vec; ++v)
      for (int l = 0; l < L; ++l) ref_phased[v * L + l] *= std::complex<double>(phase[2 * v], phase[2 * v + 1]);
    for (Real* target_saved : {saved.data(), static_cast<Real*>(nullptr)}) {
      Real* t = target_saved != nullptr ? phased.data() : unsaved.data();
      kt.apply_pauli_rotations_phase(t, target_saved, phase.data(), set.rs, 0, third);
      kt.apply_pauli_rotations_phase(t, target_saved, phase.data(), set.rs, third, set.rs.groups.count);
    }
    EXPECT_LT(max_error(saved, ref), tol) << kt.isa << ", saved, " << set.count << " rotations, trial " << trial;
    EXPECT_LT(max_error(phased, ref_phased), tol) << kt.isa << ", phased, " << set.count << " rotations, trial " << trial;
    EXPECT_LT(max_error(unsaved, ref_phased), tol) << kt.isa << ", phased without saving, trial " << trial;
  });
}

// A set's inner products <lam| P_i |psi>, by its formula: in one pass (pauli_inner_set), and
// in the adjoint step, which reads them at its input states and then applies the set to both.
// Each sums the part the angle gradient reads (imaginary for an imaginary kappa, real
// otherwise) and leaves the other part as it was (zero here).
TYPED_TEST(KernelsTest, RotationSetInnerProductsAndAdjointStep) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 64;
  const double tol = std::is_same_v<Real, double> ? 1e-11 : 1e-4;
  for_random_sets<Real>(23, 30, n_vec, [&](const KernelTable<Real>& kt, RandomSet<Real>& set, std::mt19937_64& rng, int trial) {
    AlignedBuffer<Real> psi, lam, acc(static_cast<size_t>(6 * L)), inner(static_cast<size_t>(6 * L));
    std::vector<std::complex<double>> zp, zl;
    random_tile(rng, n_vec, psi, zp);
    random_tile(rng, n_vec, lam, zl);
    std::vector<std::complex<double>> want(static_cast<size_t>(set.count * L));
    for (int i = 0; i < set.count; ++i)
      for (int l = 0; l < L; ++l) want[static_cast<size_t>(i * L + l)] = inner_reference(zl, zp, L, l, set.xv[i], set.zv[i]);
    for (int i = 0; i < set.count; ++i) {
      rotate_reference(zp, L, set.xv[i], set.zv[i], set.c[i], set.kappa[i], (set.imag >> i) & 1);
      rotate_reference(zl, L, set.xv[i], set.zv[i], set.c[i], set.kappa[i], (set.imag >> i) & 1);
    }
    const index_t cut = set.rs.groups.count / 2;
    kt.pauli_inner_set(lam.data(), psi.data(), set.rs, 0, cut, inner.data());
    kt.pauli_inner_set(lam.data(), psi.data(), set.rs, cut, set.rs.groups.count, inner.data());
    kt.adjoint_pauli_rotations(psi.data(), lam.data(), set.rs, 0, cut, acc.data());
    kt.adjoint_pauli_rotations(psi.data(), lam.data(), set.rs, cut, set.rs.groups.count, acc.data());
    EXPECT_LT(max_error(psi, zp), tol) << kt.isa << ", psi, trial " << trial;
    EXPECT_LT(max_error(lam, zl), tol) << kt.isa << ", lambda, trial " << trial;
    for (int i = 0; i < set.count; ++i)
      for (int l = 0; l < L; ++l) {
        const size_t at = static_cast<size_t>(2 * L * i + l);
        const bool imag = (set.imag >> i) & 1;
        const std::complex<double> w = want[static_cast<size_t>(i * L + l)];
        const std::complex<double> part = imag ? std::complex<double>(0.0, w.imag()) : std::complex<double>(w.real(), 0.0);
        const std::complex<double> one_pass(inner[at], inner[at + L]), adjoint(acc[at], acc[at + L]);
        EXPECT_LT(std::abs(one_pass - part), tol) << kt.isa << ", inner product " << i << (imag ? " (imaginary part)" : " (real part)");
        EXPECT_LT(std::abs(adjoint - part), tol) << kt.isa << ", adjoint's inner product " << i;
      }
  });
}

// Dependent flips cannot share a pass: their groups would not be cosets of 2^count vectors.
TEST(Kernels, RotationSetRefusesDependentFlips) {
  RotationSet<double> rs;
  const std::uint64_t xv[3] = {0b011, 0b110, 0b101}, zv[3] = {0, 0, 0};
  EXPECT_TRUE(plan_rotation_set(2, xv, zv, 0, 64, rs));
  EXPECT_FALSE(plan_rotation_set(3, xv, zv, 0, 64, rs));  // 011 ^ 110 = 101
  EXPECT_FALSE(plan_rotation_set(4, xv, zv, 0, 64, rs));
  const std::uint64_t same[2] = {0b100, 0b100};
  EXPECT_FALSE(plan_rotation_set(2, same, zv, 0, 64, rs));
}

// One doubling step of a product state, against its formula.
TYPED_TEST(KernelsTest, ProductDoubleMultipliesBothHalves) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const index_t half = 5;
  for (const KernelTable<Real>* kt : tables<Real>()) {
    AlignedBuffer<Real> tile(static_cast<size_t>(4 * L * half)), f(4 * L);
    for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<Real>(u(rng));
    std::vector<std::complex<double>> a(static_cast<size_t>(L * half));
    for (index_t v = 0; v < half; ++v)
      for (int l = 0; l < L; ++l) {
        tile[static_cast<size_t>(2 * L * v + l)] = static_cast<Real>(u(rng));
        tile[static_cast<size_t>(2 * L * v + L + l)] = static_cast<Real>(u(rng));
        a[static_cast<size_t>(v * L + l)] = {tile[static_cast<size_t>(2 * L * v + l)], tile[static_cast<size_t>(2 * L * v + L + l)]};
      }
    kt->product_double(tile.data(), f.data(), half, 0, 2);  // in two ranges, as threads split it
    kt->product_double(tile.data(), f.data(), half, 2, half);
    const double tol = std::is_same_v<Real, double> ? 1e-14 : 1e-6;
    for (index_t v = 0; v < 2 * half; ++v)
      for (int l = 0; l < L; ++l) {
        const int which = v < half ? 0 : 1;
        const std::complex<double> fac(f[static_cast<size_t>(2 * which * L + l)], f[static_cast<size_t>((2 * which + 1) * L + l)]);
        const std::complex<double> want = fac * a[static_cast<size_t>((v % half) * L + l)];
        const std::complex<double> got(tile[static_cast<size_t>(2 * L * v + l)], tile[static_cast<size_t>(2 * L * v + L + l)]);
        EXPECT_LT(std::abs(got - want), tol) << kt->isa << ", vector " << v << ", lane " << l;
      }
  }
}

// Im(conj(a_v) p_v b_v) per lane, with a per-vector phase p and without (p = 1).
TYPED_TEST(KernelsTest, ImagProductsApplyTheOptionalPhase) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 37;
  const double tol = std::is_same_v<Real, double> ? 1e-14 : 1e-6;
  std::mt19937_64 rng(31);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    AlignedBuffer<Real> a, b, t(L * n_vec);
    std::vector<std::complex<double>> za, zb;
    random_tile(rng, n_vec, a, za);
    random_tile(rng, n_vec, b, zb);
    const AlignedBuffer<Real> phase = random_table<Real>(rng, n_vec);
    for (const bool phased : {false, true}) {
      kt->imag_products(a.data(), b.data(), phased ? phase.data() : nullptr, 0, 20, t.data());
      kt->imag_products(a.data(), b.data(), phased ? phase.data() : nullptr, 20, n_vec, t.data());
      for (size_t v = 0; v < n_vec; ++v)
        for (int l = 0; l < L; ++l) {
          const std::complex<double> p = phased ? std::complex<double>(phase[2 * v], phase[2 * v + 1]) : 1.0;
          const double want = std::imag(std::conj(za[v * L + l]) * p * zb[v * L + l]);
          EXPECT_NEAR(t[v * L + l], want, tol) << kt->isa << (phased ? ", phased" : "") << ", vector " << v;
        }
    }
  }
}

// The fused phase adjoint: per-mask signed sums of Im(conj(lam_v) p_v psi_v), with and without a
// phase p, and lam multiplied by `inv` or left alone, over two ranges of whole runs.
TYPED_TEST(KernelsTest, PhaseAdjointSumsSignedProductsAndUnappliesTheTable) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 64;
  const double tol = std::is_same_v<Real, double> ? 1e-12 : 2e-4;
  std::mt19937_64 rng(37);
  std::uniform_int_distribution<std::uint64_t> mask(0, n_vec - 1);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    for (const bool phased : {false, true})
      for (const bool unapply : {false, true}) {
        AlignedBuffer<Real> lam, psi;
        std::vector<std::complex<double>> zl, zp;
        random_tile(rng, n_vec, lam, zl);
        random_tile(rng, n_vec, psi, zp);
        const AlignedBuffer<Real> phase = random_table<Real>(rng, n_vec), inv = random_table<Real>(rng, n_vec);
        std::vector<std::uint64_t> masks(19);
        for (std::uint64_t& m : masks) m = mask(rng);
        masks[0] = 0;  // a global phase: the plain sum
        const int nk = static_cast<int>(masks.size());
        std::vector<Real> acc(static_cast<size_t>(nk) * L, Real(0));
        const Real* p = phased ? phase.data() : nullptr;
        const Real* q = unapply ? inv.data() : nullptr;
        kt->phase_adjoint(lam.data(), psi.data(), p, q, masks.data(), nk, 0, 24, acc.data());
        kt->phase_adjoint(lam.data(), psi.data(), p, q, masks.data(), nk, 24, n_vec, acc.data());
        for (int k = 0; k < nk; ++k)
          for (int l = 0; l < L; ++l) {
            double want = 0.0;
            for (size_t v = 0; v < n_vec; ++v) {
              const std::complex<double> pv = phased ? std::complex<double>(phase[2 * v], phase[2 * v + 1]) : 1.0;
              const double sign = (std::popcount(v & masks[static_cast<size_t>(k)]) & 1) ? -1.0 : 1.0;
              want += sign * std::imag(std::conj(zl[v * L + l]) * pv * zp[v * L + l]);
            }
            EXPECT_NEAR(acc[static_cast<size_t>(k * L + l)], want, tol) << kt->isa << ", mask " << k << ", lane " << l;
          }
        for (size_t v = 0; v < n_vec; ++v)
          for (int l = 0; l < L; ++l) {
            const std::complex<double> iv = unapply ? std::complex<double>(inv[2 * v], inv[2 * v + 1]) : 1.0;
            const std::complex<double> want = iv * zl[v * L + l];
            const std::complex<double> got(lam[2 * L * v + l], lam[2 * L * v + L + l]);
            EXPECT_LT(std::abs(got - want), tol) << kt->isa << ", vector " << v << ", lane " << l;
          }
      }
  }
}

// out_v = p_v in_v per lane, out of place and in place.
TYPED_TEST(KernelsTest, PhaseTableMultipliesEachVector) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 37;
  const double tol = std::is_same_v<Real, double> ? 1e-14 : 1e-6;
  std::mt19937_64 rng(41);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    AlignedBuffer<Real> in, out(2 * L * n_vec);
    std::vector<std::complex<double>> z;
    random_tile(rng, n_vec, in, z);
    const AlignedBuffer<Real> phase = random_table<Real>(rng, n_vec);
    for (size_t v = 0; v < n_vec; ++v)
      for (int l = 0; l < L; ++l) z[v * L + l] *= std::complex<double>(phase[2 * v], phase[2 * v + 1]);
    kt->apply_phase_table(out.data(), in.data(), phase.data(), 0, 20);
    kt->apply_phase_table(out.data(), in.data(), phase.data(), 20, n_vec);
    EXPECT_LT(max_error(out, z), tol) << kt->isa << ", out of place";
    kt->apply_phase_table(in.data(), in.data(), phase.data(), 0, n_vec);
    EXPECT_LT(max_error(in, z), tol) << kt->isa << ", in place";
  }
}

// The contraction of a tile with a split product state, against its formula: every h in two
// ranges (as threads split them), d accumulated over both.
TYPED_TEST(KernelsTest, ProductContractSumsBothHalves) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  const int k = 3;
  const size_t n_lo = size_t{1} << k, n_hi = 5, n_vec = n_lo * n_hi;
  const double tol = std::is_same_v<Real, double> ? 1e-13 : 2e-5;
  std::mt19937_64 rng(41);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    AlignedBuffer<Real> lam, w_lo, w_hi, c(n_hi * 2 * L), d(n_lo * 2 * L);
    std::vector<std::complex<double>> zl, zlo, zhi;
    random_tile(rng, n_vec, lam, zl);
    random_tile(rng, n_lo, w_lo, zlo);
    random_tile(rng, n_hi, w_hi, zhi);
    kt->product_contract(lam.data(), w_lo.data(), w_hi.data(), k, 0, 2, c.data(), d.data());
    kt->product_contract(lam.data(), w_lo.data(), w_hi.data(), k, 2, static_cast<index_t>(n_hi), c.data(), d.data());
    for (int l = 0; l < L; ++l) {
      for (size_t h = 0; h < n_hi; ++h) {
        std::complex<double> want = 0.0;
        for (size_t j = 0; j < n_lo; ++j) want += std::conj(zl[(h * n_lo + j) * L + l]) * zlo[j * L + l];
        const std::complex<double> got(c[2 * L * h + l], c[2 * L * h + L + l]);
        EXPECT_LT(std::abs(got - want), tol) << kt->isa << ", c[" << h << "] lane " << l;
      }
      for (size_t j = 0; j < n_lo; ++j) {
        std::complex<double> want = 0.0;
        for (size_t h = 0; h < n_hi; ++h) want += std::conj(zl[(h * n_lo + j) * L + l]) * zhi[h * L + l];
        const std::complex<double> got(d[2 * L * j + l], d[2 * L * j + L + l]);
        EXPECT_LT(std::abs(got - want), tol) << kt->isa << ", d[" << j << "] lane " << l;
      }
    }
  }
}

// Dense matrices on 1 to 5 targets in each coefficient mode, and their partial outer products,
// against the formula (the unrolled 2- to 4-target paths and the general one; no lane permutation).
TYPED_TEST(KernelsTest, DenseMatricesAndPartialOuterProducts) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 64;
  const double tol = std::is_same_v<Real, double> ? 1e-12 : 2e-5;
  std::mt19937_64 rng(43);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    for (int kh = 1; kh <= 5; ++kh) {
      // Targets: the highest kh vector bits of 6, in a scrambled order; no controls.
      const int dim = 1 << kh;
      std::vector<int> bits;
      for (int b = 5; b >= 6 - kh; --b) bits.push_back(b);
      std::shuffle(bits.begin(), bits.end(), rng);
      std::vector<index_t> offsets(static_cast<size_t>(dim), 0);
      for (int j = 0; j < dim; ++j)
        for (int t = 0; t < kh; ++t)
          if ((j >> (kh - 1 - t)) & 1) offsets[static_cast<size_t>(j)] |= index_t{1} << bits[static_cast<size_t>(t)];
      GroupIndex g;
      g.kh = kh;
      g.offsets = offsets.data();
      g.count = static_cast<index_t>(n_vec) >> kh;
      std::vector<int> sorted = bits;
      std::sort(sorted.begin(), sorted.end());
      g.n_ins = kh;
      for (int i = 0; i < kh; ++i) g.ins[i] = sorted[static_cast<size_t>(i)];
      for (CoefMode mode : {CoefMode::UniformComplex, CoefMode::LaneComplex, CoefMode::LaneReal}) {
        std::vector<std::complex<double>> m;
        AlignedBuffer<Real> coef;
        random_coefficients(rng, mode, static_cast<size_t>(dim * dim), m, coef);
        AlignedBuffer<Real> tile;
        std::vector<std::complex<double>> z;
        random_tile(rng, n_vec, tile, z);
        const AlignedBuffer<Real> other = copy_of(tile);
        std::vector<std::complex<double>> want = z;
        for (index_t k = 0; k < g.count; ++k) {
          const index_t base = g.base(k);
          for (int l = 0; l < L; ++l)
            for (int o = 0; o < dim; ++o) {
              std::complex<double> s = 0.0;
              for (int i = 0; i < dim; ++i)
                s += m[static_cast<size_t>((o * dim + i) * L + l)] * z[static_cast<size_t>((base + offsets[static_cast<size_t>(i)]) * L + l)];
              want[static_cast<size_t>((base + offsets[static_cast<size_t>(o)]) * L + l)] = s;
            }
        }
        const int perm = 0;
        kt->apply_matrix(tile.data(), g, mode, coef.data(), 1, &perm, 0, g.count / 2);
        kt->apply_matrix(tile.data(), g, mode, coef.data(), 1, &perm, g.count / 2, g.count);
        EXPECT_LT(max_error(tile, want), tol * dim) << kt->isa << ", " << dim << " x " << dim << ", mode " << static_cast<int>(mode);
        // acc[i][j] += a_i conj(b_j) over the groups (a = the result, b = the input)
        AlignedBuffer<Real> acc(static_cast<size_t>(dim * dim * 2 * L));
        kt->partial_outer(tile.data(), other.data(), g, 1, &perm, 0, g.count, acc.data());
        double err = 0.0;
        for (int i = 0; i < dim; ++i)
          for (int j = 0; j < dim; ++j)
            for (int l = 0; l < L; ++l) {
              std::complex<double> s = 0.0;
              for (index_t k = 0; k < g.count; ++k) {
                const index_t base = g.base(k);
                s += want[static_cast<size_t>((base + offsets[static_cast<size_t>(i)]) * L + l)] *
                     std::conj(z[static_cast<size_t>((base + offsets[static_cast<size_t>(j)]) * L + l)]);
              }
              const size_t e = static_cast<size_t>(i * dim + j) * 2 * L + static_cast<size_t>(l);
              err = std::max(err, std::abs(std::complex<double>(acc[e], acc[e + L]) - s));
            }
        EXPECT_LT(err, tol * dim * 8) << kt->isa << ", partial outer " << dim;
      }
    }
  }
}

// The same with targets inside the lanes: n_perm lane patterns (lane l reads lane l ^ perm[p]),
// coefficients [o][i][p], for the unrolled lane kernels and the general one.
TYPED_TEST(KernelsTest, DenseMatricesWithLaneTargets) {
  using Real = TypeParam;
  constexpr int L = kLanes<Real>;
  constexpr size_t n_vec = 32;
  const double tol = std::is_same_v<Real, double> ? 1e-12 : 2e-5;
  std::mt19937_64 rng(47);
  for (const KernelTable<Real>* kt : tables<Real>()) {
    for (int kh = 0; kh <= 3; ++kh) {
      for (int kl = 1; kl <= 3; ++kl) {
        const int dim = 1 << kh, np = 1 << kl;
        std::vector<index_t> offsets(static_cast<size_t>(dim), 0);
        for (int j = 0; j < dim; ++j)
          for (int t = 0; t < kh; ++t)
            if ((j >> t) & 1) offsets[static_cast<size_t>(j)] |= index_t{1} << (4 - t);
        GroupIndex g;
        g.kh = kh;
        g.offsets = offsets.data();
        g.count = static_cast<index_t>(n_vec) >> kh;
        g.n_ins = kh;
        for (int i = 0; i < kh; ++i) g.ins[i] = 5 - kh + i;
        std::vector<int> perm(static_cast<size_t>(np));
        for (int p = 0; p < np; ++p) perm[static_cast<size_t>(p)] = (p & 1) | (((p >> 1) & 1) << 2) | ((p >> 2) << 1);  // lane bits 0, 2, 1
        for (CoefMode mode : {CoefMode::UniformComplex, CoefMode::LaneComplex, CoefMode::LaneReal}) {
          std::vector<std::complex<double>> m;
          AlignedBuffer<Real> coef;
          random_coefficients(rng, mode, static_cast<size_t>(dim * dim * np), m, coef);
          AlignedBuffer<Real> tile;
          std::vector<std::complex<double>> z;
          random_tile(rng, n_vec, tile, z);
          const AlignedBuffer<Real> other = copy_of(tile);
          std::vector<std::complex<double>> want = z;
          for (index_t k = 0; k < g.count; ++k) {
            const index_t base = g.base(k);
            for (int l = 0; l < L; ++l)
              for (int o = 0; o < dim; ++o) {
                std::complex<double> s = 0.0;
                for (int i = 0; i < dim; ++i)
                  for (int p = 0; p < np; ++p)
                    s += m[static_cast<size_t>(((o * dim + i) * np + p) * L + l)] *
                         z[static_cast<size_t>((base + offsets[static_cast<size_t>(i)]) * L + (l ^ perm[static_cast<size_t>(p)]))];
                want[static_cast<size_t>((base + offsets[static_cast<size_t>(o)]) * L + l)] = s;
              }
          }
          kt->apply_matrix(tile.data(), g, mode, coef.data(), np, perm.data(), 0, g.count);
          EXPECT_LT(max_error(tile, want), tol * dim * np) << kt->isa << ", kh " << kh << ", kl " << kl << ", mode " << static_cast<int>(mode);
          if (mode != CoefMode::UniformComplex) continue;
          AlignedBuffer<Real> acc(static_cast<size_t>(dim * dim * np * 2 * L));
          kt->partial_outer(tile.data(), other.data(), g, np, perm.data(), 0, g.count, acc.data());
          double err = 0.0;
          for (int i = 0; i < dim; ++i)
            for (int j = 0; j < dim; ++j)
              for (int p = 0; p < np; ++p)
                for (int l = 0; l < L; ++l) {
                  std::complex<double> s = 0.0;
                  for (index_t k = 0; k < g.count; ++k) {
                    const index_t base = g.base(k);
                    s += want[static_cast<size_t>((base + offsets[static_cast<size_t>(i)]) * L + l)] *
                         std::conj(z[static_cast<size_t>((base + offsets[static_cast<size_t>(j)]) * L + (l ^ perm[static_cast<size_t>(p)]))]);
                  }
                  const size_t e = static_cast<size_t>((i * dim + j) * np + p) * 2 * L + static_cast<size_t>(l);
                  err = std::max(err, std::abs(std::complex<double>(acc[e], acc[e + L]) - s));
                }
          EXPECT_LT(err, tol * dim * np * 8) << kt->isa << ", partial outer kh " << kh << ", kl " << kl;
        }
      }
    }
  }
}
