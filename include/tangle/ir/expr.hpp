/// @file
/// Angles as affine forms over trainable weights w and per-sample inputs x:
///
/// @verbatim
///   angle = c + sum_t coef_t * [w_k] * [x_j] * [x_m]
/// @endverbatim
///
/// where each term holds at most one weight and at most two inputs. This covers angle encoding
/// (x_j), trainable angles (w_k), scaled inputs (0.5 x_j), trainable pre-scaling of re-uploaded
/// data (w_k x_j + w_m, as in Perez-Salinas et al. and DARUAN), constant offsets, and the
/// products of two features of IQP embeddings (x_j x_m).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle {

/// One term coef * [w_weight] * [x_input] * [x_input2]; an index of -1 means the factor is
/// absent, and input2 is used only with input (input <= input2).
struct Term {
  double coef = 0.0;         ///< the term's coefficient
  std::int32_t weight = -1;  ///< index k of its weight factor w_k, or -1
  std::int32_t input = -1;   ///< index j of its first input factor x_j, or -1
  std::int32_t input2 = -1;  ///< index m of its second input factor x_m, or -1
};

/// An angle (or channel strength): the affine form c + sum_t coef_t [w_k] [x_j] [x_m] described
/// above, kept canonical (terms with the same factors merged, zero coefficients dropped, sorted)
/// so that equal forms compare equal. The default is the constant 0.
class Expr {
 public:
  Expr() = default;
  /// The constant `constant` (implicit, so `rx(0.5, q)` works).
  Expr(double constant) : constant_(constant) {}  // NOLINT: implicit, so rx(0.5, q) works
  /// The constant `constant`.
  Expr(int constant) : constant_(constant) {}     // NOLINT

  /// The weight w_k alone; ValueError unless 0 <= k < 2^31 - 1.
  static Expr weight(index_t k);
  /// The input x_j alone; ValueError unless 0 <= j < 2^31 - 1.
  static Expr input(index_t j);

  /// The constant part c.
  double constant() const { return constant_; }
  /// The non-constant terms, in canonical order.
  const std::vector<Term>& terms() const { return terms_; }

  /// True when the form has no weight or input terms.
  bool is_constant() const { return terms_.empty(); }
  /// True when some term has a weight factor.
  bool uses_weights() const;
  /// True when some term has an input factor.
  bool uses_inputs() const;
  /// Largest weight index used, or -1.
  index_t max_weight() const;
  /// Largest input index used (either input factor), or -1.
  index_t max_input() const;

  /// Value for one sample: `w` holds all weights, `x` the sample's inputs (may be null if unused).
  template <typename T>
  double eval(const T* w, const T* x) const {
    double v = constant_;
    for (const Term& t : terms_) {
      double f = t.coef;
      if (t.weight >= 0) f *= static_cast<double>(w[t.weight]);
      if (t.input >= 0) f *= static_cast<double>(x[t.input]);
      if (t.input2 >= 0) f *= static_cast<double>(x[t.input2]);
      v += f;
    }
    return v;
  }

  /// Human-readable form, e.g. "0.5*x[1]*w[0] + w[1]".
  std::string to_string() const;

  /// Every coefficient and the constant negated.
  Expr operator-() const;
  /// The sum of both forms (canonical).
  friend Expr operator+(const Expr& a, const Expr& b);
  /// a + (-b).
  friend Expr operator-(const Expr& a, const Expr& b);
  /// Throws ValueError if the product is not of the form above (two weights or three inputs in a term).
  friend Expr operator*(const Expr& a, const Expr& b);
  /// a * (1 / b); ValueError when `b` is zero or not finite.
  friend Expr operator/(const Expr& a, double b);
  /// *this = *this + b.
  Expr& operator+=(const Expr& b) { return *this = *this + b; }
  /// *this = *this * b (same errors as operator*).
  Expr& operator*=(const Expr& b) { return *this = *this * b; }

  /// Exact equality of the canonical forms (constant, and every term's coefficient and factors).
  friend bool operator==(const Expr& a, const Expr& b);

 private:
  void canonicalize();
  double constant_ = 0.0;
  std::vector<Term> terms_;
};

/// Which parameter vector a block indexes: the trainable weights (shared by the batch) or the
/// per-sample inputs.
enum class ParamKind : std::uint8_t { Weight, Input };

/// A contiguous, optionally shaped block of weights or inputs of a circuit.
/// `block[i]` is the i-th element (flat, row-major) as an Expr; `block.at({l, q, r})` indexes by shape.
class ParamBlock {
 public:
  /// An empty block (kind Weight, offset 0, no dimensions, size 0).
  ParamBlock() = default;
  /// The elements offset .. offset + prod(shape) - 1 of the weights or inputs, read row-major
  /// with `shape` (empty: one scalar). ValueError for a negative dimension. Circuit::weights and
  /// Circuit::inputs make blocks; this constructor does not reserve anything in a circuit.
  ParamBlock(ParamKind kind, index_t offset, std::vector<index_t> shape);

  /// Weights or inputs.
  ParamKind kind() const { return kind_; }
  /// Index of the block's first element in the circuit's weight (or input) vector.
  index_t offset() const { return offset_; }
  /// Number of elements: the product of shape().
  index_t size() const { return size_; }
  /// The block's dimensions (empty for a scalar).
  const std::vector<index_t>& shape() const { return shape_; }

  /// Element `i` (flat, row-major) as Expr::weight or Expr::input; ValueError unless
  /// 0 <= i < size().
  Expr operator[](index_t i) const;
  /// The element at a full multi-index (one index per dimension); ValueError for a wrong count
  /// or an index out of its dimension's range.
  Expr at(std::initializer_list<index_t> index) const;
  /// The sub-block at position `i` of the first dimension (shape without it); ValueError for a
  /// scalar block or an `i` out of range.
  ParamBlock operator()(index_t i) const;

 private:
  ParamKind kind_ = ParamKind::Weight;
  index_t offset_ = 0;
  std::vector<index_t> shape_;
  index_t size_ = 0;
};

}  // namespace tangle
