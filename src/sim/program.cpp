#include "tangle/sim/program.hpp"

#include <type_traits>

#include "executor.hpp"
#include "lowered.hpp"
#include "readout_error.hpp"
#include "tangle/core/error.hpp"

namespace tangle {

Program::Program(Circuit circuit, std::vector<Readout> readouts)
    : Program(std::move(circuit), std::move(readouts), NoiseModel()) {}

Program::Program(Circuit circuit, std::vector<Readout> readouts, const NoiseModel& noise)
    : circuit_(noise.rules().empty() ? std::move(circuit) : noise.apply(circuit)),
      noise_(noise),
      readouts_(std::move(readouts)) {
  if (!noise.rules().empty()) source_ = std::move(circuit);
  TANGLE_CHECK(!readouts_.empty(), "a program needs at least one readout");
  lowered_ = std::make_unique<detail::LoweredProgram>(detail::lower(circuit_, readouts_));
  lowered_->readout_error = noise_.readout_errors(circuit_.n_qubits());
  detail::check_readout_error(readouts_, lowered_->readout_error);
  n_outputs_ = lowered_->n_outputs;
}

Program::~Program() = default;
Program::Program(const Program& o)
    : circuit_(o.circuit_), source_(o.source_), noise_(o.noise_), readouts_(o.readouts_), n_outputs_(o.n_outputs_),
      lowered_(std::make_unique<detail::LoweredProgram>(*o.lowered_)) {}
Program& Program::operator=(const Program& o) {
  if (this != &o) *this = Program(o);
  return *this;
}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;

namespace detail {

// The executor works in double; float callers are widened once at the boundary.
template <typename T>
const double* as_double(const T* data, index_t n, std::vector<double>& storage) {
  if constexpr (std::is_same_v<T, double>) {
    return data;
  } else {
    storage.assign(data, data + n);
    return storage.data();
  }
}

}  // namespace detail

template <typename T>
void forward(const Program& program, const T* inputs, index_t batch, const T* weights, T* outputs,
             const RunOptions& options, RunInfo* info) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  std::vector<double> x_store, w_store, y;
  detail::ExecRequest req;
  req.batch = batch;
  req.info = info;
  req.inputs = detail::as_double(inputs, batch * program.n_inputs(), x_store);
  req.weights = detail::as_double(weights, program.n_weights(), w_store);
  if constexpr (std::is_same_v<T, double>) {
    req.outputs = outputs;
  } else {
    y.assign(static_cast<size_t>(batch * program.n_outputs()), 0.0);
    req.outputs = y.data();
  }
  detail::execute(program.lowered(), options, req);
  if constexpr (!std::is_same_v<T, double>) {
    for (size_t i = 0; i < y.size(); ++i) outputs[i] = static_cast<T>(y[i]);
  }
}

template void forward<float>(const Program&, const float*, index_t, const float*, float*, const RunOptions&, RunInfo*);
template void forward<double>(const Program&, const double*, index_t, const double*, double*, const RunOptions&,
                               RunInfo*);

namespace {
void check_sizes(const Program& program, size_t inputs, index_t batch, size_t weights) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(inputs == static_cast<size_t>(batch * program.n_inputs()), "inputs have ", inputs,
               " values but batch ", batch, " x ", program.n_inputs(), " inputs needs ", batch * program.n_inputs());
  TANGLE_CHECK(weights == static_cast<size_t>(program.n_weights()), "weights have ", weights,
               " values but the circuit has ", program.n_weights(), " weights");
}
}  // namespace

std::vector<double> forward(const Program& program, const std::vector<double>& inputs, index_t batch,
                            const std::vector<double>& weights, const RunOptions& options, RunInfo* info) {
  check_sizes(program, inputs.size(), batch, weights.size());
  detail::check_result_allocation(batch, program.n_outputs(), sizeof(double), "the outputs");
  std::vector<double> out(static_cast<size_t>(batch * program.n_outputs()));
  forward<double>(program, inputs.data(), batch, weights.data(), out.data(), options, info);
  return out;
}

std::vector<std::complex<double>> states(const Program& program, const std::vector<double>& inputs, index_t batch,
                                         const std::vector<double>& weights, const RunOptions& options) {
  check_sizes(program, inputs.size(), batch, weights.size());
  TANGLE_CHECK(program.n_qubits() <= 30, "states of ", program.n_qubits(), " qubits are too large to return");
  detail::check_result_allocation(batch, index_t{1} << program.n_qubits(), sizeof(std::complex<double>), "the states");
  std::vector<std::complex<double>> out(static_cast<size_t>(batch) << program.n_qubits());
  detail::ExecRequest req;
  req.batch = batch;
  req.inputs = inputs.data();
  req.weights = weights.data();
  req.states = out.data();
  detail::execute(program.lowered(), options, req);
  return out;
}

std::vector<std::complex<double>> density_matrices(const Program& program, const std::vector<double>& inputs,
                                                   index_t batch, const std::vector<double>& weights,
                                                   const RunOptions& options) {
  check_sizes(program, inputs.size(), batch, weights.size());
  TANGLE_CHECK(options.backend == Backend::Auto || options.backend == Backend::DensityMatrix,
               "density matrices come from the density_matrix backend, not ", backend_name(options.backend));
  TANGLE_CHECK(program.n_qubits() <= detail::kMaxDensityQubits, "density matrices of ", program.n_qubits(),
               " qubits are too large to return (at most ", detail::kMaxDensityQubits, ")");
  detail::check_result_allocation(batch, index_t{1} << (2 * program.n_qubits()), sizeof(std::complex<double>),
                                  "the density matrices");
  RunOptions o = options;
  o.backend = Backend::DensityMatrix;
  std::vector<std::complex<double>> out(static_cast<size_t>(batch) << (2 * program.n_qubits()));
  detail::ExecRequest req;
  req.batch = batch;
  req.inputs = inputs.data();
  req.weights = weights.data();
  req.density = out.data();
  detail::execute(program.lowered(), o, req);
  return out;
}

std::uint64_t memory_estimate(const Program& program, index_t batch, const RunOptions& options, bool gradient) {
  return detail::execute_memory(program.lowered(), options, batch, gradient);
}

}  // namespace tangle
