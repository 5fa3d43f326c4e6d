// `tangle bench`: the standard workloads, timed side by side in one run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle::cli {

struct BenchOptions {
  std::string workload = "all";             // W10, W16, D7, N10, N16T, G, QKAN or all
  int threads = 0;                          // 0 = every core
  std::vector<Precision> precisions = {Precision::F64, Precision::F32};
  bool json = false;
  int repeats = 5;                          // timings are medians of this many runs
  std::vector<int> g_qubits = {20, 22, 24, 26};
  index_t n10_batch = 16;                   // samples of the N10 workload per timed call
};

/// The median of `repeats` timed runs of f, after one untimed warm-up run.
double median_seconds(int repeats, const std::function<void()>& f);

/// The QKAN workload (bench_qkan.cpp), for each precision of `options`.
void run_qkan_bench(const BenchOptions& options, int threads);

/// Runs the selected workloads and prints a table (or JSON lines); returns the exit code.
int run_bench(const BenchOptions& options);

}  // namespace tangle::cli
