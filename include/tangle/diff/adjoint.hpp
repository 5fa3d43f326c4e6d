/// @file
/// Exact gradients by the batched adjoint method.
///
/// vjp() returns, for a cotangent g [batch, n_outputs] of the outputs y = forward(x, w),
/// @verbatim
///   d_weights[k]   = sum_b sum_o g[b,o] dy[b,o]/dw_k        (summed over the batch)
///   d_inputs[b, j] = sum_o g[b,o] dy[b,o]/dx[b,j]           (per sample)
/// @endverbatim
/// in about three forward passes, whatever the number of weights and outputs: the backward
/// sweep starts from lambda = sum_o g_o O_o |psi> and un-applies the circuit on psi and lambda.
#pragma once

#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle {

/// The outputs of a run and the vector-Jacobian product for one cotangent (see the file's top).
struct VjpResult {
  std::vector<double> outputs;    ///< forward outputs, [batch, n_outputs]
  std::vector<double> d_weights;  ///< sum over the batch of g . dy/dw, [n_weights]
  std::vector<double> d_inputs;   ///< per sample g . dy/dx, [batch, n_inputs]
};

/// Per-sample derivatives of every output.
struct Jacobian {
  std::vector<double> outputs;    ///< forward outputs, [batch, n_outputs]
  std::vector<double> d_weights;  ///< dy[b,o]/dw_k, [batch, n_outputs, n_weights]
  std::vector<double> d_inputs;   ///< dy[b,o]/dx[b,j], [batch, n_outputs, n_inputs]
};

/// Pointer form for zero-copy callers (the torch bridge): T is float or double, the arrays are
/// row-major with the shapes of VjpResult (sizes unchecked), `cotangent` is [batch, n_outputs].
/// `outputs`, `d_weights` and `d_inputs` may each be null to skip them. ValueError for batch < 1.
template <typename T>
void vjp(const Program& program, const T* inputs, index_t batch, const T* weights, const T* cotangent,
         T* outputs, T* d_weights, T* d_inputs, const RunOptions& options = {});

/// The outputs and the VJP for `cotangent` [batch, n_outputs], in one forward and one backward
/// sweep; ValueError when a vector's size does not match the batch and the program.
VjpResult vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
              const std::vector<double>& weights, const std::vector<double>& cotangent,
              const RunOptions& options = {});

/// The full Jacobian by one adjoint sweep per output.
Jacobian jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                  const std::vector<double>& weights, const RunOptions& options = {});

}  // namespace tangle
