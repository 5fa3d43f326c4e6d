/// @file
/// The Fubini-Study metric of a circuit's weights, block-diagonal (Stokes et al. 2020): the
/// quantum natural gradient's preconditioner.
#pragma once

#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::algo {

/// Which entries metric_tensor() computes: every pair of weights within a layer
/// (BlockDiagonal), or only each weight with itself (Diagonal: one expectation per rotation).
enum class MetricApproximation : std::uint8_t { BlockDiagonal, Diagonal };

/// g [n_weights x n_weights] (row-major) at `weights` for one sample `inputs`. The circuit's
/// trainable ops are cut into layers: a layer is a run of Pauli rotations on distinct wires with
/// no unparametrized gate between them. For rotations exp(-i theta_i P_i / 2) in one layer,
/// g_kl = sum over the rotations i of weight k and j of weight l of
/// `d_i d_j / 4 (<P_i P_j> - <P_i><P_j>)`, d_i = d theta_i / d w_k, expectations in the state
/// before the layer; weights in different layers do not couple. Channels are skipped: the
/// metric is the noiseless circuit's. ValueError for trainable ops other than Pauli rotations
/// (controlled rotations, Rot, SpecialUnitary: decompose them) and for an angle that depends on
/// two weights.
std::vector<double> metric_tensor(const Circuit& circuit, const std::vector<double>& inputs,
                                  const std::vector<double>& weights,
                                  MetricApproximation approximation = MetricApproximation::BlockDiagonal,
                                  const RunOptions& run = {});

}  // namespace tangle::algo
