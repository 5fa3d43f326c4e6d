// SpecialUnitary and Evolution against a dense matrix exponential (the oracle's Pade expm) on
// 1..3 qubits: the simulator's whole matrix, column by column, from basis-state inputs.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

template <typename Real>
class DenseBlocksTest : public ::testing::Test {};
TYPED_TEST_SUITE(DenseBlocksTest, test::Reals);

std::vector<cdouble> basis_state(int n, index_t j) {
  std::vector<cdouble> v(size_t{1} << n, 0.0);
  v[static_cast<size_t>(j)] = 1.0;
  return v;
}

std::vector<int> all_wires(int n) {
  std::vector<int> w;
  for (int q = 0; q < n; ++q) w.push_back(q);
  return w;
}

// The final states of |j> followed by `add_block`, for every basis state j: the columns of the
// block's full matrix, one [batch, 2^n] array per j.
template <typename Real, typename AddBlock>
std::vector<std::vector<cdouble>> columns(int n, AddBlock&& add_block, const std::vector<double>& x, index_t batch,
                                          const std::vector<double>& w) {
  std::vector<std::vector<cdouble>> cols;
  for (index_t j = 0; j < (index_t{1} << n); ++j) {
    Circuit c(n);
    c.state_preparation(basis_state(n, j), all_wires(n));
    add_block(c);
    cols.push_back(states(Program(c, {Readout::expval(pauli_z(0))}), x, batch, w, test::options_for<Real>()));
  }
  return cols;
}

std::vector<cdouble> column(const ref::Mat& m, index_t j) { return {m.col(j).data(), m.col(j).data() + m.rows()}; }

TYPED_TEST(DenseBlocksTest, SpecialUnitaryMatchesMatrixExponential) {
  Rng rng(701);
  for (int k = 1; k <= 3; ++k) {
    for (index_t batch : {1, 16}) {
      const auto wires = test::random_wires(rng, k, k);
      const auto omega = test::random_vector(rng, (size_t{1} << (2 * k)) - 1, -1.0, 1.0);
      auto add = [&](Circuit& c) { c.special_unitary(wires); };
      const auto cols = columns<TypeParam>(k, add, {}, batch, omega);
      const ref::Mat want = ref::expand(ref::special_unitary(omega.data(), k), wires, k);
      for (index_t j = 0; j < (index_t{1} << k); ++j)
        for (index_t b = 0; b < batch; ++b)
          EXPECT_TRUE(test::all_near({cols[static_cast<size_t>(j)].begin() + b * want.rows(),
                                      cols[static_cast<size_t>(j)].begin() + (b + 1) * want.rows()},
                                     column(want, j), test::tol<TypeParam>(),
                                     test::str("SU k=", k, " batch=", batch, " column ", j, " sample ", b)));
    }
  }
}

// Only omega_j nonzero: exp(i a P_j) = PauliRot(-2a, P_j), the simulator's other path. This pins
// the word order (itertools.product("IXYZ"), first letter on the first wire) without the oracle.
TYPED_TEST(DenseBlocksTest, SingleWordSpecialUnitaryIsPauliRot) {
  Rng rng(702);
  for (int k = 1; k <= 3; ++k) {
    const int n = k + 1;
    const auto words = ref::pauli_words(k);
    for (size_t j = 0; j < words.size(); j += (k == 3 ? 5 : 1)) {
      std::string word;
      for (Pauli p : words[j]) word += pauli_letter(p);
      const auto wires = test::random_wires(rng, n, k);
      const auto psi0 = test::random_state(rng, n);
      const double a = test::uniform(rng, -2.0, 2.0);
      std::vector<double> omega((size_t{1} << (2 * k)) - 1, 0.0);
      omega[j] = a;
      Circuit su(n), rot(n);
      su.state_preparation(psi0, all_wires(n));
      rot.state_preparation(psi0, all_wires(n));
      su.special_unitary(wires);
      rot.pauli_rot(-2.0 * a, word, wires);
      const auto s1 = states(Program(su, {Readout::expval(pauli_z(0))}), {}, 3, omega, test::options_for<TypeParam>());
      const auto s2 = states(Program(rot, {Readout::expval(pauli_z(0))}), {}, 3, {}, test::options_for<TypeParam>());
      EXPECT_TRUE(test::all_near(s1, s2, test::tol<TypeParam>(), test::str("word ", word, " (index ", j, ")")));
    }
  }
}

TYPED_TEST(DenseBlocksTest, EvolutionMatchesMatrixExponential) {
  Rng rng(703);
  for (int k = 1; k <= 3; ++k) {
    for (index_t batch : {1, 3, 16}) {
      const auto wires = test::random_wires(rng, k, k);
      const index_t size = index_t{1} << (2 * k);
      const auto x = test::random_vector(rng, static_cast<size_t>(batch * (size + 1)), -1.5, 1.5);
      const std::vector<double> w = {test::uniform(rng, -2.0, 2.0)};
      // Time mixes the trainable weight and a per-sample input.
      auto add = [&](Circuit& c) {
        const ParamBlock m = c.inputs(size), s = c.inputs(1), t = c.weights(1);
        c.evolution(m, t[0] + 0.5 * s[0], wires);
      };
      const auto cols = columns<TypeParam>(k, add, x, batch, w);
      for (index_t b = 0; b < batch; ++b) {
        const double* xb = x.data() + b * (size + 1);
        const ref::Mat want = ref::expand(ref::evolution(xb, k, w[0] + 0.5 * xb[size]), wires, k);
        for (index_t j = 0; j < (index_t{1} << k); ++j)
          EXPECT_TRUE(test::all_near({cols[static_cast<size_t>(j)].begin() + b * want.rows(),
                                      cols[static_cast<size_t>(j)].begin() + (b + 1) * want.rows()},
                                     column(want, j), test::tol<TypeParam>(),
                                     test::str("Evolution k=", k, " batch=", batch, " column ", j, " sample ", b)));
      }
    }
  }
}

// One input block uploaded several times (the eigenbasis is shared): on the same wires, on the
// same wires in another order (a different matrix), and after a second block, against the oracle.
TYPED_TEST(DenseBlocksTest, EvolutionReuploadsOfOneBlock) {
  Rng rng(704);
  for (index_t batch : {1, 5, 40}) {
    Circuit c(4);
    const ParamBlock m = c.inputs(16), m2 = c.inputs(16), w = c.weights(3);
    c.h(0).h(1).h(3);
    c.evolution(m, w[0], {0, 1});
    c.cnot(1, 2);
    c.evolution(m, w[1], {1, 0});
    c.evolution(m2, w[2], {3, 2});
    c.evolution(m, w[2] - w[0], {0, 1});
    c.evolution(m, w[1], {2, 3});
    const auto x = test::random_inputs(rng, c, batch);
    const auto wv = test::random_weights(rng, c);
    const Program p(c, {Readout::expval(pauli_z(0))});
    EXPECT_TRUE(test::all_near(states(p, x, batch, wv, test::options_for<TypeParam>()), ref::states(c, x, batch, wv),
                               test::tol_depth<TypeParam>(9), test::str("batch=", batch)));
  }
}

// Evolution depends on M only through (M + M^T)/2: M and M^T give the same state.
TYPED_TEST(DenseBlocksTest, EvolutionUsesTheSymmetricPart) {
  Rng rng(705);
  Circuit c(2);
  const ParamBlock m = c.inputs(16);
  c.h(0).evolution(m, 1.3, {0, 1});
  const auto x = test::random_vector(rng, 16, -1.0, 1.0);
  std::vector<double> xt(16);
  for (int r = 0; r < 4; ++r)
    for (int col = 0; col < 4; ++col) xt[static_cast<size_t>(r * 4 + col)] = x[static_cast<size_t>(col * 4 + r)];
  const Program p(c, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(test::all_near(states(p, x, 1, {}, test::options_for<TypeParam>()),
                             states(p, xt, 1, {}, test::options_for<TypeParam>()), test::tol<TypeParam>()));
  EXPECT_NE(x, xt);
}

// A Program keeps its SpecialUnitary exponentials between calls, keyed by the weights: calls
// alternating between weight vectors on one Program give what fresh Programs give.
TEST(DenseBlocks, KeptExponentialsFollowTheWeights) {
  Rng rng(77);
  Circuit c(3);
  const ParamBlock x = c.inputs(3);
  for (int q = 0; q < 3; ++q) c.ry(x[q], q);
  c.special_unitary({0, 1, 2});
  c.cnot(0, 2);
  c.special_unitary({2, 1});
  const std::vector<Readout> readouts = {Readout::probs({0, 1, 2})};
  const Program kept(c, readouts);
  const index_t batch = 5;
  std::vector<double> inputs(static_cast<size_t>(batch * 3));
  std::normal_distribution<double> normal;
  for (double& v : inputs) v = normal(rng);
  const std::vector<double> a = c.initial_weights(1), b = c.initial_weights(2);
  for (const std::vector<double>* w : {&a, &b, &a, &b}) {
    const std::vector<double> want = forward(Program(c, readouts), inputs, batch, *w);
    EXPECT_EQ(forward(kept, inputs, batch, *w), want);
  }
}

}  // namespace
}  // namespace tangle
