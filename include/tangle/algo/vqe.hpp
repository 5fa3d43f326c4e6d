/// @file
/// The variational quantum eigensolver: minimize <psi(w)|H|psi(w)> over an ansatz's weights, on
/// pure or noisy circuits, with any optimizer of optimizers.hpp, exact or shot-estimated energies,
/// adjoint or parameter-shift gradients, and zero-noise extrapolation of the final energy.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tangle/algo/optimizers.hpp"
#include "tangle/algo/zne.hpp"
#include "tangle/ir/circuit.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/ir/observable.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::algo {

/// An ansatz on n_qubits by name: "ry-rz" (ry_rz), "efficient-su2", "hardware-efficient",
/// "real-amplitudes"; `layers` is the templates' reps (layers for hardware-efficient). The
/// weights start at `initial_weights(seed)` of the circuit: uniform on [0, 2 pi).
Circuit vqe_ansatz(const std::string& name, int n_qubits, int layers);
/// The names vqe_ansatz() accepts: ry-rz, efficient-su2, hardware-efficient, real-amplitudes.
std::vector<std::string> vqe_ansatz_names();

/// How the VQE's gradient methods get the energy's gradient: by one adjoint pass (exact only), or
/// by parameter shifts (two shifted circuits per weight-dependent angle; works with shots).
enum class GradientMethod : std::uint8_t { Adjoint, ParameterShift };
/// "adjoint" or "parameter-shift" (also "param-shift", "parameter_shift"); ValueError otherwise.
GradientMethod gradient_method_from_name(const std::string& name);  // "adjoint", "parameter-shift"

/// The VQE's settings: optimizer, gradient, shots, noise, run options, mitigation.
struct VqeOptions {
  OptimizerOptions optimizer;  ///< the optimizer and its settings
  /// Gradient of the energy for the gradient-based optimizers (Adjoint needs shots = 0).
  GradientMethod gradient = GradientMethod::Adjoint;
  /// Measurements per energy estimate (0: exact expectation values); parameter-shift gradients
  /// use the same number per shifted circuit.
  index_t shots = 0;
  std::uint64_t seed = 0;  ///< seed of the shot draws (each estimate uses the next seed)
  NoiseModel noise;        ///< noise the ansatz runs with (empty: a pure-state VQE)
  RunOptions run;          ///< backend, precision and threads of every circuit run
  /// With noise: also extrapolate the final energy to zero noise.
  std::optional<ZneOptions> zne;
};

/// What vqe() found.
struct VqeResult {
  std::vector<double> weights;  ///< the best weights found
  double energy = 0.0;  ///< at the weights found, as the optimizer saw it (noisy with noise)
  /// The zero-noise extrapolation of the final energy (when options.zne is set and there is noise).
  std::optional<double> mitigated_energy;
  OptimizeResult optimizer;  ///< the optimizer's own report (iterations, evaluations, message)
  /// Circuits run: one per energy, one forward-and-adjoint pass or 1 + 2 per shifted rotation
  /// per gradient, plus the extrapolation's.
  long long circuit_executions = 0;
};

/// Called after every optimizer iteration: (iteration, energy, evaluations so far).
using VqeCallback = std::function<bool(int iteration, double energy, long long circuit_executions)>;

/// Minimizes <psi(w)|H|psi(w)> of `hamiltonian` over the weights of `ansatz` (a circuit without
/// inputs) from `initial_weights`, then evaluates the energy at the best weights (and
/// extrapolates it to zero noise when asked). ValueError for an ansatz with inputs, a
/// Hamiltonian on wires the ansatz lacks, a wrong number of weights, negative shots, or
/// adjoint gradients with shots. `callback` returning false stops the optimizer.
VqeResult vqe(const Circuit& ansatz, const PauliSum& hamiltonian, std::vector<double> initial_weights,
              const VqeOptions& options, const VqeCallback& callback = {});

}  // namespace tangle::algo
