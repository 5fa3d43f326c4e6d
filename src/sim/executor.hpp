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
  cdouble* density = nullptr;   // [batch, 2^n, 2^n]: mixed-state backends only
  RunInfo* info = nullptr;      // what the run reports beside its outputs, when asked
};

/// Validates the request's values (finite inputs, weights, angles) and runs it on the backend
/// `options.backend` names (backend.cpp), Auto resolved.
void execute(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);

/// Bytes `execute` would allocate for this batch.
std::uint64_t execute_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                             bool gradient);

/// Throws MemoryError, before the caller allocates it, when a result array (`what`, e.g. "the
/// outputs") of `rows` x `row_elements` values of `element_bytes` each exceeds the memory
/// available (a size past 2^64 included). The run's own estimate checks RunOptions::memory_limit.
void check_result_allocation(index_t rows, index_t row_elements, std::uint64_t element_bytes, const char* what);

/// The backend `options.backend` resolves to for this program.
Backend resolve_backend(const LoweredProgram& program, const RunOptions& options);

/// Throws ValueError naming the first bad value of a request: a non-finite input, weight,
/// cotangent or angle, an embedding that cannot be normalized, a channel strength out of range.
void check_request(const LoweredProgram& program, const ExecRequest& request);

/// The state-vector backend (executor.cpp).
void execute_statevector(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);
std::uint64_t statevector_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                 bool gradient);

/// Qubits the density-matrix backend accepts (a state of 13 qubits is 0.5 GiB in single precision, 1 GiB in double).
inline constexpr int kMaxDensityQubits = 13;

/// Auto runs noisy circuits of up to this many qubits on the density matrix, larger ones on trajectories.
inline constexpr int kAutoDensityQubits = 12;

/// The density-matrix backend (density/density_matrix.cpp).
void execute_density_matrix(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);
std::uint64_t density_matrix_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                    bool gradient);

/// The trajectories backend (trajectories/trajectories.cpp).
void execute_trajectories(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);
std::uint64_t trajectories_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                  bool gradient);

}  // namespace tangle::detail
