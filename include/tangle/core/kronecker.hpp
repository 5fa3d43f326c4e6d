/// @file
/// A Kronecker product of 2 x 2 real matrices applied to a vector axis by axis, never formed:
/// the per-wire maps of readout error and of its mitigation.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace tangle {

/// A real 2 x 2 matrix as rows: `m[row][column]`.
using Matrix2 = std::array<std::array<double, 2>, 2>;

/// v (2^k values, axis 0 the most significant bit of the index) <- (A_0 (x) ... (x) A_(k-1)) v.
inline void apply_kronecker2(std::vector<double>& v, const std::vector<Matrix2>& a) {
  const std::size_t k = a.size();
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t bit = std::size_t{1} << (k - 1 - i);
    const Matrix2& m = a[i];
    for (std::size_t j = 0; j < v.size(); ++j) {
      if (j & bit) continue;
      const double v0 = v[j], v1 = v[j | bit];
      v[j] = m[0][0] * v0 + m[0][1] * v1;
      v[j | bit] = m[1][0] * v0 + m[1][1] * v1;
    }
  }
}

}  // namespace tangle
