/// @file
/// Gradients by parameter-shift rules: only circuit evaluations, as on hardware.
///
/// A parametrized op U(p) has dU/dp = -i G_p U for a Hermitian effective generator G_p.
/// Writing G_p = sum_j c_j P_j over Pauli words, `d<O>/dp = sum_j c_j [<O>(+) - <O>(-)]`, where
/// `<O>(+-)` is the circuit with exp(-+ i pi/4 P_j) inserted right after the op (the two-term rule).
/// For Pauli rotations this is the familiar shift of the angle by +-pi/2; controlled rotations,
/// phase gates, SpecialUnitary (PennyLane's approach) and Evolution (per sample) use the same rule
/// on their generators' Pauli words.
#pragma once

#include <cstdint>
#include <vector>

#include "tangle/diff/adjoint.hpp"

namespace tangle {

/// VJP by parameter shifts; with shots > 0 every circuit is estimated from `shots` measurements.
VjpResult param_shift_vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
                          const std::vector<double>& weights, const std::vector<double>& cotangent,
                          index_t shots = 0, std::uint64_t seed = 0, const RunOptions& options = {});

/// Full Jacobian by parameter shifts.
Jacobian param_shift_jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                              const std::vector<double>& weights, index_t shots = 0, std::uint64_t seed = 0,
                              const RunOptions& options = {});

}  // namespace tangle
