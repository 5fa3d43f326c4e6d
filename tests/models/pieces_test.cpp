// The zoo's less common circuit pieces against dense references written here with Eigen from the
// conventions in tangle/ir/gate.hpp (never from src/): the SpecialUnitary block and the Evolution
// block (hamemb) against a Taylor matrix exponential, the probability and projector readouts
// (hamemb, qcnn, reuploading, qtl), and QCNN pooling as deferred measurement (qcnn). Each case
// starts from a random state on wires in a scrambled order, so a wrong wire map shows.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/observable.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace {

using cd = std::complex<double>;
using Mat = Eigen::MatrixXcd;
using Vec = Eigen::VectorXcd;
using tangle::Circuit;
using tangle::Readout;
using tangle::test::all_near;
using tangle::test::tol;

const cd kI(0.0, 1.0);

Mat pauli(char p) {
  Mat m(2, 2);
  switch (p) {
    case 'I': m << 1, 0, 0, 1; break;
    case 'X': m << 0, 1, 1, 0; break;
    case 'Y': m << 0, -kI, kI, 0; break;
    default: m << 1, 0, 0, -1; break;
  }
  return m;
}

Mat kron(const Mat& a, const Mat& b) {
  Mat r(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) r.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return r;
}

// The Pauli word of index `word` in itertools.product("IXYZ", repeat=k) order; first letter = first wire.
Mat pauli_word(std::int64_t word, int k) {
  Mat m = Mat::Identity(1, 1);
  for (int q = 0; q < k; ++q) m = kron(m, pauli("IXYZ"[(word >> (2 * (k - 1 - q))) & 3]));
  return m;
}

// exp(a) by scaling and squaring of a Taylor series (no eigen-decomposition).
Mat expm(const Mat& a) {
  const double norm = a.cwiseAbs().rowwise().sum().maxCoeff();
  int squarings = 0;
  while (norm / std::pow(2.0, squarings) > 0.25) ++squarings;
  const Mat s = a / std::pow(2.0, squarings);
  Mat result = Mat::Identity(a.rows(), a.cols()), term = result;
  for (int k = 1; k <= 24; ++k) {
    term = term * s / static_cast<double>(k);
    result += term;
  }
  for (int i = 0; i < squarings; ++i) result = result * result;
  return result;
}

int bit(std::int64_t index, int wire, int n) { return static_cast<int>((index >> (n - 1 - wire)) & 1); }

// `u` (on `wires`, wires[0] its most significant bit) applied to the n-qubit state psi.
Vec apply(const Mat& u, const std::vector<int>& wires, const Vec& psi, int n) {
  const int k = static_cast<int>(wires.size());
  Vec out = Vec::Zero(psi.size());
  for (std::int64_t i = 0; i < psi.size(); ++i) {
    std::int64_t row = 0, base = i;
    for (int j = 0; j < k; ++j) {
      row = (row << 1) | bit(i, wires[j], n);
      base &= ~(std::int64_t{1} << (n - 1 - wires[j]));
    }
    for (std::int64_t col = 0; col < (std::int64_t{1} << k); ++col) {
      std::int64_t src = base;
      for (int j = 0; j < k; ++j)
        if ((col >> (k - 1 - j)) & 1) src |= std::int64_t{1} << (n - 1 - wires[j]);
      out(i) += u(row, col) * psi(src);
    }
  }
  return out;
}

Vec random_state(int n, std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Vec v(std::int64_t{1} << n);
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = cd(g(rng), g(rng));
  return v / v.norm();
}

std::vector<cd> to_vector(const Vec& v) { return {v.data(), v.data() + v.size()}; }

// A circuit on n qubits starting in the state psi (a fixed StatePreparation on every wire).
Circuit prepared(const Vec& psi, int n) {
  Circuit c(n);
  std::vector<int> wires(static_cast<size_t>(n));
  for (int q = 0; q < n; ++q) wires[static_cast<size_t>(q)] = q;
  c.state_preparation(to_vector(psi), wires);
  return c;
}

std::vector<cd> final_states(Circuit c, const std::vector<double>& inputs, tangle::index_t batch,
                             const std::vector<double>& weights) {
  const tangle::Program program(std::move(c), {Readout::expval(tangle::pauli_z(0))});
  return tangle::states(program, inputs, batch, weights);
}

TEST(Pieces, SpecialUnitaryMatchesMatrixExponential) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g;
  for (const std::vector<int>& wires : {std::vector<int>{2, 0}, std::vector<int>{3, 0, 2}}) {
    const int n = 4, k = static_cast<int>(wires.size());
    const Vec psi = random_state(n, rng);
    Circuit c = prepared(psi, n);
    c.special_unitary(wires);
    std::vector<double> w(static_cast<size_t>((std::int64_t{1} << (2 * k)) - 1));
    for (double& v : w) v = g(rng);
    Mat generator = Mat::Zero(std::int64_t{1} << k, std::int64_t{1} << k);
    for (size_t j = 0; j < w.size(); ++j) generator += w[j] * pauli_word(static_cast<std::int64_t>(j) + 1, k);
    const Vec want = apply(expm(kI * generator), wires, psi, n);
    EXPECT_TRUE(all_near(final_states(std::move(c), {}, 1, w), to_vector(want), tol<double>(), "SU amplitudes"))
        << k << " wires";
  }
}

TEST(Pieces, EvolutionMatchesMatrixExponential) {
  std::mt19937_64 rng(12);
  std::normal_distribution<double> g;
  const int n = 3;
  const std::vector<int> wires = {2, 1};
  const Vec psi = random_state(n, rng);
  Circuit c = prepared(psi, n);
  const tangle::ParamBlock m = c.inputs(16);
  const tangle::ParamBlock t = c.weights(1);
  c.evolution(m, 0.5 * t[0], wires);  // time = w / 2
  const tangle::index_t batch = 2;
  std::vector<double> inputs(static_cast<size_t>(16 * batch));
  for (double& v : inputs) v = g(rng);
  const std::vector<double> w = {1.3};
  std::vector<cd> want;
  for (tangle::index_t b = 0; b < batch; ++b) {
    Eigen::MatrixXd mb(4, 4);
    for (int r = 0; r < 4; ++r)
      for (int col = 0; col < 4; ++col) mb(r, col) = inputs[static_cast<size_t>(16 * b + 4 * r + col)];
    const Mat h = ((mb + mb.transpose()) / 2.0).cast<cd>();
    const Vec out = apply(expm(-kI * (0.5 * w[0]) * h / 2.0), wires, psi, n);
    want.insert(want.end(), out.data(), out.data() + out.size());
  }
  EXPECT_TRUE(all_near(final_states(std::move(c), inputs, batch, w), want, tol<double>(), "evolved amplitudes"));
}

TEST(Pieces, ProbabilityAndProjectorReadoutsAreMarginals) {
  std::mt19937_64 rng(13);
  const int n = 3;
  const Vec psi = random_state(n, rng);
  const std::vector<int> wires = {2, 0};
  std::vector<Readout> readouts = {Readout::probs(wires), Readout::probs({1})};
  for (tangle::index_t b = 0; b < 4; ++b) readouts.push_back(Readout::projector(wires, b));
  const tangle::Program program(prepared(psi, n), readouts);
  const std::vector<double> got = tangle::forward(program, {}, 1, {});

  std::vector<double> p20(4, 0.0), p1(2, 0.0);
  for (std::int64_t i = 0; i < psi.size(); ++i) {
    const double p = std::norm(psi(i));
    p20[static_cast<size_t>(2 * bit(i, 2, n) + bit(i, 0, n))] += p;
    p1[static_cast<size_t>(bit(i, 1, n))] += p;
  }
  std::vector<double> want = p20;
  want.insert(want.end(), p1.begin(), p1.end());
  want.insert(want.end(), p20.begin(), p20.end());  // projector onto |b> of (2, 0) = probs[b]
  EXPECT_TRUE(all_near(got, want, tol<double>(), "probabilities"));
}

// U3(theta, phi, lambda) as gate.hpp defines it.
Mat u3(double theta, double phi, double lambda) {
  Mat m(2, 2);
  m << std::cos(theta / 2), -std::exp(kI * lambda) * std::sin(theta / 2), std::exp(kI * phi) * std::sin(theta / 2),
      std::exp(kI * (phi + lambda)) * std::cos(theta / 2);
  return m;
}

// The reduced density matrix of `keep` (in that order) of the n-qubit pure state psi.
Mat reduced(const Vec& psi, const std::vector<int>& keep, int n) {
  const std::int64_t dim = std::int64_t{1} << keep.size();
  Mat rho = Mat::Zero(dim, dim);
  auto local = [&](std::int64_t i) {
    std::int64_t r = 0;
    for (int w : keep) r = (r << 1) | bit(i, w, n);
    return r;
  };
  std::int64_t keep_mask = 0;
  for (int w : keep) keep_mask |= std::int64_t{1} << (n - 1 - w);
  for (std::int64_t i = 0; i < psi.size(); ++i)
    for (std::int64_t j = 0; j < psi.size(); ++j)
      if ((i & ~keep_mask) == (j & ~keep_mask)) rho(local(i), local(j)) += psi(i) * std::conj(psi(j));
  return rho;
}

TEST(Pieces, QcnnPoolingIsDeferredMeasurement) {
  std::mt19937_64 rng(14);
  std::normal_distribution<double> g;
  const int n = 4;
  for (const std::vector<int>& wires : {std::vector<int>{0, 1, 2, 3}, std::vector<int>{3, 1, 0, 2}}) {
    const Vec psi = random_state(n, rng);
    Circuit c = prepared(psi, n);
    const tangle::ParamBlock pool = c.weights(3);
    const std::vector<int> kept = tangle::qcnn_pooling(c, pool, wires);
    ASSERT_EQ(kept, (std::vector<int>{wires[0], wires[2]}));
    const std::vector<double> w = {g(rng), g(rng), g(rng)};
    const std::vector<cd> amps = final_states(std::move(c), {}, 1, w);
    const Vec out = Eigen::Map<const Vec>(amps.data(), static_cast<Eigen::Index>(amps.size()));

    // Measure wires[1] and wires[3]; on outcome 1, U3 on the left neighbour. The kept wires then
    // hold the mixture over the outcomes: the sum of the unnormalized conditioned states' rhos.
    const Mat u = u3(w[0], w[1], w[2]);
    Mat want = Mat::Zero(4, 4);
    for (int m1 = 0; m1 < 2; ++m1) {
      for (int m3 = 0; m3 < 2; ++m3) {
        Vec branch = psi;
        for (std::int64_t i = 0; i < branch.size(); ++i)
          if (bit(i, wires[1], n) != m1 || bit(i, wires[3], n) != m3) branch(i) = 0.0;
        if (m1 == 1) branch = apply(u, {wires[0]}, branch, n);
        if (m3 == 1) branch = apply(u, {wires[2]}, branch, n);
        want += reduced(branch, kept, n);
      }
    }
    const Mat got = reduced(out, kept, n);
    EXPECT_TRUE(all_near(std::vector<cd>(got.data(), got.data() + got.size()),
                         std::vector<cd>(want.data(), want.data() + want.size()), tol<double>(), "pooled rho"));
    // Not a trivial agreement: pooling changed the kept wires' state.
    const Mat untouched = reduced(psi, kept, n);
    EXPECT_GT((untouched - want).cwiseAbs().maxCoeff(), 1e-3);
  }
}

}  // namespace
