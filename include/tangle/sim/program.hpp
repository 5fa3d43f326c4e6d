/// @file
/// A circuit with its readouts, lowered once for batched execution.
///
/// @code
///   Program prog(circuit, {Readout::expval(pauli_z(0))});
///   std::vector<double> y = forward(prog, x, batch, w);        // y: [batch, n_outputs]
/// @endcode
///
/// Inputs are row-major [batch, n_inputs], weights [n_weights], outputs [batch, n_outputs].
/// The I/O element type (float or double) is independent of the amplitude precision, which
/// RunOptions::precision chooses at run time.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/circuit.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle {

/// Which simulator runs a program. Every backend runs the same `Program` (circuit and readouts)
/// through the same calls (forward, vjp, jacobian, sampling).
enum class Backend : std::uint8_t {
  Auto,           ///< the state vector for unitary circuits; the density matrix for noisy ones
                  ///< when it fits, trajectories otherwise
  StateVector,    ///< exact pure states, 2^n amplitudes per sample
  DensityMatrix,  ///< exact mixed states, 4^n entries per sample
  Trajectories,   ///< pure states with sampled noise (Monte-Carlo wave functions)
  Mps,            ///< matrix product states of bounded bond dimension
};

/// The backend's name as the Python and CLI options spell it ("auto", "statevector",
/// "density_matrix", "trajectories", "mps"), and back (ValueError naming a bad name).
const char* backend_name(Backend backend);
/// The backend named `name` (a backend_name() spelling); ValueError for any other name.
Backend backend_from_name(const std::string& name);

/// How a program runs: precision, backend, threads, memory, and each backend's own knobs. The
/// defaults run double precision on the automatically chosen backend with every core.
struct RunOptions {
  /// Amplitude precision (complex64 or complex128); inputs and outputs stay double or float as
  /// the caller passes them.
  Precision precision = Precision::F64;
  /// Which simulator runs the program (Auto picks one per circuit, see Backend).
  Backend backend = Backend::Auto;
  /// Threads; 0 uses every core OpenMP offers. Results do not depend on this number.
  int threads = 0;
  /// Bytes the run may allocate; 0 means the memory the machine has available now. A gradient
  /// run saves intermediate states only when they fit within it (and a 1 GiB budget); otherwise
  /// it un-applies the circuit instead, more slowly.
  std::uint64_t memory_limit = 0;
  /// Apply consecutive gates in cache-sized groups (one pass over memory per group instead of
  /// one per gate). Off gives the plain gate-by-gate sweep, for comparison and tests.
  bool fuse = true;
  /// Trajectories backend: trajectories per sample, and the seed of their noise draws (the same
  /// seed gives the same estimates, whatever the thread count).
  int trajectories = 1000;
  /// Seed of the trajectories' noise draws.
  std::uint64_t seed = 0;
  /// MPS backend: the largest bond dimension kept, and the relative singular-value cutoff below
  /// which singular values are dropped.
  int bond_dim = 64;
  /// Singular values below cutoff times the largest are dropped (MPS backend).
  double cutoff = 1e-12;
};

/// What a run reports beside its outputs.
struct RunInfo {
  Backend backend = Backend::StateVector;  ///< the backend that ran (Auto resolved)
  /// Trajectories: the standard error of each output's estimate, [batch, n_outputs].
  std::vector<double> std_errors;
  /// MPS: the largest, over the batch, of the discarded weight (sum of squared singular values
  /// dropped), a bound on 1 - fidelity.
  double truncation_error = 0.0;
};

/// The instruction set of the simulator's kernels on this CPU ("avx512", "avx2" or "generic"),
/// chosen once at run time (or forced by the environment variable TANGLE_ISA).
const char* kernel_isa();

namespace detail {
struct LoweredProgram;
}

/// A circuit and its readouts, checked and lowered once; forward(), vjp(), jacobian(),
/// forward_shots() and sample() run it on any batch. Outputs are the readouts' outputs
/// concatenated in order (n_outputs() per sample). A program does not change after construction
/// (its lazily built caches are filled under a lock), so it may run in several threads at once.
class Program {
 public:
  /// Checks the readouts against the circuit (ValueError naming the problem, e.g. a wire out of
  /// range, or no readout at all) and lowers both for execution.
  Program(Circuit circuit, std::vector<Readout> readouts);
  /// The circuit with the noise model's channels after its gates (NoiseModel::apply), read out
  /// through its readout error: expectation values, probabilities, projectors, samples and
  /// shot estimates are those of misreading measurements, and gradients are theirs. ValueError
  /// for a Hermitian readout on a wire with readout error.
  Program(Circuit circuit, std::vector<Readout> readouts, const NoiseModel& noise);
  ~Program();
  /// A deep copy (the lowered form included).
  Program(const Program&);
  /// A deep copy (the lowered form included).
  Program& operator=(const Program&);
  /// Takes over the moved-from program's circuit and lowered form.
  Program(Program&&) noexcept;
  /// Takes over the moved-from program's circuit and lowered form.
  Program& operator=(Program&&) noexcept;

  /// The circuit that runs: the one given, with the noise model's channels.
  const Circuit& circuit() const { return circuit_; }
  /// The circuit as given, before the noise model's channels.
  const Circuit& source_circuit() const { return source_ ? *source_ : circuit_; }
  /// The noise model the program was built with (empty when none).
  const NoiseModel& noise() const { return noise_; }
  /// The readouts, in the order of their outputs.
  const std::vector<Readout>& readouts() const { return readouts_; }
  /// Number of qubits of the circuit.
  int n_qubits() const { return circuit_.n_qubits(); }
  /// Length of the weight vector every run takes.
  index_t n_weights() const { return circuit_.n_weights(); }
  /// Width of an input row (per sample).
  index_t n_inputs() const { return circuit_.n_inputs(); }
  /// Width of an output row: the sum of the readouts' Readout::n_outputs().
  index_t n_outputs() const { return n_outputs_; }

  /// The lowered form the backends execute; an implementation detail for the library's own
  /// run functions (its type is not part of the public headers).
  const detail::LoweredProgram& lowered() const { return *lowered_; }

 private:
  Circuit circuit_;
  std::optional<Circuit> source_;  // when the noise model added channels
  NoiseModel noise_;
  std::vector<Readout> readouts_;
  index_t n_outputs_ = 0;
  std::unique_ptr<detail::LoweredProgram> lowered_;
};

/// Outputs [batch, n_outputs] for the rows of `inputs` [batch, n_inputs] and `weights` [n_weights].
/// T is float or double; the arrays are row-major and must hold exactly these sizes (unchecked).
/// ValueError for batch < 1 or a value the circuit rejects at run time (e.g. a channel strength
/// out of range); RuntimeError when the run would not fit in options.memory_limit. `info`, when
/// not null, receives what RunInfo describes.
template <typename T>
void forward(const Program& program, const T* inputs, index_t batch, const T* weights, T* outputs,
             const RunOptions& options = {}, RunInfo* info = nullptr);

/// The same with vectors, whose sizes are checked (ValueError): returns [batch, n_outputs].
std::vector<double> forward(const Program& program, const std::vector<double>& inputs, index_t batch,
                            const std::vector<double>& weights, const RunOptions& options = {},
                            RunInfo* info = nullptr);

/// Final states [batch, 2^n_qubits], wire 0 the most significant bit of the index (at most 30
/// qubits; ValueError otherwise).
std::vector<std::complex<double>> states(const Program& program, const std::vector<double>& inputs,
                                         index_t batch, const std::vector<double>& weights,
                                         const RunOptions& options = {});

/// Final density matrices [batch, 2^n, 2^n] (row-major; wire 0 the most significant bit of
/// both indices), from the density-matrix backend (options.backend Auto or DensityMatrix).
std::vector<std::complex<double>> density_matrices(const Program& program, const std::vector<double>& inputs,
                                                   index_t batch, const std::vector<double>& weights,
                                                   const RunOptions& options = {});

/// Bytes one call with this batch would allocate (states, workspaces), for planning.
std::uint64_t memory_estimate(const Program& program, index_t batch, const RunOptions& options = {},
                              bool gradient = false);

}  // namespace tangle
