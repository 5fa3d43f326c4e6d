// Results must not depend on how the work is split: the thread count (bit-identical), the batch
// a sample is run in (to tolerance; bit-identical when the lane layout is the same), or repetition.
#include <gtest/gtest.h>

#include <string>

#include "reference/random.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

template <typename Real>
class DeterminismTest : public ::testing::Test {};
TYPED_TEST_SUITE(DeterminismTest, test::Reals);

struct Problem {
  Circuit circuit;
  std::vector<Readout> readouts;
  index_t batch;
  std::vector<double> x, w, g;
};

Problem make_problem(Rng& rng, int n, index_t batch, int depth = 36) {
  test::CircuitSpec spec;
  spec.n_qubits = n;
  spec.depth = depth;
  spec.max_dense = std::min(n, 3);
  spec.prep = n % 2 ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::None;
  Problem p{test::random_circuit(rng, spec), test::random_readouts(rng, n), batch, {}, {}, {}};
  p.x = test::random_inputs(rng, p.circuit, batch);
  p.w = test::random_weights(rng, p.circuit);
  index_t outs = 0;
  for (const Readout& r : p.readouts) outs += r.n_outputs();
  p.g = test::random_vector(rng, static_cast<size_t>(batch * outs), -1.0, 1.0);
  return p;
}

// Rows [b0, b0 + count) of a row-major [rows, width] array.
std::vector<double> rows(const std::vector<double>& v, index_t width, index_t b0, index_t count) {
  return {v.begin() + b0 * width, v.begin() + (b0 + count) * width};
}

// Several tiles (64, 200 samples: tile-parallel) and single tiles (1, 3 samples: parallel sweeps
// inside the tile), 1 thread against 2: forward, vjp and jacobian to the bit.
TYPED_TEST(DeterminismTest, ThreadCountDoesNotChangeAnyBit) {
  Rng rng(501);
  struct Size {
    int n;
    index_t batch;
  };
  for (const Size& s : std::vector<Size>{{10, 1}, {9, 3}, {6, 64}, {4, 200}, {8, 64}}) {
    const std::string label = test::str("n=", s.n, " batch=", s.batch);
    SCOPED_TRACE(label);
    const Problem pr = make_problem(rng, s.n, s.batch);
    const Program p(pr.circuit, pr.readouts);
    const RunOptions one = test::options_for<TypeParam>(1), two = test::options_for<TypeParam>(2);
    EXPECT_TRUE(test::bit_identical(forward(p, pr.x, s.batch, pr.w, one), forward(p, pr.x, s.batch, pr.w, two),
                                    label + " forward"));
    EXPECT_TRUE(test::bit_identical(test::flatten(states(p, pr.x, s.batch, pr.w, one)),
                                    test::flatten(states(p, pr.x, s.batch, pr.w, two)), label + " states"));
    const VjpResult a = vjp(p, pr.x, s.batch, pr.w, pr.g, one), b = vjp(p, pr.x, s.batch, pr.w, pr.g, two);
    EXPECT_TRUE(test::bit_identical(a.outputs, b.outputs, label + " vjp outputs"));
    EXPECT_TRUE(test::bit_identical(a.d_weights, b.d_weights, label + " vjp d_weights"));
    EXPECT_TRUE(test::bit_identical(a.d_inputs, b.d_inputs, label + " vjp d_inputs"));
    if (s.n <= 6 || s.batch <= 3) {
      const Jacobian ja = jacobian(p, pr.x, s.batch, pr.w, one), jb = jacobian(p, pr.x, s.batch, pr.w, two);
      EXPECT_TRUE(test::bit_identical(ja.d_weights, jb.d_weights, label + " jacobian d_weights"));
      EXPECT_TRUE(test::bit_identical(ja.d_inputs, jb.d_inputs, label + " jacobian d_inputs"));
    }
    if (s.n == 4 || s.n == 10) {  // 200 samples (tiles) and 1 sample (sweeps)
      // An odd count, more threads than cores on small machines.
      const RunOptions three = test::options_for<TypeParam>(3);
      const VjpResult c3 = vjp(p, pr.x, s.batch, pr.w, pr.g, three);
      EXPECT_TRUE(test::bit_identical(a.d_weights, c3.d_weights, label + " vjp d_weights, 3 threads"));
      EXPECT_TRUE(test::bit_identical(a.d_inputs, c3.d_inputs, label + " vjp d_inputs, 3 threads"));
    }
  }
}

// Dense re-uploading on the whole register with one or two tiles (creep's layer): the per-sample
// eigen-decompositions and gradients and the per-block exponentials are spread over the threads.
TYPED_TEST(DeterminismTest, DenseBlocksOverThreadsAreBitIdentical) {
  Rng rng(504);
  // 6 qubits: the smallest blocks that dense_threads spreads over threads.
  const std::vector<int> wires = {0, 1, 2, 3, 4, 5};
  Circuit c(6);
  const ParamBlock m = c.inputs(4096);
  for (int q = 0; q < 6; ++q) c.h(q);
  for (int r = 0; r < 2; ++r) {
    c.evolution(m, Expr(-0.2), wires);
    c.special_unitary(wires);
  }
  const std::vector<Readout> readouts = {Readout::probs({0, 1, 2})};
  const Program p(c, readouts);
  for (index_t batch : {5, 20}) {
    const std::string label = test::str("batch=", batch);
    const std::vector<double> x = test::random_inputs(rng, c, batch), w = c.initial_weights(4);
    const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * 8), -1.0, 1.0);
    const VjpResult a = vjp(p, x, batch, w, g, test::options_for<TypeParam>(1));
    for (int threads : {2, 3}) {
      const VjpResult b = vjp(p, x, batch, w, g, test::options_for<TypeParam>(threads));
      EXPECT_TRUE(test::bit_identical(a.outputs, b.outputs, label + " outputs"));
      EXPECT_TRUE(test::bit_identical(a.d_weights, b.d_weights, label + " d_weights"));
      EXPECT_TRUE(test::bit_identical(a.d_inputs, b.d_inputs, label + " d_inputs"));
    }
  }
}

TYPED_TEST(DeterminismTest, RepeatedCallsAreBitIdentical) {
  Rng rng(502);
  const Problem pr = make_problem(rng, 7, 19);
  const Program p(pr.circuit, pr.readouts);
  const Program copy = p;  // a copied program runs the same
  const RunOptions o = test::options_for<TypeParam>();
  const VjpResult a = vjp(p, pr.x, pr.batch, pr.w, pr.g, o), b = vjp(copy, pr.x, pr.batch, pr.w, pr.g, o);
  EXPECT_TRUE(test::bit_identical(a.outputs, b.outputs, "outputs"));
  EXPECT_TRUE(test::bit_identical(a.d_weights, b.d_weights, "d_weights"));
  EXPECT_TRUE(test::bit_identical(a.d_inputs, b.d_inputs, "d_inputs"));
  EXPECT_TRUE(test::bit_identical(forward(p, pr.x, pr.batch, pr.w, o), a.outputs, "forward vs vjp outputs"));
}

// Each sample run alone (batch 1, where the lanes hold qubits instead of samples) agrees with the
// batched run to tolerance; the batch's d_weights is the sum of the per-sample ones.
TYPED_TEST(DeterminismTest, BatchedEqualsPerSample) {
  Rng rng(503);
  struct Size {
    int n;
    index_t batch;
  };
  for (const Size& s : std::vector<Size>{{1, 7}, {2, 16}, {3, 64}, {4, 2}, {5, 16}, {8, 7}}) {
    const int n = s.n;
    const index_t batch = s.batch;
    const std::string label = test::str("n=", n, " batch=", batch);
    SCOPED_TRACE(label);
    const Problem pr = make_problem(rng, n, batch);
    const Program p(pr.circuit, pr.readouts);
    const RunOptions o = test::options_for<TypeParam>();
    const index_t n_out = p.n_outputs(), n_in = p.n_inputs();
    const VjpResult all = vjp(p, pr.x, batch, pr.w, pr.g, o);
    const auto st = states(p, pr.x, batch, pr.w, o);
    const index_t dim = index_t{1} << n;
    std::vector<double> dw_sum(static_cast<size_t>(p.n_weights()), 0.0);
    const int depth = static_cast<int>(pr.circuit.ops().size());
    for (index_t b = 0; b < batch; ++b) {
      const auto x1 = rows(pr.x, n_in, b, 1);
      const VjpResult one = vjp(p, x1, 1, pr.w, rows(pr.g, n_out, b, 1), o);
      for (size_t k = 0; k < dw_sum.size(); ++k) dw_sum[k] += one.d_weights[k];
      const auto s1 = states(p, x1, 1, pr.w, o);
      const std::string at = test::str(label, " sample ", b);
      EXPECT_TRUE(test::all_near(one.outputs, rows(all.outputs, n_out, b, 1), test::tol_depth<TypeParam>(depth),
                                 at + " outputs"));
      EXPECT_TRUE(test::all_near(one.d_inputs, rows(all.d_inputs, n_in, b, 1), test::tol_depth<TypeParam>(depth),
                                 at + " d_inputs"));
      EXPECT_TRUE(test::all_near(s1, {st.begin() + b * dim, st.begin() + (b + 1) * dim},
                                 test::tol_depth<TypeParam>(depth), at + " states"));
    }
    EXPECT_TRUE(test::all_near(all.d_weights, dw_sum, test::tol_sum<TypeParam>(depth, batch), label + " d_weights"));
  }
}

// With at least one full tile of samples the lanes hold only samples, so a sample's arithmetic is
// the same in any batch: running it inside another full batch must give the same bits.
TYPED_TEST(DeterminismTest, SameLaneLayoutGivesBitIdenticalSamples) {
  Rng rng(504);
  constexpr index_t kFull = 16;  // >= the lane count of both precisions
  for (int n : {2, 5, 9}) {
    const index_t batch = 64;
    const std::string label = test::str("n=", n);
    SCOPED_TRACE(label);
    const Problem pr = make_problem(rng, n, batch);
    const Program p(pr.circuit, pr.readouts);
    const RunOptions o = test::options_for<TypeParam>(1);
    const index_t n_out = p.n_outputs(), n_in = p.n_inputs();
    const VjpResult all = vjp(p, pr.x, batch, pr.w, pr.g, o);
    // Samples 5, 37, 63 replicated kFull times, so their lane position changes too.
    for (index_t b : {5, 37, 63}) {
      std::vector<double> xr, gr;
      for (index_t r = 0; r < kFull; ++r) {
        const auto xb = rows(pr.x, n_in, b, 1), gb = rows(pr.g, n_out, b, 1);
        xr.insert(xr.end(), xb.begin(), xb.end());
        gr.insert(gr.end(), gb.begin(), gb.end());
      }
      const VjpResult rep = vjp(p, xr, kFull, pr.w, gr, o);
      for (index_t r : {index_t{0}, kFull - 1}) {
        const std::string at = test::str(label, " sample ", b, " as row ", r, " of ", kFull);
        EXPECT_TRUE(test::bit_identical(rows(rep.outputs, n_out, r, 1), rows(all.outputs, n_out, b, 1), at + " outputs"));
        EXPECT_TRUE(test::bit_identical(rows(rep.d_inputs, n_in, r, 1), rows(all.d_inputs, n_in, b, 1), at + " d_inputs"));
      }
    }
  }
}

// The float I/O overloads widen to double once: the same numbers as the double API on the same values.
TYPED_TEST(DeterminismTest, FloatIoMatchesDoubleIo) {
  Rng rng(505);
  const Problem pr = make_problem(rng, 5, 9);
  const Program p(pr.circuit, pr.readouts);
  const RunOptions o = test::options_for<TypeParam>();
  const std::vector<float> xf(pr.x.begin(), pr.x.end()), wf(pr.w.begin(), pr.w.end()), gf(pr.g.begin(), pr.g.end());
  const std::vector<double> xd(xf.begin(), xf.end()), wd(wf.begin(), wf.end()), gd(gf.begin(), gf.end());
  std::vector<float> yf(static_cast<size_t>(9 * p.n_outputs()));
  forward<float>(p, xf.data(), 9, wf.data(), yf.data(), o);
  const auto yd = forward(p, xd, 9, wd, o);
  std::vector<double> y_widened(yf.begin(), yf.end()), y_rounded;
  for (double v : yd) y_rounded.push_back(static_cast<float>(v));
  EXPECT_TRUE(test::bit_identical(y_widened, y_rounded, "forward<float>"));
  std::vector<float> of(yf.size()), dwf(pr.w.size()), dxf(pr.x.size());
  vjp<float>(p, xf.data(), 9, wf.data(), gf.data(), of.data(), dwf.data(), dxf.data(), o);
  const VjpResult vd = vjp(p, xd, 9, wd, gd, o);
  auto rounded = [](const std::vector<double>& v) {
    std::vector<double> r;
    for (double e : v) r.push_back(static_cast<float>(e));
    return r;
  };
  EXPECT_TRUE(test::bit_identical(std::vector<double>(dwf.begin(), dwf.end()), rounded(vd.d_weights), "vjp<float> d_weights"));
  EXPECT_TRUE(test::bit_identical(std::vector<double>(dxf.begin(), dxf.end()), rounded(vd.d_inputs), "vjp<float> d_inputs"));
}

}  // namespace
}  // namespace tangle
