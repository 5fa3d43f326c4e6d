#include "tangle/ir/expr.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "tangle/core/error.hpp"

namespace tangle {

Expr Expr::weight(index_t k) {
  TANGLE_CHECK(k >= 0 && k < INT32_MAX, "weight index ", k, " is out of range");
  Expr e;
  e.terms_.push_back({1.0, static_cast<std::int32_t>(k), -1});
  return e;
}

Expr Expr::input(index_t j) {
  TANGLE_CHECK(j >= 0 && j < INT32_MAX, "input index ", j, " is out of range");
  Expr e;
  e.terms_.push_back({1.0, -1, static_cast<std::int32_t>(j)});
  return e;
}

bool Expr::uses_weights() const {
  return std::any_of(terms_.begin(), terms_.end(), [](const Term& t) { return t.weight >= 0; });
}

bool Expr::uses_inputs() const {
  return std::any_of(terms_.begin(), terms_.end(), [](const Term& t) { return t.input >= 0; });
}

index_t Expr::max_weight() const {
  index_t m = -1;
  for (const Term& t : terms_) m = std::max<index_t>(m, t.weight);
  return m;
}

index_t Expr::max_input() const {
  index_t m = -1;
  for (const Term& t : terms_) m = std::max<index_t>({m, t.input, t.input2});
  return m;
}

// Merges terms with the same factors and drops zero coefficients, so equal forms compare equal.
void Expr::canonicalize() {
  for (Term& t : terms_) {
    if (t.input < 0 && t.input2 >= 0) std::swap(t.input, t.input2);
    if (t.input2 >= 0 && t.input2 < t.input) std::swap(t.input, t.input2);
  }
  auto key = [](const Term& t) { return std::make_tuple(t.weight, t.input, t.input2); };
  std::sort(terms_.begin(), terms_.end(), [&](const Term& a, const Term& b) { return key(a) < key(b); });
  std::vector<Term> merged;
  for (const Term& t : terms_) {
    if (!merged.empty() && key(merged.back()) == key(t)) {
      merged.back().coef += t.coef;
    } else {
      merged.push_back(t);
    }
  }
  merged.erase(std::remove_if(merged.begin(), merged.end(), [](const Term& t) { return t.coef == 0.0; }),
               merged.end());
  terms_ = std::move(merged);
}

Expr Expr::operator-() const {
  Expr e = *this;
  e.constant_ = -e.constant_;
  for (Term& t : e.terms_) t.coef = -t.coef;
  return e;
}

Expr operator+(const Expr& a, const Expr& b) {
  Expr e = a;
  e.constant_ += b.constant_;
  e.terms_.insert(e.terms_.end(), b.terms_.begin(), b.terms_.end());
  e.canonicalize();
  return e;
}

Expr operator-(const Expr& a, const Expr& b) { return a + (-b); }

namespace {
std::string term_name(const Term& t) {
  std::ostringstream out;
  const char* sep = "";
  if (t.weight >= 0) {
    out << "w[" << t.weight << "]";
    sep = "*";
  }
  if (t.input >= 0) {
    out << sep << "x[" << t.input << "]";
    sep = "*";
  }
  if (t.input2 >= 0) out << sep << "x[" << t.input2 << "]";
  return out.str();
}

int n_inputs(const Term& t) { return (t.input >= 0 ? 1 : 0) + (t.input2 >= 0 ? 1 : 0); }
}  // namespace

Expr operator*(const Expr& a, const Expr& b) {
  // Checked here, not only when the gate is added: inf * x[0] would leave a 0 * inf = nan constant,
  // and the error would name the nan instead of the factor the user wrote.
  for (const Expr* f : {&a, &b}) {
    TANGLE_CHECK(std::isfinite(f->constant_), "angle factor ", f->constant_, " is not finite");
    for (const Term& t : f->terms_)
      TANGLE_CHECK(std::isfinite(t.coef), "angle coefficient ", t.coef, " is not finite");
  }
  Expr e;
  e.constant_ = a.constant_ * b.constant_;
  for (const Term& t : b.terms_) e.terms_.push_back({a.constant_ * t.coef, t.weight, t.input, t.input2});
  for (const Term& t : a.terms_) e.terms_.push_back({b.constant_ * t.coef, t.weight, t.input, t.input2});
  for (const Term& s : a.terms_) {
    for (const Term& t : b.terms_) {
      TANGLE_CHECK(!(s.weight >= 0 && t.weight >= 0), "angle is not affine in the weights: the product ",
                   term_name(s), " * ", term_name(t),
                   " has two weights (a term may hold one weight and up to two inputs)");
      TANGLE_CHECK(n_inputs(s) + n_inputs(t) <= 2, "angle product ", term_name(s), " * ", term_name(t),
                   " has more than two inputs (a term may hold one weight and up to two inputs)");
      std::int32_t in[2] = {-1, -1};
      int n = 0;
      for (std::int32_t j : {s.input, s.input2, t.input, t.input2})
        if (j >= 0) in[n++] = j;
      e.terms_.push_back({s.coef * t.coef, std::max(s.weight, t.weight), in[0], in[1]});
    }
  }
  e.canonicalize();
  return e;
}

Expr operator/(const Expr& a, double b) {
  TANGLE_CHECK(b != 0.0 && std::isfinite(b), "angle divided by ", b);
  return a * Expr(1.0 / b);
}

bool operator==(const Expr& a, const Expr& b) {
  if (a.constant_ != b.constant_ || a.terms_.size() != b.terms_.size()) return false;
  for (size_t i = 0; i < a.terms_.size(); ++i) {
    const Term &s = a.terms_[i], &t = b.terms_[i];
    if (s.coef != t.coef || s.weight != t.weight || s.input != t.input || s.input2 != t.input2) return false;
  }
  return true;
}

std::string Expr::to_string() const {
  std::ostringstream out;
  out.precision(6);
  bool first = true;
  for (const Term& t : terms_) {
    double c = t.coef;
    if (!first) {
      out << (c < 0 ? " - " : " + ");
      c = std::abs(c);
    } else if (c < 0 && c == -1.0) {
      out << "-";
      c = 1.0;
    }
    if (c != 1.0) out << c << "*";
    out << term_name(t);
    first = false;
  }
  if (first) {
    out << constant_;
  } else if (constant_ != 0.0) {
    out << (constant_ < 0 ? " - " : " + ") << std::abs(constant_);
  }
  return out.str();
}

ParamBlock::ParamBlock(ParamKind kind, index_t offset, std::vector<index_t> shape)
    : kind_(kind), offset_(offset), shape_(std::move(shape)) {
  size_ = 1;
  for (index_t d : shape_) {
    TANGLE_CHECK(d >= 0, "parameter block dimension ", d, " is negative");
    // The product must stay an index_t (a wrapped size would index the wrong parameters).
    TANGLE_CHECK(d == 0 || size_ <= INT64_MAX / d, "parameter block dimension ", d, " makes the block's size overflow");
    size_ *= d;
  }
}

Expr ParamBlock::operator[](index_t i) const {
  TANGLE_CHECK(i >= 0 && i < size_, (kind_ == ParamKind::Weight ? "weight" : "input"),
               " block index ", i, " is out of range [0, ", size_, ")");
  return kind_ == ParamKind::Weight ? Expr::weight(offset_ + i) : Expr::input(offset_ + i);
}

Expr ParamBlock::at(std::initializer_list<index_t> index) const {
  TANGLE_CHECK(index.size() == shape_.size(), "parameter block has ", shape_.size(),
               " dimensions but ", index.size(), " indices were given");
  index_t flat = 0;
  size_t d = 0;
  for (index_t i : index) {
    TANGLE_CHECK(i >= 0 && i < shape_[d], "index ", i, " of dimension ", d, " is out of range [0, ",
                 shape_[d], ")");
    flat = flat * shape_[d] + i;
    ++d;
  }
  return (*this)[flat];
}

ParamBlock ParamBlock::operator()(index_t i) const {
  TANGLE_CHECK(!shape_.empty(), "cannot slice a scalar parameter block");
  TANGLE_CHECK(i >= 0 && i < shape_[0], "slice index ", i, " is out of range [0, ", shape_[0], ")");
  std::vector<index_t> sub(shape_.begin() + 1, shape_.end());
  index_t stride = 1;
  for (index_t d : sub) stride *= d;
  return ParamBlock(kind_, offset_ + i * stride, sub);
}

}  // namespace tangle
