/// @file
/// The neural zero-noise extrapolator of "Enhancing Quantum Variational Algorithms with Zero Noise
/// Extrapolation via Neural Networks": a small feed-forward network fitted to (noise level,
/// expectation) pairs and read at noise level 0, as an algo::Extrapolation usable by algo::zne,
/// VQE and `tangle vqe --extrapolation nn`.
#pragma once

#include <cstdint>
#include <vector>

#include "tangle/algo/zne.hpp"

namespace tangle::torch {

/// The network and the fit of neural_extrapolation().
struct NeuralExtrapolatorOptions {
  std::vector<int> hidden = {16, 16};  ///< widths of the tanh hidden layers
  int epochs = 1500;                   ///< full-batch Adam steps
  double lr = 0.01;                    ///< Adam's learning rate
  double weight_decay = 1e-4;          ///< Adam's weight decay (L2 on the network's weights)
  /// Seeds the initial weights. Not a promise of identical last bits: LibTorch's CPU kernels do
  /// not give one, and Adam on a nonconvex fit of a few points amplifies a last-bit difference to
  /// about 1e-3 in the extrapolated value.
  std::uint64_t seed = 0;
};

/// The network learns the residual of a least-squares line in standardized coordinates (its
/// output layer starts at zero), so it starts from linear extrapolation and adds the curvature
/// the points show. Needs at least 2 points.
algo::Extrapolation neural_extrapolation(const NeuralExtrapolatorOptions& options = {});

}  // namespace tangle::torch
