// The one place that picks the simulator a run goes to: every public entry point (forward, vjp,
// sampling, states) reaches a backend through execute().
#include <algorithm>
#include <string>

#include "executor.hpp"
#include "readout_error.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"

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

namespace {
// Options that no backend reads the same way: refused by value before a run picks its backend.
void check_options(const RunOptions& options) {
  TANGLE_CHECK(options.precision == Precision::F32 || options.precision == Precision::F64, "precision value ",
               static_cast<int>(options.precision), " is not f32 or f64");
  TANGLE_CHECK(static_cast<int>(options.backend) <= static_cast<int>(Backend::Mps), "backend value ",
               static_cast<int>(options.backend), " is not one of auto, statevector, density_matrix, trajectories, mps");
}
}  // namespace

void check_result_allocation(index_t rows, index_t row_elements, std::uint64_t element_bytes, const char* what) {
  const unsigned __int128 bytes = static_cast<unsigned __int128>(std::max<index_t>(rows, 0)) *
                                  static_cast<std::uint64_t>(std::max<index_t>(row_elements, 0)) * element_bytes;
  const std::uint64_t clamped = bytes > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(bytes);
  check_allocation(clamped, 0, concat(what, " of ", rows, " x ", row_elements, " values"));
}

Backend resolve_backend(const LoweredProgram& program, const RunOptions& options) {
  if (options.backend != Backend::Auto) return options.backend;
  if (!program.has_channels) return Backend::StateVector;
  return program.n_qubits <= kAutoDensityQubits ? Backend::DensityMatrix : Backend::Trajectories;
}

void execute(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  check_options(options);
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
  check_options(options);
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
