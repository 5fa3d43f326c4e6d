/// @file
/// Readout-error mitigation with per-wire (tensored) confusion matrices: calibrate them from
/// calibration circuits, then unfold measured probabilities by the inverse of their Kronecker
/// product, or by least squares on the probability simplex.
#pragma once

#include <cstdint>
#include <vector>

#include "tangle/ir/noise_model.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::algo {

/// Per-wire confusion matrices P(measured | prepared), estimated from two calibration circuits
/// run with `noise` (its gate noise and readout error): every wire prepared in |0>, and every
/// wire in |1> (an X on each), each measured `shots` times (0: exact probabilities). Preparation
/// noise is part of what is calibrated, as on a device.
std::vector<ReadoutConfusion> calibrate_readout(const NoiseModel& noise, int n_qubits, index_t shots = 8192,
                                                std::uint64_t seed = 0, const RunOptions& run = {});

/// How measured probabilities m are unfolded through the confusion matrices C.
enum class Unfolding : std::uint8_t {
  Inverse,       ///< (C_0 (x) ... (x) C_k-1)^-1 m: exact, may leave the simplex (a quasi-distribution)
  LeastSquares,  ///< argmin ||C p - m|| over probability vectors p (projected gradient, to 1e-12)
};
/// "inverse" or "least_squares" (also "lstsq"); ValueError for any other name.
Unfolding unfolding_from_name(const std::string& name);  // "inverse", "least_squares"

/// Mitigated probabilities [batch, 2^k] of measured ones `probs` [batch, 2^k] on `wires`
/// (wires[0] the most significant bit, as Readout::probs orders them). `confusion` holds one
/// matrix per wire of the register (index = wire). ValueError for a singular confusion matrix
/// (p10 + p01 = 1), a wrong width, or a wire without a matrix.
std::vector<double> mitigate_probabilities(const std::vector<double>& probs, index_t batch,
                                           const std::vector<int>& wires,
                                           const std::vector<ReadoutConfusion>& confusion,
                                           Unfolding method = Unfolding::Inverse);

}  // namespace tangle::algo
