// Angles as affine forms over trainable weights w and per-sample inputs x:
//
//   angle = c + sum_t coef_t * [w_k] * [x_j] * [x_m]
//
// where each term holds at most one weight and at most two inputs. This covers angle encoding
// (x_j), trainable angles (w_k), scaled inputs (0.5 x_j), trainable pre-scaling of re-uploaded
// data (w_k x_j + w_m, as in Perez-Salinas et al. and DARUAN), constant offsets, and the
// products of two features of IQP embeddings (x_j x_m).
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
  double coef = 0.0;
  std::int32_t weight = -1;
  std::int32_t input = -1;
  std::int32_t input2 = -1;
};

class Expr {
 public:
  Expr() = default;
  Expr(double constant) : constant_(constant) {}  // NOLINT: implicit, so rx(0.5, q) works
  Expr(int constant) : constant_(constant) {}     // NOLINT

  static Expr weight(index_t k);
  static Expr input(index_t j);

  double constant() const { return constant_; }
  const std::vector<Term>& terms() const { return terms_; }

  bool is_constant() const { return terms_.empty(); }
  bool uses_weights() const;
  bool uses_inputs() const;
  /// Largest weight / input index used, or -1.
  index_t max_weight() const;
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

  Expr operator-() const;
  friend Expr operator+(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a, const Expr& b);
  /// Throws ValueError if the product is not of the form above (two weights or three inputs in a term).
  friend Expr operator*(const Expr& a, const Expr& b);
  friend Expr operator/(const Expr& a, double b);
  Expr& operator+=(const Expr& b) { return *this = *this + b; }
  Expr& operator*=(const Expr& b) { return *this = *this * b; }

  friend bool operator==(const Expr& a, const Expr& b);

 private:
  void canonicalize();
  double constant_ = 0.0;
  std::vector<Term> terms_;
};

enum class ParamKind : std::uint8_t { Weight, Input };

/// A contiguous, optionally shaped block of weights or inputs of a circuit.
/// `block[i]` is the i-th element (flat, row-major) as an Expr; `block.at({l, q, r})` indexes by shape.
class ParamBlock {
 public:
  ParamBlock() = default;
  ParamBlock(ParamKind kind, index_t offset, std::vector<index_t> shape);

  ParamKind kind() const { return kind_; }
  index_t offset() const { return offset_; }
  index_t size() const { return size_; }
  const std::vector<index_t>& shape() const { return shape_; }

  Expr operator[](index_t i) const;
  Expr at(std::initializer_list<index_t> index) const;
  /// The sub-block at position `i` of the first dimension.
  ParamBlock operator()(index_t i) const;

 private:
  ParamKind kind_ = ParamKind::Weight;
  index_t offset_ = 0;
  std::vector<index_t> shape_;
  index_t size_ = 0;
};

}  // namespace tangle
