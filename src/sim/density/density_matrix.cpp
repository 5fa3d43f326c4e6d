// The density-matrix backend: exact mixed states, vec(rho) of n qubits held as a state on 2n bits
// in the tiles of the state-vector kernels (mixed/steps.hpp has the layout), the batch in the
// lanes. Unitaries act as U on the row bits and conj(U) on the column bits, channels as their
// superoperators; a gate and the noise after it run as one superoperator pass. Readouts are
// linear, Tr(O rho). Gradients come from the adjoint pass of mixed/engine.hpp: the cotangent
// Lambda goes back through the adjoint maps, and the state before each step is un-applied, or
// restored from a copy where a channel cannot be un-applied accurately.
#include "../executor.hpp"
#include "../mixed/engine.hpp"
#include "tangle/core/error.hpp"

namespace tangle::detail {

namespace {

mixed::EngineRequest engine_request(const ExecRequest& request) {
  mixed::EngineRequest r;
  r.inputs = request.inputs;
  r.weights = request.weights;
  r.rows = request.batch;
  r.cotangent = request.cotangent;
  r.per_sample_weights = request.per_sample_weights;
  r.outputs = request.outputs;
  r.d_weights = request.d_weights;
  r.d_inputs = request.d_inputs;
  r.density = request.density;
  return r;
}

}  // namespace

void execute_density_matrix(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  TANGLE_CHECK(program.n_qubits <= kMaxDensityQubits, "the density-matrix backend holds 4^n entries per sample: ",
               program.n_qubits, " qubits are more than its ", kMaxDensityQubits, " (use the trajectories backend)");
  TANGLE_CHECK(request.states == nullptr, "a density-matrix run has no state vectors: ask for density matrices");
  check_request(program, request);
  const mixed::EngineRequest r = engine_request(request);
  if (options.precision == Precision::F32) {
    mixed::Engine<float>(program, mixed::Space::Doubled, options, r).run();
  } else {
    mixed::Engine<double>(program, mixed::Space::Doubled, options, r).run();
  }
}

std::uint64_t density_matrix_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                    bool gradient) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(program.n_qubits <= kMaxDensityQubits, "the density-matrix backend holds at most ", kMaxDensityQubits,
               " qubits, not ", program.n_qubits);
  std::vector<double> zeros(static_cast<size_t>(std::max<index_t>({program.n_weights, program.n_inputs, 1})), 0.0);
  double cot = 0.0;
  mixed::EngineRequest r;
  r.inputs = zeros.data();
  r.weights = zeros.data();
  r.rows = batch;
  r.cotangent = gradient ? &cot : nullptr;
  if (options.precision == Precision::F32)
    return mixed::Engine<float>(program, mixed::Space::Doubled, options, r).memory_bytes();
  return mixed::Engine<double>(program, mixed::Space::Doubled, options, r).memory_bytes();
}

}  // namespace tangle::detail
