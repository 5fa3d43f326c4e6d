// The variational quantum eigensolver: minimize <psi(w)|H|psi(w)> over an ansatz's weights, on
// pure or noisy circuits, with any optimizer of optimizers.hpp, exact or shot-estimated energies,
// adjoint or parameter-shift gradients, and zero-noise extrapolation of the final energy.
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
std::vector<std::string> vqe_ansatz_names();

enum class GradientMethod : std::uint8_t { Adjoint, ParameterShift };
GradientMethod gradient_method_from_name(const std::string& name);  // "adjoint", "parameter-shift"

struct VqeOptions {
  OptimizerOptions optimizer;
  GradientMethod gradient = GradientMethod::Adjoint;
  /// Measurements per energy estimate (0: exact expectation values); parameter-shift gradients
  /// use the same number per shifted circuit.
  index_t shots = 0;
  std::uint64_t seed = 0;  // shots and random folding
  NoiseModel noise;
  RunOptions run;
  /// With noise: also extrapolate the final energy to zero noise.
  std::optional<ZneOptions> zne;
};

struct VqeResult {
  std::vector<double> weights;
  double energy = 0.0;  // at the weights found, as the optimizer saw it (noisy with noise)
  std::optional<double> mitigated_energy;
  OptimizeResult optimizer;
  /// Circuits run: one per energy, one forward-and-adjoint pass or 1 + 2 per shifted rotation
  /// per gradient, plus the extrapolation's.
  long long circuit_executions = 0;
};

/// Called after every optimizer iteration: (iteration, energy, evaluations so far).
using VqeCallback = std::function<bool(int iteration, double energy, long long circuit_executions)>;

VqeResult vqe(const Circuit& ansatz, const PauliSum& hamiltonian, std::vector<double> initial_weights,
              const VqeOptions& options, const VqeCallback& callback = {});

}  // namespace tangle::algo
