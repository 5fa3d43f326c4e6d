// Exact gradients by the batched adjoint method.
//
// vjp() returns, for a cotangent g [batch, n_outputs] of the outputs y = forward(x, w),
//   d_weights[k]   = sum_b sum_o g[b,o] dy[b,o]/dw_k        (summed over the batch)
//   d_inputs[b, j] = sum_o g[b,o] dy[b,o]/dx[b,j]           (per sample)
// in about three forward passes, whatever the number of weights and outputs: the backward
// sweep starts from lambda = sum_o g_o O_o |psi> and un-applies the circuit on psi and lambda.
#pragma once

#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle {

struct VjpResult {
  std::vector<double> outputs;    // [batch, n_outputs]
  std::vector<double> d_weights;  // [n_weights]
  std::vector<double> d_inputs;   // [batch, n_inputs]
};

/// Per-sample derivatives of every output.
struct Jacobian {
  std::vector<double> outputs;    // [batch, n_outputs]
  std::vector<double> d_weights;  // [batch, n_outputs, n_weights]
  std::vector<double> d_inputs;   // [batch, n_outputs, n_inputs]
};

/// Pointer form for zero-copy callers (the torch bridge). `outputs` and `d_inputs` may be null.
template <typename T>
void vjp(const Program& program, const T* inputs, index_t batch, const T* weights, const T* cotangent,
         T* outputs, T* d_weights, T* d_inputs, const RunOptions& options = {});

VjpResult vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
              const std::vector<double>& weights, const std::vector<double>& cotangent,
              const RunOptions& options = {});

/// The full Jacobian by one adjoint sweep per output.
Jacobian jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                  const std::vector<double>& weights, const RunOptions& options = {});

}  // namespace tangle
