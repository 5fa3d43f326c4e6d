#include "tangle/ir/observable.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "tangle/core/error.hpp"

namespace tangle {

PauliSum::PauliSum(double constant) {
  TANGLE_CHECK(std::isfinite(constant), "observable coefficient ", constant, " is not finite");
  if (constant != 0.0) terms_.push_back({constant, {}});
}

PauliSum PauliSum::single(Pauli p, int wire) {
  TANGLE_CHECK(wire >= 0 && wire < kMaxQubits, "observable wire ", wire, " is out of range");
  PauliSum s;
  if (p == Pauli::I) {
    s.terms_.push_back({1.0, {}});
  } else {
    s.terms_.push_back({1.0, {{wire, p}}});
  }
  return s;
}

PauliSum pauli_i() { return PauliSum(1.0); }
PauliSum pauli_x(int wire) { return PauliSum::single(Pauli::X, wire); }
PauliSum pauli_y(int wire) { return PauliSum::single(Pauli::Y, wire); }
PauliSum pauli_z(int wire) { return PauliSum::single(Pauli::Z, wire); }

int PauliSum::max_wire() const {
  int m = -1;
  for (const PauliTerm& t : terms_)
    for (const auto& f : t.factors) m = std::max(m, f.first);
  return m;
}

// Merges equal products (same factors) and drops zero coefficients.
void PauliSum::canonicalize() {
  std::vector<PauliTerm> merged;
  for (const PauliTerm& t : terms_) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const PauliTerm& m) { return m.factors == t.factors; });
    if (same != merged.end()) {
      same->coef += t.coef;
    } else {
      merged.push_back(t);
    }
  }
  merged.erase(std::remove_if(merged.begin(), merged.end(), [](const PauliTerm& t) { return t.coef == 0.0; }),
               merged.end());
  terms_ = std::move(merged);
}

PauliSum operator+(const PauliSum& a, const PauliSum& b) {
  PauliSum s = a;
  s.terms_.insert(s.terms_.end(), b.terms_.begin(), b.terms_.end());
  s.canonicalize();
  return s;
}

PauliSum operator-(const PauliSum& a, const PauliSum& b) { return a + (-1.0) * b; }

PauliSum operator*(double c, const PauliSum& a) {
  TANGLE_CHECK(std::isfinite(c), "observable coefficient ", c, " is not finite");
  PauliSum s = a;
  for (PauliTerm& t : s.terms_) t.coef *= c;
  s.canonicalize();
  return s;
}

PauliSum operator*(const PauliSum& a, const PauliSum& b) {
  PauliSum s;
  for (const PauliTerm& x : a.terms_) {
    for (const PauliTerm& y : b.terms_) {
      PauliTerm t{x.coef * y.coef, x.factors};
      for (const auto& f : y.factors) {
        for (const auto& g : x.factors)
          TANGLE_CHECK(g.first != f.first, "observable product: wire ", f.first,
                       " appears in both factors (the tensor product needs disjoint wires)");
        t.factors.push_back(f);
      }
      std::sort(t.factors.begin(), t.factors.end());
      s.terms_.push_back(std::move(t));
    }
  }
  s.canonicalize();
  return s;
}

std::string PauliSum::to_string() const {
  if (terms_.empty()) return "0";
  std::ostringstream out;
  out.precision(6);
  for (size_t i = 0; i < terms_.size(); ++i) {
    const PauliTerm& t = terms_[i];
    if (i > 0) out << " + ";
    if (t.coef != 1.0 || t.factors.empty()) out << t.coef;
    for (size_t f = 0; f < t.factors.size(); ++f) {
      if (f > 0 || t.coef != 1.0) out << (f > 0 ? " @ " : " * ");
      out << pauli_letter(t.factors[f].second) << "(" << t.factors[f].first << ")";
    }
  }
  return out.str();
}

Readout Readout::expval(PauliSum observable) {
  Readout r;
  r.kind_ = Kind::Expval;
  r.observable_ = std::move(observable);
  return r;
}

Readout Readout::probs(std::vector<int> wires) {
  Readout r;
  r.kind_ = Kind::Probs;
  r.wires_ = std::move(wires);
  TANGLE_CHECK(!r.wires_.empty(), "probs needs at least one wire");
  TANGLE_CHECK(r.wires_.size() <= 20, "probs on ", r.wires_.size(), " wires: at most 20 are supported");
  return r;
}

Readout Readout::projector(std::vector<int> wires, index_t basis_state) {
  Readout r;
  r.kind_ = Kind::Projector;
  r.wires_ = std::move(wires);
  TANGLE_CHECK(!r.wires_.empty(), "projector needs at least one wire");
  TANGLE_CHECK(r.wires_.size() <= 20, "projector on ", r.wires_.size(), " wires: at most 20 are supported");
  TANGLE_CHECK(basis_state >= 0 && basis_state < (index_t{1} << r.wires_.size()), "projector basis state ",
               basis_state, " is out of range [0, ", index_t{1} << r.wires_.size(), ") for ", r.wires_.size(),
               " wires");
  r.basis_state_ = basis_state;
  return r;
}

Readout Readout::hermitian(std::vector<cdouble> matrix, std::vector<int> wires) {
  Readout r;
  r.kind_ = Kind::Hermitian;
  r.wires_ = std::move(wires);
  r.matrix_ = std::move(matrix);
  const size_t k = r.wires_.size();
  TANGLE_CHECK(k >= 1 && k <= static_cast<size_t>(kMaxDenseQubits), "Hermitian readout on ", k,
               " wires: between 1 and ", kMaxDenseQubits, " are supported");
  const size_t dim = size_t{1} << k;
  TANGLE_CHECK(r.matrix_.size() == dim * dim, "Hermitian readout on ", k, " wires needs a ", dim, "x", dim,
               " matrix but has ", r.matrix_.size(), " entries");
  double worst = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    for (size_t j = 0; j < dim; ++j) {
      const cdouble a = r.matrix_[i * dim + j];
      TANGLE_CHECK(std::isfinite(a.real()) && std::isfinite(a.imag()), "Hermitian readout matrix entry (", i, ", ",
                   j, ") is not finite");
      worst = std::max(worst, std::abs(a - std::conj(r.matrix_[j * dim + i])));
    }
  }
  TANGLE_CHECK(worst < 1e-10, "Hermitian readout matrix is not Hermitian: max |H - H^dagger| = ", worst);
  return r;
}

void Readout::check(int n_qubits) const {
  if (kind_ == Kind::Expval) {
    TANGLE_CHECK(observable_.max_wire() < n_qubits, "observable ", observable_.to_string(), " uses wire ",
                 observable_.max_wire(), " but the circuit has ", n_qubits, " qubits");
    return;
  }
  std::uint64_t seen = 0;
  for (int w : wires_) {
    TANGLE_CHECK(w >= 0 && w < n_qubits, to_string(), ": wire ", w, " is out of range [0, ", n_qubits, ")");
    TANGLE_CHECK(!(seen >> w & 1), to_string(), ": wire ", w, " appears more than once");
    seen |= std::uint64_t{1} << w;
  }
}

std::string Readout::to_string() const {
  std::ostringstream out;
  auto list = [&] {
    for (size_t i = 0; i < wires_.size(); ++i) out << (i ? "," : "") << wires_[i];
  };
  switch (kind_) {
    case Kind::Expval: out << "expval(" << observable_.to_string() << ")"; break;
    case Kind::Probs: out << "probs(wires="; list(); out << ")"; break;
    case Kind::Projector: out << "projector(" << basis_state_ << ", wires="; list(); out << ")"; break;
    case Kind::Hermitian: out << "hermitian(wires="; list(); out << ")"; break;
  }
  return out.str();
}

}  // namespace tangle
