// States and readouts with known closed forms: Bell and GHZ states, single-qubit rotations.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

template <typename Real>
class AnalyticTest : public ::testing::Test {};
TYPED_TEST_SUITE(AnalyticTest, test::Reals);

// <GHZ| P |GHZ> for P with m Y factors and n - m X factors is Re(i^m).
double ghz_xy_expectation(int m) { return std::cos(m * M_PI / 2); }

TYPED_TEST(AnalyticTest, BellStates) {
  const double r = 1.0 / std::sqrt(2.0);
  // (x0, x1) flips before H(0) CNOT(0,1) give |Phi+>, |Psi+>, |Phi->, |Psi->.
  struct Case {
    bool flip0, flip1;
    std::vector<std::complex<double>> amps;
    double zz, xx, yy;
  };
  const std::vector<Case> cases = {
      {false, false, {r, 0, 0, r}, 1, 1, -1},
      {false, true, {0, r, r, 0}, -1, 1, 1},
      {true, false, {r, 0, 0, -r}, 1, -1, 1},
      {true, true, {0, r, -r, 0}, -1, -1, -1},
  };
  for (const Case& k : cases) {
    Circuit c(2);
    if (k.flip0) c.x(0);
    if (k.flip1) c.x(1);
    c.h(0).cnot(0, 1);
    const Program p(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_x(0) * pauli_x(1)),
                        Readout::expval(pauli_y(0) * pauli_y(1)), Readout::expval(pauli_z(0)),
                        Readout::probs({1, 0})});
    for (index_t batch : {1, 3, 16}) {
      const std::string label = "flips " + std::to_string(k.flip0) + std::to_string(k.flip1) + " batch " +
                                std::to_string(batch);
      const auto y = forward(p, {}, batch, {}, test::options_for<TypeParam>());
      const auto s = states(p, {}, batch, {}, test::options_for<TypeParam>());
      std::vector<double> want_y;
      std::vector<std::complex<double>> want_s;
      for (index_t b = 0; b < batch; ++b) {
        // probs({1, 0}): wire 1 is the most significant bit, so |01> and |10> trade places.
        const std::vector<double> pr = {std::norm(k.amps[0]), std::norm(k.amps[2]), std::norm(k.amps[1]),
                                        std::norm(k.amps[3])};
        want_y.insert(want_y.end(), {k.zz, k.xx, k.yy, 0.0});
        want_y.insert(want_y.end(), pr.begin(), pr.end());
        want_s.insert(want_s.end(), k.amps.begin(), k.amps.end());
      }
      EXPECT_TRUE(test::all_near(y, want_y, test::tol<TypeParam>(), label + " outputs"));
      EXPECT_TRUE(test::all_near(s, want_s, test::tol<TypeParam>(), label + " states"));
    }
  }
}

TYPED_TEST(AnalyticTest, GhzStates) {
  for (int n = 2; n <= 10; ++n) {
    Circuit c(n);
    c.h(0);
    for (int q = 0; q + 1 < n; ++q) c.cnot(q, q + 1);
    PauliSum all_x = pauli_x(0), two_y = pauli_y(0) * pauli_y(1), one_y = pauli_y(0);
    for (int q = 1; q < n; ++q) {
      all_x = all_x * pauli_x(q);
      one_y = one_y * pauli_x(q);
      if (q >= 2) two_y = two_y * pauli_x(q);
    }
    std::vector<int> reversed;
    for (int q = n - 1; q >= 0; --q) reversed.push_back(q);
    const Program p(c, {Readout::expval(all_x), Readout::expval(two_y), Readout::expval(one_y),
                        Readout::expval(pauli_z(0) * pauli_z(n - 1)), Readout::expval(pauli_z(n / 2)),
                        Readout::projector(reversed, (index_t{1} << n) - 1), Readout::probs({n - 1, 0})});
    for (index_t batch : {1, 2, 7, 64}) {
      const auto y = forward(p, {}, batch, {}, test::options_for<TypeParam>());
      std::vector<double> want;
      for (index_t b = 0; b < batch; ++b)
        want.insert(want.end(), {ghz_xy_expectation(0), ghz_xy_expectation(2), ghz_xy_expectation(1), 1.0, 0.0, 0.5,
                                 0.5, 0.0, 0.0, 0.5});
      EXPECT_TRUE(test::all_near(y, want, test::tol_depth<TypeParam>(n),
                                 "GHZ n=" + std::to_string(n) + " batch=" + std::to_string(batch)));
    }
  }
}

// Registers too large for the oracle: only the simulator, against the closed form.
TYPED_TEST(AnalyticTest, LargeGhzStates) {
  for (int n : {14, 17}) {
    Circuit c(n);
    c.h(n - 1);
    for (int q = n - 1; q > 0; --q) c.cnot(q, q - 1);
    PauliSum all_x = pauli_x(0);
    for (int q = 1; q < n; ++q) all_x = all_x * pauli_x(q);
    std::vector<int> all;
    for (int q = 0; q < n; ++q) all.push_back(q);
    const Program p(c, {Readout::expval(all_x), Readout::projector(all, 0), Readout::projector(all, (index_t{1} << n) - 1),
                        Readout::expval(pauli_z(3) * pauli_z(n - 2)), Readout::probs({n - 1, 0})});
    for (index_t batch : {1, 3}) {
      std::vector<double> want;
      for (index_t b = 0; b < batch; ++b) want.insert(want.end(), {1.0, 0.5, 0.5, 1.0, 0.5, 0.0, 0.0, 0.5});
      EXPECT_TRUE(test::all_near(forward(p, {}, batch, {}, test::options_for<TypeParam>()), want,
                                 test::tol_depth<TypeParam>(n), test::str("GHZ n=", n, " batch=", batch)));
    }
  }
}

TYPED_TEST(AnalyticTest, SingleQubitRotations) {
  // Per-sample angles: RX(x) gives <Z> = cos x, <Y> = -sin x; RY(x) gives <X> = sin x, <Z> = cos x.
  for (int n : {1, 4, 9}) {
    Circuit c(n);
    const ParamBlock x = c.inputs(2);
    c.rx(x[0], 0).ry(x[1], n - 1);
    const Program p(c, {Readout::expval(pauli_z(0)), Readout::expval(pauli_y(0)),
                        Readout::expval(pauli_x(n - 1)), Readout::expval(pauli_z(n - 1))});
    const index_t batch = 7;
    std::vector<double> xs, want;
    for (index_t b = 0; b < batch; ++b) {
      const double a = -3.0 + 0.9 * static_cast<double>(b), t = 2.5 - 0.7 * static_cast<double>(b);
      xs.insert(xs.end(), {a, t});
      if (n == 1) {
        // Both rotations act on the one wire: RY(t) RX(a)|0>.
        const double bx = 0.0, by = -std::sin(a), bz = std::cos(a);
        // RY(t) rotates (x, z) by t about Y: x' = x cos t + z sin t, z' = z cos t - x sin t.
        want.insert(want.end(), {bz * std::cos(t) - bx * std::sin(t), by, bx * std::cos(t) + bz * std::sin(t),
                                 bz * std::cos(t) - bx * std::sin(t)});
      } else {
        want.insert(want.end(), {std::cos(a), -std::sin(a), std::sin(t), std::cos(t)});
      }
    }
    EXPECT_TRUE(test::all_near(forward(p, xs, batch, {}, test::options_for<TypeParam>()), want,
                               test::tol<TypeParam>(), "n=" + std::to_string(n)));
  }
}

TYPED_TEST(AnalyticTest, GlobalPhasesAppearInStates) {
  // PauliRot with an all-identity word is the global phase e^{-i theta/2}; U3(0, phi, lambda) =
  // diag(1, e^{i(phi+lambda)}); RX(2 pi) = -I.
  Circuit c(2);
  c.h(1).pauli_rot(0.8, "II", {0, 1}).u3(0.0, 0.3, 0.4, 1).rx(2 * M_PI, 0);
  const Program p(c, {Readout::expval(pauli_z(0))});
  const auto s = states(p, {}, 1, {}, test::options_for<TypeParam>());
  const double r = 1.0 / std::sqrt(2.0);
  const std::complex<double> g = -std::polar(1.0, -0.4);
  EXPECT_TRUE(test::all_near(s, {g * r, g * r * std::polar(1.0, 0.7), 0.0, 0.0}, test::tol<TypeParam>()));
}

}  // namespace
}  // namespace tangle
