// Readouts against the oracle: Pauli sums (identity terms, Y factors), full and marginal
// probabilities with wires in any order, projectors, and Hermitian matrices on 1..3 wires.
#include <gtest/gtest.h>

#include <string>

#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

template <typename Real>
class ReadoutsTest : public ::testing::Test {};
TYPED_TEST_SUITE(ReadoutsTest, test::Reals);

// A random complex state followed by per-sample rotations on every wire, so samples differ.
Circuit state_circuit(Rng& rng, int n) {
  Circuit c(n);
  c.state_preparation(test::random_state(rng, n), test::random_wires(rng, n, n));
  const ParamBlock x = c.inputs(2 * n);
  for (int q = 0; q < n; ++q) c.ry(x[2 * q], q).rz(x[2 * q + 1], q);
  return c;
}

template <typename Real>
void expect_readouts_match(Rng& rng, int n, index_t batch, const std::vector<Readout>& readouts,
                           const std::string& label) {
  const Circuit c = state_circuit(rng, n);
  const auto x = test::random_inputs(rng, c, batch);
  const Program p(c, readouts);
  EXPECT_TRUE(test::all_near(forward(p, x, batch, {}, test::options_for<Real>()), ref::forward(c, readouts, x, batch, {}),
                             test::tol_depth<Real>(static_cast<int>(c.ops().size())), label));
}

std::string where(int n, index_t batch) { return "n=" + std::to_string(n) + " batch=" + std::to_string(batch); }

TYPED_TEST(ReadoutsTest, PauliSums) {
  Rng rng(201);
  for (int n = 1; n <= 8; ++n) {
    for (index_t batch : {1, 3, 16}) {
      std::vector<Readout> r;
      for (int i = 0; i < 4; ++i) r.push_back(Readout::expval(test::random_pauli_sum(rng, n)));
      r.push_back(Readout::expval(PauliSum(0.75)));  // identity only
      r.push_back(Readout::expval(pauli_y(n - 1)));
      r.push_back(Readout::expval(3.0 * pauli_y(0) - 0.5 * pauli_z(n - 1) + 2.0));
      expect_readouts_match<TypeParam>(rng, n, batch, r, "Pauli sums " + where(n, batch));
    }
  }
}

TYPED_TEST(ReadoutsTest, ProbabilitiesFullAndMarginal) {
  Rng rng(202);
  for (int n = 1; n <= 8; ++n) {
    for (index_t batch : {1, 2, 7, 64}) {
      std::vector<int> natural, reversed;
      for (int q = 0; q < n; ++q) natural.push_back(q), reversed.insert(reversed.begin(), q);
      std::vector<Readout> r = {Readout::probs(natural), Readout::probs(reversed),
                                Readout::probs(test::random_wires(rng, n, n))};
      for (int k = 1; k <= std::min(n, 3); ++k) r.push_back(Readout::probs(test::random_wires(rng, n, k)));
      r.push_back(Readout::probs({n - 1}));
      expect_readouts_match<TypeParam>(rng, n, batch, r, "probs " + where(n, batch));
    }
  }
}

TYPED_TEST(ReadoutsTest, ProbabilitiesSumToOneAndMatchAmplitudes) {
  Rng rng(203);
  for (int n : {1, 3, 6, 10}) {
    const index_t batch = 5;
    const Circuit c = state_circuit(rng, n);
    const auto x = test::random_inputs(rng, c, batch);
    std::vector<int> all;
    for (int q = 0; q < n; ++q) all.push_back(q);
    const Program p(c, {Readout::probs(all)});
    const auto pr = forward(p, x, batch, {}, test::options_for<TypeParam>());
    const auto s = states(p, x, batch, {}, test::options_for<TypeParam>());
    std::vector<double> amp2, sums, ones(static_cast<size_t>(batch), 1.0);
    for (const auto& a : s) amp2.push_back(std::norm(a));
    for (index_t b = 0; b < batch; ++b) {
      double t = 0.0;
      for (index_t i = 0; i < (index_t{1} << n); ++i) t += pr[static_cast<size_t>(b * (index_t{1} << n) + i)];
      sums.push_back(t);
    }
    EXPECT_TRUE(test::all_near(pr, amp2, test::tol<TypeParam>(), "probs vs |amplitude|^2 n=" + std::to_string(n)));
    EXPECT_TRUE(test::all_near(sums, ones, test::tol_depth<TypeParam>(2 * n + 1), "sum of probs n=" + std::to_string(n)));
  }
}

TYPED_TEST(ReadoutsTest, Projectors) {
  Rng rng(204);
  for (int n = 1; n <= 7; ++n) {
    for (index_t batch : {1, 3, 16}) {
      std::vector<Readout> r;
      const auto wires = test::random_wires(rng, n, std::min(n, 2));
      for (index_t b = 0; b < (index_t{1} << wires.size()); ++b) r.push_back(Readout::projector(wires, b));
      r.push_back(Readout::probs(wires));  // the projectors above must equal these, in order
      const auto w3 = test::random_wires(rng, n, std::min(n, 3));
      r.push_back(Readout::projector(w3, (index_t{1} << w3.size()) - 1));
      expect_readouts_match<TypeParam>(rng, n, batch, r, "projectors " + where(n, batch));
    }
  }
}

TYPED_TEST(ReadoutsTest, HermitianOnOneToThreeWires) {
  Rng rng(205);
  for (int n = 1; n <= 8; ++n) {
    for (index_t batch : {1, 3, 7, 16}) {
      std::vector<Readout> r;
      for (int k = 1; k <= std::min(n, 3); ++k) {
        r.push_back(Readout::hermitian(ref::to_row_major(test::random_hermitian(rng, k)), test::random_wires(rng, n, k)));
        // The lowest wires: in the lanes when the batch is small.
        std::vector<int> low;
        for (int i = 0; i < k; ++i) low.push_back(n - 1 - i);
        r.push_back(Readout::hermitian(ref::to_row_major(test::random_hermitian(rng, k)), low));
      }
      expect_readouts_match<TypeParam>(rng, n, batch, r, "Hermitian " + where(n, batch));
    }
  }
}

TYPED_TEST(ReadoutsTest, HermitianOfAPauliProductEqualsItsExpval) {
  // The simulator's two paths for the same observable, Z(a) (x) Y(b), must agree with each other.
  Rng rng(206);
  for (int n : {2, 5, 9}) {
    const int a = n - 1, b = 0;
    const auto m = ref::to_row_major(ref::kron(ref::pauli(Pauli::Z), ref::pauli(Pauli::Y)));
    const Circuit c = state_circuit(rng, n);
    const auto x = test::random_inputs(rng, c, 4);
    const Program p(c, {Readout::hermitian(m, {a, b}), Readout::expval(pauli_z(a) * pauli_y(b))});
    const auto y = forward(p, x, 4, {}, test::options_for<TypeParam>());
    for (size_t s = 0; s < 4; ++s)
      EXPECT_TRUE(test::near(y[2 * s], y[2 * s + 1], test::tol<TypeParam>(), "n=" + std::to_string(n)));
  }
}

TYPED_TEST(ReadoutsTest, OutputsAreConcatenatedInReadoutOrder) {
  Rng rng(207);
  const int n = 4;
  const Circuit c = state_circuit(rng, n);
  const auto x = test::random_inputs(rng, c, 3);
  const std::vector<Readout> r = {Readout::probs({2}), Readout::expval(pauli_x(1)), Readout::probs({0, 3}),
                                  Readout::projector({1}, 1)};
  const Program p(c, r);
  EXPECT_EQ(p.n_outputs(), 2 + 1 + 4 + 1);
  const auto all = forward(p, x, 3, {}, test::options_for<TypeParam>());
  index_t offset = 0;
  for (const Readout& one : r) {
    const auto y = forward(Program(c, {one}), x, 3, {}, test::options_for<TypeParam>());
    for (index_t b = 0; b < 3; ++b)
      for (index_t o = 0; o < one.n_outputs(); ++o)
        EXPECT_TRUE(test::near(all[static_cast<size_t>(b * p.n_outputs() + offset + o)],
                               y[static_cast<size_t>(b * one.n_outputs() + o)], test::tol<TypeParam>(), one.to_string()));
    offset += one.n_outputs();
  }
}

}  // namespace
}  // namespace tangle
