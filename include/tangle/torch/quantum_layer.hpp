/// @file
/// A tangle circuit as a LibTorch layer: weights are one registered parameter, forward runs the
/// whole batch in one call, and backward is the core's batched vector-Jacobian product, so
/// gradients reach the weights and the inputs (and through them any classical layer before).
///
/// @code
///   auto layer = tangle::torch::QuantumLayer(circuit, {tangle::Readout::expval(tangle::pauli_z(0))});
///   torch::Tensor y = layer(x);  // x: [B, n_inputs] or [n_inputs], float32 or float64
/// @endcode
///
/// The simulation precision follows the input dtype (complex64 for float32, complex128 for
/// float64); the weights are cast to the input dtype inside the graph. CPU tensors only.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle::torch {

/// How a QuantumLayer runs, its initial weights and its noise.
struct LayerOptions {
  /// How the circuit runs: backend, threads (0 = every core; results do not depend on it), and
  /// the backends' own settings (trajectories and their seed). The precision follows the input
  /// dtype, whatever `run` says.
  RunOptions run;
  std::uint64_t seed = 0;  ///< weights initialized by each weight block's rule from this seed
  /// The noise the circuit runs with (channels after its gates, readout error): the layer's
  /// program is Program(circuit, readouts, noise). With channels, backend Auto runs the density
  /// matrix (trajectories beyond 12 qubits).
  NoiseModel noise;
};

/// y = f(inputs; weights), differentiable in both. `inputs` [B, n_inputs] and `weights` [n_weights]
/// must have the same floating dtype (float32 or float64) and live on the CPU.
::torch::Tensor quantum_apply(const std::shared_ptr<const Program>& program, const ::torch::Tensor& inputs,
                              const ::torch::Tensor& weights, const RunOptions& options = {});

/// The custom autograd function behind quantum_apply (usable directly by LibTorch code).
class QuantumFunction : public ::torch::autograd::Function<QuantumFunction> {
 public:
  /// Outputs [B, n_outputs] of `program` for inputs [B, n_inputs] and weights [n_weights]
  /// (same dtype); saves both tensors and the program for backward.
  static ::torch::Tensor forward(::torch::autograd::AutogradContext* ctx, const ::torch::Tensor& inputs,
                                 const ::torch::Tensor& weights, std::shared_ptr<const Program> program,
                                 const RunOptions& options);
  /// The batched VJP for the cotangent grad_outputs[0] [B, n_outputs]: gradients of the inputs
  /// (only when they require one) and of the weights; none for the program and the options.
  static ::torch::autograd::variable_list backward(::torch::autograd::AutogradContext* ctx,
                                                   ::torch::autograd::variable_list grad_outputs);
};

/// A circuit with its readouts as a torch module: one float32 parameter `weights` [n_weights],
/// forward runs the whole batch, backward the adjoint VJP.
class QuantumLayerImpl : public ::torch::nn::Module {
 public:
  /// The layer of Program(circuit, readouts, options.noise) (ValueError as Program's), its
  /// weights drawn from options.seed.
  QuantumLayerImpl(Circuit circuit, std::vector<Readout> readouts, LayerOptions options = {});
  /// A layer sharing an existing program (its options.noise is not used: the program has its
  /// own). ValueError for a null program.
  QuantumLayerImpl(std::shared_ptr<const Program> program, LayerOptions options = {});

  /// [B, n_inputs] -> [B, n_outputs], or [n_inputs] -> [n_outputs].
  ::torch::Tensor forward(const ::torch::Tensor& inputs);

  /// Re-draws the weights by each block's initialization rule.
  void reset_parameters(std::uint64_t seed);

  /// The program the layer runs.
  const Program& program() const { return *program_; }
  /// The same program, shared (for another layer or quantum_apply).
  std::shared_ptr<const Program> shared_program() const { return program_; }
  /// How the layer runs (its run options, seed and noise).
  const LayerOptions& options() const { return options_; }
  /// Width of the output rows (the program's n_outputs()).
  index_t n_outputs() const { return program_->n_outputs(); }

  /// The trainable weights [n_weights], float32 (cast to the input dtype in forward).
  ::torch::Tensor weights;

 private:
  std::shared_ptr<const Program> program_;
  LayerOptions options_;
};

// TORCH_MODULE(QuantumLayer) written out: the macro names torch::nn unqualified, which inside
// tangle::torch would mean tangle::torch::nn.
/// The module holder of QuantumLayerImpl: `QuantumLayer layer(circuit, readouts); y = layer(x);`.
class QuantumLayer : public ::torch::nn::ModuleHolder<QuantumLayerImpl> {
 public:
  using ::torch::nn::ModuleHolder<QuantumLayerImpl>::ModuleHolder;
  using Impl = QuantumLayerImpl;  ///< the module type held
};

}  // namespace tangle::torch
