// Tolerances per amplitude precision, and comparisons that report the observed error.
//
// A value passes when |got - want| <= abs + rel * |want|. Test bodies take their tolerance from
// here (never an inline margin), and every failure message prints the worst error found.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle::test {

struct Tol {
  double abs = 0.0;
  double rel = 0.0;
  Tol scaled(double f) const { return {abs * f, rel * f}; }
};

/// Starting points: single op, shallow circuit, values of order one.
template <typename Real>
constexpr Tol tol() {
  if constexpr (std::is_same_v<Real, float>) {
    return {1e-5, 1e-5};
  } else {
    return {1e-12, 1e-10};
  }
}

/// Rounding grows about linearly with the number of ops a value passed through.
template <typename Real>
Tol tol_depth(int depth) {
  return tol<Real>().scaled(std::max(1.0, depth / 16.0));
}

/// A sum of `terms` values each within tol_depth (e.g. d_weights summed over a batch): independent
/// rounding errors grow like sqrt(terms).
template <typename Real>
Tol tol_sum(int depth, index_t terms) {
  return tol_depth<Real>(depth).scaled(std::sqrt(static_cast<double>(std::max<index_t>(terms, 1))));
}

/// Adjoint gradients against the oracle's eighth-order differences, in double (the 1e-8).
inline constexpr Tol kGradTol{1e-8, 1e-8};

/// Central differences of step h: truncation ~ h^2 |f'''| / 6 plus rounding ~ eps |f| / h, with
/// |f'''| and |f| of order 10 for the tests' circuits and readouts.
inline Tol central_fd_tol(double h) {
  const double e = 1e2 * h * h + 1e-13 / h;
  return {e, e};
}

template <typename Real>
constexpr Precision precision_of() {
  return std::is_same_v<Real, float> ? Precision::F32 : Precision::F64;
}

template <typename Real>
RunOptions options_for(int threads = 0) {
  RunOptions o;
  o.precision = precision_of<Real>();
  o.threads = threads;
  return o;
}

using Reals = ::testing::Types<float, double>;

namespace detail {
inline double magnitude(double v) { return std::abs(v); }
inline double magnitude(std::complex<double> v) { return std::abs(v); }

template <typename T>
::testing::AssertionResult all_near(const std::vector<T>& got, const std::vector<T>& want, Tol t,
                                    const std::string& what) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << what << ": got " << got.size() << " values, want " << want.size();
  size_t bad = 0, worst = 0, worst_abs = 0;
  double worst_ratio = -1.0, max_err = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = magnitude(got[i] - want[i]);
    const double allowed = t.abs + t.rel * magnitude(want[i]);
    // NaN never compares <=, so it always fails.
    const bool ok = err <= allowed;
    if (!ok) ++bad;
    const double ratio = ok ? err / allowed : (std::isnan(err) ? INFINITY : err / allowed);
    if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
    if (err > max_err || std::isnan(err)) max_err = err, worst_abs = i;
  }
  std::ostringstream msg;
  msg.precision(6);
  msg << what << ": " << bad << " of " << got.size() << " values out of tolerance (abs " << t.abs << " + rel "
      << t.rel << " * |want|); max error " << max_err << " at [" << worst_abs << "]";
  if (!got.empty()) {
    msg.precision(17);
    msg << "; worst relative to its allowance at [" << worst << "]: got " << got[worst] << ", want " << want[worst];
  }
  if (bad == 0) return ::testing::AssertionSuccess() << msg.str();
  return ::testing::AssertionFailure() << msg.str();
}
}  // namespace detail

inline ::testing::AssertionResult all_near(const std::vector<double>& got, const std::vector<double>& want, Tol t,
                                           const std::string& what = "values") {
  return detail::all_near(got, want, t, what);
}

inline ::testing::AssertionResult all_near(const std::vector<std::complex<double>>& got,
                                           const std::vector<std::complex<double>>& want, Tol t,
                                           const std::string& what = "amplitudes") {
  return detail::all_near(got, want, t, what);
}

inline ::testing::AssertionResult near(double got, double want, Tol t, const std::string& what = "value") {
  return detail::all_near(std::vector<double>{got}, std::vector<double>{want}, t, what);
}

/// Exact equality of every bit (so -0.0 != 0.0 and NaN payloads count), with the first difference.
inline ::testing::AssertionResult bit_identical(const std::vector<double>& a, const std::vector<double>& b,
                                                const std::string& what = "values") {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << what << ": sizes " << a.size() << " and " << b.size() << " differ";
  size_t differ = 0, first = a.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(double)) != 0) {
      if (first == a.size()) first = i;
      ++differ;
    }
  }
  if (differ == 0) return ::testing::AssertionSuccess();
  std::ostringstream msg;
  msg.precision(17);
  msg << what << ": " << differ << " of " << a.size() << " values differ in their bits; first at [" << first
      << "]: " << a[first] << " vs " << b[first] << " (difference " << a[first] - b[first] << ")";
  return ::testing::AssertionFailure() << msg.str();
}

/// Concatenates anything streamable: labels for failure messages.
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

inline std::vector<double> flatten(const std::vector<std::complex<double>>& v) {
  std::vector<double> out;
  out.reserve(2 * v.size());
  for (const auto& c : v) {
    out.push_back(c.real());
    out.push_back(c.imag());
  }
  return out;
}

}  // namespace tangle::test
