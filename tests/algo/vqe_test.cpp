// VQE end to end: exact, with shots and parameter shifts, and noisy with zero-noise extrapolation.
#include <gtest/gtest.h>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/vqe.hpp"

namespace tangle::algo {
namespace {

using test::error_of;
using test::has;

TEST(Vqe, FindsTheH2GroundEnergy) {
  const PauliSum h = h2_sto3g();
  const Circuit ansatz = vqe_ansatz("efficient-su2", 4, 3);
  VqeOptions o;
  o.optimizer.method = "adam";
  o.optimizer.max_iterations = 300;
  const VqeResult r = vqe(ansatz, h, ansatz.initial_weights(3), o);
  // Chemical accuracy (1.6 mHa). Fewer layers, or other starts, can stop at Hartree-Fock (-1.1168).
  EXPECT_NEAR(r.energy, ground_energy(h, 4), 1.6e-3) << r.optimizer.message;
  EXPECT_EQ(r.optimizer.gradient_evaluations, 300);
}

TEST(Vqe, ParameterShiftWithShotsConverges) {
  const PauliSum h = transverse_field_ising(2, 1.0, 0.8);
  const Circuit ansatz = vqe_ansatz("ry-rz", 2, 1);
  VqeOptions o;
  o.optimizer.method = "aqgd";
  o.optimizer.step = 0.2;
  o.optimizer.max_iterations = 120;
  o.gradient = GradientMethod::ParameterShift;
  o.shots = 4000;
  const VqeResult r = vqe(ansatz, h, ansatz.initial_weights(2), o);
  EXPECT_NEAR(r.energy, ground_energy(h, 2), 0.05);
  // 8 rotations: 1 + 16 circuits per gradient, and the final energy.
  EXPECT_EQ(r.circuit_executions, 120LL * 17 + 1);
  o.gradient = GradientMethod::Adjoint;
  EXPECT_TRUE(has(error_of<ValueError>([&] { vqe(ansatz, h, ansatz.initial_weights(2), o); }), "parameter-shift"));
}

TEST(Vqe, ZeroNoiseExtrapolationImprovesTheNoisyEnergy) {
  const int n = 3;
  const PauliSum h = z_string(n);
  const Circuit ansatz = vqe_ansatz("ry-rz", n, 1);
  VqeOptions o;
  o.optimizer.method = "cobyla";
  o.optimizer.max_iterations = 300;
  o.noise.add(NoiseChannel::depolarizing(0.02), GateMatch::every());
  o.zne = ZneOptions{};
  o.zne->scaling = NoiseScaling::NoiseStrength;
  o.zne->extrapolation = Extrapolation::richardson();
  const VqeResult r = vqe(ansatz, h, ansatz.initial_weights(4), o);
  ASSERT_TRUE(r.mitigated_energy.has_value());
  EXPECT_GT(r.energy, -0.95);  // the noise keeps it from -1
  EXPECT_LT(std::abs(*r.mitigated_energy + 1.0), 0.25 * std::abs(r.energy + 1.0))
      << "noisy " << r.energy << " mitigated " << *r.mitigated_energy;
}

TEST(Vqe, Errors) {
  EXPECT_TRUE(has(error_of<ValueError>([] { vqe_ansatz("uccsd", 2, 1); }), "ry-rz, efficient-su2"));
  const Circuit a = vqe_ansatz("ry-rz", 2, 1);
  EXPECT_TRUE(has(error_of<ValueError>([&] { vqe(a, pauli_z(3), a.initial_weights(0), {}); }), "wire 3"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { vqe(a, pauli_z(1), {0.1}, {}); }), "1 initial weights"));
  EXPECT_TRUE(has(error_of<ValueError>([] { gradient_method_from_name("spsa"); }), "adjoint, parameter-shift"));
}

}  // namespace
}  // namespace tangle::algo
