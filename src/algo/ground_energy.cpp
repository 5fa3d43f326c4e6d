// Exact ground energies of Pauli sums: a dense eigensolver for small registers, Lanczos (Spectra)
// on the operator applied term by term for larger ones (2^n values, never a 2^n x 2^n matrix).
#include <Eigen/Dense>
#include <Spectra/SymEigsSolver.h>

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>

#include "tangle/algo/hamiltonian.hpp"
#include "tangle/core/error.hpp"

namespace tangle::algo {
namespace {

struct MaskedTerm {
  std::uint64_t x = 0, yz = 0;  // bit (n - 1 - wire): wire 0 the most significant
  std::complex<double> coef;    // c * i^(number of Y)
};

std::vector<MaskedTerm> masked_terms(const PauliSum& h, int n) {
  std::vector<MaskedTerm> out;
  for (const PauliTerm& t : h.terms()) {
    MaskedTerm m;
    int ny = 0;
    for (const auto& [w, p] : t.factors) {
      const std::uint64_t bit = std::uint64_t{1} << (n - 1 - w);
      if (p == Pauli::X || p == Pauli::Y) m.x |= bit;
      if (p == Pauli::Y || p == Pauli::Z) m.yz |= bit;
      ny += p == Pauli::Y;
    }
    static const std::complex<double> kIPow[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    m.coef = t.coef * kIPow[ny % 4];
    out.push_back(m);
  }
  return out;
}

// y = H x for H = A + iB acting on x = u + iv, stored as [u; v] (real symmetric [[A, -B], [B, A]])
// or, when every coefficient is real, on u alone.
class PauliSumOp {
 public:
  using Scalar = double;
  PauliSumOp(std::vector<MaskedTerm> terms, std::uint64_t dim, bool complex)
      : terms_(std::move(terms)), dim_(dim), complex_(complex) {}
  Eigen::Index rows() const { return static_cast<Eigen::Index>(complex_ ? 2 * dim_ : dim_); }
  Eigen::Index cols() const { return rows(); }

  void perform_op(const double* in, double* out) const {
    const std::uint64_t n = dim_;
    std::fill(out, out + rows(), 0.0);
    for (const MaskedTerm& t : terms_) {
      const double cr = t.coef.real(), ci = t.coef.imag();
      for (std::int64_t js = 0; js < static_cast<std::int64_t>(n); ++js) {
        // out[j] += coef * sign(j ^ x) * in[j ^ x]: each thread writes its own j.
        const auto j = static_cast<std::uint64_t>(js);
        const std::uint64_t k = j ^ t.x;
        const double s = (std::popcount(k & t.yz) & 1) ? -1.0 : 1.0;
        if (complex_) {
          const double u = in[k], v = in[n + k];
          out[j] += s * (cr * u - ci * v);
          out[n + j] += s * (ci * u + cr * v);
        } else {
          out[j] += s * cr * in[k];
        }
      }
    }
  }

 private:
  std::vector<MaskedTerm> terms_;
  std::uint64_t dim_;
  bool complex_;
};

}  // namespace

double ground_energy(const PauliSum& h, int n_qubits) {
  TANGLE_CHECK(n_qubits >= h.max_wire() + 1, "ground energy: the Hamiltonian acts on wire ", h.max_wire(),
               " but n_qubits is ", n_qubits);
  TANGLE_CHECK(n_qubits >= 1 && n_qubits <= 24, "ground energy: n_qubits ", n_qubits,
               " is outside [1, 24] (the exact solver keeps 2^n values)");
  const auto terms = masked_terms(h, n_qubits);
  const std::uint64_t dim = std::uint64_t{1} << n_qubits;
  bool complex = false;
  for (const auto& t : terms) complex = complex || t.coef.imag() != 0.0;

  if (n_qubits <= 10) {
    Eigen::MatrixXcd m = Eigen::MatrixXcd::Zero(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(dim));
    for (const auto& t : terms)
      for (std::uint64_t k = 0; k < dim; ++k) {
        const double s = (std::popcount(k & t.yz) & 1) ? -1.0 : 1.0;
        m(static_cast<Eigen::Index>(k ^ t.x), static_cast<Eigen::Index>(k)) += s * t.coef;
      }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> es(m, Eigen::EigenvaluesOnly);
    TANGLE_CHECK(es.info() == Eigen::Success, "ground energy: the dense eigensolver did not converge");
    return es.eigenvalues()(0);
  }
  PauliSumOp op(terms, dim, complex);
  // Two (four for the doubled complex spectrum) eigenvalues: a near-degenerate ground pair, as in
  // an ordered Ising chain, then converges together instead of stalling the restarts.
  const Eigen::Index nev = complex ? 4 : 2;
  const Eigen::Index ncv = std::min<Eigen::Index>(op.rows(), 40);
  Spectra::SymEigsSolver<PauliSumOp> eigs(op, nev, ncv);
  // A fixed start vector: the same energy on every run.
  Eigen::VectorXd start = Eigen::VectorXd::Constant(op.rows(), 1.0);
  for (Eigen::Index i = 0; i < start.size(); ++i) start(i) += 0.01 * std::sin(0.7 * static_cast<double>(i));
  eigs.init(start.data());
  eigs.compute(Spectra::SortRule::SmallestAlge, 1000, 1e-10, Spectra::SortRule::SmallestAlge);
  if (eigs.info() != Spectra::CompInfo::Successful)
    throw RuntimeError(detail::concat("ground energy: Lanczos did not converge on ", n_qubits, " qubits"));
  const Eigen::VectorXd values = eigs.eigenvalues();
  return values.minCoeff();
}

}  // namespace tangle::algo
