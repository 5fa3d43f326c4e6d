// H2 in the minimal STO-3G basis, from its integrals: two 1s functions (three Gaussians each),
// molecular orbitals fixed by symmetry (bonding g, antibonding u), second quantization on four
// spin orbitals and the Jordan-Wigner map to Pauli words.
#include <array>
#include <cmath>
#include <complex>
#include <map>

#include "tangle/algo/hamiltonian.hpp"
#include "tangle/core/error.hpp"

namespace tangle::algo {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kBohrPerAngstrom = 1.0 / 0.52917721092;

// STO-3G hydrogen 1s (zeta = 1.24): exponents and contraction coefficients.
constexpr std::array<double, 3> kAlpha = {3.42525091, 0.62391373, 0.16885540};
constexpr std::array<double, 3> kCoef = {0.15432897, 0.53532814, 0.44463454};

double boys0(double t) { return t < 1e-12 ? 1.0 - t / 3.0 : 0.5 * std::sqrt(kPi / t) * std::erf(std::sqrt(t)); }
double norm(double a) { return std::pow(2.0 * a / kPi, 0.75); }

// Integrals over the two contracted functions centred at z = centre[0], centre[1] on one axis.
struct AoIntegrals {
  double s[2][2], h[2][2], eri[2][2][2][2];
};

AoIntegrals ao_integrals(double r) {
  const double z[2] = {0.0, r};
  AoIntegrals ao{};
  auto for_pairs = [&](int i, int j, auto&& f) {
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) f(kAlpha[a], kAlpha[b], kCoef[a] * kCoef[b] * norm(kAlpha[a]) * norm(kAlpha[b]), z[i], z[j]);
  };
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      double s = 0, t = 0, v = 0;
      for_pairs(i, j, [&](double a, double b, double c, double za, double zb) {
        const double p = a + b, mu = a * b / p, r2 = (za - zb) * (za - zb);
        const double sp = std::pow(kPi / p, 1.5) * std::exp(-mu * r2);
        s += c * sp;
        t += c * mu * (3.0 - 2.0 * mu * r2) * sp;
        const double zp = (a * za + b * zb) / p;
        for (double zc : z) v += c * -2.0 * kPi / p * std::exp(-mu * r2) * boys0(p * (zp - zc) * (zp - zc));
      });
      ao.s[i][j] = s;
      ao.h[i][j] = t + v;
    }
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        for (int l = 0; l < 2; ++l) {
          double e = 0;
          for_pairs(i, j, [&](double a, double b, double c1, double za, double zb) {
            for_pairs(k, l, [&](double cc, double d, double c2, double zc, double zd) {
              const double p = a + b, q = cc + d;
              const double zp = (a * za + b * zb) / p, zq = (cc * zc + d * zd) / q;
              e += c1 * c2 * 2.0 * std::pow(kPi, 2.5) / (p * q * std::sqrt(p + q)) *
                   std::exp(-a * b / p * (za - zb) * (za - zb) - cc * d / q * (zc - zd) * (zc - zd)) *
                   boys0(p * q / (p + q) * (zp - zq) * (zp - zq));
            });
          });
          ao.eri[i][j][k][l] = e;
        }
  return ao;
}

// Pauli words on four qubits with complex coefficients: the Jordan-Wigner algebra.
using Word = std::array<std::uint8_t, 4>;  // 0 I, 1 X, 2 Y, 3 Z
using Poly = std::map<Word, std::complex<double>>;

// sigma_a sigma_b = phase * sigma_c.
std::pair<std::complex<double>, std::uint8_t> mul(std::uint8_t a, std::uint8_t b) {
  if (a == 0) return {1.0, b};
  if (b == 0) return {1.0, a};
  if (a == b) return {1.0, 0};
  const std::uint8_t c = static_cast<std::uint8_t>(6 - a - b);
  const bool cyclic = (a == 1 && b == 2) || (a == 2 && b == 3) || (a == 3 && b == 1);
  return {cyclic ? std::complex<double>(0, 1) : std::complex<double>(0, -1), c};
}

Poly operator*(const Poly& x, const Poly& y) {
  Poly out;
  for (const auto& [wa, ca] : x)
    for (const auto& [wb, cb] : y) {
      Word w{};
      std::complex<double> c = ca * cb;
      for (int q = 0; q < 4; ++q) {
        const auto [ph, l] = mul(wa[static_cast<size_t>(q)], wb[static_cast<size_t>(q)]);
        c *= ph;
        w[static_cast<size_t>(q)] = l;
      }
      out[w] += c;
    }
  return out;
}

// a_j^dagger (create) or a_j: Z on the wires before j, (X -+ iY)/2 on j.
Poly ladder(int j, bool create) {
  Word x{}, y{};
  for (int k = 0; k < j; ++k) x[static_cast<size_t>(k)] = y[static_cast<size_t>(k)] = 3;
  x[static_cast<size_t>(j)] = 1;
  y[static_cast<size_t>(j)] = 2;
  return Poly{{x, 0.5}, {y, std::complex<double>(0.0, create ? -0.5 : 0.5)}};
}

}  // namespace

PauliSum h2_sto3g(double bond_angstrom) {
  TANGLE_CHECK(std::isfinite(bond_angstrom) && bond_angstrom >= 0.1 && bond_angstrom <= 10.0, "H2 bond length ",
               bond_angstrom, " A is outside [0.1, 10] A");
  const double r = bond_angstrom * kBohrPerAngstrom;
  const AoIntegrals ao = ao_integrals(r);
  // Molecular orbitals by symmetry: g = (A + B)/sqrt(2(1 + S)), u = (A - B)/sqrt(2(1 - S)).
  const double sab = ao.s[0][1];
  const double c[2][2] = {{1.0 / std::sqrt(2.0 * (1.0 + sab)), 1.0 / std::sqrt(2.0 * (1.0 + sab))},
                          {1.0 / std::sqrt(2.0 * (1.0 - sab)), -1.0 / std::sqrt(2.0 * (1.0 - sab))}};
  double h[2][2] = {}, g[2][2][2][2] = {};
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 2; ++q)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) h[p][q] += c[p][i] * c[q][j] * ao.h[i][j];
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 2; ++q)
      for (int r2 = 0; r2 < 2; ++r2)
        for (int s = 0; s < 2; ++s)
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
              for (int k = 0; k < 2; ++k)
                for (int l = 0; l < 2; ++l)
                  g[p][q][r2][s] += c[p][i] * c[q][j] * c[r2][k] * c[s][l] * ao.eri[i][j][k][l];

  // Spin orbital 2m + spin for orbital m; H = E_nuc + sum h a+_p a_q + 1/2 sum (pq|rs) a+_p a+_r a_s a_q.
  Poly ham{{Word{}, 1.0 / r}};
  auto add = [&](const Poly& t, double coef) {
    for (const auto& [w, v] : t) ham[w] += coef * v;
  };
  for (int p = 0; p < 4; ++p)
    for (int q = 0; q < 4; ++q)
      if (p % 2 == q % 2 && h[p / 2][q / 2] != 0.0) add(ladder(p, true) * ladder(q, false), h[p / 2][q / 2]);
  for (int p = 0; p < 4; ++p)
    for (int q = 0; q < 4; ++q)
      for (int r2 = 0; r2 < 4; ++r2)
        for (int s = 0; s < 4; ++s) {
          if (p % 2 != q % 2 || r2 % 2 != s % 2 || p == r2 || q == s) continue;
          const double v = g[p / 2][q / 2][r2 / 2][s / 2];
          if (v == 0.0) continue;
          add(ladder(p, true) * ladder(r2, true) * ladder(s, false) * ladder(q, false), 0.5 * v);
        }

  PauliSum sum;
  for (const auto& [w, v] : ham) {
    TANGLE_CHECK(std::abs(v.imag()) < 1e-10, "internal: the H2 Hamiltonian has an imaginary coefficient ", v.imag());
    if (std::abs(v.real()) < 1e-12) continue;
    PauliSum term(v.real());
    for (int q = 0; q < 4; ++q) {
      switch (w[static_cast<size_t>(q)]) {
        case 1: term = term * pauli_x(q); break;
        case 2: term = term * pauli_y(q); break;
        case 3: term = term * pauli_z(q); break;
        default: break;
      }
    }
    sum = sum + term;
  }
  return sum;
}

}  // namespace tangle::algo
