/// @file
/// Finite-shot estimates from a seeded generator: what hardware would return.
#pragma once

#include <cstdint>
#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle {

/// Every output estimated from `shots` measurements per sample, [batch, n_outputs]:
///  - expval: each Pauli term measured in its own eigenbasis with `shots` shots (its +1/-1
///    counts are binomial), the terms combined with their coefficients;
///  - probs / projector: outcome counts divided by `shots`;
///  - hermitian: measured in the matrix's eigenbasis, the mean of the observed eigenvalues.
/// The same seed gives the same numbers, whatever the thread count.
std::vector<double> forward_shots(const Program& program, const std::vector<double>& inputs, index_t batch,
                                  const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                                  const RunOptions& options = {});

/// Measured basis states [batch, shots] of `wires` (all wires when empty), wires[0] the most
/// significant bit of each value.
std::vector<std::uint64_t> sample(const Program& program, const std::vector<double>& inputs, index_t batch,
                                  const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                                  std::vector<int> wires = {}, const RunOptions& options = {});

}  // namespace tangle
