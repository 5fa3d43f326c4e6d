// Extrapolations to zero noise. Polynomials are least-squares fits (Richardson: the interpolating
// polynomial, by Lagrange's formula at 0); exponentials are log-linear fits when the asymptote
// is known and variable-projection fits otherwise (the linear parameters solved exactly for each
// value of the nonlinear one, which is searched on a grid and refined).
#include <Eigen/Dense>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "tangle/algo/zne.hpp"
#include "tangle/core/error.hpp"

namespace tangle::algo {
namespace {

// Least-squares coefficients c_0..c_order of sum c_j x^j (weights all 1).
Eigen::VectorXd polyfit(const std::vector<double>& x, const std::vector<double>& y, int order) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd v(n, order + 1);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double p = 1.0;
    for (int j = 0; j <= order; ++j, p *= x[static_cast<size_t>(i)]) v(i, j) = p;
    b(i) = y[static_cast<size_t>(i)];
  }
  return v.colPivHouseholderQr().solve(b);
}

double polyval(const Eigen::VectorXd& c, double x) {
  double v = 0.0;
  for (Eigen::Index j = c.size() - 1; j >= 0; --j) v = v * x + c(j);
  return v;
}

double lagrange_at_zero(const std::vector<double>& x, const std::vector<double>& y) {
  double v = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    double l = 1.0;
    for (size_t j = 0; j < x.size(); ++j)
      if (j != i) l *= x[j] / (x[j] - x[i]);
    v += y[i] * l;
  }
  return v;
}

// a + s exp(poly(x)) with a known: the log-polynomial fit; returns the value at 0 and the
// residual sum of squares in the original space (infinite when y - a changes sign).
std::pair<double, double> poly_exp_known(const std::vector<double>& x, const std::vector<double>& y, int order,
                                         double a) {
  const double sign = y[0] - a >= 0 ? 1.0 : -1.0;
  std::vector<double> ly(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = sign * (y[i] - a);
    if (!(t > 0)) return {0.0, std::numeric_limits<double>::infinity()};
    ly[i] = std::log(t);
  }
  const Eigen::VectorXd c = polyfit(x, ly, order);
  double rss = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = a + sign * std::exp(polyval(c, x[i])) - y[i];
    rss += r * r;
  }
  return {a + sign * std::exp(c(0)), rss};
}

// a + b exp(-c x), c > 0: for each c the pair (a, b) is a linear least-squares fit.
std::pair<double, double> exp_fit_at(const std::vector<double>& x, const std::vector<double>& y, double c) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd m(n, 2);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    m(i, 0) = 1.0;
    m(i, 1) = std::exp(-c * x[static_cast<size_t>(i)]);
    b(i) = y[static_cast<size_t>(i)];
  }
  const Eigen::Vector2d ab = m.colPivHouseholderQr().solve(b);
  return {ab(0) + ab(1), (m * ab - b).squaredNorm()};
}

// Minimizes f over a log-spaced grid of [lo, hi], then refines by golden sections around the best.
template <typename F>
double search(F&& f, double lo, double hi) {
  const int n = 240;
  double best = lo, best_v = std::numeric_limits<double>::infinity();
  const double r = std::log(hi / lo) / (n - 1);
  for (int i = 0; i < n; ++i) {
    const double t = lo * std::exp(r * i);
    const double v = f(t);
    if (v < best_v) best_v = v, best = t;
  }
  double a = best * std::exp(-r), b = best * std::exp(r);
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int it = 0; it < 80; ++it) {
    const double c = b - g * (b - a), d = a + g * (b - a);
    if (f(c) < f(d)) b = d; else a = c;
  }
  return 0.5 * (a + b);
}

}  // namespace

Extrapolation Extrapolation::linear() {
  Extrapolation e;
  e.kind_ = Kind::Linear;
  e.order_ = 1;
  return e;
}

Extrapolation Extrapolation::richardson() { return Extrapolation{}; }

Extrapolation Extrapolation::polynomial(int order) {
  TANGLE_CHECK(order >= 1 && order <= 10, "polynomial extrapolation: order ", order, " must be in [1, 10]");
  Extrapolation e;
  e.kind_ = Kind::Polynomial;
  e.order_ = order;
  return e;
}

Extrapolation Extrapolation::exponential(std::optional<double> asymptote) {
  TANGLE_CHECK(!asymptote || std::isfinite(*asymptote), "exponential extrapolation: asymptote ", asymptote.value_or(0),
               " must be finite");
  Extrapolation e;
  e.kind_ = Kind::Exponential;
  e.order_ = 1;
  e.asymptote_ = asymptote;
  return e;
}

Extrapolation Extrapolation::poly_exponential(int order, std::optional<double> asymptote) {
  TANGLE_CHECK(order >= 1 && order <= 6, "poly-exponential extrapolation: order ", order, " must be in [1, 6]");
  Extrapolation e = exponential(asymptote);
  e.kind_ = Kind::PolyExponential;
  e.order_ = order;
  return e;
}

Extrapolation Extrapolation::custom(std::string name, Function f) {
  TANGLE_CHECK(static_cast<bool>(f), "custom extrapolation '", name, "' has no function");
  Extrapolation e;
  e.kind_ = Kind::Custom;
  e.name_ = std::move(name);
  e.f_ = std::move(f);
  return e;
}

Extrapolation Extrapolation::from_name(const std::string& name) {
  auto order_after = [&](size_t prefix) {
    const std::string digits = name.substr(prefix);
    TANGLE_CHECK(!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) && digits.size() < 3,
                 "extrapolation '", name, "': expected an order after '", name.substr(0, prefix), "'");
    return std::stoi(digits);
  };
  if (name == "linear") return linear();
  if (name == "richardson") return richardson();
  if (name == "exp" || name == "exponential") return exponential();
  if (name.rfind("polyexp", 0) == 0) return poly_exponential(order_after(7));
  if (name.rfind("poly", 0) == 0) return polynomial(order_after(4));
  throw ValueError("unknown extrapolation '" + name + "' (known: linear, richardson, polyN, exp, polyexpN)");
}

std::string Extrapolation::name() const {
  switch (kind_) {
    case Kind::Linear: return "linear";
    case Kind::Richardson: return "richardson";
    case Kind::Polynomial: return "poly" + std::to_string(order_);
    case Kind::Exponential: return "exp";
    case Kind::PolyExponential: return "polyexp" + std::to_string(order_);
    case Kind::Custom: return name_;
  }
  return "?";
}

int Extrapolation::min_points() const {
  switch (kind_) {
    case Kind::Linear: return 2;
    case Kind::Richardson: return 2;
    case Kind::Polynomial: return order_ + 1;
    case Kind::Exponential:
    case Kind::PolyExponential: return order_ + (asymptote_ ? 1 : 2);
    case Kind::Custom: return 1;
  }
  return 1;
}

double Extrapolation::at_zero(const std::vector<double>& scales, const std::vector<double>& values) const {
  TANGLE_CHECK(scales.size() == values.size(), name(), " extrapolation: ", scales.size(), " scales but ",
               values.size(), " values");
  TANGLE_CHECK(static_cast<int>(scales.size()) >= min_points(), name(), " extrapolation needs at least ",
               min_points(), " noise scales, got ", scales.size());
  for (size_t i = 0; i < scales.size(); ++i) {
    TANGLE_CHECK(std::isfinite(scales[i]) && scales[i] > 0, name(), " extrapolation: scale ", scales[i],
                 " must be finite and positive");
    TANGLE_CHECK(std::isfinite(values[i]), name(), " extrapolation: value ", values[i], " at scale ", scales[i],
                 " is not finite");
    for (size_t j = 0; j < i; ++j)
      TANGLE_CHECK(scales[j] != scales[i], name(), " extrapolation: scale ", scales[i], " appears twice");
  }
  switch (kind_) {
    case Kind::Linear:
    case Kind::Polynomial: return polyfit(scales, values, order_)(0);
    case Kind::Richardson: return lagrange_at_zero(scales, values);
    case Kind::Exponential:
    case Kind::PolyExponential: {
      if (asymptote_) {
        const auto [v, rss] = poly_exp_known(scales, values, order_, *asymptote_);
        TANGLE_CHECK(std::isfinite(rss), name(), " extrapolation: the values lie on both sides of the asymptote ",
                     *asymptote_);
        return v;
      }
      const double lo = *std::min_element(values.begin(), values.end());
      const double hi = *std::max_element(values.begin(), values.end());
      const double span = std::max(hi - lo, 1e-12 * std::max(1.0, std::abs(hi)));
      if (kind_ == Kind::Exponential) {
        const double xmax = *std::max_element(scales.begin(), scales.end());
        const double c = search([&](double t) { return exp_fit_at(scales, values, t).second; }, 1e-4 / xmax, 50.0 / xmax);
        return exp_fit_at(scales, values, c).first;
      }
      // Poly-exponential: the asymptote below the values or above them, whichever fits better.
      auto rss_below = [&](double t) { return poly_exp_known(scales, values, order_, lo - t).second; };
      auto rss_above = [&](double t) { return poly_exp_known(scales, values, order_, hi + t).second; };
      const double tb = search(rss_below, 1e-6 * span, 1e4 * span);
      const double ta = search(rss_above, 1e-6 * span, 1e4 * span);
      const double a = rss_below(tb) <= rss_above(ta) ? lo - tb : hi + ta;
      return poly_exp_known(scales, values, order_, a).first;
    }
    case Kind::Custom: {
      const double v = f_(scales, values);
      TANGLE_CHECK(std::isfinite(v), name(), " extrapolation returned ", v);
      return v;
    }
  }
  return 0.0;
}

double Extrapolation::decay_rate(const std::vector<double>& scales, const std::vector<double>& values) const {
  TANGLE_CHECK(kind_ == Kind::Exponential || kind_ == Kind::PolyExponential, name(),
               " extrapolation has no decay rate");
  (void)at_zero(scales, values);  // the same checks
  if (kind_ == Kind::Exponential && !asymptote_) {
    const double xmax = *std::max_element(scales.begin(), scales.end());
    return search([&](double t) { return exp_fit_at(scales, values, t).second; }, 1e-4 / xmax, 50.0 / xmax);
  }
  const double a = asymptote_ ? *asymptote_ : 0.0;
  const double sign = values[0] - a >= 0 ? 1.0 : -1.0;
  std::vector<double> ly(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double t = sign * (values[i] - a);
    TANGLE_CHECK(t > 0, name(), " extrapolation: the values lie on both sides of the asymptote ", a);
    ly[i] = std::log(t);
  }
  return -polyfit(scales, ly, 1)(1);
}

}  // namespace tangle::algo
