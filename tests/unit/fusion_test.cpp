// The fused execution path (Clifford absorption, commuting segments, phase tables, saved
// states, gathered cache blocks) against plain gate-by-gate sweeps: same outputs and gradients.
#include <gtest/gtest.h>

#include <random>

#include "sim/plan/clifford_frame.hpp"
#include "sim/plan/schedule.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/sim/program.hpp"

using namespace tangle;

namespace {

// Random circuits rich in what the fused path rewrites: Cliffords between rotations, rotation
// layers, diagonal layers with shared and per-sample angles, controlled gates, non-Clifford gates.
Circuit random_circuit(int n, std::mt19937_64& rng, int depth) {
  Circuit c(n);
  const ParamBlock x = c.inputs(n);
  const ParamBlock w = c.weights(6 * n * depth);
  std::uniform_int_distribution<int> wire(0, n - 1), kind(0, 13);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  index_t k = 0;
  auto pair = [&] {
    int a = wire(rng), b = wire(rng);
    while (n > 1 && b == a) b = wire(rng);
    return std::pair<int, int>{a, b};
  };
  for (int q = 0; q < n; ++q) c.ry(x[q], q);
  for (int d = 0; d < depth; ++d) {
    for (int q = 0; q < n; ++q) {
      c.ry(w[k], q).rz(w[k + 1], q);
      k += 2;
    }
    for (int q = 0; q < n && n > 1; ++q) c.cnot(q, (q + 1) % n);
    for (int g = 0; g < 2 * n; ++g) {
      const int q = wire(rng);
      switch (kind(rng)) {
        case 0: c.h(q); break;
        case 1: c.s(q); break;
        case 2: c.t(q); break;
        case 3: c.rx(u(rng) * w[k++] + x[wire(rng)], q); break;
        case 4: c.rz(x[wire(rng)] * 0.7, q); break;
        case 5: if (n > 1) { auto [a, b] = pair(); c.cz(a, b); } break;
        case 6: if (n > 1) { auto [a, b] = pair(); c.rzz(w[k++], a, b); } break;
        case 7: if (n > 1) { auto [a, b] = pair(); c.crx(w[k++], a, b); } break;
        case 8: c.phase_shift(w[k++], q); break;
        case 9: if (n > 1) { auto [a, b] = pair(); c.swap(a, b); } break;
        case 10: c.sx(q); break;
        case 11: if (n > 2) { auto [a, b] = pair(); int t = wire(rng); if (t != a && t != b) c.toffoli(a, b, t); } break;
        case 12: if (n > 1) { auto [a, b] = pair(); c.pauli_rot(w[k++], "XY", {a, b}); } break;
        default: c.ry(w[k++], q); break;
      }
    }
  }
  return c;
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

struct Case {
  int n;
  index_t batch;
  Precision precision;
};

}  // namespace

class FusionTest : public ::testing::TestWithParam<Case> {};

TEST_P(FusionTest, FusedEqualsPlainOnRandomCircuits) {
  const Case cs = GetParam();
  const double tol = cs.precision == Precision::F64 ? 1e-10 : 2e-4;
  std::mt19937_64 rng(1234 + static_cast<unsigned>(cs.n * 131 + cs.batch));
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 3; ++trial) {
    Circuit c = random_circuit(cs.n, rng, 2);
    const PauliSum xy = cs.n > 1 ? pauli_x(cs.n - 1) * pauli_y(0) : pauli_x(0);
    std::vector<Readout> r = {Readout::expval(pauli_z(0) + 0.5 * xy),
                              Readout::expval(pauli_y(cs.n / 2) - 0.25 * pauli_z(cs.n - 1))};
    if (trial == 2) r.push_back(cs.n > 1 ? Readout::probs({0, cs.n - 1}) : Readout::probs({0}));
    Program p(c, r);
    std::vector<double> x(static_cast<size_t>(cs.batch * p.n_inputs())), w = c.initial_weights(trial),
        g(static_cast<size_t>(cs.batch * p.n_outputs()));
    for (double& v : x) v = normal(rng);
    for (double& v : g) v = normal(rng);
    RunOptions fused, plain;
    fused.precision = plain.precision = cs.precision;
    plain.fuse = false;
    const VjpResult a = vjp(p, x, cs.batch, w, g, fused), b = vjp(p, x, cs.batch, w, g, plain);
    EXPECT_LT(max_diff(a.outputs, b.outputs), tol) << "outputs, trial " << trial;
    EXPECT_LT(max_diff(a.d_weights, b.d_weights), tol * (1 + static_cast<double>(cs.batch)))
        << "weight gradients, trial " << trial;
    EXPECT_LT(max_diff(a.d_inputs, b.d_inputs), tol) << "input gradients, trial " << trial;
    EXPECT_LT(max_diff(forward(p, x, cs.batch, w, fused), a.outputs), tol) << "forward vs vjp outputs";
  }
}

// Small tiles take the absorbed/scheduled path; n > 10 qubits with full-lane batches takes the
// gathered-block path; batches under the lane count put qubits in the lanes.
INSTANTIATE_TEST_SUITE_P(Geometries, FusionTest,
                         ::testing::Values(Case{1, 3, Precision::F64}, Case{2, 8, Precision::F64},
                                           Case{5, 1, Precision::F64}, Case{6, 13, Precision::F64},
                                           Case{10, 9, Precision::F64}, Case{11, 8, Precision::F64},
                                           Case{12, 16, Precision::F64}, Case{6, 7, Precision::F32},
                                           Case{11, 16, Precision::F32}, Case{9, 2, Precision::F32}));

TEST(Fusion, ThreadCountDoesNotChangeFusedResults) {
  std::mt19937_64 rng(99);
  for (int n : {8, 12}) {
    Circuit c = random_circuit(n, rng, 2);
    Program p(c, {Readout::expval(pauli_z(0) * pauli_z(n - 1)), Readout::probs({1})});
    const index_t batch = 40;
    std::vector<double> x(static_cast<size_t>(batch * p.n_inputs()), 0.3), w = c.initial_weights(5),
        g(static_cast<size_t>(batch * p.n_outputs()), 1.0);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1 * static_cast<double>(i % 17);
    RunOptions one, two;
    one.threads = 1;
    two.threads = 2;
    const VjpResult a = vjp(p, x, batch, w, g, one), b = vjp(p, x, batch, w, g, two);
    EXPECT_EQ(a.outputs, b.outputs);
    EXPECT_EQ(a.d_weights, b.d_weights);
    EXPECT_EQ(a.d_inputs, b.d_inputs);
  }
}

// A memory limit too small for the saved states makes the backward pass un-apply psi instead
// (phase tables and rotation sets included): same gradients, within less memory, in both
// precisions, with tiles of one sample per lane and with qubits in the lanes, on 1 and 2 threads.
TEST(Fusion, BackwardWithoutSavedStatesEqualsWithThem) {
  std::mt19937_64 rng(321);
  std::normal_distribution<double> normal;
  for (const Precision precision : {Precision::F64, Precision::F32}) {
    const double tol = precision == Precision::F64 ? 1e-10 : 2e-4;
    for (const index_t batch : {index_t{3}, index_t{37}}) {
      const int n = 7;
      Circuit c = random_circuit(n, rng, 3);
      Program p(c, {Readout::expval(pauli_z(0) + 0.5 * pauli_x(n - 1) * pauli_y(1)), Readout::probs({2})});
      std::vector<double> x(static_cast<size_t>(batch * p.n_inputs())), w = c.initial_weights(3),
          g(static_cast<size_t>(batch * p.n_outputs()));
      for (double& v : x) v = normal(rng);
      for (double& v : g) v = normal(rng);
      for (const int threads : {1, 2}) {
        RunOptions saved, unapplied;
        saved.precision = unapplied.precision = precision;
        saved.threads = unapplied.threads = threads;
        const std::uint64_t with = memory_estimate(p, batch, saved, true);
        unapplied.memory_limit = with - 1;
        const std::uint64_t without = memory_estimate(p, batch, unapplied, true);
        ASSERT_LT(without, with) << "the limit must rule the saved states out";
        const VjpResult a = vjp(p, x, batch, w, g, saved), b = vjp(p, x, batch, w, g, unapplied);
        EXPECT_LT(max_diff(a.outputs, b.outputs), tol);
        EXPECT_LT(max_diff(a.d_weights, b.d_weights), tol * (1 + static_cast<double>(batch)));
        EXPECT_LT(max_diff(a.d_inputs, b.d_inputs), tol);
      }
    }
  }
}

// Leading one-qubit ops on |0...0> are applied to per-qubit factors and written out as a product
// state: every kind of one-qubit op (rotations on inputs and weights, phases, fixed non-Clifford
// matrices, Cliffords absorbed into the frame) before the first entangler, checked against plain
// sweeps on states, outputs and gradients, with qubits in the lanes (small batches) and not.
TEST(Fusion, ProductStatePrefixEqualsPlain) {
  Circuit c(4);
  const ParamBlock x = c.inputs(4), w = c.weights(8);
  c.ry(x[0], 0).rx(w[0], 1).t(2).phase_shift(w[1], 3).u3(0.3, 0.2, 0.1, 0).h(3);
  c.rz(x[1], 1).ry(w[2] * x[2], 2).rz(w[3], 3).rx(x[3], 0).s(1).ry(w[4], 3);
  c.cnot(0, 1).crx(w[5], 1, 2).ry(w[6], 3).cz(3, 0).rx(w[7], 2);
  const Program p(c, {Readout::expval(pauli_z(0) + 0.5 * pauli_x(2) * pauli_y(3)), Readout::probs({1, 3})});
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (Precision precision : {Precision::F64, Precision::F32}) {
    const double tol = precision == Precision::F64 ? 1e-12 : 2e-5;
    for (index_t batch : {1, 5, 20}) {
      std::vector<double> x_in(static_cast<size_t>(batch * p.n_inputs())), g(static_cast<size_t>(batch * p.n_outputs()));
      for (double& v : x_in) v = normal(rng);
      for (double& v : g) v = normal(rng);
      const std::vector<double> weights = c.initial_weights(3);
      RunOptions fused, plain;
      fused.precision = plain.precision = precision;
      plain.fuse = false;
      const VjpResult a = vjp(p, x_in, batch, weights, g, fused), b = vjp(p, x_in, batch, weights, g, plain);
      const std::string at = (precision == Precision::F64 ? "f64" : "f32") + std::string(" batch ") + std::to_string(batch);
      EXPECT_LT(max_diff(a.outputs, b.outputs), tol) << at;
      EXPECT_LT(max_diff(a.d_weights, b.d_weights), tol * static_cast<double>(batch)) << at;
      EXPECT_LT(max_diff(a.d_inputs, b.d_inputs), tol) << at;
      const std::vector<std::complex<double>> sa = states(p, x_in, batch, weights, fused),
                                              sb = states(p, x_in, batch, weights, plain);
      ASSERT_EQ(sa.size(), sb.size());
      double worst = 0.0;
      for (size_t i = 0; i < sa.size(); ++i) worst = std::max(worst, std::abs(sa[i] - sb[i]));
      EXPECT_LT(worst, tol) << at << ": states";
    }
  }
}

// Ops that commute with every readout and every op kept after them cannot change an output: the
// fused path drops them (here everything after the input layer but RY(w0) on wire 0, which the
// schedule merges into RY(x0)). Outputs and gradients stay those of the plain sweep, whose
// gradients for the dropped parameters are zero up to rounding.
TEST(Fusion, OpsThatCommuteWithTheReadoutsAreDropped) {
  Circuit c(3);
  const ParamBlock x = c.inputs(3), w = c.weights(6);
  c.ry(x[0], 0).ry(x[1], 1).ry(x[2], 2).ry(w[0], 0).rz(w[1], 1).cnot(0, 1).ry(w[2], 2);
  c.rz(w[3], 0).rz(w[4], 1).rx(w[5], 2);
  const Program p(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_z(1))});
  const detail::LoweredProgram scheduled = detail::schedule_commuting(detail::absorb_cliffords(p.lowered()));
  const detail::LoweredProgram kept = detail::drop_unobserved(scheduled);
  ASSERT_EQ(kept.ops.size(), 2u);
  EXPECT_EQ(kept.ops[0].targets, std::vector<int>{0});
  EXPECT_EQ(kept.ops[1].targets, std::vector<int>{1});
  EXPECT_EQ(kept.segment_ends, std::vector<size_t>{2});

  // A last rotation that does not commute with the readout keeps everything.
  Circuit d(2);
  d.ry(d.inputs(1)[0], 0).cnot(0, 1).rx(d.weights(1)[0], 1);
  const Program q(d, {Readout::expval(pauli_z(1))});
  const detail::LoweredProgram all = detail::schedule_commuting(detail::absorb_cliffords(q.lowered()));
  EXPECT_EQ(detail::drop_unobserved(all).ops.size(), all.ops.size());

  const index_t batch = 11;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> xs(static_cast<size_t>(batch * 3)), g(static_cast<size_t>(batch * 2));
  for (double& v : xs) v = normal(rng);
  for (double& v : g) v = normal(rng);
  const std::vector<double> weights = c.initial_weights(2);
  for (Precision precision : {Precision::F64, Precision::F32}) {
    const double tol = precision == Precision::F64 ? 1e-12 : 2e-5;
    RunOptions fused, plain;
    fused.precision = plain.precision = precision;
    plain.fuse = false;
    const VjpResult a = vjp(p, xs, batch, weights, g, fused), b = vjp(p, xs, batch, weights, g, plain);
    EXPECT_LT(max_diff(a.outputs, b.outputs), tol);
    EXPECT_LT(max_diff(a.d_weights, b.d_weights), tol * batch);
    EXPECT_LT(max_diff(a.d_inputs, b.d_inputs), tol);
    for (size_t k = 1; k < 6; ++k) EXPECT_EQ(a.d_weights[k], 0.0) << "w" << k;
    for (index_t s = 0; s < batch; ++s) EXPECT_EQ(a.d_inputs[static_cast<size_t>(3 * s + 2)], 0.0);
    EXPECT_GT(std::abs(a.d_weights[0]), 1e-3);
  }
}

// A circuit of one-qubit ops only is a product state to its end: its last saved state is the
// final state itself (written once, read by the backward pass), in both precisions.
TEST(Fusion, OneQubitCircuitGradientsEqualPlain) {
  Circuit c(3);
  const ParamBlock x = c.inputs(3), w = c.weights(6);
  for (int q = 0; q < 3; ++q) c.ry(x[q], q).rz(w[2 * q], q).rx(w[2 * q + 1] * x[q], q);
  const Program p(c, {Readout::expval(pauli_z(0) + 0.5 * pauli_x(1) * pauli_y(2)), Readout::probs({2})});
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal;
  for (Precision precision : {Precision::F64, Precision::F32}) {
    const double tol = precision == Precision::F64 ? 1e-12 : 2e-5;
    for (index_t batch : {5, 20}) {
      std::vector<double> xs(static_cast<size_t>(batch * 3)), g(static_cast<size_t>(batch * p.n_outputs()));
      for (double& v : xs) v = normal(rng);
      for (double& v : g) v = normal(rng);
      RunOptions fused, plain;
      fused.precision = plain.precision = precision;
      plain.fuse = false;
      const std::vector<double> weights = c.initial_weights(4);
      const VjpResult a = vjp(p, xs, batch, weights, g, fused), b = vjp(p, xs, batch, weights, g, plain);
      EXPECT_LT(max_diff(a.outputs, b.outputs), tol);
      EXPECT_LT(max_diff(a.d_weights, b.d_weights), tol * static_cast<double>(batch));
      EXPECT_LT(max_diff(a.d_inputs, b.d_inputs), tol);
    }
  }
}
