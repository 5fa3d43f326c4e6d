// complex64 against complex128 on the same random circuits: within float tolerance (1e-5), and
// not identical (the float path really runs in float).
#include <gtest/gtest.h>

#include "effort.hpp"
#include "reference/random.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

TEST(Precision, FloatWithinToleranceOfDouble) {
  bool any_difference = false;
  size_t case_index = 0;
  for (int n = 1; n <= 10; ++n) {
    for (index_t batch : {1, 3, 16, 64}) {
      if (n >= 9 && batch == 64) continue;
      const size_t id = case_index++;
      if (!test::runs_here(id)) continue;
      Rng rng(test::case_seed(601, id));
      test::CircuitSpec spec;
      spec.n_qubits = n;
      spec.depth = 40;
      spec.max_dense = std::min(n, 3);
      spec.prep = batch % 2 ? test::CircuitSpec::Prep::State : test::CircuitSpec::Prep::Amplitude;
      const Circuit c = test::random_circuit(rng, spec);
      const auto readouts = test::random_readouts(rng, n);
      const auto x = test::random_inputs(rng, c, batch);
      const auto w = test::random_weights(rng, c);
      const Program p(c, readouts);
      const std::string label = test::str("n=", n, " batch=", batch);
      const int depth = static_cast<int>(c.ops().size());
      const auto yf = forward(p, x, batch, w, test::options_for<float>());
      const auto yd = forward(p, x, batch, w, test::options_for<double>());
      EXPECT_TRUE(test::all_near(yf, yd, test::tol_depth<float>(depth), label + " outputs"));
      const auto sf = states(p, x, batch, w, test::options_for<float>());
      const auto sd = states(p, x, batch, w, test::options_for<double>());
      EXPECT_TRUE(test::all_near(sf, sd, test::tol_depth<float>(depth), label + " states"));
      any_difference |= sf != sd;
    }
  }
  EXPECT_TRUE(any_difference) << "float and double states never differ: F32 is not simulated in float";
}

}  // namespace
}  // namespace tangle
