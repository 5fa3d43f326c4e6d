// Small dense linear algebra for dense blocks (on 2^k x 2^k matrices, k <= 10), built on Eigen.
#pragma once

#include <Eigen/Dense>
#include <deque>
#include <mutex>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle::detail {

using MatrixC = Eigen::Matrix<cdouble, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixR = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorR = Eigen::VectorXd;

/// The action of Pauli word number `w` (base-4 digits, I=0 X=1 Y=2 Z=3, first target the most
/// significant digit) on local basis states: P|c> = phase(c) |c ^ x>, phase(c) = i^ny (-1)^popcount(c & z).
struct PauliMasks {
  std::uint64_t x = 0;
  std::uint64_t z = 0;  // bits with Z or Y
  int ny = 0;
};
PauliMasks pauli_masks(std::uint64_t word, int k);
cdouble pauli_phase(const PauliMasks& m, std::uint64_t c);

/// A = sum_w coef[w-1] P_w over the 4^k - 1 non-identity words.
MatrixC pauli_combination(const double* coef, int k);
/// out[w-1] = tr(P_w G) for the 4^k - 1 non-identity words.
void pauli_traces(const MatrixC& g, int k, cdouble* out);

/// Divided difference of f(x) = exp(i c x) at a and b (the derivative when a == b), stable for a ~ b.
cdouble exp_divided_difference(double c, double a, double b);

/// Gamma[j][l] = exp_divided_difference(c, h_j, h_l) for all pairs, with one sincos per eigenvalue
/// (the stable formula only for nearly equal pairs).
MatrixC divided_differences(double c, const double* h, int dim);

/// a * b, each optionally conjugate-transposed, as four real matrix products: on the x86-64
/// baseline the library is built for, Eigen's real product kernel runs about nine times faster
/// than its complex one (128 x 128: 0.22 ms against 2.0 ms), so this takes half the time.
MatrixC complex_product(const MatrixC& a, bool adjoint_a, const MatrixC& b, bool adjoint_b);

/// Re(V Z V^T) = V Re(Z) V^T for real V and complex Z.
MatrixR real_congruence_real_part(const Eigen::Ref<const MatrixR>& v, const MatrixC& z);

/// V Z V^T for real V and complex Z, as real matrix products.
MatrixC real_congruence(const Eigen::Ref<const MatrixR>& v, const MatrixC& z);

/// Eigen-decomposition of a Hermitian generator A = W diag(alpha) W^dagger and U = exp(i A).
struct HermitianExp {
  MatrixC w;
  VectorR alpha;
  MatrixC u;
};
HermitianExp hermitian_exp(const MatrixC& a);

/// The most recent exponentials, keyed by their generators' coefficients (compared exactly),
/// up to `capacity` of them and a fixed memory budget; safe to share between threads.
class HermitianExpCache {
 public:
  static constexpr std::size_t kBudgetBytes = std::size_t{64} << 20;
  explicit HermitianExpCache(std::size_t capacity) : capacity_(capacity) {}
  /// exp(i sum_w coef[w-1] P_w) on k qubits, found or computed (and kept, oldest out first).
  HermitianExp get(const double* coef, int k);

 private:
  struct Entry {
    int k = 0;
    std::vector<double> coef;
    HermitianExp value;
  };
  std::mutex mutex_;
  std::deque<Entry> entries_;
  std::size_t capacity_;
  std::size_t bytes_ = 0;
};

/// The gradient matrix G such that d/dA Re tr(exp(iA) R) . dA = Re tr(dA G) (Daleckii-Krein):
/// G = W Z W^dagger, Z[l][j] = Gamma[j][l] (W^dagger R W)[l][j], Gamma the divided differences.
MatrixC exp_gradient(const HermitianExp& e, const MatrixC& r);

/// Symmetric real H = (M + M^T)/2 from a row-major 2^k x 2^k block and its eigen-decomposition.
struct SymmetricEigen {
  MatrixR v;  // columns are eigenvectors
  VectorR h;
};
SymmetricEigen symmetric_eigen(const double* m, int dim);

}  // namespace tangle::detail
