// Every op against the dense oracle: full states and readouts, on random initial states, for
// 1..10 qubits and batch sizes that put the lowest qubits inside the SIMD lanes (batch < lanes:
// 8 in f64, 16 in f32) or not, with targets and controls on low and high wires.
#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>
#include <string>

#include "effort.hpp"
#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

template <typename Real>
class OpsTest : public ::testing::Test {};
TYPED_TEST_SUITE(OpsTest, test::Reals);

constexpr index_t kBatches[] = {1, 2, 3, 7, 16, 64};

// Wires of a k-wire op (controls first): the lowest bits, the highest bits (both orders), or random.
std::vector<int> placement(int kind, int n, int k, Rng& rng) {
  std::vector<int> w(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) {
    switch (kind) {
      case 0: w[static_cast<size_t>(i)] = n - 1 - i; break;
      case 1: w[static_cast<size_t>(i)] = i; break;
      case 2: w[static_cast<size_t>(i)] = k - 1 - i; break;
      default: return test::random_wires(rng, n, k);
    }
  }
  return w;
}

constexpr const char* kPlacementNames[] = {"low", "high", "high-reversed", "random"};

// Pauli sums only: the readouts the engine conjugates through its Clifford frame instead of
// applying the pending Clifford gates (probs, projectors and Hermitians flush them first).
std::vector<Readout> pauli_readouts(Rng& rng, int n) {
  std::vector<Readout> r = {Readout::expval(test::random_pauli_sum(rng, n)), Readout::expval(test::random_pauli_sum(rng, n))};
  for (int q = 0; q < n; ++q) r.push_back(Readout::expval(pauli_z(q)));
  return r;
}

std::vector<Readout> readouts_for(Rng& rng, int n) {
  auto r = test::random_readouts(rng, n);
  r.push_back(Readout::probs(test::random_wires(rng, n, n)));
  return r;
}

// Runs `c` through the simulator and the oracle, with the engine's grouping and Clifford
// absorption on (fuse) and off: states, norms, outputs of `readouts` and of Pauli-only readouts.
template <typename Real>
void expect_matches_oracle(Rng& rng, const Circuit& c, const std::vector<Readout>& readouts,
                           const std::vector<double>& x, index_t batch, const std::vector<double>& w,
                           const std::string& label) {
  const int depth = static_cast<int>(c.ops().size());
  const test::Tol tol = test::tol_depth<Real>(depth);
  const auto want_states = ref::states(c, x, batch, w);
  const std::vector<Readout> paulis = pauli_readouts(rng, c.n_qubits());
  const auto want_mixed = ref::forward(c, readouts, x, batch, w), want_pauli = ref::forward(c, paulis, x, batch, w);
  const Program p(c, readouts), q(c, paulis);
  for (bool fuse : {true, false}) {
    RunOptions opts = test::options_for<Real>();
    opts.fuse = fuse;
    const std::string at = label + (fuse ? " (fuse)" : " (no fuse)");
    const auto got = states(p, x, batch, w, opts);
    EXPECT_TRUE(test::all_near(got, want_states, tol, at + ": states"));
    EXPECT_TRUE(test::all_near(forward(p, x, batch, w, opts), want_mixed, tol, at + ": outputs"));
    EXPECT_TRUE(test::all_near(forward(q, x, batch, w, opts), want_pauli, tol, at + ": Pauli-sum outputs"));
    const size_t dim = size_t{1} << c.n_qubits();
    std::vector<double> norms, ones(static_cast<size_t>(batch), 1.0);
    for (index_t b = 0; b < batch; ++b) {
      double s = 0.0;
      for (size_t i = 0; i < dim; ++i) s += std::norm(got[static_cast<size_t>(b) * dim + i]);
      norms.push_back(s);
    }
    EXPECT_TRUE(test::all_near(norms, ones, tol, at + ": squared norms"));
  }
}

// Draws the inputs and weights (in a fixed order), then checks `c` as above.
template <typename Real>
void check_circuit(Rng& rng, const Circuit& c, const std::vector<Readout>& readouts, index_t batch,
                   const std::string& label) {
  const auto x = test::random_inputs(rng, c, batch);
  const auto w = test::random_weights(rng, c);
  expect_matches_oracle<Real>(rng, c, readouts, x, batch, w, label);
}

std::string describe(Gate g, int n, index_t batch, const std::vector<int>& wires, int kind) {
  std::ostringstream s;
  s << gate_info(g).name << " n=" << n << " batch=" << batch << " wires={";
  for (size_t i = 0; i < wires.size(); ++i) s << (i ? "," : "") << wires[i];
  s << "} (" << kPlacementNames[kind] << ")";
  return s.str();
}

// Each unitary op after (a) a random complex state shared by the batch and (b) per-sample real
// amplitude-embedded states, so lane bugs that mix samples show up.
TYPED_TEST(OpsTest, EveryUnitaryOpMatchesOracle) {
  size_t case_index = 0;
  for (Gate g : test::unitary_gates()) {
    for (int n = 1; n <= 10; ++n) {
      if (gate_info(g).n_wires > n) continue;
      for (size_t bi = 0; bi < std::size(kBatches); ++bi) {
        const size_t id = case_index++;
        if (!test::runs_here(id)) continue;
        Rng rng(test::case_seed(101, id));
        const index_t batch = kBatches[bi];
        const int kind = static_cast<int>((bi + static_cast<size_t>(n)) % 4);
        const int k = gate_info(g).n_wires > 0 ? gate_info(g).n_wires : 1 + static_cast<int>(bi) % std::min(n, 3);
        const auto wires = placement(kind, n, k, rng);
        const std::string label = describe(g, n, batch, wires, kind);
        SCOPED_TRACE(label);
        {
          Circuit c(n);
          c.state_preparation(test::random_state(rng, n), placement(1, n, n, rng));
          const ParamBlock w = c.weights(4), x = c.inputs(3);
          test::append_gate(c, g, wires, rng, w, x);
          const auto readouts = readouts_for(rng, n);
          check_circuit<TypeParam>(rng, c, readouts, batch, label + " after StatePreparation");
        }
        {
          Circuit c(n);
          c.amplitude_embedding(c.inputs(index_t{1} << n), placement(1, n, n, rng));
          const ParamBlock w = c.weights(4), x = c.inputs(3);
          test::append_gate(c, g, wires, rng, w, x);
          const auto readouts = readouts_for(rng, n);
          check_circuit<TypeParam>(rng, c, readouts, batch, label + " after AmplitudeEmbedding");
        }
        if (::testing::Test::HasFailure()) return;  // one geometry's failure is enough detail
      }
    }
  }
}

// The preparations themselves on a subset of wires in any order (the others stay |0>), followed by a
// per-sample rotation so that the lanes hold different samples.
TYPED_TEST(OpsTest, StatePreparationsMatchOracle) {
  size_t case_index = 0;
  for (int n = 1; n <= 10; ++n) {
    for (size_t bi = 0; bi < std::size(kBatches); ++bi) {
      const size_t id = case_index++;
      if (!test::runs_here(id)) continue;
      Rng rng(test::case_seed(102, id));
      const index_t batch = kBatches[bi];
      const int kind = static_cast<int>((bi + static_cast<size_t>(n)) % 4);
      const int k = 1 + static_cast<int>(bi + static_cast<size_t>(n)) % std::min(n, 4);
      const auto wires = placement(kind, n, k, rng);
      for (int variant = 0; variant < 3; ++variant) {
        Circuit c(n);
        std::vector<double> x;
        const index_t dim = index_t{1} << k;
        if (variant == 0) {
          c.state_preparation(test::random_state(rng, k), wires);
        } else if (variant == 1) {
          // Fewer features than amplitudes: padded with a random value, then normalized.
          const index_t count = std::max<index_t>(1, dim - static_cast<index_t>(bi % 3));
          c.amplitude_embedding(c.inputs(count), wires, test::uniform(rng, -0.7, 0.7));
        } else {
          // normalize=false: the caller passes unit vectors.
          c.amplitude_embedding(c.inputs(dim), wires, 0.0, false);
        }
        const ParamBlock r = c.inputs(1);
        c.ry(r[0], placement(3, n, 1, rng)[0]);
        x = test::random_inputs(rng, c, batch);
        if (variant == 2) {
          for (index_t b = 0; b < batch; ++b) {
            double s = 0.0;
            for (index_t j = 0; j < dim; ++j) s += x[static_cast<size_t>(b * c.n_inputs() + j)] * x[static_cast<size_t>(b * c.n_inputs() + j)];
            for (index_t j = 0; j < dim; ++j) x[static_cast<size_t>(b * c.n_inputs() + j)] /= std::sqrt(s);
          }
        }
        const Gate g = variant == 0 ? Gate::StatePreparation : Gate::AmplitudeEmbedding;
        const std::string label = describe(g, n, batch, wires, kind) + " variant " + std::to_string(variant);
        SCOPED_TRACE(label);
        const auto readouts = readouts_for(rng, n);
        expect_matches_oracle<TypeParam>(rng, c, readouts, x, batch, {}, label);
      }
    }
  }
}

// Deep random circuits with every op kind: errors that cancel in a single op show up here.
TYPED_TEST(OpsTest, RandomCircuitsMatchOracle) {
  size_t case_index = 0;
  for (int n = 1; n <= 10; ++n) {
    for (size_t bi = 0; bi < std::size(kBatches); ++bi) {
      const index_t batch = kBatches[bi];
      if (n >= 8 && batch > 16) continue;  // the oracle's cost; 64 is covered below 8 qubits
      const size_t id = case_index++;
      if (!test::runs_here(id)) continue;
      Rng rng(test::case_seed(103, id));
      test::CircuitSpec spec;
      spec.n_qubits = n;
      spec.depth = 40;
      spec.max_dense = std::min(n, 3);
      spec.prep = bi % 2 == 0 ? test::CircuitSpec::Prep::State : test::CircuitSpec::Prep::Amplitude;
      const Circuit c = test::random_circuit(rng, spec);
      const std::string label = test::str("random circuit n=", n, " batch=", batch);
      SCOPED_TRACE(label);
      const auto readouts = test::random_readouts(rng, n);
      check_circuit<TypeParam>(rng, c, readouts, batch, label);
    }
  }
}

// Circuits that steer the engine: mostly Clifford gates and Pauli rotations (absorbed into a
// Clifford frame, flushed by the few non-Clifford gates), and runs of diagonal gates (commuting
// segments, merged same-word rotations, one phase per basis state).
TYPED_TEST(OpsTest, CliffordAndDiagonalCircuitsMatchOracle) {
  size_t case_index = 0;
  for (const bool clifford : {true, false}) {
    for (int n = 1; n <= 10; ++n) {
      for (index_t batch : {1, 3, 16, 64}) {
        if (n >= 8 && batch > 16) continue;
        const size_t id = case_index++;
        if (!test::runs_here(id)) continue;
        Rng rng(test::case_seed(104, id));
        test::CircuitSpec spec;
        spec.n_qubits = n;
        spec.depth = 48;
        spec.all_kinds = false;
        spec.menu = clifford ? test::clifford_menu() : test::diagonal_menu();
        spec.prep = batch % 2 ? test::CircuitSpec::Prep::State : test::CircuitSpec::Prep::Amplitude;
        const Circuit c = test::random_circuit(rng, spec);
        const std::string label = test::str(clifford ? "Clifford-heavy" : "diagonal", " circuit n=", n, " batch=", batch);
        SCOPED_TRACE(label);
        const auto readouts = readouts_for(rng, n);
        check_circuit<TypeParam>(rng, c, readouts, batch, label);
      }
    }
  }
}

// Tiles of 2^19 vectors (one full tile of samples on 19 qubits): the engine applies gates in
// gathered cache-sized blocks there instead of in place, and does not absorb Clifford gates.
// Forward against the oracle; gradients with blocks (fuse) against the plain sweep (no fuse),
// which every smaller test checks against the oracle.
TYPED_TEST(OpsTest, LargeTilesMatchOracle) {
  if (test::kSanitizerStride > 1 && std::is_same_v<TypeParam, float>) GTEST_SKIP() << "one precision under sanitizers";
  Rng rng(105);
  constexpr int n = 19;
  const index_t batch = 64 / static_cast<index_t>(sizeof(TypeParam));  // one tile: every lane a sample
  test::CircuitSpec spec;
  spec.n_qubits = n;
  spec.depth = 30;
  spec.max_dense = 2;
  spec.all_kinds = false;
  spec.menu = test::unitary_gates();
  const Circuit c = test::random_circuit(rng, spec);
  const auto readouts = readouts_for(rng, n);
  const auto x = test::random_inputs(rng, c, batch);
  const auto w = test::random_weights(rng, c);
  const std::vector<Readout> paulis = pauli_readouts(rng, n);
  const test::Tol tol = test::tol_depth<TypeParam>(static_cast<int>(c.ops().size()));
  const RunOptions opts = test::options_for<TypeParam>();
  EXPECT_TRUE(test::all_near(forward(Program(c, readouts), x, batch, w, opts), ref::forward(c, readouts, x, batch, w),
                             tol, "n=19 outputs"));
  EXPECT_TRUE(test::all_near(forward(Program(c, paulis), x, batch, w, opts), ref::forward(c, paulis, x, batch, w), tol,
                             "n=19 Pauli-sum outputs"));

  // Few parameterized ops, so that the states of the backward pass stay near 256 MB. A Pauli
  // rotation on six far-apart wires is too wide for a gathered block: it runs on the whole tile,
  // between gathered blocks with parameters on both sides.
  Circuit g(n);
  const ParamBlock gw = g.weights(5), gx = g.inputs(2);
  for (int q = 0; q < n; q += 3) g.h(q);
  g.ry(gw[0] + gx[0], 0).cnot(0, n - 1).cz(5, 17).t(n - 1).rzz(gw[1], 2, 18).swap(3, 11);
  g.pauli_rot(gw[3], "XYXZXX", {0, 3, 6, 9, 12, 15}).rx(gw[4], 2);
  g.unitary(ref::to_row_major(test::random_unitary(rng, 2)), {18, 4}).crx(gw[2] * gx[1], 9, 1).toffoli(0, 18, 7);
  const std::vector<Readout> gr = {Readout::expval(pauli_z(0) * pauli_x(7) + 0.5 * pauli_y(n - 1)),
                                   Readout::probs({18, 1}), Readout::hermitian(ref::to_row_major(test::random_hermitian(rng, 1)), {7})};
  const auto gxv = test::random_inputs(rng, g, batch);
  const auto gwv = test::random_weights(rng, g);
  const auto cot = test::random_vector(rng, static_cast<size_t>(batch * ref::n_outputs(gr)), -1.0, 1.0);
  const Program gp(g, gr);
  RunOptions plain = opts;
  plain.fuse = false;
  const VjpResult a = vjp(gp, gxv, batch, gwv, cot, opts), b = vjp(gp, gxv, batch, gwv, cot, plain);
  const test::Tol gtol = test::tol_sum<TypeParam>(static_cast<int>(g.ops().size()), batch);
  EXPECT_TRUE(test::all_near(a.outputs, ref::forward(g, gr, gxv, batch, gwv), tol, "n=19 gradient circuit outputs"));
  EXPECT_TRUE(test::all_near(a.d_weights, b.d_weights, gtol, "n=19 d_weights, blocks vs plain"));
  EXPECT_TRUE(test::all_near(a.d_inputs, b.d_inputs, gtol, "n=19 d_inputs, blocks vs plain"));
}

}  // namespace
}  // namespace tangle
