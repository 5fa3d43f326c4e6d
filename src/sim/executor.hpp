// Runs a lowered program over a batch: forward, and optionally the adjoint sweep.
#pragma once

#include <cstdint>

#include "lowered.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::detail {

struct ExecRequest {
  const double* inputs = nullptr;   // [batch, n_inputs], finite
  const double* weights = nullptr;  // [n_weights], finite
  index_t batch = 0;
  const double* cotangent = nullptr;  // [batch, n_outputs]; when set, the adjoint sweep runs
  bool per_sample_weights = false;    // d_weights is [batch, n_weights] instead of [n_weights]

  double* outputs = nullptr;    // [batch, n_outputs]
  double* d_weights = nullptr;  // zeroed by the caller
  double* d_inputs = nullptr;   // [batch, n_inputs], zeroed by the caller
  cdouble* states = nullptr;    // [batch, 2^n]
  RunInfo* info = nullptr;      // what the run reports beside its outputs, when asked
};

/// Validates the request's values (finite inputs, weights, angles) and runs it on the backend
/// `options.backend` names (backend.cpp), Auto resolved.
void execute(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);

/// Bytes `execute` would allocate for this batch.
std::uint64_t execute_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                             bool gradient);

/// The backend `options.backend` resolves to for this program.
Backend resolve_backend(const LoweredProgram& program, const RunOptions& options);

/// The state-vector backend (executor.cpp).
void execute_statevector(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);
std::uint64_t statevector_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                 bool gradient);

}  // namespace tangle::detail
