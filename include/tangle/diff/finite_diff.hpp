/// @file
/// Gradients by central finite differences: (f(p + h) - f(p - h)) / 2h for every weight and input.
#pragma once

#include <vector>

#include "tangle/diff/adjoint.hpp"

namespace tangle {

/// VJP by central differences with step `step` (on each weight, and on each input column at once
/// for the whole batch, since samples are independent). ValueError unless `step` is positive and
/// finite. Its error is O(step^2) plus rounding of order eps / step.
VjpResult finite_diff_vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
                          const std::vector<double>& weights, const std::vector<double>& cotangent,
                          double step = 1e-6, const RunOptions& options = {});

/// The full Jacobian by central differences (same steps and errors as finite_diff_vjp).
Jacobian finite_diff_jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                              const std::vector<double>& weights, double step = 1e-6,
                              const RunOptions& options = {});

}  // namespace tangle
