// The optimizers. NLopt runs the derivative-free methods; SPSA, AQGD, QNG, gradient descent and
// Adam are a few lines each on top of the objective's value, gradient and metric.
#include "tangle/algo/optimizers.hpp"

#include <Eigen/Dense>
#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>

#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"

namespace tangle::algo {
namespace {

constexpr double kPi = 3.14159265358979323846;

nlopt::algorithm nlopt_algorithm(const std::string& m) {
  if (m == "cobyla") return nlopt::LN_COBYLA;
  if (m == "nelder-mead") return nlopt::LN_NELDERMEAD;
  if (m == "bobyqa") return nlopt::LN_BOBYQA;
  return nlopt::LN_PRAXIS;  // "powell": Brent's principal-axis refinement of Powell's method
}

bool is_nlopt(const std::string& m) { return m == "cobyla" || m == "nelder-mead" || m == "bobyqa" || m == "powell"; }

double checked(double v, const std::vector<double>& x) {
  TANGLE_CHECK(std::isfinite(v), "optimizer: the objective returned ", v, " at a point with ", x.size(),
               " parameters (first ", x.empty() ? 0.0 : x[0], ")");
  return v;
}

struct NloptState {
  const Objective* objective;
  const OptimizerCallback* callback;
  OptimizeResult* result;
  int max_evaluations;
  std::exception_ptr error;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_x;
};

double nlopt_value(const std::vector<double>& x, std::vector<double>& /*grad*/, void* data) {
  auto* s = static_cast<NloptState*>(data);
  // NLopt swallows exceptions into a generic failure: keep ours, stop, and rethrow it after.
  try {
    // Our own guard too: COBYLA has been seen to overrun maxeval.
    if (s->result->evaluations >= s->max_evaluations) throw nlopt::forced_stop();
    const double v = checked(s->objective->value(x), x);
    ++s->result->evaluations;
    ++s->result->iterations;
    if (v < s->best) s->best = v, s->best_x = x;
    if (*s->callback && !(*s->callback)(s->result->iterations, x, v)) throw nlopt::forced_stop();
    return v;
  } catch (const nlopt::forced_stop&) {
    throw;
  } catch (...) {
    s->error = std::current_exception();
    throw nlopt::forced_stop();
  }
}

OptimizeResult run_nlopt(const Objective& f, std::vector<double> x, const OptimizerOptions& o,
                         const OptimizerCallback& cb) {
  OptimizeResult r;
  const auto n = static_cast<unsigned>(x.size());
  nlopt::opt opt(nlopt_algorithm(o.method), n);
  NloptState s{&f, &cb, &r, o.max_iterations, nullptr, std::numeric_limits<double>::infinity(), x};
  opt.set_min_objective(nlopt_value, &s);
  opt.set_maxeval(o.max_iterations);
  if (o.tolerance > 0) opt.set_ftol_rel(o.tolerance);
  const double step = o.step > 0 ? o.step : 0.5;
  opt.set_initial_step(std::vector<double>(n, step));
  std::vector<double> lo(n, o.lower), hi(n, o.upper);
  if (o.method == "bobyqa") {
    // BOBYQA works inside a box: a wide one around the start when none is given.
    for (unsigned i = 0; i < n; ++i) {
      lo[i] = std::max(o.lower, x[i] - 1e3);
      hi[i] = std::min(o.upper, x[i] + 1e3);
    }
  }
  if (o.lower > -1e300 || o.method == "bobyqa") opt.set_lower_bounds(lo);
  if (o.upper < 1e300 || o.method == "bobyqa") opt.set_upper_bounds(hi);
  for (unsigned i = 0; i < n; ++i) x[i] = std::clamp(x[i], lo[i], hi[i]);
  if (o.method == "powell") nlopt::srand(o.seed);
  double value = 0.0;
  try {
    const nlopt::result code = opt.optimize(x, value);
    switch (code) {
      case nlopt::MAXEVAL_REACHED: r.message = "reached the maximum number of evaluations"; break;
      case nlopt::FTOL_REACHED: r.message = "the objective changed by less than the tolerance"; break;
      case nlopt::XTOL_REACHED: r.message = "the step fell below the parameter tolerance"; break;
      default: r.message = "converged (NLopt code " + std::to_string(static_cast<int>(code)) + ")";
    }
  } catch (const nlopt::forced_stop&) {
    if (s.error) std::rethrow_exception(s.error);
    r.message = r.evaluations >= o.max_iterations ? "reached the maximum number of evaluations" : "stopped by the callback";
  } catch (const nlopt::roundoff_limited&) {
    r.message = "stopped at the round-off limit (the best point seen is returned)";
  } catch (const std::invalid_argument& e) {
    throw ValueError(std::string("optimizer ") + o.method + ": " + e.what());
  } catch (const std::runtime_error& e) {
    r.message = std::string("NLopt failed (") + e.what() + "); the best point seen is returned";
  }
  if (s.error) std::rethrow_exception(s.error);
  r.x = s.best_x;
  r.value = s.best;
  return r;
}

OptimizeResult run_spsa(const Objective& f, std::vector<double> x, const OptimizerOptions& o,
                        const OptimizerCallback& cb) {
  OptimizeResult r;
  SplitMix64 rng(o.seed);
  const size_t n = x.size();
  std::vector<double> delta(n), xp(n), xm(n);
  auto value = [&](const std::vector<double>& p) {
    ++r.evaluations;
    return checked(f.value(p), p);
  };
  auto perturb = [&](double c) {
    for (size_t i = 0; i < n; ++i) {
      delta[i] = (rng.next() >> 63) ? 1.0 : -1.0;
      xp[i] = x[i] + c * delta[i];
      xm[i] = x[i] - c * delta[i];
    }
    return value(xp) - value(xm);
  };
  const double big_a = o.spsa_A >= 0 ? o.spsa_A : 0.1 * o.max_iterations;
  double a = o.spsa_a;
  if (a <= 0) {
    // Calibration: the first step should move by about 2 pi / 10 (Qiskit's rule).
    double magnitude = 0.0;
    const int samples = 25;
    for (int k = 0; k < samples; ++k) magnitude += std::abs(perturb(o.spsa_c)) / (2.0 * o.spsa_c);
    magnitude /= samples;
    a = magnitude > 0 ? 2.0 * kPi / 10.0 * std::pow(big_a + 1.0, o.spsa_alpha) / magnitude : 0.1;
  }
  double estimate = 0.0;
  for (int k = 0; k < o.max_iterations; ++k) {
    const double ck = o.spsa_c / std::pow(k + 1.0, o.spsa_gamma);
    const double ak = a / std::pow(big_a + k + 1.0, o.spsa_alpha);
    for (size_t i = 0; i < n; ++i) {
      delta[i] = (rng.next() >> 63) ? 1.0 : -1.0;
      xp[i] = x[i] + ck * delta[i];
      xm[i] = x[i] - ck * delta[i];
    }
    const double vp = value(xp), vm = value(xm);
    for (size_t i = 0; i < n; ++i) x[i] -= ak * (vp - vm) / (2.0 * ck) * delta[i];
    estimate = 0.5 * (vp + vm);
    r.iterations = k + 1;
    if (cb && !cb(r.iterations, x, estimate)) {
      r.message = "stopped by the callback";
      break;
    }
  }
  if (r.message.empty()) r.message = "completed the iterations";
  r.x = x;
  r.value = value(x);
  return r;
}

// AQGD, QNG, gradient descent and Adam: one gradient call per iteration.
OptimizeResult run_gradient(const Objective& f, std::vector<double> x, const OptimizerOptions& o,
                            const OptimizerCallback& cb) {
  TANGLE_CHECK(static_cast<bool>(f.gradient), "optimizer ", o.method, " needs the objective's gradient");
  TANGLE_CHECK(o.method != "qng" || static_cast<bool>(f.metric), "optimizer qng needs the objective's metric tensor");
  OptimizeResult r;
  const size_t n = x.size();
  const double eta = o.step > 0 ? o.step
                     : o.method == "aqgd" ? 1.0
                     : o.method == "qng"  ? 0.01
                     : o.method == "adam" ? 0.05
                                          : 0.1;
  std::vector<double> g(n), m(n, 0.0), v(n, 0.0), best_x = x;
  std::vector<double> history;
  double best = std::numeric_limits<double>::infinity();
  for (int k = 0; k < o.max_iterations; ++k) {
    const double value = checked(f.gradient(x, g), x);
    ++r.gradient_evaluations;
    for (double gi : g) TANGLE_CHECK(std::isfinite(gi), "optimizer ", o.method, ": the gradient has a value ", gi);
    if (value < best) best = value, best_x = x;
    history.push_back(value);
    r.iterations = k + 1;
    if (cb && !cb(r.iterations, x, value)) {
      r.message = "stopped by the callback";
      break;
    }
    if (o.method == "aqgd" && o.tolerance > 0 && static_cast<int>(history.size()) >= 2 * o.averaging) {
      // Qiskit's test: the mean objective over the last window against the window before it.
      const auto w = static_cast<std::ptrdiff_t>(o.averaging);
      const double now = std::accumulate(history.end() - w, history.end(), 0.0) / static_cast<double>(w);
      const double before = std::accumulate(history.end() - 2 * w, history.end() - w, 0.0) / static_cast<double>(w);
      if (std::abs(now - before) < o.tolerance) {
        r.message = "the averaged objective changed by less than the tolerance";
        break;
      }
    }
    if (o.method == "aqgd") {
      for (size_t i = 0; i < n; ++i) {
        m[i] = (1.0 - o.momentum) * g[i] + o.momentum * m[i];
        x[i] -= eta * m[i];
      }
    } else if (o.method == "qng") {
      const std::vector<double> metric = f.metric(x);
      ++r.metric_evaluations;
      TANGLE_CHECK(metric.size() == n * n, "optimizer qng: the metric has ", metric.size(), " entries for ", n,
                   " parameters");
      Eigen::MatrixXd gm = Eigen::Map<const Eigen::MatrixXd>(metric.data(), static_cast<Eigen::Index>(n),
                                                             static_cast<Eigen::Index>(n));
      gm += o.qng_lambda * Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
      const Eigen::VectorXd step =
          gm.ldlt().solve(Eigen::Map<const Eigen::VectorXd>(g.data(), static_cast<Eigen::Index>(n)));
      for (size_t i = 0; i < n; ++i) x[i] -= eta * step(static_cast<Eigen::Index>(i));
    } else if (o.method == "adam") {
      const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
      for (size_t i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const double mh = m[i] / (1 - std::pow(b1, k + 1)), vh = v[i] / (1 - std::pow(b2, k + 1));
        x[i] -= eta * mh / (std::sqrt(vh) + eps);
      }
    } else {
      for (size_t i = 0; i < n; ++i) x[i] -= eta * g[i];
    }
    for (double& xi : x) xi = std::clamp(xi, o.lower, o.upper);
  }
  if (r.message.empty()) r.message = "completed the iterations";
  r.x = best_x;
  r.value = best;
  return r;
}

}  // namespace

std::vector<std::string> optimizer_names() {
  return {"cobyla", "nelder-mead", "bobyqa", "powell", "spsa", "aqgd", "qng", "gd", "adam"};
}

bool optimizer_needs_gradient(const std::string& method) {
  return method == "aqgd" || method == "qng" || method == "gd" || method == "adam";
}

OptimizeResult minimize(const Objective& objective, std::vector<double> x0, const OptimizerOptions& o,
                        const OptimizerCallback& callback) {
  const auto names = optimizer_names();
  TANGLE_CHECK(std::find(names.begin(), names.end(), o.method) != names.end(), "unknown optimizer '", o.method,
               "' (known: ", detail::join(names), ")");
  TANGLE_CHECK(static_cast<bool>(objective.value) || optimizer_needs_gradient(o.method),
               "optimizer ", o.method, " needs the objective's value");
  TANGLE_CHECK(o.max_iterations >= 1, "optimizer ", o.method, ": max_iterations ", o.max_iterations, " must be >= 1");
  TANGLE_CHECK(!x0.empty(), "optimizer ", o.method, ": no parameters to optimize");
  TANGLE_CHECK(std::isfinite(o.step) && o.step >= 0, "optimizer ", o.method, ": step ", o.step, " must be >= 0");
  TANGLE_CHECK(o.momentum >= 0 && o.momentum < 1, "optimizer ", o.method, ": momentum ", o.momentum,
               " must be in [0, 1)");
  TANGLE_CHECK(o.averaging >= 1, "optimizer ", o.method, ": averaging ", o.averaging, " must be >= 1");
  // Negative or NaN tolerances would silently disable the stopping test; SPSA divides by c.
  TANGLE_CHECK(std::isfinite(o.tolerance) && o.tolerance >= 0, "optimizer ", o.method, ": tolerance ", o.tolerance,
               " must be >= 0");
  if (o.method == "spsa") {
    for (double v : {o.spsa_a, o.spsa_alpha, o.spsa_gamma, o.spsa_A})
      TANGLE_CHECK(std::isfinite(v), "optimizer spsa: a, alpha, gamma and A must be finite, not ", v);
    TANGLE_CHECK(std::isfinite(o.spsa_c) && o.spsa_c > 0, "optimizer spsa: c ", o.spsa_c, " must be positive");
  }
  TANGLE_CHECK(o.method != "qng" || (std::isfinite(o.qng_lambda) && o.qng_lambda >= 0), "optimizer qng: lambda ",
               o.qng_lambda, " must be >= 0");
  TANGLE_CHECK(o.lower < o.upper, "optimizer ", o.method, ": lower bound ", o.lower, " must be below the upper ",
               o.upper);
  TANGLE_CHECK(o.method != "bobyqa" || (std::isfinite(o.lower) && std::isfinite(o.upper)),
               "optimizer bobyqa needs finite bounds, not [", o.lower, ", ", o.upper, "]");
  for (double v : x0) TANGLE_CHECK(std::isfinite(v), "optimizer ", o.method, ": starting point has a value ", v);
  if (is_nlopt(o.method)) return run_nlopt(objective, std::move(x0), o, callback);
  if (o.method == "spsa") return run_spsa(objective, std::move(x0), o, callback);
  return run_gradient(objective, std::move(x0), o, callback);
}

}  // namespace tangle::algo
