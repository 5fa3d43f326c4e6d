// Adjoint gradients (vjp, jacobian) against eighth-order central differences of the dense oracle,
// in double to 1e-8; float adjoint against double adjoint to float tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "effort.hpp"
#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;


// vjp and jacobian of the simulator (double) against the oracle's differences, with the engine's
// grouping and Clifford absorption on (fuse) and off.
void expect_gradients_match_oracle(const test::GradProblem& k) {
  SCOPED_TRACE(k.label);
  const Program p(k.circuit, k.readouts);
  const ref::Jacobian fd = ref::fd_jacobian(k.circuit, k.readouts, k.x, k.batch, k.w);
  const ref::Vjp want = ref::contract(fd, k.g, k.batch, p.n_outputs(), p.n_weights(), p.n_inputs());
  const test::Tol out_tol = test::tol_depth<double>(static_cast<int>(k.circuit.ops().size()));
  for (bool fuse : {true, false}) {
    RunOptions opts = test::options_for<double>();
    opts.fuse = fuse;
    const std::string at = k.label + (fuse ? " (fuse)" : " (no fuse)");
    const VjpResult v = vjp(p, k.x, k.batch, k.w, k.g, opts);
    EXPECT_TRUE(test::all_near(v.outputs, fd.outputs, out_tol, at + ": vjp outputs"));
    EXPECT_TRUE(test::all_near(v.d_weights, want.d_weights, test::kGradTol, at + ": vjp d_weights"));
    EXPECT_TRUE(test::all_near(v.d_inputs, want.d_inputs, test::kGradTol, at + ": vjp d_inputs"));
    const Jacobian j = jacobian(p, k.x, k.batch, k.w, opts);
    EXPECT_TRUE(test::all_near(j.d_weights, fd.d_weights, test::kGradTol, at + ": jacobian d_weights"));
    EXPECT_TRUE(test::all_near(j.d_inputs, fd.d_inputs, test::kGradTol, at + ": jacobian d_inputs"));
    EXPECT_TRUE(test::all_near(j.outputs, fd.outputs, out_tol, at + ": jacobian outputs"));
  }
}

// Pauli sums only: conjugated through the engine's Clifford frame rather than flushing it.
std::vector<Readout> pauli_readouts(Rng& rng, int n) {
  return {Readout::expval(test::random_pauli_sum(rng, n)), Readout::expval(test::random_pauli_sum(rng, n)),
          Readout::expval(pauli_z(n - 1))};
}

// One op at a time (after a random state), every kind, lane and vector wires, 1..5 qubits.
TEST(Gradients, EveryOpMatchesOracleDifferences) {
  size_t case_index = 0;
  for (Gate g : test::unitary_gates()) {
    for (int n = 1; n <= 5; ++n) {
      if (gate_info(g).n_wires > n) continue;
      for (index_t batch : {1, 2, 7, 16}) {
        const size_t id = case_index++;
        if (!test::runs_here(id)) continue;
        Rng rng(test::case_seed(301, id));
        // Dense blocks up to 2 wires here (3-wire blocks: TargetedFeatures, RandomCircuits).
        Circuit c = test::two_op_circuit(rng, g, n, 2);
        expect_gradients_match_oracle(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, n), batch,
                                                test::str(gate_info(g).name, " n=", n, " batch=", batch)));
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

// Random circuits with every op kind, random readouts of every kind, n = 1..10, batch 1, 7, 64.
TEST(Gradients, RandomCircuitsMatchOracleDifferences) {
  size_t case_index = 0;
  struct Size {
    int n;
    index_t batch;
  };
  // The oracle's differences cost 8 (weights + inputs) simulations per sample: large batches on
  // small registers, batch 1 and 7 on large ones.
  const std::vector<Size> sizes = {{1, 1}, {1, 64}, {2, 7},  {2, 64}, {3, 1},  {3, 64}, {4, 7},
                                   {5, 1}, {5, 64}, {6, 7},  {7, 1},  {8, 7},  {9, 1},  {10, 1}};
  for (const Size& s : sizes) {
    for (auto prep : {test::CircuitSpec::Prep::None, test::CircuitSpec::Prep::Amplitude}) {
      const size_t id = case_index++;
      if (!test::runs_here(id)) continue;
      Rng rng(test::case_seed(302, id));
      test::CircuitSpec spec;
      spec.n_qubits = s.n;
      spec.depth = 36;
      // 3-wire blocks (63 weights, 64 inputs) only where the oracle's differences stay cheap.
      spec.max_dense = s.n <= 4 && s.batch <= 7 ? std::min(s.n, 3) : 2;
      spec.prep = prep;
      Circuit c = test::random_circuit(rng, spec);
      const std::string label = test::str("random n=", s.n, " batch=", s.batch,
                                          prep == test::CircuitSpec::Prep::Amplitude ? " amplitude-embedded" : "");
      expect_gradients_match_oracle(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, s.n), s.batch, label));
    }
  }
}

// Named model-like cases, so a failure points at one feature.
TEST(Gradients, TargetedFeatures) {
  Rng rng(303);
  std::vector<test::GradProblem> cases;
  {
    // Evolution with a trainable, input-scaled time, uploaded twice (shared eigenbasis).
    Circuit c(3);
    const ParamBlock m = c.inputs(16), w = c.weights(2), s = c.inputs(1);
    c.h(0).h(1).h(2);
    c.evolution(m, w[0], {0, 2});
    c.ry(w[1], 1).cnot(1, 2);
    c.evolution(m, 0.5 * s[0] * w[1] + w[0] - 0.3, {0, 2});
    // 20 samples: several tiles, so the per-tile eigen cache is refilled.
    cases.push_back(test::make_grad_problem(rng, std::move(c), {Readout::expval(pauli_z(0) + 0.5 * pauli_x(2)), Readout::probs({2, 1})},
                              20, "Evolution twice on one block"));
  }
  {
    // Re-uploading on the whole register (creep's linear layer): rank-one gradient paths.
    // Fixed-time uploads share their divided differences; a trainable time does not; the last
    // tile of 20 samples is part empty.
    Circuit c(3);
    const ParamBlock m = c.inputs(64), t = c.weights(1);
    c.h(0).h(1).h(2);
    const ParamBlock su = c.special_unitary({0, 1, 2});
    c.evolution(m, Expr(-0.2), {0, 1, 2});
    c.special_unitary({2, 0, 1});
    c.evolution(m, Expr(-0.2), {0, 1, 2});
    c.evolution(m, t[0], {0, 1, 2});
    c.special_unitary(su, {0, 1, 2});
    cases.push_back(test::make_grad_problem(rng, std::move(c), {Readout::probs({0, 1, 2})}, 20,
                                            "Evolution and SpecialUnitary on every wire"));
  }
  {
    // SpecialUnitary on 3 wires (63 weights) between entanglers.
    Circuit c(4);
    c.h(0).cnot(0, 3);
    const ParamBlock su = c.special_unitary({3, 0, 2});
    c.cnot(2, 1);
    c.special_unitary(su, {1, 2, 3});  // the same weights reused on other wires
    cases.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 4), 3, "SpecialUnitary 3 wires, reused"));
  }
  {
    // IQP-style products of two inputs and affine angles mixing weights and inputs.
    Circuit c(4);
    const ParamBlock x = c.inputs(4), w = c.weights(3);
    for (int q = 0; q < 4; ++q) c.h(q).rz(x[q], q);
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) c.multirz(x[i] * x[j], {i, j});
    c.rx(0.5 * x[1] * w[0] + w[1] - 0.3, 2).cry(w[2] * x[3] - x[0], 3, 0).crot(w[0], x[2], w[1] * x[1], 1, 3);
    cases.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 4), 64, "IQP and affine angles"));
  }
  {
    // AmplitudeEmbedding with padding: d_inputs flows through the normalization.
    Circuit c(3);
    const ParamBlock f = c.inputs(5), w = c.weights(3);
    c.amplitude_embedding(f, {2, 0, 1}, 0.3);
    c.u3(w[0], w[1], w[2], 1).phase_shift(w[1] * f[2], 0).controlled_phase_shift(w[2], 2, 0);
    cases.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 3), 7, "AmplitudeEmbedding"));
  }
  {
    // A weight reused by several ops and a PauliRot with identity letters.
    Circuit c(5);
    const ParamBlock w = c.weights(2), x = c.inputs(1);
    for (int q = 0; q < 5; ++q) c.ry(w[0], q);
    c.pauli_rot(w[1] + x[0], "XIYZI", {0, 1, 2, 3, 4}).pauli_rot(w[0], "III", {4, 0, 2});
    cases.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 5), 7, "weight reuse, PauliRot"));
  }
  {
    // SpecialUnitary from an input block: a different unitary per sample, d_inputs through it.
    Circuit c(3);
    const ParamBlock g = c.inputs(15), w = c.weights(1);
    c.h(0).cnot(0, 2).special_unitary(g, {2, 0});
    c.ry(w[0], 1).special_unitary(g, {1, 2});
    cases.push_back(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 3), 7, "SpecialUnitary from inputs"));
  }
  {
    // AmplitudeEmbedding with normalize=false: the state is the inputs themselves (unit rows).
    Circuit c(3);
    const ParamBlock f = c.inputs(4), w = c.weights(2);
    c.amplitude_embedding(f, {2, 1}, 0.0, false);
    c.ry(w[0], 0).cnot(0, 2).crx(w[1] * f[1], 1, 0);
    test::GradProblem k = test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 3), 5, "AmplitudeEmbedding normalize=false");
    for (index_t b = 0; b < k.batch; ++b) {
      double norm = 0.0;
      for (index_t j = 0; j < 4; ++j) norm += k.x[static_cast<size_t>(b * 4 + j)] * k.x[static_cast<size_t>(b * 4 + j)];
      for (index_t j = 0; j < 4; ++j) k.x[static_cast<size_t>(b * 4 + j)] /= std::sqrt(norm);
    }
    cases.push_back(std::move(k));
  }
  for (const test::GradProblem& k : cases) expect_gradients_match_oracle(k);
}

// More tiles than the adjoint's fixed number of partial-sum segments (32): 300 samples are 38 tiles
// in f64, so segments hold several tiles each, including the SpecialUnitary's batch-summed matrix.
TEST(Gradients, BatchLargerThanTheSegmentCount) {
  Rng rng(307);
  Circuit c(2);
  const ParamBlock x = c.inputs(2), w = c.weights(2);
  c.ry(x[0], 0).rx(x[1] * w[0], 1);
  c.special_unitary({1, 0});
  c.crz(w[1] + x[0], 0, 1);
  expect_gradients_match_oracle(test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 2), 300, "batch 300"));
}

// Clifford-heavy and diagonal-heavy circuits (the engine's Clifford frame and commuting segments),
// with Pauli-only readouts (conjugated through the frame) and mixed ones (flushing it).
TEST(Gradients, CliffordAndDiagonalCircuitsMatchOracleDifferences) {
  size_t case_index = 0;
  for (const bool clifford : {true, false}) {
    for (int n : {1, 2, 3, 5, 7}) {
      for (index_t batch : {1, 7}) {
        for (const bool pauli_only : {true, false}) {
          const size_t id = case_index++;
          if (!test::runs_here(id)) continue;
          Rng rng(test::case_seed(308, id));
          test::CircuitSpec spec;
          spec.n_qubits = n;
          spec.depth = 40;
          spec.all_kinds = false;
          spec.menu = clifford ? test::clifford_menu() : test::diagonal_menu();
          spec.prep = batch > 1 ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::None;
          Circuit c = test::random_circuit(rng, spec);
          auto readouts = pauli_only ? pauli_readouts(rng, n) : test::random_readouts(rng, n);
          expect_gradients_match_oracle(test::make_grad_problem(rng, std::move(c), std::move(readouts), batch,
                                                  test::str(clifford ? "Clifford-heavy" : "diagonal", " n=", n,
                                                            " batch=", batch, pauli_only ? " Pauli readouts" : "")));
        }
      }
    }
  }
}

// Rotations about the same Pauli word, adjacent or separated by commuting gates, which the engine
// may merge: each one's weight must still get its own derivative.
TEST(Gradients, SameWordRotations) {
  Rng rng(309);
  Circuit c(3);
  const ParamBlock w = c.weights(4), x = c.inputs(2);
  c.h(0).h(1).h(2);
  c.rz(w[0], 0).rz(w[1], 0).cz(0, 1).rz(0.5 * x[0] * w[0], 0).t(0);
  c.rzz(w[2], 0, 1).multirz(w[1] - x[1], {1, 0}).pauli_rot(w[3], "ZZ", {0, 1}).cnot(2, 1);
  c.rx(w[2], 2).rx(w[2] * x[0], 2).pauli_rot(w[0], "XIX", {2, 1, 0});
  for (bool pauli_only : {true, false}) {
    auto readouts = pauli_only ? pauli_readouts(rng, 3) : test::random_readouts(rng, 3);
    expect_gradients_match_oracle(
        test::make_grad_problem(rng, c, std::move(readouts), 5, pauli_only ? "same-word rotations, Pauli readouts" : "same-word rotations"));
  }
}

// Degenerate spectra: the divided differences of the exponential meet equal eigenvalues.
TEST(Gradients, DegenerateSpectraOfDenseBlocks) {
  Rng rng(304);
  {
    Circuit c(2);
    c.h(0).cnot(0, 1);
    c.special_unitary({0, 1});
    test::GradProblem k = test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 2), 3, "SpecialUnitary at omega = 0");
    std::fill(k.w.begin(), k.w.end(), 0.0);
    expect_gradients_match_oracle(k);
  }
  {
    Circuit c(2);
    c.special_unitary({1, 0});
    c.h(0);
    test::GradProblem k = test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 2), 3, "SpecialUnitary omega on ZI only");
    std::fill(k.w.begin(), k.w.end(), 0.0);
    k.w[11] = 0.7;  // "ZI": eigenvalues +-0.7, each twice
    expect_gradients_match_oracle(k);
  }
  {
    Circuit c(2);
    const ParamBlock m = c.inputs(16), w = c.weights(1);
    c.h(0).cnot(0, 1).evolution(m, w[0], {0, 1});
    test::GradProblem k = test::make_grad_problem(rng, std::move(c), test::random_readouts(rng, 2), 2, "Evolution with repeated eigenvalues");
    // Sample 0: M = diag(1, 1, 2, 2); sample 1: M = 0.
    std::fill(k.x.begin(), k.x.end(), 0.0);
    for (int d = 0; d < 4; ++d) k.x[static_cast<size_t>(d * 5)] = d < 2 ? 1.0 : 2.0;
    expect_gradients_match_oracle(k);
  }
}

// The vjp is the cotangent contracted with the jacobian, and the pointer forms agree.
TEST(Gradients, VjpIsCotangentTimesJacobian) {
  Rng rng(305);
  test::CircuitSpec spec;
  spec.n_qubits = 4;
  spec.depth = 36;
  spec.max_dense = 2;
  spec.prep = test::CircuitSpec::Prep::Amplitude;
  const test::GradProblem k = test::make_grad_problem(rng, test::random_circuit(rng, spec), test::random_readouts(rng, 4), 9, "vjp = g J");
  const Program p(k.circuit, k.readouts);
  const Jacobian j = jacobian(p, k.x, k.batch, k.w);
  ref::Jacobian as_ref{j.outputs, j.d_weights, j.d_inputs};
  const ref::Vjp want = ref::contract(as_ref, k.g, k.batch, p.n_outputs(), p.n_weights(), p.n_inputs());
  const VjpResult v = vjp(p, k.x, k.batch, k.w, k.g);
  const test::Tol t = test::tol_depth<double>(static_cast<int>(k.circuit.ops().size()));
  EXPECT_TRUE(test::all_near(v.d_weights, want.d_weights, t, "d_weights"));
  EXPECT_TRUE(test::all_near(v.d_inputs, want.d_inputs, t, "d_inputs"));
  std::vector<double> y(v.outputs.size()), dw(v.d_weights.size()), dx(v.d_inputs.size());
  vjp<double>(p, k.x.data(), k.batch, k.w.data(), k.g.data(), y.data(), dw.data(), dx.data());
  EXPECT_TRUE(test::bit_identical(y, v.outputs, "pointer outputs"));
  EXPECT_TRUE(test::bit_identical(dw, v.d_weights, "pointer d_weights"));
  EXPECT_TRUE(test::bit_identical(dx, v.d_inputs, "pointer d_inputs"));
  // Null outputs and d_inputs are allowed and do not change d_weights.
  std::vector<double> dw2(v.d_weights.size());
  vjp<double>(p, k.x.data(), k.batch, k.w.data(), k.g.data(), nullptr, dw2.data(), nullptr);
  EXPECT_TRUE(test::bit_identical(dw2, v.d_weights, "d_weights without outputs"));
}

// Float amplitudes: the adjoint agrees with the double adjoint to float tolerance.
TEST(Gradients, FloatAdjointMatchesDouble) {
  size_t case_index = 0;
  for (int n = 1; n <= 10; ++n) {
    for (index_t batch : {1, 7, 64}) {
      if (n >= 9 && batch == 64) continue;
      const size_t id = case_index++;
      if (!test::runs_here(id)) continue;
      Rng rng(test::case_seed(306, id));
      test::CircuitSpec spec;
      spec.n_qubits = n;
      spec.depth = 36;
      spec.max_dense = std::min(n, 3);
      spec.prep = n % 2 ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::State;
      const test::GradProblem k = test::make_grad_problem(rng, test::random_circuit(rng, spec), test::random_readouts(rng, n), batch,
                                   test::str("float vs double n=", n, " batch=", batch));
      SCOPED_TRACE(k.label);
      const Program p(k.circuit, k.readouts);
      const VjpResult d = vjp(p, k.x, batch, k.w, k.g, test::options_for<double>());
      const VjpResult f = vjp(p, k.x, batch, k.w, k.g, test::options_for<float>());
      const int depth = static_cast<int>(k.circuit.ops().size());
      EXPECT_TRUE(test::all_near(f.outputs, d.outputs, test::tol_depth<float>(depth), k.label + ": outputs"));
      // d_weights sums the batch: the allowance grows with the number of summed terms.
      EXPECT_TRUE(test::all_near(f.d_weights, d.d_weights, test::tol_sum<float>(depth, batch), k.label + ": d_weights"));
      EXPECT_TRUE(test::all_near(f.d_inputs, d.d_inputs, test::tol_depth<float>(depth), k.label + ": d_inputs"));
    }
  }
}

}  // namespace
}  // namespace tangle
