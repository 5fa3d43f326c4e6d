/// @file
/// Optimizers of the variational-algorithm literature, behind one call:
/// @verbatim
///   derivative-free: COBYLA, Nelder-Mead, BOBYQA, Powell's principal-axis method (NLopt's
///     LN_COBYLA, LN_NELDERMEAD, LN_BOBYQA, LN_PRAXIS), and SPSA (Spall);
///   gradient-based: AQGD (Qiskit's analytic quantum gradient descent with momentum), quantum
///     natural gradient (a metric tensor, block-diagonal from metric_tensor.hpp), gradient
///     descent and Adam.
/// @endverbatim
/// Every result reports how many times the objective and its gradient were evaluated.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tangle::algo {

/// What an optimizer may call. `value` is required; `gradient` (value and gradient together,
/// the gradient written into its second argument) for the gradient methods; `metric` (a
/// symmetric P x P matrix, row-major) for the natural gradient.
struct Objective {
  std::function<double(const std::vector<double>& x)> value;  ///< f(x); required
  /// f(x), with the gradient written into `grad` (resized by the callee to x.size()).
  std::function<double(const std::vector<double>& x, std::vector<double>& grad)> gradient;
  /// The metric tensor at x, P x P row-major (QNG only).
  std::function<std::vector<double>(const std::vector<double>& x)> metric;
};

/// Which optimizer runs and its settings; each method reads only the fields that concern it.
struct OptimizerOptions {
  /// One of optimizer_names(): cobyla, nelder-mead, bobyqa, powell, spsa, aqgd, qng, gd, adam.
  std::string method = "cobyla";
  /// Iterations: objective evaluations for the NLopt methods (their unit of work), steps for the
  /// others.
  int max_iterations = 100;
  /// Stop when the objective changes by less than this (relative, NLopt; absolute over
  /// AQGD's averaging window; 0 disables).
  double tolerance = 1e-8;
  /// NLopt: initial step (the trust radius of COBYLA, the simplex size of Nelder-Mead).
  /// Gradient methods: the learning rate (AQGD's eta, QNG's step size, Adam's lr).
  double step = 0.0;  // 0: the method's default (NLopt 0.5, AQGD 1.0, QNG 0.01, GD 0.1, Adam 0.05)
  /// AQGD: momentum (Qiskit: 0.25) and the window of the averaged objective (10).
  double momentum = 0.25;
  /// AQGD: iterations in each window of the averaged objective that `tolerance` compares (>= 1).
  int averaging = 10;
  ///@{
  /// SPSA: a_k = a / (A + k + 1)^alpha, c_k = c / (k + 1)^gamma; a <= 0 calibrates a from the
  /// gradient's magnitude at the start (Qiskit's calibrate, target first step 2 pi / 10),
  /// A < 0 uses 0.1 max_iterations (PennyLane).
  double spsa_a = 0.0, spsa_c = 0.2, spsa_alpha = 0.602, spsa_gamma = 0.101, spsa_A = -1.0;
  ///@}
  /// QNG: the metric is regularized as g + lambda I.
  double qng_lambda = 0.01;
  ///@{
  /// Bounds on every parameter (NLopt's BOBYQA needs them finite; the others ignore infinite
  /// ones): [lower, upper].
  double lower = -1e300, upper = 1e300;
  ///@}
  /// Seed of the random methods: SPSA's perturbations, Powell's (PRAXIS) random steps.
  std::uint64_t seed = 0;
};

/// What minimize() found and what it cost.
struct OptimizeResult {
  std::vector<double> x;         ///< the best point seen
  double value = 0.0;            ///< the objective at x
  int iterations = 0;            ///< iterations run (see OptimizerOptions::max_iterations)
  int evaluations = 0;           ///< calls of Objective::value
  int gradient_evaluations = 0;  ///< calls of Objective::gradient
  int metric_evaluations = 0;    ///< calls of Objective::metric
  std::string message;           ///< why it stopped
};

/// Called after every iteration with (iteration, x, value); returning false stops the run.
using OptimizerCallback = std::function<bool(int iteration, const std::vector<double>& x, double value)>;

/// The names `minimize` accepts: cobyla, nelder-mead, bobyqa, powell, spsa, aqgd, qng, gd, adam.
std::vector<std::string> optimizer_names();
/// True for the methods that call Objective::gradient.
bool optimizer_needs_gradient(const std::string& method);

/// Minimizes the objective from x0; ValueError naming an unknown method (with the list), a
/// missing gradient or metric, a bad option. The best point seen is returned even when the
/// method stops on a numerical failure (NLopt's round-off limit), with the reason in `message`.
OptimizeResult minimize(const Objective& objective, std::vector<double> x0, const OptimizerOptions& options,
                        const OptimizerCallback& callback = {});

}  // namespace tangle::algo
