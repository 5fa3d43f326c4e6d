// The dense oracle's own tests: its matrices, its Kronecker placement, its random helpers and its
// finite differences. Every other test trusts these, so they check against hand-written cases.
#include <gtest/gtest.h>

#include <cmath>

#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using ref::Mat;
using ref::Vec;
using test::Rng;

constexpr test::Tol kExact = test::tol<double>();
// Entries of two independent random draws differ by at least this (they are O(1) Gaussians).
constexpr double kDistinct = 0.1;
const cdouble kI{0.0, 1.0};

std::vector<cdouble> entries(const Mat& m) { return ref::to_row_major(m); }

::testing::AssertionResult mat_near(const Mat& got, const Mat& want, const std::string& what,
                                    test::Tol t = test::tol<double>()) {
  if (got.rows() != want.rows() || got.cols() != want.cols())
    return ::testing::AssertionFailure() << what << ": shape " << got.rows() << "x" << got.cols() << " vs "
                                         << want.rows() << "x" << want.cols();
  return test::all_near(entries(got), entries(want), t, what);
}

Mat real_matrix(int dim, std::initializer_list<double> v) {
  Mat m(dim, dim);
  auto it = v.begin();
  for (int r = 0; r < dim; ++r)
    for (int c = 0; c < dim; ++c) m(r, c) = *it++;
  return m;
}

TEST(Reference, KroneckerPlacementOfCnot) {
  const Mat cnot01 = real_matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0});
  const Mat cnot10 = real_matrix(4, {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0});
  const Mat local = ref::controlled(ref::pauli(Pauli::X), 1);
  EXPECT_TRUE(mat_near(local, cnot01, "controlled(X)"));
  EXPECT_TRUE(mat_near(ref::expand(local, {0, 1}, 2), cnot01, "CNOT(0,1)"));
  EXPECT_TRUE(mat_near(ref::expand(local, {1, 0}, 2), cnot10, "CNOT(1,0)"));
}

TEST(Reference, KroneckerPlacementOfSingleQubitOps) {
  const Mat x = ref::pauli(Pauli::X), i2 = ref::identity(1);
  EXPECT_TRUE(mat_near(ref::expand(x, {0}, 3), ref::kron(x, ref::identity(2)), "X on wire 0 of 3"));
  EXPECT_TRUE(mat_near(ref::expand(x, {1}, 3), ref::kron(ref::kron(i2, x), i2), "X on wire 1 of 3"));
  EXPECT_TRUE(mat_near(ref::expand(x, {2}, 3), ref::kron(ref::identity(2), x), "X on wire 2 of 3"));
  // Wire 0 is the most significant bit: X(0)|000> = |100> = index 4; X(2)|000> = index 1.
  Vec psi = Vec::Zero(8);
  psi(0) = 1.0;
  EXPECT_EQ(std::abs((ref::expand(x, {0}, 3) * psi)(4)), 1.0);
  EXPECT_EQ(std::abs((ref::expand(x, {2}, 3) * psi)(1)), 1.0);
}

TEST(Reference, ExpandWithPermutedWiresMatchesTheIndexDefinition) {
  Rng rng(11);
  for (int n = 2; n <= 4; ++n) {
    for (int k = 1; k <= n; ++k) {
      const auto wires = test::random_wires(rng, n, k);
      const Mat m = test::random_unitary(rng, k);
      const Mat full = ref::expand(m, wires, n);
      // full(i, j) = m(local(i), local(j)) when i and j agree off the wires, else 0.
      Mat want = Mat::Zero(1 << n, 1 << n);
      for (int i = 0; i < (1 << n); ++i)
        for (int j = 0; j < (1 << n); ++j) {
          int li = 0, lj = 0, off_i = i, off_j = j;
          for (int q : wires) {
            const int bit = n - 1 - q;
            li = (li << 1) | ((i >> bit) & 1);
            lj = (lj << 1) | ((j >> bit) & 1);
            off_i &= ~(1 << bit);
            off_j &= ~(1 << bit);
          }
          if (off_i == off_j) want(i, j) = m(li, lj);
        }
      EXPECT_TRUE(mat_near(full, want, "expand n=" + std::to_string(n) + " k=" + std::to_string(k)));
    }
  }
}

TEST(Reference, ExpandIsMultiplicativeAndMatchesKronForContiguousWires) {
  Rng rng(12);
  const Mat a = test::random_unitary(rng, 2), b = test::random_unitary(rng, 2);
  const std::vector<int> wires = {3, 1};
  EXPECT_TRUE(mat_near(ref::expand(a, wires, 4) * ref::expand(b, wires, 4), ref::expand(a * b, wires, 4), "product"));
  EXPECT_TRUE(mat_near(ref::expand(a, {1, 2}, 4), ref::kron(ref::kron(ref::identity(1), a), ref::identity(1)),
                       "contiguous"));
}

TEST(Reference, DirectApplyMatchesKroneckerExpansion) {
  Rng rng(13);
  for (int n = 1; n <= 6; ++n) {
    for (int k = 1; k <= std::min(n, 3); ++k) {
      const auto wires = test::random_wires(rng, n, k);
      const Mat m = test::random_unitary(rng, k);
      const auto s = test::random_state(rng, n);
      const Vec psi = Eigen::Map<const Vec>(s.data(), static_cast<Eigen::Index>(s.size()));
      const Vec a = ref::apply(m, wires, psi, n), b = ref::expand(m, wires, n) * psi;
      EXPECT_TRUE(test::all_near(std::vector<cdouble>(a.data(), a.data() + a.size()),
                                 std::vector<cdouble>(b.data(), b.data() + b.size()), kExact, "apply vs expand"));
    }
  }
}

TEST(Reference, RandomHelpersAreUnitaryHermitianAndNormalized) {
  Rng rng(14);
  for (int k = 1; k <= 5; ++k) {
    const Mat u = test::random_unitary(rng, k), v = test::random_unitary(rng, k);
    EXPECT_TRUE(test::near(ref::unitarity_error(u), 0.0, kExact, "random unitary, k=" + std::to_string(k)));
    // Two draws differ: the helper is not returning a constant (e.g. the identity).
    EXPECT_GT((u - v).cwiseAbs().maxCoeff(), kDistinct) << "k=" << k;
    const Mat h = test::random_hermitian(rng, k);
    EXPECT_EQ(ref::hermiticity_error(h), 0.0) << "k=" << k;
    EXPECT_GT(h.cwiseAbs().maxCoeff(), kDistinct);
    const auto s = test::random_state(rng, k);
    double norm = 0.0;
    for (const cdouble& a : s) norm += std::norm(a);
    EXPECT_TRUE(test::near(norm, 1.0, kExact, "state norm"));
  }
}

TEST(Reference, EveryOpMatrixIsUnitary) {
  Rng rng(15);
  for (Gate g : test::unitary_gates()) {
    for (int rep = 0; rep < 3; ++rep) {
      Circuit c(4);
      const ParamBlock w = c.weights(4), x = c.inputs(3);
      const int k = test::random_arity(rng, g, 4, 3);
      test::append_gate(c, g, test::random_wires(rng, 4, k), rng, w, x);
      const auto wv = test::random_weights(rng, c);
      const auto xv = test::random_inputs(rng, c, 1);
      const Mat m = ref::op_matrix(c.ops().back(), wv.data(), xv.data());
      EXPECT_EQ(m.rows(), index_t{1} << k) << gate_info(g).name;
      EXPECT_TRUE(test::near(ref::unitarity_error(m), 0.0, kExact, std::string(gate_info(g).name)));
    }
  }
}

TEST(Reference, RotationsFollowTheHeaderConventions) {
  // RX(pi) = -i X.
  EXPECT_TRUE(mat_near(ref::pauli_rotation({Pauli::X}, M_PI), -kI * ref::pauli(Pauli::X), "RX(pi)"));
  // cos/sin form = matrix exponential, for a multi-letter word.
  const std::vector<Pauli> word = {Pauli::Y, Pauli::I, Pauli::Z};
  EXPECT_TRUE(mat_near(ref::pauli_rotation(word, 0.7), ref::expm(cdouble(0, -0.35) * ref::pauli_word(word)),
                       "PauliRot via expm"));
  // U3(theta, phi, lambda) = e^{i(phi+lambda)/2} Rot(lambda, theta, phi), from separate definitions.
  Circuit c(1);
  c.u3(0.3, -1.2, 0.8, 0).rot(0.8, 0.3, -1.2, 0);
  const Mat u3 = ref::op_matrix(c.ops()[0], nullptr, nullptr), rot = ref::op_matrix(c.ops()[1], nullptr, nullptr);
  EXPECT_TRUE(mat_near(u3, std::polar(1.0, (-1.2 + 0.8) / 2) * rot, "U3 vs Rot"));
  // PhaseShift(phi) = e^{i phi/2} RZ(phi); SX^2 = X; ISWAP = exp(i pi/4 (XX + YY)).
  c.phase_shift(0.9, 0).sx(0);
  EXPECT_TRUE(mat_near(ref::op_matrix(c.ops()[2], nullptr, nullptr),
                       std::polar(1.0, 0.45) * ref::pauli_rotation({Pauli::Z}, 0.9), "PhaseShift"));
  const Mat sx = ref::op_matrix(c.ops()[3], nullptr, nullptr);
  EXPECT_TRUE(mat_near(sx * sx, ref::pauli(Pauli::X), "SX^2"));
  Circuit d(2);
  d.iswap(0, 1).crx(0.6, 0, 1).controlled_phase_shift(0.4, 0, 1);
  const Mat xxyy = ref::pauli_word({Pauli::X, Pauli::X}) + ref::pauli_word({Pauli::Y, Pauli::Y});
  EXPECT_TRUE(mat_near(ref::op_matrix(d.ops()[0], nullptr, nullptr), ref::expm(cdouble(0, M_PI / 4) * xxyy), "ISWAP"));
  const Mat p0 = real_matrix(2, {1, 0, 0, 0}), p1 = real_matrix(2, {0, 0, 0, 1});
  EXPECT_TRUE(mat_near(ref::op_matrix(d.ops()[1], nullptr, nullptr),
                       ref::kron(p0, ref::identity(1)) + ref::kron(p1, ref::pauli_rotation({Pauli::X}, 0.6)), "CRX"));
  EXPECT_TRUE(mat_near(ref::op_matrix(d.ops()[2], nullptr, nullptr),
                       ref::kron(p0, ref::identity(1)) +
                           ref::kron(p1, std::polar(1.0, 0.2) * ref::pauli_rotation({Pauli::Z}, 0.4)),
                       "ControlledPhaseShift"));
}

TEST(Reference, PauliWordsAreInItertoolsProductOrder) {
  const auto w1 = ref::pauli_words(1);
  ASSERT_EQ(w1.size(), 3u);
  EXPECT_EQ(w1[0], std::vector<Pauli>{Pauli::X});
  EXPECT_EQ(w1[2], std::vector<Pauli>{Pauli::Z});
  const auto w2 = ref::pauli_words(2);
  ASSERT_EQ(w2.size(), 15u);
  EXPECT_EQ(w2[0], (std::vector<Pauli>{Pauli::I, Pauli::X}));
  EXPECT_EQ(w2[3], (std::vector<Pauli>{Pauli::X, Pauli::I}));
  EXPECT_EQ(w2[14], (std::vector<Pauli>{Pauli::Z, Pauli::Z}));
  EXPECT_EQ(ref::pauli_words(3).size(), 63u);
}

TEST(Reference, SpecialUnitaryAndEvolutionDefinitions) {
  // Only omega for "IX" set: exp(i w I(x)X) = I (x) RX(-2w).
  std::vector<double> omega(15, 0.0);
  omega[0] = 0.37;
  EXPECT_TRUE(mat_near(ref::special_unitary(omega.data(), 2),
                       ref::kron(ref::identity(1), ref::pauli_rotation({Pauli::X}, -0.74)), "SU(IX)"));
  // A traceless generator gives determinant one.
  Rng rng(16);
  const auto om = test::random_vector(rng, 63, -1.0, 1.0);
  const Mat su = ref::special_unitary(om.data(), 3);
  EXPECT_TRUE(test::near(ref::unitarity_error(su), 0.0, kExact, "SU unitarity"));
  EXPECT_TRUE(test::near(std::abs(su.determinant() - 1.0), 0.0, kExact, "SU determinant"));
  // Evolution of a diagonal M: diag(exp(-i t m_jj / 2)); the antisymmetric part of M is ignored.
  const std::vector<double> m = {0.5, 0.0, 0.0, -1.25};
  const Mat e = ref::evolution(m.data(), 1, 0.8);
  Mat want = Mat::Zero(2, 2);
  want(0, 0) = std::polar(1.0, -0.8 * 0.5 / 2);
  want(1, 1) = std::polar(1.0, 0.8 * 1.25 / 2);
  EXPECT_TRUE(mat_near(e, want, "Evolution diagonal"));
  const auto mr = test::random_vector(rng, 16, -1.0, 1.0);
  std::vector<double> mt(16);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) mt[static_cast<size_t>(r * 4 + c)] = mr[static_cast<size_t>(c * 4 + r)];
  EXPECT_TRUE(mat_near(ref::evolution(mr.data(), 2, 1.3), ref::evolution(mt.data(), 2, 1.3), "Evolution M vs M^T"));
}

TEST(Reference, ReadoutsOnKnownStates) {
  // |psi> = |1> on wire 1 of 3 (index 2), tensor |+> on wire 2.
  Vec psi = Vec::Zero(8);
  psi(2) = psi(3) = 1.0 / std::sqrt(2.0);
  EXPECT_DOUBLE_EQ(ref::expval(pauli_z(1), psi, 3), -1.0);
  EXPECT_DOUBLE_EQ(ref::expval(pauli_z(0), psi, 3), 1.0);
  EXPECT_TRUE(test::near(ref::expval(pauli_x(2), psi, 3), 1.0, kExact));
  EXPECT_TRUE(test::near(ref::expval(2.0 * pauli_z(1) * pauli_x(2) + 0.5, psi, 3), -1.5, kExact));
  const auto p = ref::readout(Readout::probs({1, 0}), psi, 3);
  // Wire 1 is the most significant bit of the outcome here.
  EXPECT_TRUE(test::all_near(p, {0.0, 0.0, 1.0, 0.0}, kExact, "probs({1, 0})"));
  EXPECT_TRUE(test::near(ref::readout(Readout::projector({2, 1}, 3), psi, 3)[0], 0.5, kExact));
  // Hermitian readout = <psi| expand(H) |psi>; Pauli sums agree with their dense matrix.
  Rng rng(17);
  const auto s = test::random_state(rng, 3);
  const Vec r = Eigen::Map<const Vec>(s.data(), 8);
  const Mat h = test::random_hermitian(rng, 2);
  const double want = r.dot(ref::expand(h, {2, 0}, 3) * r).real();
  EXPECT_TRUE(test::near(ref::readout(Readout::hermitian(ref::to_row_major(h), {2, 0}), r, 3)[0], want, kExact));
  const PauliSum ps = test::random_pauli_sum(rng, 3);
  EXPECT_TRUE(test::near(ref::expval(ps, r, 3), r.dot(ref::pauli_sum_matrix(ps, 3) * r).real(), kExact));
}

TEST(Reference, PreparedStatesPadAndNormalize) {
  Circuit c(2);
  const ParamBlock x = c.inputs(1);
  c.amplitude_embedding(x, {1}, 4.0);
  const double xv[] = {3.0};
  const Vec psi = ref::prepared_state(c.ops()[0], 2, xv);
  // (3, 4) / 5 on wire 1, wire 0 in |0>.
  EXPECT_TRUE(test::near(psi(0).real(), 0.6, kExact));
  EXPECT_TRUE(test::near(psi(1).real(), 0.8, kExact));
  EXPECT_EQ(psi(2), 0.0);
}

TEST(Reference, FiniteDifferencesAreAccurateOnAnalyticCases) {
  EXPECT_TRUE(test::near(ref::fd_derivative([](double d) { return std::sin(0.3 + 2.0 * d); }), 2.0 * std::cos(0.3),
                         kExact, "d/dx sin(2x)"));
  // <Z> after RY(x) RX(w) is cos(x) cos(w).
  Circuit c(1);
  const ParamBlock x = c.inputs(1), w = c.weights(1);
  c.ry(x[0], 0).rx(w[0], 0);
  const std::vector<double> xs = {0.4, -1.3}, ws = {0.9};
  const auto j = ref::fd_jacobian(c, {Readout::expval(pauli_z(0))}, xs, 2, ws);
  for (int b = 0; b < 2; ++b) {
    EXPECT_TRUE(test::near(j.d_inputs[static_cast<size_t>(b)], -std::sin(xs[static_cast<size_t>(b)]) * std::cos(ws[0]),
                           kExact, "d/dx"));
    EXPECT_TRUE(test::near(j.d_weights[static_cast<size_t>(b)], -std::cos(xs[static_cast<size_t>(b)]) * std::sin(ws[0]),
                           kExact, "d/dw"));
  }
}

TEST(Reference, SimulateKroneckerAndDirectModesAgree) {
  Rng rng(18);
  for (int n = 1; n <= 5; ++n) {
    test::CircuitSpec spec;
    spec.n_qubits = n;
    spec.depth = 40;
    spec.max_dense = std::min(n, 3);
    spec.prep = test::CircuitSpec::Prep::State;
    const Circuit c = test::random_circuit(rng, spec);
    const auto w = test::random_weights(rng, c);
    const auto x = test::random_inputs(rng, c, 1);
    const Vec a = ref::simulate(c, x.data(), w.data(), ref::Mode::Kronecker);
    const Vec b = ref::simulate(c, x.data(), w.data(), ref::Mode::Direct);
    EXPECT_TRUE(test::all_near(std::vector<cdouble>(a.data(), a.data() + a.size()),
                               std::vector<cdouble>(b.data(), b.data() + b.size()), test::tol_depth<double>(40),
                               "n=" + std::to_string(n)));
    EXPECT_TRUE(test::near(a.norm(), 1.0, kExact, "norm"));
  }
}

}  // namespace
}  // namespace tangle
