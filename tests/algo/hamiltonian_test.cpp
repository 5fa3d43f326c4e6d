// Hamiltonian text, spin chains, H2 and exact ground energies against independent references.
#include <gtest/gtest.h>

#include <cmath>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/algo/hamiltonian.hpp"

namespace tangle::algo {
namespace {

using test::error_of;
using test::has;

double dense_ground(const PauliSum& h, int n) {
  Eigen::SelfAdjointEigenSolver<ref::Mat> es(ref::pauli_sum_matrix(h, n), Eigen::EigenvaluesOnly);
  return es.eigenvalues()(0);
}

TEST(PauliSumText, ParsesCoefficientsFactorsAndSigns) {
  const PauliSum h = parse_pauli_sum("0.5 Z0 Z1 + 0.3 X0 - 1.2\n-2e-1 * Y2 * X0\n Z1 # a comment\n+ I3");
  const PauliSum want = 0.5 * (pauli_z(0) * pauli_z(1)) + 0.3 * pauli_x(0) - 1.2 - 0.2 * (pauli_x(0) * pauli_y(2)) +
                        pauli_z(1) + 1.0;
  EXPECT_LT((ref::pauli_sum_matrix(h, 3) - ref::pauli_sum_matrix(want, 3)).norm(), 1e-14) << h.to_string();
  EXPECT_EQ(parse_pauli_sum("x0 y1").terms().size(), 1u);
}

TEST(PauliSumText, BadTextNamesLineColumnAndToken) {
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("0.5 Z0 Q1"); }), "line 1, column 8"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("0.5 Z0\n+ Z1 Z1"); }), "wire 1 appears twice"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("0.5 Z0\n+ Z1 Z1"); }), "line 2"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("Z0 0.5"); }), "coefficient must come first"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("0.5 Z"); }), "expected a wire number"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("0.5 Z0 +"); }), "expected a term"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("  # nothing\n"); }), "no terms"));
  EXPECT_TRUE(has(error_of<ValueError>([] { parse_pauli_sum("inf Z0"); }), "expected"));
  EXPECT_TRUE(has(error_of<RuntimeError>([] { read_pauli_sum("/nonexistent/h.txt"); }), "/nonexistent/h.txt"));
}

TEST(GroundEnergy, MatchesDenseDiagonalizationOnRandomSums) {
  test::Rng rng(11);
  for (int n : {1, 3, 5}) {
    for (int trial = 0; trial < 4; ++trial) {
      const PauliSum h = test::random_pauli_sum(rng, n) + 0.7 * test::random_pauli_sum(rng, n);
      EXPECT_NEAR(ground_energy(h, n), dense_ground(h, n), 1e-10) << h.to_string();
    }
  }
}

// Lanczos beyond 10 qubits, against the free-fermion solution of the periodic Ising chain:
// E0 = -sum_m sqrt(J^2 + h^2 - 2 J h cos((2m - 1) pi / N)).
TEST(GroundEnergy, LanczosMatchesTheIsingChainsExactSolution) {
  const int n = 12;
  const double j = 1.0, h = 0.7;
  double exact = 0.0;
  for (int m = 1; m <= n; ++m) exact -= std::sqrt(j * j + h * h - 2 * j * h * std::cos((2 * m - 1) * M_PI / n));
  EXPECT_NEAR(ground_energy(transverse_field_ising(n, j, h, true), n), exact, 1e-9);
  // The same chain with the field along Y (S on every qubit maps X to Y): odd numbers of Y make
  // H complex, so this runs the real embedding [[A, -B], [B, A]]; the spectrum is unchanged.
  PauliSum y_field;
  for (int i = 0; i < n; ++i) y_field = y_field + (-j) * (pauli_z(i) * pauli_z((i + 1) % n)) + (-h) * pauli_y(i);
  EXPECT_NEAR(ground_energy(y_field, n), exact, 1e-9);
}

TEST(GroundEnergy, RefusesBadSizes) {
  EXPECT_TRUE(has(error_of<ValueError>([] { ground_energy(pauli_z(5), 3); }), "wire 5"));
  EXPECT_TRUE(has(error_of<ValueError>([] { ground_energy(pauli_z(0), 30); }), "n_qubits 30"));
}

// The published Jordan-Wigner coefficients of H2/STO-3G (OpenFermion's and PySCF's values, for
// "H 0 0 0; H 0 0 0.74"; often labelled 0.7414 A) and its full-CI energy.
TEST(H2, MatchesThePublishedCoefficientsAndGroundEnergy) {
  const PauliSum h = h2_sto3g(0.74);
  auto zz = [](int a, int b) { return pauli_z(a) * pauli_z(b); };
  auto word = [](char a, char b, char c, char d) {
    PauliSum p(1.0);
    const char w[4] = {a, b, c, d};
    for (int q = 0; q < 4; ++q) p = p * (w[q] == 'X' ? pauli_x(q) : pauli_y(q));
    return p;
  };
  const PauliSum published = -0.09706626816762878 + 0.17141282644776884 * (pauli_z(0) + pauli_z(1)) -
                             0.22343153690813597 * (pauli_z(2) + pauli_z(3)) + 0.16868898170361213 * zz(0, 1) +
                             0.12062523483390426 * (zz(0, 2) + zz(1, 3)) + 0.16592785033770355 * (zz(0, 3) + zz(1, 2)) +
                             0.17441287612261608 * zz(2, 3) - 0.0453026155037993 * word('X', 'X', 'Y', 'Y') +
                             0.0453026155037993 * word('X', 'Y', 'Y', 'X') + 0.0453026155037993 * word('Y', 'X', 'X', 'Y') -
                             0.0453026155037993 * word('Y', 'Y', 'X', 'X');
  EXPECT_EQ(h.terms().size(), 15u) << h.to_string();
  const ref::Mat diff = ref::pauli_sum_matrix(h, 4) - ref::pauli_sum_matrix(published, 4);
  // Every coefficient within 1e-6 (the Pauli words are orthogonal: tr(P Q) = 16 delta).
  EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-6 * 15) << h.to_string();
  const PauliSum residual = published - h;
  for (const PauliTerm& t : residual.terms()) EXPECT_LT(std::abs(t.coef), 1e-6);
  EXPECT_NEAR(ground_energy(h, 4), -1.1372838344885023, 1e-6);
  EXPECT_NEAR(ground_energy(h2_sto3g(0.7414), 4), -1.1372701672, 1e-8);  // the experimental bond length
  // Dissociation: at 2.5 A the energy approaches two hydrogen atoms' (2 x -0.4666 Ha in STO-3G).
  EXPECT_NEAR(ground_energy(h2_sto3g(2.5), 4), -0.9332, 5e-3);
  EXPECT_TRUE(has(error_of<ValueError>([] { h2_sto3g(-1.0); }), "bond length -1"));
}

TEST(Builtins, NamesAndErrors) {
  EXPECT_NEAR(ground_energy(builtin_hamiltonian("zstring", 3), 3), -1.0, 1e-12);
  EXPECT_NEAR(ground_energy(builtin_hamiltonian("tfim", 2), 2), -std::sqrt(5.0), 1e-12);
  EXPECT_NEAR(ground_energy(heisenberg_xxz(2, 1.0, 1.0), 2), -3.0, 1e-12);  // the singlet
  EXPECT_TRUE(has(error_of<ValueError>([] { builtin_hamiltonian("ising", 3); }), "tfim, xxz, h2, zstring"));
}

}  // namespace
}  // namespace tangle::algo
