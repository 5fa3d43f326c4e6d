// Templates against hand-built op sequences (PennyLane / Qiskit definitions) and, where a closed
// form exists (IQP, QAOA), against the dense definition; the simulator runs both.
#include <gtest/gtest.h>

#include <string>

#include "reference/dense.hpp"
#include "reference/random.hpp"
#include "tangle/core/error.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using ref::Mat;
using ref::Vec;
using test::Rng;

// Final states of `a` and `b` (same weights and inputs) agree in the oracle, and the simulator's
// state of `a` agrees with the oracle's.
void expect_same_circuit(Rng& rng, const Circuit& a, const Circuit& b, const std::string& label) {
  ASSERT_EQ(a.n_weights(), b.n_weights()) << label;
  ASSERT_EQ(a.n_inputs(), b.n_inputs()) << label;
  const index_t batch = 3;
  const auto x = test::random_inputs(rng, a, batch);
  const auto w = test::random_weights(rng, a);
  const int depth = static_cast<int>(a.ops().size());
  const auto ra = ref::states(a, x, batch, w);
  EXPECT_TRUE(test::all_near(ra, ref::states(b, x, batch, w), test::tol_depth<double>(depth), label + ": template vs hand-built"));
  const Program p(a, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(test::all_near(states(p, x, batch, w), ra, test::tol_depth<double>(depth), label + ": simulator"));
}

void rotate(Circuit& c, Pauli p, const Expr& a, int wire) {
  if (p == Pauli::X) c.rx(a, wire);
  if (p == Pauli::Y) c.ry(a, wire);
  if (p == Pauli::Z) c.rz(a, wire);
}

TEST(Templates, AngleEmbedding) {
  Rng rng(801);
  for (Pauli axis : {Pauli::X, Pauli::Y, Pauli::Z}) {
    const std::vector<int> wires = {3, 0, 2, 1};
    for (int n_features : {2, 4}) {
      Circuit t(4), h(4);
      const ParamBlock xt = t.inputs(n_features), wt = t.weights(1);
      const ParamBlock xh = h.inputs(n_features), wh = h.weights(1);
      for (int q = 0; q < 4; ++q) {  // so that Z rotations act visibly
        t.h(q);
        h.h(q);
      }
      std::vector<Expr> ft = exprs(xt);
      ft[0] = 0.5 * xt[0] * wt[0];  // a trainably scaled feature
      angle_embedding(t, ft, wires, axis);
      rotate(h, axis, 0.5 * xh[0] * wh[0], wires[0]);
      for (int i = 1; i < n_features; ++i) rotate(h, axis, xh[i], wires[static_cast<size_t>(i)]);
      expect_same_circuit(rng, t, h, test::str("AngleEmbedding axis ", pauli_letter(axis), " features ", n_features));
    }
  }
  Circuit c(2);
  EXPECT_THROW(angle_embedding(c, exprs(c.inputs(3)), {0, 1}), Error);
}

// PennyLane's IQPEmbedding is H^n followed by the diagonal exp(-i/2 (sum x_i Z_i + sum x_i x_j Z_i Z_j)).
TEST(Templates, IqpEmbeddingMatchesItsDiagonalDefinition) {
  Rng rng(802);
  for (int n : {1, 2, 3, 4}) {
    for (int repeats : {1, 2}) {
      Circuit c(n);
      const ParamBlock x = c.inputs(n);
      std::vector<int> wires = test::random_wires(rng, n, n);
      iqp_embedding(c, exprs(x), wires, repeats);
      const auto xv = test::random_inputs(rng, c, 1);
      const index_t dim = index_t{1} << n;
      Mat hn = ref::identity(0);
      for (int q = 0; q < n; ++q) hn = ref::kron(hn, ref::op_matrix(Circuit(1).h(0).ops()[0], nullptr, nullptr));
      Mat diag = Mat::Zero(dim, dim);
      for (index_t z = 0; z < dim; ++z) {
        // s_i = +1 for |0>, -1 for |1> on wires[i].
        std::vector<double> s(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) s[static_cast<size_t>(i)] = (z >> (n - 1 - wires[static_cast<size_t>(i)])) & 1 ? -1.0 : 1.0;
        double phase = 0.0;
        for (int i = 0; i < n; ++i) {
          phase += xv[static_cast<size_t>(i)] * s[static_cast<size_t>(i)];
          for (int j = i + 1; j < n; ++j)
            phase += xv[static_cast<size_t>(i)] * xv[static_cast<size_t>(j)] * s[static_cast<size_t>(i)] * s[static_cast<size_t>(j)];
        }
        diag(z, z) = std::polar(1.0, -phase / 2);
      }
      Vec psi = Vec::Zero(dim);
      psi(0) = 1.0;
      for (int r = 0; r < repeats; ++r) psi = diag * hn * psi;
      const Program p(c, {Readout::expval(pauli_z(0))});
      EXPECT_TRUE(test::all_near(states(p, xv, 1, {}), {psi.data(), psi.data() + dim}, test::tol_depth<double>(n * n),
                                 test::str("IQP n=", n, " repeats=", repeats)));
    }
  }
}

TEST(Templates, IqpEmbeddingWithPattern) {
  Rng rng(803);
  Circuit t(4), h(4);
  const ParamBlock xt = t.inputs(4), xh = h.inputs(4);
  const std::vector<int> wires = {1, 3, 0, 2};
  iqp_embedding(t, exprs(xt), wires, 2, {{0, 2}, {3, 1}});
  for (int r = 0; r < 2; ++r) {
    for (int w : wires) h.h(w);
    for (int i = 0; i < 4; ++i) h.rz(xh[i], wires[static_cast<size_t>(i)]);
    h.multirz(xh[0] * xh[2], {wires[0], wires[2]});
    h.multirz(xh[3] * xh[1], {wires[3], wires[1]});
  }
  expect_same_circuit(rng, t, h, "IQP with pattern");
  Circuit c(2);
  EXPECT_THROW(iqp_embedding(c, exprs(c.inputs(1)), {0, 1}), Error);
  EXPECT_THROW(iqp_embedding(c, exprs(c.inputs(2)), {0, 1}, 1, {{0, 0}}), Error);
}

TEST(Templates, BasicEntanglerLayers) {
  Rng rng(804);
  for (int n : {1, 2, 3, 5}) {
    for (Pauli axis : {Pauli::X, Pauli::Y}) {
      const int layers = 3;
      std::vector<int> wires = test::random_wires(rng, n, n);
      Circuit t(n), h(n);
      const ParamBlock wt = t.weights({layers, n}), wh = h.weights({layers, n});
      basic_entangler_layers(t, wt, wires, axis);
      for (int l = 0; l < layers; ++l) {
        for (int i = 0; i < n; ++i) rotate(h, axis, wh[l * n + i], wires[static_cast<size_t>(i)]);
        if (n == 2) h.cnot(wires[0], wires[1]);
        if (n > 2)
          for (int i = 0; i < n; ++i) h.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>((i + 1) % n)]);
      }
      expect_same_circuit(rng, t, h, test::str("BasicEntanglerLayers n=", n, " axis ", pauli_letter(axis)));
    }
  }
  Circuit c(3);
  EXPECT_THROW(basic_entangler_layers(c, c.weights({2, 2}), {0, 1, 2}), Error);
}

TEST(Templates, StronglyEntanglingLayers) {
  Rng rng(805);
  for (int n : {1, 2, 3, 4}) {
    for (bool custom : {false, true}) {
      const int layers = 4;
      const std::vector<int> wires = test::random_wires(rng, n, n);
      std::vector<int> ranges;
      if (custom && n > 1)
        for (int l = 0; l < layers; ++l) ranges.push_back(1 + (l * 7) % (n - 1));
      Circuit t(n), h(n);
      const ParamBlock wt = t.weights({layers, n, 3}), wh = h.weights({layers, n, 3});
      strongly_entangling_layers(t, wt, wires, ranges);
      for (int l = 0; l < layers; ++l) {
        for (int i = 0; i < n; ++i)
          h.rot(wh.at({l, i, 0}), wh.at({l, i, 1}), wh.at({l, i, 2}), wires[static_cast<size_t>(i)]);
        if (n < 2) continue;
        const int r = ranges.empty() ? (l % (n - 1)) + 1 : ranges[static_cast<size_t>(l)];
        for (int i = 0; i < n; ++i) h.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>((i + r) % n)]);
      }
      expect_same_circuit(rng, t, h, test::str("StronglyEntanglingLayers n=", n, custom ? " custom ranges" : ""));
    }
  }
  Circuit c(3);
  EXPECT_THROW(strongly_entangling_layers(c, c.weights({2, 3, 2}), {0, 1, 2}), Error);
  EXPECT_THROW(strongly_entangling_layers(c, c.weights({2, 3, 3}), {0, 1, 2}, {1}), Error);
  EXPECT_THROW(strongly_entangling_layers(c, c.weights({1, 3, 3}), {0, 1, 2}, {3}), Error);
}

// Qiskit's reverse-linear entanglement: CNOT(n-2, n-1), CNOT(n-3, n-2), ..., CNOT(0, 1).
void reverse_linear(Circuit& h, const std::vector<int>& wires) {
  for (int i = static_cast<int>(wires.size()) - 2; i >= 0; --i)
    h.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>(i) + 1]);
}

TEST(Templates, EfficientSu2AndRealAmplitudes) {
  Rng rng(806);
  for (int n : {1, 2, 4}) {
    for (int reps : {0, 1, 3}) {
      const std::vector<int> wires = test::random_wires(rng, n, n);
      {
        Circuit t(n), h(n);
        const ParamBlock wt = t.weights(2 * n * (reps + 1)), wh = h.weights(2 * n * (reps + 1));
        efficient_su2(t, wt, wires, reps);
        index_t k = 0;
        for (int r = 0; r <= reps; ++r) {
          for (int i = 0; i < n; ++i) h.ry(wh[k++], wires[static_cast<size_t>(i)]);
          for (int i = 0; i < n; ++i) h.rz(wh[k++], wires[static_cast<size_t>(i)]);
          if (r < reps) reverse_linear(h, wires);
        }
        expect_same_circuit(rng, t, h, test::str("EfficientSU2 n=", n, " reps=", reps));
      }
      {
        Circuit t(n), h(n);
        const ParamBlock wt = t.weights(n * (reps + 1)), wh = h.weights(n * (reps + 1));
        real_amplitudes(t, wt, wires, reps);
        index_t k = 0;
        for (int r = 0; r <= reps; ++r) {
          for (int i = 0; i < n; ++i) h.ry(wh[k++], wires[static_cast<size_t>(i)]);
          if (r < reps) reverse_linear(h, wires);
        }
        expect_same_circuit(rng, t, h, test::str("RealAmplitudes n=", n, " reps=", reps));
        // Real amplitudes: every amplitude of the simulated state is real.
        const auto s = states(Program(t, {Readout::expval(pauli_z(0))}), {}, 1, test::random_weights(rng, t));
        double worst = 0.0;
        for (const auto& a : s) worst = std::max(worst, std::abs(a.imag()));
        EXPECT_LE(worst, test::tol<double>().abs) << "RealAmplitudes n=" << n;
      }
    }
  }
  Circuit c(2);
  EXPECT_THROW(efficient_su2(c, c.weights(3), {0, 1}, 0), Error);
  EXPECT_THROW(real_amplitudes(c, c.weights(3), {0, 1}, 0), Error);
}

// QAOA against its definition: prod_l exp(-i beta_l sum X) exp(-i gamma_l sum_edges Z Z) H^n |0>.
TEST(Templates, QaoaLayersMatchTheirDefinition) {
  Rng rng(807);
  for (int n : {2, 3, 4}) {
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < n; ++i) edges.push_back({i, (i + 1) % n});
    if (n == 2) edges.pop_back();
    const int layers = 2;
    Circuit c(n);
    std::vector<int> wires;
    for (int q = 0; q < n; ++q) wires.push_back(q);
    qaoa_layers(c, c.weights({layers, 2}), edges, wires);
    const auto w = test::random_weights(rng, c);
    PauliSum cost, mixer;
    for (auto [i, j] : edges) cost = cost + pauli_z(i) * pauli_z(j);
    for (int q = 0; q < n; ++q) mixer = mixer + pauli_x(q);
    const index_t dim = index_t{1} << n;
    Vec psi = Vec::Constant(dim, 1.0 / std::sqrt(static_cast<double>(dim)));
    for (int l = 0; l < layers; ++l) {
      psi = ref::expm(cdouble(0, -w[static_cast<size_t>(2 * l)]) * ref::pauli_sum_matrix(cost, n)) * psi;
      psi = ref::expm(cdouble(0, -w[static_cast<size_t>(2 * l + 1)]) * ref::pauli_sum_matrix(mixer, n)) * psi;
    }
    const Program p(c, {Readout::expval(cost)});
    EXPECT_TRUE(test::all_near(states(p, {}, 1, w), {psi.data(), psi.data() + dim}, test::tol_depth<double>(4 * n),
                               test::str("QAOA n=", n)));
    EXPECT_TRUE(test::near(forward(p, {}, 1, w)[0], ref::expval(cost, psi, n), test::tol_depth<double>(4 * n),
                           test::str("QAOA cost n=", n)));
  }
  Circuit c(2);
  EXPECT_THROW(qaoa_layers(c, c.weights({2, 3}), {{0, 1}}, {0, 1}), Error);
}

TEST(Templates, QaoaWithoutInitialHadamards) {
  Rng rng(808);
  Circuit t(3), h(3);
  const ParamBlock wt = t.weights({1, 2}), wh = h.weights({1, 2});
  qaoa_layers(t, wt, {{0, 2}}, {0, 1, 2}, false);
  h.rzz(2.0 * wh[0], 0, 2);
  for (int q = 0; q < 3; ++q) h.rx(2.0 * wh[1], q);
  expect_same_circuit(rng, t, h, "QAOA without H");
}

// The PennyLane QCNN demo's convolution: the 15 shared weights on even pairs, then odd pairs.
TEST(Templates, QcnnConvolution) {
  Rng rng(809);
  for (int n : {2, 3, 4, 5}) {
    for (bool first_u3 : {true, false}) {
      const std::vector<int> wires = test::random_wires(rng, n, n);
      Circuit t(n), h(n);
      const auto psi0 = test::random_state(rng, n);
      t.state_preparation(psi0, wires);
      h.state_preparation(psi0, wires);
      const ParamBlock wt = t.weights(15), w = h.weights(15);
      qcnn_convolution(t, wt, wires, first_u3);
      for (int parity : {0, 1}) {
        for (int i = parity; i + 1 < n; i += 2) {
          const int a = wires[static_cast<size_t>(i)], b = wires[static_cast<size_t>(i) + 1];
          if (parity == 0 && first_u3) h.u3(w[0], w[1], w[2], a).u3(w[3], w[4], w[5], b);
          h.rxx(w[6], a, b).ryy(w[7], a, b).rzz(w[8], a, b).u3(w[9], w[10], w[11], a).u3(w[12], w[13], w[14], b);
        }
      }
      expect_same_circuit(rng, t, h, test::str("QCNN convolution n=", n, first_u3 ? " with first U3" : ""));
    }
  }
  Circuit c(2);
  EXPECT_THROW(qcnn_convolution(c, c.weights(14), {0, 1}, true), Error);
  EXPECT_THROW(qcnn_convolution(c, c.weights(15), {0}, true), Error);
}

// Pooling: each odd-position wire controls U3(w0, w1, w2) on its left neighbour; the even positions
// are kept. Checked against the controlled U3 matrix applied by the oracle.
TEST(Templates, QcnnPoolingIsControlledU3) {
  Rng rng(810);
  for (int n : {2, 3, 4, 5}) {
    const std::vector<int> wires = test::random_wires(rng, n, n);
    Circuit c(n);
    const auto psi0 = test::random_state(rng, n);
    std::vector<int> natural;
    for (int q = 0; q < n; ++q) natural.push_back(q);
    c.state_preparation(psi0, natural);
    const ParamBlock w = c.weights(3);
    const std::vector<int> kept = qcnn_pooling(c, w, wires);
    std::vector<int> want_kept;
    for (size_t i = 0; i < wires.size(); i += 2) want_kept.push_back(wires[i]);
    EXPECT_EQ(kept, want_kept);
    const auto wv = test::random_weights(rng, c);
    Circuit u3(1);
    u3.u3(wv[0], wv[1], wv[2], 0);
    const Mat cu3 = ref::controlled(ref::op_matrix(u3.ops()[0], nullptr, nullptr), 1);
    Vec psi = Eigen::Map<const Vec>(psi0.data(), static_cast<Eigen::Index>(psi0.size()));
    for (size_t i = 1; i < wires.size(); i += 2) psi = ref::apply(cu3, {wires[i], wires[i - 1]}, psi, n);
    const Program p(c, {Readout::expval(pauli_z(0))});
    EXPECT_TRUE(test::all_near(states(p, {}, 2, wv), [&] {
      std::vector<cdouble> two(psi.data(), psi.data() + psi.size());
      two.insert(two.end(), psi.data(), psi.data() + psi.size());
      return two;
    }(), test::tol_depth<double>(n), test::str("QCNN pooling n=", n)));
  }
  Circuit c(2);
  EXPECT_THROW(qcnn_pooling(c, c.weights(2), {0, 1}), Error);
}

TEST(Templates, RotationAxisIIsRefused) {
  Circuit c(2);
  EXPECT_THROW(angle_embedding(c, exprs(c.inputs(1)), {0}, Pauli::I), Error);
  EXPECT_THROW(basic_entangler_layers(c, c.weights({1, 2}), {0, 1}, Pauli::I), Error);
}

}  // namespace
}  // namespace tangle
