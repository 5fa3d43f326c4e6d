// Pauli sums from text, and the spin chains.
#include "tangle/algo/hamiltonian.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tangle/core/error.hpp"

namespace tangle::algo {
namespace {

// A cursor over the text that knows its line and column for messages.
class Scanner {
 public:
  Scanner(std::string_view text, std::string origin) : text_(text), origin_(std::move(origin)) {}

  // Skips blanks and comments; reports whether a newline was crossed.
  bool skip_space() {
    bool newline = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '\n') {
        newline = true;
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else {
        break;
      }
    }
    return newline;
  }
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void advance() { ++pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    size_t end = pos_;
    while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end])) && end - pos_ < 16) ++end;
    const std::string near = pos_ < text_.size() ? "'" + std::string(text_.substr(pos_, end - pos_)) + "'" : "the end";
    throw ValueError(detail::concat(origin_, origin_.empty() ? "" : ": ", "line ", line_, ", column ",
                                    pos_ - line_start_ + 1, ": ", what, " at ", near));
  }

  double number() {
    const std::string rest(text_.substr(pos_, 64));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str() || !std::isfinite(v)) fail("expected a finite number");
    pos_ += static_cast<size_t>(end - rest.c_str());
    return v;
  }

  int wire() {
    if (done() || !std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a wire number after the Pauli letter");
    long w = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(peek()))) {
      w = w * 10 + (peek() - '0');
      if (w > 1'000'000) fail("wire number too large");
      advance();
    }
    return static_cast<int>(w);
  }

 private:
  std::string_view text_;
  std::string origin_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

Pauli pauli_letter(char c) {
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case 'I': return Pauli::I;
    case 'X': return Pauli::X;
    case 'Y': return Pauli::Y;
    case 'Z': return Pauli::Z;
    default: return Pauli::I;
  }
}

bool is_pauli_letter(char c) {
  const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u == 'I' || u == 'X' || u == 'Y' || u == 'Z';
}

bool starts_number(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }

PauliSum parse(std::string_view text, const std::string& origin) {
  Scanner s(text, origin);
  PauliSum sum;
  bool any = false;
  bool new_line = s.skip_space();  // a term on a new line needs no '+'
  while (!s.done()) {
    double sign = 1.0;
    if (s.peek() == '+' || s.peek() == '-') {
      sign = s.peek() == '-' ? -1.0 : 1.0;
      s.advance();
      s.skip_space();
    } else if (any && !new_line) {
      s.fail("expected '+' or '-' between terms");
    }
    if (s.done()) s.fail("expected a term after the sign");
    double coef = 1.0;
    bool has_coef = false;
    if (starts_number(s.peek())) {
      coef = s.number();
      has_coef = true;
    }
    PauliSum term(1.0);
    std::vector<int> seen;
    bool has_factor = false;
    new_line = false;
    for (;;) {
      const bool newline = s.skip_space();
      new_line = new_line || newline;
      if (s.done()) break;
      const char c = s.peek();
      if (c == '*') {
        if (!has_coef && !has_factor) s.fail("'*' before any factor");
        s.advance();
        s.skip_space();
        if (s.done() || !is_pauli_letter(s.peek())) s.fail("expected a Pauli factor after '*'");
        continue;
      }
      if (c == '+' || c == '-') break;
      if (is_pauli_letter(c)) {
        if (newline && (has_factor || has_coef)) break;  // a new term on a new line
        const Pauli p = pauli_letter(c);
        s.advance();
        const int w = s.wire();
        for (int v : seen) {
          if (v == w) s.fail(detail::concat("wire ", w, " appears twice in one term"));
        }
        seen.push_back(w);
        if (p != Pauli::I) term = term * PauliSum::single(p, w);
        has_factor = true;
        continue;
      }
      if (starts_number(c) && newline) break;  // the next line's term, implicitly added
      if (starts_number(c)) s.fail("a coefficient must come first in its term (missing '+' or '*'?)");
      s.fail("expected a Pauli factor (I, X, Y or Z and a wire), '+' or '-'");
    }
    if (!has_coef && !has_factor) s.fail("empty term");
    sum = sum + (sign * coef) * term;
    any = true;
    new_line = s.skip_space() || new_line;
  }
  TANGLE_CHECK(any, origin.empty() ? "" : origin + ": ", "the Hamiltonian text has no terms");
  return sum;
}

}  // namespace

PauliSum parse_pauli_sum(std::string_view text) { return parse(text, ""); }

PauliSum read_pauli_sum(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw RuntimeError("cannot read the Hamiltonian file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

// Nearest-neighbour bonds (i, i + 1) of a chain, and (n - 1, 0) when periodic (n > 2).
static std::vector<std::pair<int, int>> chain_bonds(int n, bool periodic) {
  std::vector<std::pair<int, int>> bonds;
  for (int i = 0; i + 1 < n; ++i) bonds.emplace_back(i, i + 1);
  if (periodic && n > 2) bonds.emplace_back(n - 1, 0);
  return bonds;
}

PauliSum transverse_field_ising(int n_qubits, double j, double h, bool periodic) {
  // Bounded before the bond list is built from it.
  TANGLE_CHECK(n_qubits >= 1 && n_qubits <= kMaxQubits, "transverse-field Ising chain: n_qubits ", n_qubits,
               " must be in [1, ", kMaxQubits, "]");
  TANGLE_CHECK(std::isfinite(j) && std::isfinite(h), "transverse-field Ising chain: J ", j, " and h ", h,
               " must be finite");
  PauliSum sum;
  for (const auto& [a, b] : chain_bonds(n_qubits, periodic)) sum = sum + (-j) * (pauli_z(a) * pauli_z(b));
  for (int i = 0; i < n_qubits; ++i) sum = sum + (-h) * pauli_x(i);
  return sum;
}

PauliSum heisenberg_xxz(int n_qubits, double j, double delta, bool periodic) {
  TANGLE_CHECK(n_qubits >= 2 && n_qubits <= kMaxQubits, "Heisenberg XXZ chain: n_qubits ", n_qubits,
               " must be in [2, ", kMaxQubits, "]");
  TANGLE_CHECK(std::isfinite(j) && std::isfinite(delta), "Heisenberg XXZ chain: J ", j, " and delta ", delta,
               " must be finite");
  PauliSum sum;
  for (const auto& [a, b] : chain_bonds(n_qubits, periodic))
    sum = sum + j * (pauli_x(a) * pauli_x(b)) + j * (pauli_y(a) * pauli_y(b)) + (j * delta) * (pauli_z(a) * pauli_z(b));
  return sum;
}

PauliSum z_string(int n_qubits) {
  TANGLE_CHECK(n_qubits >= 1 && n_qubits <= kMaxQubits, "Z string: n_qubits ", n_qubits, " must be in [1, ",
               kMaxQubits, "]");
  PauliSum p(1.0);
  for (int i = 0; i < n_qubits; ++i) p = p * pauli_z(i);
  return p;
}

std::vector<std::string> builtin_hamiltonian_names() { return {"tfim", "xxz", "h2", "zstring"}; }

PauliSum builtin_hamiltonian(const std::string& name, int n_qubits, double bond_angstrom) {
  if (name == "tfim") return transverse_field_ising(n_qubits);
  if (name == "xxz") return heisenberg_xxz(n_qubits);
  if (name == "zstring") return z_string(n_qubits);
  if (name == "h2") {
    TANGLE_CHECK(n_qubits == 4 || n_qubits == 0, "the H2 Hamiltonian has 4 qubits, not ", n_qubits);
    return h2_sto3g(bond_angstrom);
  }
  throw ValueError("unknown Hamiltonian model '" + name + "' (known: " + detail::join(builtin_hamiltonian_names()) +
                   ")");
}

}  // namespace tangle::algo
