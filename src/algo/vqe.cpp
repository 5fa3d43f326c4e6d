// VQE: the optimizer sees an Objective built from one Program (ansatz, <H>, noise).
#include "tangle/algo/vqe.hpp"

#include "tangle/algo/metric_tensor.hpp"
#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/diff/param_shift.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/sampling.hpp"

namespace tangle::algo {

std::vector<std::string> vqe_ansatz_names() {
  return {"ry-rz", "efficient-su2", "hardware-efficient", "real-amplitudes"};
}

Circuit vqe_ansatz(const std::string& name, int n_qubits, int layers) {
  TANGLE_CHECK(n_qubits >= 1, "ansatz: n_qubits ", n_qubits, " must be >= 1");
  TANGLE_CHECK(layers >= 0, "ansatz: layers ", layers, " must be >= 0");
  Circuit c(n_qubits);
  std::vector<int> wires(static_cast<size_t>(n_qubits));
  for (int i = 0; i < n_qubits; ++i) wires[static_cast<size_t>(i)] = i;
  const auto n = static_cast<index_t>(n_qubits);
  if (name == "ry-rz") {
    ry_rz(c, c.weights(2 * n * (layers + 1)), wires, layers);
  } else if (name == "efficient-su2") {
    efficient_su2(c, c.weights(2 * n * (layers + 1)), wires, layers);
  } else if (name == "real-amplitudes") {
    real_amplitudes(c, c.weights(n * (layers + 1)), wires, layers);
  } else if (name == "hardware-efficient") {
    TANGLE_CHECK(layers >= 1, "hardware-efficient ansatz: layers ", layers, " must be >= 1");
    hardware_efficient(c, c.weights(3 * n * layers), wires, layers);
  } else {
    throw ValueError("unknown ansatz '" + name + "' (known: " + detail::join(vqe_ansatz_names()) + ")");
  }
  return c;
}

GradientMethod gradient_method_from_name(const std::string& name) {
  if (name == "adjoint") return GradientMethod::Adjoint;
  if (name == "parameter-shift" || name == "param-shift" || name == "parameter_shift") return GradientMethod::ParameterShift;
  throw ValueError("unknown gradient method '" + name + "' (known: adjoint, parameter-shift)");
}

VqeResult vqe(const Circuit& ansatz, const PauliSum& hamiltonian, std::vector<double> initial_weights,
              const VqeOptions& options, const VqeCallback& callback) {
  TANGLE_CHECK(ansatz.n_inputs() == 0, "VQE: the ansatz has ", ansatz.n_inputs(), " inputs; it must have none");
  TANGLE_CHECK(hamiltonian.max_wire() < ansatz.n_qubits(), "VQE: the Hamiltonian acts on wire ",
               hamiltonian.max_wire(), " but the ansatz has ", ansatz.n_qubits(), " qubits");
  TANGLE_CHECK(initial_weights.size() == static_cast<size_t>(ansatz.n_weights()), "VQE: ", initial_weights.size(),
               " initial weights for an ansatz with ", ansatz.n_weights());
  TANGLE_CHECK(options.shots >= 0, "VQE: shots ", options.shots, " must be >= 0");
  const Program program(ansatz, {Readout::expval(hamiltonian)}, options.noise);
  long long executions = 0;
  std::uint64_t draw = options.seed;

  // Rotations a parameter shift runs twice each.
  long long shifted = 0;
  for (const Op& op : ansatz.ops())
    for (const Expr& e : op.angles) shifted += e.uses_weights() ? 1 : 0;

  auto energy = [&](const std::vector<double>& w) {
    ++executions;
    const auto v = options.shots > 0 ? forward_shots(program, {}, 1, w, options.shots, draw++, options.run)
                                     : forward(program, {}, 1, w, options.run);
    return v[0];
  };
  Objective objective;
  objective.value = energy;
  objective.gradient = [&](const std::vector<double>& w, std::vector<double>& grad) {
    if (options.gradient == GradientMethod::Adjoint) {
      TANGLE_CHECK(options.shots == 0, "VQE: adjoint gradients are exact; with shots use the parameter-shift gradient");
      ++executions;
      const VjpResult r = vjp(program, {}, 1, w, {1.0}, options.run);
      grad = r.d_weights;
      return r.outputs[0];
    }
    const VjpResult r = param_shift_vjp(program, {}, 1, w, {1.0}, options.shots, draw++, options.run);
    executions += 1 + 2 * shifted;
    grad = r.d_weights;
    return r.outputs[0];
  };
  objective.metric = [&](const std::vector<double>& w) { return metric_tensor(ansatz, {}, w, MetricApproximation::BlockDiagonal, options.run); };

  VqeResult result;
  result.optimizer = minimize(objective, std::move(initial_weights), options.optimizer,
                              [&](int it, const std::vector<double>&, double value) {
                                return callback ? callback(it, value, executions) : true;
                              });
  result.weights = result.optimizer.x;
  result.energy = energy(result.weights);
  if (options.zne && !options.noise.empty()) {
    ZneOptions z = *options.zne;
    z.shots = options.shots;
    const ZneResult r = zne(ansatz, {Readout::expval(hamiltonian)}, options.noise, {}, 1, result.weights, z, options.run);
    result.mitigated_energy = r.mitigated[0];
    executions += r.circuit_executions;
  }
  result.circuit_executions = executions;
  return result;
}

}  // namespace tangle::algo
