// The one place that picks the simulator a run goes to: every public entry point (forward, vjp,
// sampling, states) reaches a backend through execute().
#include <string>

#include "executor.hpp"
#include "readout_error.hpp"
#include "tangle/core/error.hpp"

namespace tangle {

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::Auto: return "auto";
    case Backend::StateVector: return "statevector";
    case Backend::DensityMatrix: return "density_matrix";
    case Backend::Trajectories: return "trajectories";
    case Backend::Mps: return "mps";
  }
  return "?";
}

Backend backend_from_name(const std::string& name) {
  for (Backend b : {Backend::Auto, Backend::StateVector, Backend::DensityMatrix, Backend::Trajectories, Backend::Mps})
    if (name == backend_name(b)) return b;
  throw ValueError(detail::concat("backend \"", name,
                                  "\" is not one of auto, statevector, density_matrix, trajectories, mps"));
}

namespace detail {

Backend resolve_backend(const LoweredProgram& program, const RunOptions& options) {
  if (options.backend != Backend::Auto) return options.backend;
  if (!program.has_channels) return Backend::StateVector;
  return program.n_qubits <= kAutoDensityQubits ? Backend::DensityMatrix : Backend::Trajectories;
}

void execute(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  // Readout error maps what the backend reads out (outputs, cotangents): states pass untouched.
  if (!program.readout_error.empty() && (request.outputs != nullptr || request.cotangent != nullptr)) {
    execute_with_readout_error(program, options, request);
    return;
  }
  const Backend backend = resolve_backend(program, options);
  if (request.info != nullptr) request.info->backend = backend;
  switch (backend) {
    case Backend::StateVector:
      execute_statevector(program, options, request);
      return;
    case Backend::DensityMatrix:
      execute_density_matrix(program, options, request);
      return;
    case Backend::Trajectories:
      execute_trajectories(program, options, request);
      return;
    default:
      throw ValueError(concat("the ", backend_name(backend), " backend is not available in this build"));
  }
}

std::uint64_t execute_memory(const LoweredProgram& program, const RunOptions& options, index_t batch, bool gradient) {
  if (!program.readout_error.empty()) {
    const LoweredProgram& measured = measured_program(program).program;
    const std::uint64_t maps = sizeof(double) * static_cast<std::uint64_t>(batch * measured.n_outputs) * (gradient ? 2 : 1);
    return execute_memory(measured, options, batch, gradient) + maps;
  }
  const Backend backend = resolve_backend(program, options);
  switch (backend) {
    case Backend::StateVector: return statevector_memory(program, options, batch, gradient);
    case Backend::DensityMatrix: return density_matrix_memory(program, options, batch, gradient);
    case Backend::Trajectories: return trajectories_memory(program, options, batch, gradient);
    default:
      throw ValueError(concat("the ", backend_name(backend), " backend is not available in this build"));
  }
}

}  // namespace detail
}  // namespace tangle
