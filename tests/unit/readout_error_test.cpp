// Readout error in the run path: expectation values, probabilities and projectors of a noisy
// program against an independent dense oracle (measure each wire in its letter's basis, flip the
// bits by the full 2^k x 2^k confusion matrix) on the density-matrix and state-vector backends in
// float and double; trajectories within 4 standard errors; gradients through the map (adjoint,
// parameter-shift, finite differences) against differences of the oracle; shot estimates and
// samples with misread bits, seeded; the documented readout-error example.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "error_message.hpp"
#include "reference/density.hpp"
#include "reference/random.hpp"
#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/diff/finite_diff.hpp"
#include "tangle/diff/param_shift.hpp"
#include "tangle/sim/sampling.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

// The distribution of the misread bits of `wires` (wires[0] most significant), each measured in
// the eigenbasis of its letter, every bit flipped by its wire's confusion matrix.
std::vector<double> misread_distribution(const ref::Mat& rho, int n, const std::vector<int>& wires,
                                         const std::vector<Pauli>& letters, const NoiseModel& noise) {
  const int k = static_cast<int>(wires.size());
  const double r = 1.0 / std::sqrt(2.0);
  ref::Mat h(2, 2), sdg(2, 2);
  h << r, r, r, -r;
  sdg << 1, 0, 0, cdouble(0, -1);
  ref::Mat rotated = rho;
  for (int i = 0; i < k; ++i) {
    if (letters[static_cast<size_t>(i)] == Pauli::Z) continue;
    // U^dagger Z U is X for U = H and Y for U = H S^dagger.
    const ref::Mat u = letters[static_cast<size_t>(i)] == Pauli::X ? h : ref::Mat(h * sdg);
    const ref::Mat full = ref::expand(u, {wires[static_cast<size_t>(i)]}, n);
    rotated = full * rotated * full.adjoint();
  }
  const index_t dim = index_t{1} << k;
  std::vector<double> truth(static_cast<size_t>(dim), 0.0), out(static_cast<size_t>(dim), 0.0);
  for (index_t s = 0; s < (index_t{1} << n); ++s) {
    index_t t = 0;
    for (int w : wires) t = 2 * t + ((s >> (n - 1 - w)) & 1);
    truth[static_cast<size_t>(t)] += rotated(s, s).real();
  }
  for (index_t m = 0; m < dim; ++m)
    for (index_t t = 0; t < dim; ++t) {
      double p = 1.0;
      for (int i = 0; i < k; ++i) {
        const int bit = k - 1 - i;
        const std::optional<ReadoutConfusion> c = noise.readout_error(wires[static_cast<size_t>(i)]);
        const ReadoutConfusion conf = c ? *c : ReadoutConfusion{};
        p *= conf.p[(m >> bit) & 1][(t >> bit) & 1];
      }
      out[static_cast<size_t>(m)] += p * truth[static_cast<size_t>(t)];
    }
  return out;
}

// Outputs [batch, n_outputs] of `p` from the oracle: dense density matrices of p.circuit() (the
// noisy one), then misread measurements.
std::vector<double> oracle(const Program& p, const std::vector<double>& x, index_t batch, const std::vector<double>& w) {
  const int n = p.n_qubits();
  std::vector<double> out;
  for (index_t b = 0; b < batch; ++b) {
    const ref::Mat rho = ref::simulate_density(p.circuit(), x.data() + b * p.n_inputs(), w.data());
    for (const Readout& r : p.readouts()) {
      switch (r.kind()) {
        case Readout::Kind::Expval: {
          double v = 0.0;
          for (const PauliTerm& t : r.observable().terms()) {
            std::vector<int> wires;
            std::vector<Pauli> letters;
            for (const auto& [wire, letter] : t.factors) {
              wires.push_back(wire);
              letters.push_back(letter);
            }
            const std::vector<double> d = misread_distribution(rho, n, wires, letters, p.noise());
            for (size_t m = 0; m < d.size(); ++m) v += t.coef * ((std::popcount(m) & 1) ? -d[m] : d[m]);
          }
          out.push_back(v);
          break;
        }
        case Readout::Kind::Probs:
        case Readout::Kind::Projector: {
          const std::vector<double> d =
              misread_distribution(rho, n, r.wires(), std::vector<Pauli>(r.wires().size(), Pauli::Z), p.noise());
          if (r.kind() == Readout::Kind::Probs) {
            out.insert(out.end(), d.begin(), d.end());
          } else {
            out.push_back(d[static_cast<size_t>(r.basis_state())]);
          }
          break;
        }
        case Readout::Kind::Hermitian: {
          const std::vector<double> v = ref::readout_density(r, rho, n);
          out.insert(out.end(), v.begin(), v.end());
          break;
        }
      }
    }
  }
  return out;
}

Circuit small_circuit() {
  Circuit c(3);
  const ParamBlock x = c.inputs(2);
  const ParamBlock w = c.weights(4);
  c.ry(x[0], 0).rx(w[0], 1).cnot(0, 1).ry(w[1], 2).cz(1, 2).rx(x[1] * w[2], 2).h(0).crx(w[3], 2, 0);
  return c;
}

// Readout error on wires 0 and 2 (asymmetric, different), none on wire 1; with `channels` also
// Pauli-mixture noise after the gates (which every mixed-state backend runs).
NoiseModel small_noise(bool channels) {
  NoiseModel m;
  if (channels) {
    m.add(NoiseChannel::depolarizing(0.05), GateMatch::every());
    m.add(NoiseChannel::phase_damping(0.1), GateMatch::one_qubit(), {2});
    m.add(NoiseChannel::two_qubit_depolarizing(0.03), GateMatch::named({Gate::CNOT}));
  }
  m.add_readout_error(ReadoutConfusion::flips(0.03, 0.08), 0);
  m.add_readout_error(ReadoutConfusion::make({{{0.9, 0.15}, {0.1, 0.85}}}), 2);
  return m;
}

std::vector<Readout> every_readout(test::Rng& rng) {
  const PauliSum mixed = 0.5 * pauli_x(0) * pauli_y(1) * pauli_z(2) + 0.3 * pauli_z(1) - 0.2 + 0.7 * pauli_y(2);
  return {Readout::expval(pauli_z(0)),
          Readout::expval(mixed),
          Readout::probs({2, 0}),
          Readout::projector({0, 2, 1}, 5),
          Readout::probs({1}),  // no readout error there: passed through
          Readout::hermitian(ref::to_row_major(test::random_hermitian(rng, 1)), {1})};
}

RunOptions with(Backend b, Precision precision = Precision::F64) {
  RunOptions o;
  o.backend = b;
  o.precision = precision;
  return o;
}

template <typename Real>
class ReadoutErrorTyped : public ::testing::Test {};
TYPED_TEST_SUITE(ReadoutErrorTyped, test::Reals);

TYPED_TEST(ReadoutErrorTyped, EveryReadoutMatchesTheOracle) {
  test::Rng rng(1401);
  const index_t batch = 3;
  const Circuit c = small_circuit();
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const auto tol = test::tol_depth<TypeParam>(40);
  const Precision precision = test::precision_of<TypeParam>();
  for (const bool channels : {true, false}) {
    const Program p(c, every_readout(rng), small_noise(channels));
    const Backend backend = channels ? Backend::DensityMatrix : Backend::StateVector;
    const std::vector<double> want = oracle(p, x, batch, w);
    RunInfo info;
    std::vector<TypeParam> xt(x.begin(), x.end()), wt(w.begin(), w.end()), y(want.size());
    forward<TypeParam>(p, xt.data(), batch, wt.data(), y.data(), with(backend, precision), &info);
    EXPECT_EQ(info.backend, backend);
    EXPECT_TRUE(info.std_errors.empty());
    EXPECT_TRUE(test::all_near(std::vector<double>(y.begin(), y.end()), want, tol, backend_name(backend)));
    // The map changes every misread output: without it the values differ.
    const std::vector<double> perfect = forward(Program(c, p.readouts(), NoiseModel(small_noise(channels)).scaled(0.0)),
                                                x, batch, w, with(Backend::DensityMatrix));
    EXPECT_GT(std::abs(perfect[0] - want[0]), 1e-3) << "Z0 must see the readout error";
  }
}

TEST(ReadoutError, TrajectoriesAgreeWithinFourStandardErrors) {
  test::Rng rng(1402);
  const index_t batch = 2;
  const Circuit c = small_circuit();
  const std::vector<Readout> r = {Readout::expval(pauli_z(0) * pauli_z(2)), Readout::probs({2, 0}),
                                  Readout::projector({0, 1}, 2)};
  const Program p(c, r, small_noise(true));
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const std::vector<double> exact = forward(p, x, batch, w, with(Backend::DensityMatrix));
  RunOptions t = with(Backend::Trajectories);
  t.trajectories = 4000;
  t.seed = 9;
  RunInfo info;
  const std::vector<double> est = forward(p, x, batch, w, t, &info);
  ASSERT_EQ(info.std_errors.size(), est.size()) << "one standard error per output the user sees";
  for (size_t i = 0; i < est.size(); ++i) {
    EXPECT_GT(info.std_errors[i], 0.0) << "output " << i;
    EXPECT_LE(std::abs(est[i] - exact[i]), 4 * info.std_errors[i]) << "output " << i << ": " << est[i] << " vs " << exact[i];
  }
  // The gradient run reports the same estimates.
  const std::vector<double> g(est.size(), 1.0);
  EXPECT_TRUE(test::all_near(vjp(p, x, batch, w, g, t).outputs, est, test::tol<double>(), "vjp outputs"));
}

TEST(ReadoutError, GradientsThroughTheMapMatchDifferencesOfTheOracle) {
  test::Rng rng(1403);
  const index_t batch = 2;
  const Circuit c = small_circuit();
  const Program p(c, every_readout(rng), small_noise(true));
  const std::vector<double> x = test::random_inputs(rng, c, batch), w = test::random_weights(rng, c);
  const index_t n_out = p.n_outputs(), n_w = p.n_weights(), n_in = p.n_inputs();
  const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * n_out), -1.0, 1.0);
  auto dot = [&](const std::vector<double>& y, index_t only = -1) {
    double s = 0.0;
    for (index_t b = 0; b < batch; ++b)
      for (index_t o = 0; o < n_out; ++o)
        if (only < 0 || only == b) s += g[static_cast<size_t>(b * n_out + o)] * y[static_cast<size_t>(b * n_out + o)];
    return s;
  };
  std::vector<double> want_w(static_cast<size_t>(n_w)), want_x(static_cast<size_t>(batch * n_in));
  for (index_t k = 0; k < n_w; ++k)
    want_w[static_cast<size_t>(k)] = ref::fd_derivative([&](double h) {
      std::vector<double> v = w;
      v[static_cast<size_t>(k)] += h;
      return dot(oracle(p, x, batch, v));
    });
  for (index_t b = 0; b < batch; ++b)
    for (index_t j = 0; j < n_in; ++j)
      want_x[static_cast<size_t>(b * n_in + j)] = ref::fd_derivative([&](double h) {
        std::vector<double> v = x;
        v[static_cast<size_t>(b * n_in + j)] += h;
        return dot(oracle(p, v, batch, w), b);
      });
  const RunOptions dm = with(Backend::DensityMatrix);
  const VjpResult adj = vjp(p, x, batch, w, g, dm);
  EXPECT_TRUE(test::all_near(adj.d_weights, want_w, test::kGradTol, "adjoint d_weights"));
  EXPECT_TRUE(test::all_near(adj.d_inputs, want_x, test::kGradTol, "adjoint d_inputs"));
  // Parameter-shift and finite differences run through the same map.
  const VjpResult ps = param_shift_vjp(p, x, batch, w, g, 0, 0, dm);
  EXPECT_TRUE(test::all_near(ps.d_weights, want_w, test::kGradTol, "param-shift d_weights"));
  EXPECT_TRUE(test::all_near(ps.d_inputs, want_x, test::kGradTol, "param-shift d_inputs"));
  const VjpResult fd = finite_diff_vjp(p, x, batch, w, g, 1e-6, dm);
  EXPECT_TRUE(test::all_near(fd.d_weights, want_w, test::central_fd_tol(1e-6), "finite-difference d_weights"));
  // The Jacobian's rows contract to the same VJP.
  const Jacobian jac = jacobian(p, x, batch, w, dm);
  std::vector<double> from_jac(static_cast<size_t>(n_w), 0.0);
  for (index_t b = 0; b < batch; ++b)
    for (index_t o = 0; o < n_out; ++o)
      for (index_t k = 0; k < n_w; ++k)
        from_jac[static_cast<size_t>(k)] +=
            g[static_cast<size_t>(b * n_out + o)] * jac.d_weights[static_cast<size_t>((b * n_out + o) * n_w + k)];
  EXPECT_TRUE(test::all_near(from_jac, want_w, test::kGradTol, "Jacobian rows"));
}

TEST(ReadoutError, ShotEstimatesSeeTheMisreadValues) {
  test::Rng rng(1404);
  const Circuit c = small_circuit();
  const std::vector<Readout> r = {Readout::expval(pauli_z(0)), Readout::expval(pauli_y(0) * pauli_x(2)),
                                  Readout::probs({0, 2}), Readout::projector({2, 1}, 1)};
  const Program p(c, r, small_noise(false));
  const std::vector<double> x = test::random_inputs(rng, c, 1), w = test::random_weights(rng, c);
  const index_t shots = 40000;
  const std::vector<double> exact = forward(p, x, 1, w);
  const std::vector<double> perfect = forward(Program(c, r), x, 1, w);
  const std::vector<double> est = forward_shots(p, x, 1, w, shots, 23);
  const double n = static_cast<double>(shots);
  bool misread_visible = false;
  for (size_t i = 0; i < est.size(); ++i) {
    // +-1 outcomes for the two expectation values, 0/1 for the probabilities.
    const double var = i < 2 ? 1.0 - exact[i] * exact[i] : exact[i] * (1.0 - exact[i]);
    const double se = std::sqrt(var / n);
    EXPECT_LE(std::abs(est[i] - exact[i]), 4 * se + 1e-12) << "output " << i << ": " << est[i] << " vs " << exact[i];
    misread_visible = misread_visible || std::abs(perfect[i] - exact[i]) > 10 * se;
  }
  EXPECT_TRUE(misread_visible) << "the readout error must be larger than the shot noise somewhere";
}

TEST(ReadoutError, SamplesFlipEachBitByItsWiresConfusion) {
  Circuit c(2);
  c.x(0);  // |10>
  NoiseModel m;
  m.add_readout_error(ReadoutConfusion::flips(0.05, 0.2), 0);
  m.add_readout_error(ReadoutConfusion::flips(0.1, 0.0), 1);
  const Program p(c, {Readout::probs({0})}, m);
  const index_t shots = 20000, batch = 2;
  const std::vector<std::uint64_t> s = sample(p, {}, batch, {}, shots, 31);
  // Wire 0 (true 1) reads 0 with P(0|1) = 0.2; wire 1 (true 0) reads 1 with P(1|0) = 0.1.
  const double want[4] = {0.2 * 0.9, 0.2 * 0.1, 0.8 * 0.9, 0.8 * 0.1};
  for (index_t b = 0; b < batch; ++b) {
    double count[4] = {0, 0, 0, 0};
    for (index_t k = 0; k < shots; ++k) count[s[static_cast<size_t>(b * shots + k)]] += 1;
    for (int v = 0; v < 4; ++v) {
      const double se = std::sqrt(want[v] * (1 - want[v]) / static_cast<double>(shots));
      EXPECT_LE(std::abs(count[v] / static_cast<double>(shots) - want[v]), 4 * se) << "sample " << b << ", outcome " << v;
    }
  }
  EXPECT_EQ(sample(p, {}, batch, {}, shots, 31), s) << "the same seed gives the same samples";
  EXPECT_NE(sample(p, {}, batch, {}, shots, 32), s);
  // A subset of the wires, in any order, misreads the same way.
  const std::vector<std::uint64_t> one = sample(p, {}, 1, {}, shots, 5, {1});
  double ones = 0;
  for (std::uint64_t v : one) ones += static_cast<double>(v);
  EXPECT_LE(std::abs(ones / static_cast<double>(shots) - 0.1), 4 * std::sqrt(0.09 / static_cast<double>(shots)));
}

// Aer's readout-error tutorial: P(1|0) = 0.05, P(0|1) = 0.1, i.e. ReadoutError([[0.95, 0.05],
// [0.1, 0.9]]) (rows: true outcome), on both wires of a Bell state; docs/python.md states the numbers.
TEST(ReadoutError, DocumentedExample) {
  Circuit bell(2);
  bell.h(0).cnot(0, 1);
  NoiseModel m;
  m.add_readout_error(ReadoutConfusion::make({{{0.95, 0.1}, {0.05, 0.9}}}));
  const Program p(bell, {Readout::probs({0, 1}), Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_z(0))}, m);
  EXPECT_TRUE(test::all_near(forward(p, {}, 1, {}), {0.45625, 0.06875, 0.06875, 0.40625, 0.725, 0.05},
                             test::tol<double>(), "misread Bell state"));
  Circuit one(1);
  one.x(0);
  EXPECT_TRUE(test::all_near(forward(Program(one, {Readout::probs({0})}, m), {}, 1, {}), {0.1, 0.9},
                             test::tol<double>(), "misread |1>"));
}

TEST(ReadoutError, PerfectReadoutChangesNoBit) {
  test::Rng rng(1405);
  const Circuit c = small_circuit();
  const std::vector<Readout> r = every_readout(rng);
  const std::vector<double> x = test::random_inputs(rng, c, 3), w = test::random_weights(rng, c);
  NoiseModel perfect;
  perfect.add_readout_error(ReadoutConfusion::flips(0.0, 0.0));
  EXPECT_TRUE(test::bit_identical(forward(Program(c, r, perfect), x, 3, w), forward(Program(c, r), x, 3, w)));
  EXPECT_GT(memory_estimate(Program(c, r, small_noise(false)), 3), 0u);
}

TEST(ReadoutError, ClearErrors) {
  Circuit c(2);
  c.h(0);
  NoiseModel m;
  m.add_readout_error(ReadoutConfusion::symmetric(0.1), 1);
  const std::vector<cdouble> z = {1, 0, 0, -1};
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { Program(c, {Readout::hermitian(z, {1})}, m); }),
                        "reads wire 1, which has a readout error"));
  EXPECT_NO_THROW(Program(c, {Readout::hermitian(z, {0})}, m));
  const Program p(c, {Readout::expval(pauli_z(1))}, m);
  EXPECT_TRUE(test::has(test::error_of<ValueError>([&] { vjp(p, {}, 1, {}, {NAN}); }), "cotangent[0, 0] = nan is not finite"));
}

}  // namespace
}  // namespace tangle
