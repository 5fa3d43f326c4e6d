// The dense oracle for mixed states: rho -> sum_i E_i rho E_i^dagger with full 2^n x 2^n matrices,
// every channel's Kraus operators written here from its definition (PennyLane's conventions, as
// tangle/ir/channel.hpp states them), never from src/.
#pragma once

#include <vector>

#include "reference/dense.hpp"

namespace tangle::ref {

/// The Kraus operators of `op` on its wires for weights `w` and one sample's inputs `x`: a
/// unitary op gives its one matrix, a channel its Kraus set.
std::vector<Mat> kraus_operators(const Op& op, const double* w, const double* x);

/// The final density matrix of one sample (every op expanded to 2^n x 2^n).
Mat simulate_density(const Circuit& c, const double* x, const double* w);

/// Tr(O rho) for each output of a readout.
std::vector<double> readout_density(const Readout& r, const Mat& rho, int n);

/// Outputs [batch, n_outputs] and density matrices [batch, 2^n, 2^n] (row-major).
std::vector<double> forward_density(const Circuit& c, const std::vector<Readout>& readouts,
                                    const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights);
std::vector<cdouble> density_matrices(const Circuit& c, const std::vector<double>& inputs, index_t batch,
                                      const std::vector<double>& weights);

/// Jacobians of forward_density by the eighth-order central differences of dense.hpp.
Jacobian fd_jacobian_density(const Circuit& c, const std::vector<Readout>& readouts,
                             const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights,
                             double h = 1e-3);

}  // namespace tangle::ref
