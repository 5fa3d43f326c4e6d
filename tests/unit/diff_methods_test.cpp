// The other gradient methods and finite shots: parameter-shift (exact) and central finite
// differences against the adjoint; shot estimates within 4 sigma of the exact values, with sigma
// from the binomial / multinomial variance of the shots; seeded reproducibility.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/diff/finite_diff.hpp"
#include "tangle/diff/param_shift.hpp"
#include "tangle/sim/sampling.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using ref::Mat;
using ref::Vec;
using test::Rng;

// Shot estimates are compared to exact values within kSigmas standard deviations, plus rounding.
constexpr double kSigmas = 4.0;
constexpr double kRounding = 1e-12;


// Every op kind in random circuits, and each kind alone (twice, so shifts cross other ops).
std::vector<test::GradProblem> gradient_problems(Rng& rng) {
  std::vector<test::GradProblem> out;
  for (Gate g : test::unitary_gates()) {
    const int n = std::max(2, gate_info(g).n_wires);
    Circuit c = test::two_op_circuit(rng, g, n, 2);
    out.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, n), 3, std::string(gate_info(g).name)));
  }
  for (int n = 1; n <= 5; ++n) {
    test::CircuitSpec spec;
    spec.n_qubits = n;
    spec.depth = 36;
    spec.max_dense = std::min(n, 2);
    spec.prep = n % 2 ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::None;
    out.push_back(test::make_grad_problem(rng, test::random_circuit(rng, spec), test::random_readouts(rng, n), n == 3 ? 7 : 2,
                               test::str("random n=", n)));
  }
  return out;
}

TEST(ParamShift, ExactShiftsEqualAdjoint) {
  Rng rng(901);
  for (const test::GradProblem& pr : gradient_problems(rng)) {
    SCOPED_TRACE(pr.label);
    const Program p(pr.circuit, pr.readouts);
    const VjpResult adj = vjp(p, pr.x, pr.batch, pr.w, pr.g);
    const VjpResult ps = param_shift_vjp(p, pr.x, pr.batch, pr.w, pr.g);
    EXPECT_TRUE(test::all_near(ps.outputs, adj.outputs, test::tol_depth<double>(static_cast<int>(pr.circuit.ops().size())),
                               pr.label + ": outputs"));
    EXPECT_TRUE(test::all_near(ps.d_weights, adj.d_weights, test::kGradTol, pr.label + ": vjp d_weights"));
    EXPECT_TRUE(test::all_near(ps.d_inputs, adj.d_inputs, test::kGradTol, pr.label + ": vjp d_inputs"));
    const Jacobian ja = jacobian(p, pr.x, pr.batch, pr.w), jp = param_shift_jacobian(p, pr.x, pr.batch, pr.w);
    EXPECT_TRUE(test::all_near(jp.d_weights, ja.d_weights, test::kGradTol, pr.label + ": jacobian d_weights"));
    EXPECT_TRUE(test::all_near(jp.d_inputs, ja.d_inputs, test::kGradTol, pr.label + ": jacobian d_inputs"));
  }
}

TEST(FiniteDiff, CentralDifferencesEqualAdjoint) {
  Rng rng(902);
  constexpr double kStep = 1e-6;  // the API's default
  for (const test::GradProblem& pr : gradient_problems(rng)) {
    SCOPED_TRACE(pr.label);
    const Program p(pr.circuit, pr.readouts);
    const VjpResult adj = vjp(p, pr.x, pr.batch, pr.w, pr.g);
    const VjpResult fd = finite_diff_vjp(p, pr.x, pr.batch, pr.w, pr.g, kStep);
    EXPECT_TRUE(test::all_near(fd.d_weights, adj.d_weights, test::central_fd_tol(kStep), pr.label + ": vjp d_weights"));
    EXPECT_TRUE(test::all_near(fd.d_inputs, adj.d_inputs, test::central_fd_tol(kStep), pr.label + ": vjp d_inputs"));
    const Jacobian ja = jacobian(p, pr.x, pr.batch, pr.w), jf = finite_diff_jacobian(p, pr.x, pr.batch, pr.w, kStep);
    EXPECT_TRUE(test::all_near(jf.d_weights, ja.d_weights, test::central_fd_tol(kStep), pr.label + ": jacobian d_weights"));
    EXPECT_TRUE(test::all_near(jf.d_inputs, ja.d_inputs, test::central_fd_tol(kStep), pr.label + ": jacobian d_inputs"));
  }
}

// The spread of each output's estimate from `shots` measurements of state psi: sigma (Pauli terms
// are independent binomials of +-1 and identity terms exact, probabilities and projectors
// binomial, a Hermitian matrix the spread of its eigenvalues), and the value of one count (the
// continuity correction that keeps a single count of a rare outcome from reading as many sigma).
struct Spread {
  std::vector<double> sigma, count;
};

Spread shot_spread(const std::vector<Readout>& readouts, const Vec& psi, int n, index_t shots) {
  Spread s;
  const double inv = 1.0 / static_cast<double>(shots);
  for (const Readout& r : readouts) {
    switch (r.kind()) {
      case Readout::Kind::Expval: {
        double var = 0.0, step = 0.0;
        for (const PauliTerm& t : r.observable().terms()) {
          if (t.factors.empty()) continue;
          PauliSum one = 1.0;
          for (const auto& [wire, letter] : t.factors) one = one * PauliSum::single(letter, wire);
          const double e = ref::expval(one, psi, n);
          var += t.coef * t.coef * (1.0 - e * e) * inv;
          step += 2.0 * std::abs(t.coef) * inv;
        }
        s.sigma.push_back(std::sqrt(std::max(var, 0.0)));
        s.count.push_back(step);
        break;
      }
      case Readout::Kind::Probs:
      case Readout::Kind::Projector:
        for (double p : ref::readout(r, psi, n)) {
          s.sigma.push_back(std::sqrt(std::max(p * (1.0 - p), 0.0) * inv));
          s.count.push_back(inv);
        }
        break;
      case Readout::Kind::Hermitian: {
        const Mat h = ref::from_row_major(r.matrix(), 1 << r.wires().size());
        const Vec hp = ref::apply(h, r.wires(), psi, n);
        const double m1 = psi.dot(hp).real(), m2 = hp.squaredNorm();
        const Eigen::SelfAdjointEigenSolver<Mat> eig(h);
        s.sigma.push_back(std::sqrt(std::max(m2 - m1 * m1, 0.0) * inv));
        s.count.push_back((eig.eigenvalues().maxCoeff() - eig.eigenvalues().minCoeff()) * inv);
        break;
      }
    }
  }
  return s;
}

::testing::AssertionResult within_sigmas(const std::vector<double>& got, const std::vector<double>& exact,
                                         const Spread& spread, const std::string& what) {
  const auto& sigma = spread.sigma;
  if (got.size() != exact.size() || got.size() != sigma.size() || got.size() != spread.count.size())
    return ::testing::AssertionFailure() << what << ": sizes " << got.size() << ", " << exact.size() << ", " << sigma.size();
  size_t bad = 0, worst = 0;
  double worst_z = -1.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(got[i] - exact[i]);
    const double z = err / (sigma[i] + kRounding);
    if (!(err <= kSigmas * sigma[i] + spread.count[i] + kRounding)) ++bad;
    if (!(z <= worst_z)) {
      worst_z = z;
      worst = i;
    }
  }
  std::ostringstream msg;
  msg << what << ": " << bad << " of " << got.size() << " estimates beyond " << kSigmas
      << " sigma + one count; worst at [" << worst << "]: got " << got[worst] << ", exact " << exact[worst]
      << ", sigma " << sigma[worst] << " (" << worst_z << " sigma)";
  if (bad == 0) return ::testing::AssertionSuccess() << msg.str();
  return ::testing::AssertionFailure() << msg.str();
}

TEST(Shots, ForwardShotsWithinFourSigmaOfExact) {
  Rng rng(903);
  for (int n = 1; n <= 5; ++n) {
    for (index_t shots : {50, 5000}) {
      test::CircuitSpec spec;
      spec.n_qubits = n;
      spec.depth = 36;
      spec.max_dense = std::min(n, 2);
      spec.prep = test::CircuitSpec::Prep::State;
      const test::GradProblem pr = test::make_grad_problem(rng, test::random_circuit(rng, spec), test::random_readouts(rng, n), 4,
                                      test::str("n=", n, " shots=", shots));
      SCOPED_TRACE(pr.label);
      const Program p(pr.circuit, pr.readouts);
      const auto est = forward_shots(p, pr.x, pr.batch, pr.w, shots, 17);
      const auto exact = forward(p, pr.x, pr.batch, pr.w);
      Spread spread;
      for (index_t b = 0; b < pr.batch; ++b) {
        const Vec psi = ref::simulate(pr.circuit, pr.x.data() + b * pr.circuit.n_inputs(), pr.w.data());
        const Spread s = shot_spread(pr.readouts, psi, n, shots);
        spread.sigma.insert(spread.sigma.end(), s.sigma.begin(), s.sigma.end());
        spread.count.insert(spread.count.end(), s.count.begin(), s.count.end());
      }
      EXPECT_TRUE(within_sigmas(est, exact, spread, pr.label));
      // Probabilities are counts / shots, and a probs readout's counts add up to the shots.
      index_t o = 0;
      for (const Readout& r : pr.readouts) {
        if (r.kind() == Readout::Kind::Probs || r.kind() == Readout::Kind::Projector) {
          for (index_t b = 0; b < pr.batch; ++b) {
            double total = 0.0;
            for (index_t i = 0; i < r.n_outputs(); ++i) {
              const double v = est[static_cast<size_t>(b * p.n_outputs() + o + i)] * static_cast<double>(shots);
              EXPECT_NEAR(v, std::round(v), kRounding * static_cast<double>(shots)) << r.to_string() << " is not counts/shots";
              total += v;
            }
            if (r.kind() == Readout::Kind::Probs) {
              EXPECT_NEAR(total, static_cast<double>(shots), kRounding * static_cast<double>(shots));
            }
          }
        }
        o += r.n_outputs();
      }
    }
  }
}

// A known state and many shots: <Z> = cos(theta) estimated without bias (the mean of 40 seeds).
TEST(Shots, EstimatesAreUnbiased) {
  Circuit c(2);
  const ParamBlock x = c.inputs(1);
  c.ry(x[0], 1).cnot(1, 0);
  const Program p(c, {Readout::expval(pauli_z(0)), Readout::probs({0, 1})});
  const double theta = 1.1, pz = std::cos(theta);
  constexpr index_t kShots = 1000, kSeeds = 40;
  double sum = 0.0;
  for (index_t s = 0; s < kSeeds; ++s) sum += forward_shots(p, {theta}, 1, {}, kShots, static_cast<std::uint64_t>(s))[0];
  const double sigma = std::sqrt((1.0 - pz * pz) / static_cast<double>(kShots * kSeeds));
  EXPECT_TRUE(within_sigmas({sum / kSeeds}, {pz}, {{sigma}, {2.0 / (kShots * kSeeds)}}, "mean of <Z> over seeds"));
}

TEST(Shots, SameSeedSameResultsWhateverTheThreads) {
  Rng rng(904);
  test::CircuitSpec spec;
  spec.n_qubits = 6;
  spec.depth = 36;
  spec.prep = test::CircuitSpec::Prep::Amplitude;
  const test::GradProblem pr = test::make_grad_problem(rng, test::random_circuit(rng, spec), test::random_readouts(rng, 6), 64, "seeded");
  const Program p(pr.circuit, pr.readouts);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = forward_shots(p, pr.x, pr.batch, pr.w, 300, 5, one);
  EXPECT_TRUE(test::bit_identical(a, forward_shots(p, pr.x, pr.batch, pr.w, 300, 5, two), "forward_shots 1 vs 2 threads"));
  EXPECT_TRUE(test::bit_identical(a, forward_shots(p, pr.x, pr.batch, pr.w, 300, 5, one), "forward_shots repeated"));
  EXPECT_NE(a, forward_shots(p, pr.x, pr.batch, pr.w, 300, 6, one)) << "another seed gives other estimates";
  const auto s1 = sample(p, pr.x, pr.batch, pr.w, 50, 9, {}, one), s2 = sample(p, pr.x, pr.batch, pr.w, 50, 9, {}, two);
  EXPECT_EQ(s1, s2);
  EXPECT_NE(s1, sample(p, pr.x, pr.batch, pr.w, 50, 10, {}, one));
  const std::vector<double> x2(pr.x.begin(), pr.x.begin() + 2 * p.n_inputs());  // the first two rows
  const Jacobian j1 = param_shift_jacobian(p, x2, 2, pr.w, 200, 3, one);
  const Jacobian j2 = param_shift_jacobian(p, x2, 2, pr.w, 200, 3, two);
  EXPECT_TRUE(test::bit_identical(j1.d_weights, j2.d_weights, "param_shift_jacobian with shots, 1 vs 2 threads"));
}

TEST(Shots, SampleFrequenciesAndWireOrder) {
  Rng rng(905);
  // A basis state: every sample is the same value, with wires[0] the most significant bit.
  Circuit basis(3);
  basis.x(1);
  const Program pb(basis, {Readout::expval(pauli_z(0))});
  for (const auto& [wires, value] : std::vector<std::pair<std::vector<int>, std::uint64_t>>{
           {{}, 2}, {{1, 0}, 2}, {{0, 1}, 1}, {{2, 1, 0}, 2}, {{1}, 1}, {{2}, 0}}) {
    const auto s = sample(pb, {}, 2, {}, 20, 1, wires);
    ASSERT_EQ(s.size(), 40u);
    for (std::uint64_t v : s) EXPECT_EQ(v, value) << "wires of size " << wires.size();
  }
  // A random state: frequencies within 4 sigma of the probabilities.
  for (int n : {1, 3, 5}) {
    Circuit c(n);
    c.state_preparation(test::random_state(rng, n), test::random_wires(rng, n, n));
    const std::vector<int> wires = test::random_wires(rng, n, std::min(n, 3));
    const Program p(c, {Readout::probs(wires)});
    constexpr index_t kShots = 4000;
    const auto s = sample(p, {}, 1, {}, kShots, 77, wires);
    const auto prob = forward(p, {}, 1, {});
    std::vector<double> freq(prob.size(), 0.0);
    Spread spread;
    for (std::uint64_t v : s) {
      ASSERT_LT(v, prob.size());
      freq[v] += 1.0 / kShots;
    }
    for (double q : prob) {
      spread.sigma.push_back(std::sqrt(q * (1.0 - q) / kShots));
      spread.count.push_back(1.0 / kShots);
    }
    EXPECT_TRUE(within_sigmas(freq, prob, spread, test::str("sample frequencies n=", n)));
  }
}

// Parameter-shift with shots: each derivative is (f(+) - f(-)) / 2 for a rotation with unit angle
// coefficient, so its sigma is sqrt(var(+) + var(-)) / 2 with the shifted circuits' shot variances.
TEST(ParamShift, WithShotsWithinFourSigmaOfExact) {
  Circuit c(2);
  const ParamBlock x = c.inputs(1), w = c.weights(2);
  c.ry(x[0], 1).ry(w[0], 0).cnot(0, 1).rx(w[1], 1);
  const std::vector<Readout> readouts = {Readout::expval(pauli_z(0)), Readout::expval(pauli_z(1)),
                                         Readout::probs({1})};
  const Program p(c, readouts);
  const std::vector<double> xs = {0.4, -1.2}, ws = {0.8, 2.1};
  constexpr index_t kShots = 3000;
  for (std::uint64_t seed : {1u, 2u}) {
    const Jacobian est = param_shift_jacobian(p, xs, 2, ws, kShots, seed);
    const Jacobian exact = jacobian(p, xs, 2, ws);
    Spread sw, sx;
    for (index_t b = 0; b < 2; ++b) {
      // Shift parameter `which` (0, 1: weights; 2: the input) by +-pi/2 and take the shot sigmas.
      auto sigma_for = [&](int which) {
        std::vector<double> wp = ws, wm = ws, xp = {xs[static_cast<size_t>(b)]}, xm = xp;
        if (which < 2) {
          wp[static_cast<size_t>(which)] += M_PI / 2;
          wm[static_cast<size_t>(which)] -= M_PI / 2;
        } else {
          xp[0] += M_PI / 2;
          xm[0] -= M_PI / 2;
        }
        const Spread sp = shot_spread(readouts, ref::simulate(c, xp.data(), wp.data()), 2, kShots);
        const Spread sm = shot_spread(readouts, ref::simulate(c, xm.data(), wm.data()), 2, kShots);
        Spread s;
        for (size_t o = 0; o < sp.sigma.size(); ++o) {
          s.sigma.push_back(0.5 * std::hypot(sp.sigma[o], sm.sigma[o]));
          s.count.push_back(0.5 * (sp.count[o] + sm.count[o]));
        }
        return s;
      };
      const Spread s0 = sigma_for(0), s1 = sigma_for(1), s2 = sigma_for(2);
      for (size_t o = 0; o < s0.sigma.size(); ++o) {  // d_weights is [batch, output, weight]
        for (const Spread* s : {&s0, &s1}) {
          sw.sigma.push_back(s->sigma[o]);
          sw.count.push_back(s->count[o]);
        }
        sx.sigma.push_back(s2.sigma[o]);
        sx.count.push_back(s2.count[o]);
      }
    }
    EXPECT_TRUE(within_sigmas(est.d_weights, exact.d_weights, sw, test::str("d_weights seed ", seed)));
    EXPECT_TRUE(within_sigmas(est.d_inputs, exact.d_inputs, sx, test::str("d_inputs seed ", seed)));
    const Jacobian again = param_shift_jacobian(p, xs, 2, ws, kShots, seed);
    EXPECT_TRUE(test::bit_identical(again.d_weights, est.d_weights, "same seed"));
  }
}

}  // namespace
}  // namespace tangle
