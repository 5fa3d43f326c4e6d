#include "dense_math.hpp"

#include <bit>
#include <cmath>

namespace tangle::detail {

PauliMasks pauli_masks(std::uint64_t word, int k) {
  PauliMasks m;
  for (int t = 0; t < k; ++t) {
    const int letter = static_cast<int>((word >> (2 * (k - 1 - t))) & 3);
    const std::uint64_t bit = std::uint64_t{1} << (k - 1 - t);  // target t is local bit k-1-t
    if (letter == 1 || letter == 2) m.x |= bit;
    if (letter == 2 || letter == 3) m.z |= bit;
    if (letter == 2) ++m.ny;
  }
  return m;
}

cdouble pauli_phase(const PauliMasks& m, std::uint64_t c) {
  static const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  const int sign = std::popcount(c & m.z) & 1;
  const cdouble p = kPowI[m.ny & 3];
  return sign ? -p : p;
}

MatrixC pauli_combination(const double* coef, int k) {
  const index_t dim = index_t{1} << k;
  MatrixC a = MatrixC::Zero(dim, dim);
  const std::uint64_t n_words = std::uint64_t{1} << (2 * k);
  for (std::uint64_t w = 1; w < n_words; ++w) {
    const double c = coef[w - 1];
    if (c == 0.0) continue;
    const PauliMasks m = pauli_masks(w, k);
    for (std::uint64_t col = 0; col < static_cast<std::uint64_t>(dim); ++col)
      a(static_cast<index_t>(col ^ m.x), static_cast<index_t>(col)) += c * pauli_phase(m, col);
  }
  return a;
}

void pauli_traces(const MatrixC& g, int k, cdouble* out) {
  const std::uint64_t dim = std::uint64_t{1} << k;
  const std::uint64_t n_words = std::uint64_t{1} << (2 * k);
  for (std::uint64_t w = 1; w < n_words; ++w) {
    const PauliMasks m = pauli_masks(w, k);
    // tr(P G) = sum_(c,d) P[c][d] G[d][c], and P[c][d] = phase(d) exactly when c = d ^ x.
    cdouble s = 0.0;
    for (std::uint64_t d = 0; d < dim; ++d)
      s += pauli_phase(m, d) * g(static_cast<index_t>(d), static_cast<index_t>(d ^ m.x));
    out[w - 1] = s;
  }
}

cdouble exp_divided_difference(double c, double a, double b) {
  // (e^{ica} - e^{icb}) / (a - b) = e^{ic(a+b)/2} * ic * sinc(c (a - b) / 2)
  const double half = 0.5 * c * (a - b);
  const double sinc = std::abs(half) < 1e-8 ? 1.0 - half * half / 6.0 : std::sin(half) / half;
  return std::polar(1.0, 0.5 * c * (a + b)) * cdouble(0.0, c) * sinc;
}

HermitianExp hermitian_exp(const MatrixC& a) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(a);
  HermitianExp e;
  e.w = solver.eigenvectors();
  e.alpha = solver.eigenvalues();
  const index_t dim = a.rows();
  MatrixC scaled = e.w;
  for (index_t j = 0; j < dim; ++j) scaled.col(j) *= std::polar(1.0, e.alpha(j));
  e.u = scaled * e.w.adjoint();
  return e;
}

MatrixC exp_gradient(const HermitianExp& e, const MatrixC& r) {
  const index_t dim = e.alpha.size();
  const MatrixC y = e.w.adjoint() * r * e.w;
  MatrixC z(dim, dim);
  for (index_t l = 0; l < dim; ++l)
    for (index_t j = 0; j < dim; ++j) z(l, j) = exp_divided_difference(1.0, e.alpha(j), e.alpha(l)) * y(l, j);
  return e.w * z * e.w.adjoint();
}

SymmetricEigen symmetric_eigen(const double* m, int dim) {
  Eigen::Map<const MatrixR> mm(m, dim, dim);
  const Eigen::MatrixXd h = 0.5 * (mm + mm.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h);
  return {solver.eigenvectors(), solver.eigenvalues()};
}

}  // namespace tangle::detail
