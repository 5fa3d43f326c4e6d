// Finite-shot estimation shared by sampling and parameter-shift gradients.
#pragma once

#include <cstdint>

#include "lowered.hpp"
#include "tangle/core/random.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::detail {

/// Binomial(n, p), exactly: successes counted by geometric skips, O(n min(p, 1-p)) draws.
index_t draw_binomial(SplitMix64& rng, index_t n, double p);

/// Multinomial counts of n draws over k probabilities (sequential conditional binomials).
void draw_multinomial(SplitMix64& rng, index_t n, const double* p, int k, index_t* counts);

/// Outputs [batch, n_outputs] of `program`: exact when shots == 0, else estimated from `shots`
/// measurements per sample with a generator seeded by `seed` (see sampling.hpp).
void estimate_outputs(const LoweredProgram& program, const RunOptions& options, const double* inputs, index_t batch,
                      const double* weights, index_t shots, std::uint64_t seed, double* out);

}  // namespace tangle::detail
