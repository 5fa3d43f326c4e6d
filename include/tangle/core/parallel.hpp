/// @file
/// Thread-count policy. Kernels never contain OpenMP pragmas: callers split work into fixed
/// chunks, so that a result is bit-for-bit the same for any number of threads.
#pragma once

namespace tangle {

/// The number of threads a call will use: `requested`, or all OpenMP offers when 0.
/// Throws ValueError for a negative count.
int resolve_threads(int requested);

}  // namespace tangle
