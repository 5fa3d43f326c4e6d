// Tensored readout mitigation: every map is applied axis by axis (2 x 2 on each wire's bit),
// never as a 2^k x 2^k matrix.
#include "tangle/algo/readout_mitigation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "tangle/core/error.hpp"
#include "tangle/core/kronecker.hpp"
#include "tangle/sim/sampling.hpp"

namespace tangle::algo {
namespace {

using Mat2 = Matrix2;

Mat2 transpose(const Mat2& a) { return {{{a[0][0], a[1][0]}, {a[0][1], a[1][1]}}}; }

// Euclidean projection onto {p >= 0, sum p = 1}.
void project_simplex(std::vector<double>& v) {
  std::vector<double> u = v;
  std::sort(u.begin(), u.end(), std::greater<>());
  double cum = 0.0, theta = 0.0;
  for (size_t i = 0; i < u.size(); ++i) {
    cum += u[i];
    const double t = (cum - 1.0) / static_cast<double>(i + 1);
    if (u[i] - t > 0) theta = t;
  }
  for (double& x : v) x = std::max(x - theta, 0.0);
}

}  // namespace

std::vector<ReadoutConfusion> calibrate_readout(const NoiseModel& noise, int n_qubits, index_t shots,
                                                std::uint64_t seed, const RunOptions& run) {
  TANGLE_CHECK(n_qubits >= 1, "readout calibration: n_qubits ", n_qubits, " must be >= 1");
  TANGLE_CHECK(shots >= 0, "readout calibration: shots ", shots, " must be >= 0");
  std::vector<Readout> readouts;
  for (int w = 0; w < n_qubits; ++w) readouts.push_back(Readout::probs({w}));
  std::vector<ReadoutConfusion> out(static_cast<size_t>(n_qubits));
  std::array<std::vector<double>, 2> measured;
  for (int prepared = 0; prepared < 2; ++prepared) {
    Circuit c(n_qubits);
    for (int w = 0; w < n_qubits; ++w) {
      if (prepared == 1) c.x(w); else c.i(w);
    }
    const Program p(c, readouts, noise);
    measured[static_cast<size_t>(prepared)] =
        shots > 0 ? forward_shots(p, {}, 1, {}, shots, seed + static_cast<std::uint64_t>(prepared), run)
                  : forward(p, {}, 1, {}, run);
  }
  for (int w = 0; w < n_qubits; ++w) {
    Mat2 m{};
    for (int t = 0; t < 2; ++t)
      for (int r = 0; r < 2; ++r) m[static_cast<size_t>(r)][static_cast<size_t>(t)] = measured[static_cast<size_t>(t)][static_cast<size_t>(2 * w + r)];
    // Shot estimates sum to 1 per column already; exact ones to rounding.
    for (int t = 0; t < 2; ++t) {
      const double s = m[0][static_cast<size_t>(t)] + m[1][static_cast<size_t>(t)];
      m[0][static_cast<size_t>(t)] /= s;
      m[1][static_cast<size_t>(t)] /= s;
    }
    out[static_cast<size_t>(w)] = ReadoutConfusion::make(m);
  }
  return out;
}

Unfolding unfolding_from_name(const std::string& name) {
  if (name == "inverse") return Unfolding::Inverse;
  if (name == "least_squares" || name == "lstsq") return Unfolding::LeastSquares;
  throw ValueError("unknown readout unfolding '" + name + "' (known: inverse, least_squares)");
}

std::vector<double> mitigate_probabilities(const std::vector<double>& probs, index_t batch,
                                           const std::vector<int>& wires,
                                           const std::vector<ReadoutConfusion>& confusion, Unfolding method) {
  TANGLE_CHECK(!wires.empty() && wires.size() <= 24, "readout mitigation: ", wires.size(),
               " wires (expected 1 to 24)");
  TANGLE_CHECK(batch >= 1, "readout mitigation: batch ", batch, " must be >= 1");
  const size_t dim = size_t{1} << wires.size();
  TANGLE_CHECK(probs.size() == static_cast<size_t>(batch) * dim, "readout mitigation: ", probs.size(),
               " probabilities for batch ", batch, " on ", wires.size(), " wires (expected ", static_cast<size_t>(batch) * dim,
               ")");
  std::vector<Mat2> c, inv;
  double lipschitz = 1.0;
  for (int w : wires) {
    TANGLE_CHECK(w >= 0 && static_cast<size_t>(w) < confusion.size(), "readout mitigation: wire ", w,
                 " has no confusion matrix (", confusion.size(), " given)");
    // A repeated wire would unfold its matrix twice, on axes that are one measured bit.
    TANGLE_CHECK(std::count(wires.begin(), wires.end(), w) == 1, "readout mitigation: wire ", w,
                 " appears more than once");
    const Mat2& a = confusion[static_cast<size_t>(w)].p;
    const double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    TANGLE_CHECK(std::abs(det) > 1e-12, "readout mitigation: the confusion matrix of wire ", w,
                 " is singular (p10 + p01 = ", a[1][0] + a[0][1], ")");
    c.push_back(a);
    inv.push_back({{{a[1][1] / det, -a[0][1] / det}, {-a[1][0] / det, a[0][0] / det}}});
    // Largest singular value of a 2 x 2 matrix.
    const double f = a[0][0] * a[0][0] + a[0][1] * a[0][1] + a[1][0] * a[1][0] + a[1][1] * a[1][1];
    const double smax2 = 0.5 * (f + std::sqrt(std::max(f * f - 4.0 * det * det, 0.0)));
    lipschitz *= smax2;
  }
  std::vector<Mat2> ct;
  for (const Mat2& a : c) ct.push_back(transpose(a));

  std::vector<double> out(probs.size());
  for (index_t b = 0; b < batch; ++b) {
    const auto first = probs.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(b) * dim);
    std::vector<double> m(first, first + static_cast<std::ptrdiff_t>(dim));
    for (double v : m) TANGLE_CHECK(std::isfinite(v), "readout mitigation: probability ", v, " is not finite");
    std::vector<double> p = m;
    apply_kronecker2(p, inv);
    if (method == Unfolding::LeastSquares) {
      // FISTA on 1/2 ||C p - m||^2 over the simplex, from the projected inverse solution.
      project_simplex(p);
      std::vector<double> y = p, prev = p, r(dim);
      double t = 1.0;
      for (int it = 0; it < 20000; ++it) {
        r = y;
        apply_kronecker2(r, c);
        for (size_t i = 0; i < dim; ++i) r[i] -= m[i];
        apply_kronecker2(r, ct);
        std::vector<double> next(dim);
        for (size_t i = 0; i < dim; ++i) next[i] = y[i] - r[i] / lipschitz;
        project_simplex(next);
        double change = 0.0;
        for (size_t i = 0; i < dim; ++i) change = std::max(change, std::abs(next[i] - prev[i]));
        const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
        for (size_t i = 0; i < dim; ++i) y[i] = next[i] + (t - 1.0) / t_next * (next[i] - prev[i]);
        prev = std::move(next);
        t = t_next;
        if (change < 1e-13) break;
      }
      p = prev;
    }
    std::copy(p.begin(), p.end(), out.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(b) * dim));
  }
  return out;
}

}  // namespace tangle::algo
