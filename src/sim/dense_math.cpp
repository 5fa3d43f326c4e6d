#include "dense_math.hpp"

#include <algorithm>
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

namespace {

// sigma_letter[r][c] for letters I, X, Y, Z.
const cdouble kSigma[4][2][2] = {{{1, 0}, {0, 1}},
                                 {{0, 1}, {1, 0}},
                                 {{0, cdouble(0, -1)}, {cdouble(0, 1), 0}},
                                 {{1, 0}, {0, -1}}};

// Applies a 4x4 map m[out][in] along every base-4 digit of x (4^k entries): the Kronecker power
// of m in O(k 4^k) instead of O(16^k).
void kron_transform(std::vector<cdouble>& x, int k, const cdouble (&m)[4][4]) {
  const std::size_t n = x.size();
  for (int axis = 0; axis < k; ++axis) {
    const std::size_t stride = std::size_t{1} << (2 * axis);
    for (std::size_t base = 0; base < n; base += 4 * stride) {
      for (std::size_t j = 0; j < stride; ++j) {
        cdouble in[4], out[4];
        for (int d = 0; d < 4; ++d) in[d] = x[base + j + d * stride];
        for (int o = 0; o < 4; ++o) {
          out[o] = 0.0;
          for (int d = 0; d < 4; ++d) out[o] += m[o][d] * in[d];
        }
        for (int d = 0; d < 4; ++d) x[base + j + d * stride] = out[d];
      }
    }
  }
}

// Digit e = 2 r + c of each qubit, first qubit most significant, <-> matrix entry (r, c).
std::size_t entry_index(std::size_t e, int k, index_t* row, index_t* col) {
  index_t r = 0, c = 0;
  for (int t = 0; t < k; ++t) {
    const std::size_t d = (e >> (2 * (k - 1 - t))) & 3;
    r = (r << 1) | static_cast<index_t>(d >> 1);
    c = (c << 1) | static_cast<index_t>(d & 1);
  }
  *row = r;
  *col = c;
  return e;
}

}  // namespace

MatrixC pauli_combination(const double* coef, int k) {
  // A = sum_w coef_w (x)_t sigma_(w_t): per qubit, letter -> (r, c) entries.
  const std::size_t n = std::size_t{1} << (2 * k);
  std::vector<cdouble> x(n);
  x[0] = 0.0;
  for (std::size_t w = 1; w < n; ++w) x[w] = coef[w - 1];
  cdouble m[4][4];
  for (int e = 0; e < 4; ++e)
    for (int letter = 0; letter < 4; ++letter) m[e][letter] = kSigma[letter][e >> 1][e & 1];
  kron_transform(x, k, m);
  const index_t dim = index_t{1} << k;
  MatrixC a(dim, dim);
  for (std::size_t e = 0; e < n; ++e) {
    index_t r, c;
    entry_index(e, k, &r, &c);
    a(r, c) = x[e];
  }
  return a;
}

void pauli_traces(const MatrixC& g, int k, cdouble* out) {
  // tr(P_w G) = sum_(r,c) P_w[c][r] G[r][c]: per qubit, (r, c) entry -> letter with sigma[c][r].
  const std::size_t n = std::size_t{1} << (2 * k);
  std::vector<cdouble> x(n);
  for (std::size_t e = 0; e < n; ++e) {
    index_t r, c;
    entry_index(e, k, &r, &c);
    x[e] = g(r, c);
  }
  cdouble m[4][4];
  for (int letter = 0; letter < 4; ++letter)
    for (int e = 0; e < 4; ++e) m[letter][e] = kSigma[letter][e & 1][e >> 1];
  kron_transform(x, k, m);
  for (std::size_t w = 1; w < n; ++w) out[w - 1] = x[w];
}

cdouble exp_divided_difference(double c, double a, double b) {
  // (e^{ica} - e^{icb}) / (a - b) = e^{ic(a+b)/2} * ic * sinc(c (a - b) / 2)
  const double half = 0.5 * c * (a - b);
  const double sinc = std::abs(half) < 1e-8 ? 1.0 - half * half / 6.0 : std::sin(half) / half;
  return std::polar(1.0, 0.5 * c * (a + b)) * cdouble(0.0, c) * sinc;
}

MatrixC divided_differences(double c, const double* h, int dim) {
  std::vector<cdouble> f(static_cast<size_t>(dim));
  for (int j = 0; j < dim; ++j) f[static_cast<size_t>(j)] = std::polar(1.0, c * h[j]);
  MatrixC g(dim, dim);
  for (int j = 0; j < dim; ++j) {
    for (int l = 0; l < dim; ++l) {
      const double d = h[j] - h[l];
      // Below this gap (f_j - f_l) / d loses digits to cancellation: use the stable form.
      g(j, l) = std::abs(c * d) > 1e-3 ? (f[static_cast<size_t>(j)] - f[static_cast<size_t>(l)]) / d
                                       : exp_divided_difference(c, h[j], h[l]);
    }
  }
  return g;
}

MatrixC complex_product(const MatrixC& a, bool adjoint_a, const MatrixC& b, bool adjoint_b) {
  MatrixR ar = a.real(), ai = a.imag(), br = b.real(), bi = b.imag();
  if (adjoint_a) {
    ar.transposeInPlace();
    ai = (-ai.transpose()).eval();
  }
  if (adjoint_b) {
    br.transposeInPlace();
    bi = (-bi.transpose()).eval();
  }
  MatrixR re = ar * br;
  re.noalias() -= ai * bi;
  MatrixR im = ar * bi;
  im.noalias() += ai * br;
  MatrixC out(re.rows(), re.cols());
  out.real() = re;
  out.imag() = im;
  return out;
}

MatrixR real_congruence_real_part(const Eigen::Ref<const MatrixR>& v, const MatrixC& z) {
  const MatrixR vz = v * z.real();
  MatrixR out(v.rows(), v.rows());
  out.noalias() = vz * v.transpose();
  return out;
}

MatrixC real_congruence(const Eigen::Ref<const MatrixR>& v, const MatrixC& z) {
  MatrixC out(v.rows(), v.rows());
  out.real() = real_congruence_real_part(v, z);
  const MatrixR vz = v * z.imag();
  out.imag() = vz * v.transpose();
  return out;
}

HermitianExp hermitian_exp(const MatrixC& a) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(a);
  HermitianExp e;
  e.w = solver.eigenvectors();
  e.alpha = solver.eigenvalues();
  const index_t dim = a.rows();
  MatrixC scaled = e.w;
  for (index_t j = 0; j < dim; ++j) scaled.col(j) *= std::polar(1.0, e.alpha(j));
  e.u = complex_product(scaled, false, e.w, true);
  return e;
}

HermitianExp HermitianExpCache::get(const double* coef, int k) {
  const std::size_t n = (std::size_t{1} << (2 * k)) - 1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_)
      if (e.k == k && std::equal(e.coef.begin(), e.coef.end(), coef)) return e.value;
  }
  Entry e;
  e.k = k;
  e.coef.assign(coef, coef + n);
  e.value = hermitian_exp(pauli_combination(coef, k));
  HermitianExp out = e.value;
  const std::size_t dim = std::size_t{1} << k, bytes = n * sizeof(double) + 2 * dim * dim * sizeof(cdouble);
  if (bytes > kBudgetBytes / 2) return out;  // too large to keep
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.push_back(std::move(e));
  bytes_ += bytes;
  while (entries_.size() > capacity_ || bytes_ > kBudgetBytes) {
    const std::size_t d = std::size_t{1} << entries_.front().k;
    bytes_ -= entries_.front().coef.size() * sizeof(double) + 2 * d * d * sizeof(cdouble);
    entries_.pop_front();
  }
  return out;
}

MatrixC exp_gradient(const HermitianExp& e, const MatrixC& r) {
  const index_t dim = e.alpha.size();
  const MatrixC y = complex_product(complex_product(e.w, true, r, false), false, e.w, false);
  const MatrixC gamma = divided_differences(1.0, e.alpha.data(), static_cast<int>(dim));
  MatrixC z(dim, dim);
  for (index_t l = 0; l < dim; ++l)
    for (index_t j = 0; j < dim; ++j) z(l, j) = gamma(j, l) * y(l, j);
  return complex_product(complex_product(e.w, false, z, false), false, e.w, true);
}

SymmetricEigen symmetric_eigen(const double* m, int dim) {
  Eigen::Map<const MatrixR> mm(m, dim, dim);
  const Eigen::MatrixXd h = 0.5 * (mm + mm.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h);
  return {solver.eigenvectors(), solver.eigenvalues()};
}

}  // namespace tangle::detail
