// The `tangle` command line: one subcommand per job.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "bench.hpp"
#include "commands.hpp"
#include "report_command.hpp"
#include "vqe_command.hpp"
#include "tangle/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tangle: batched, differentiable quantum circuits for machine learning"};
  app.require_subcommand(1);

  tangle::cli::BenchOptions bench;
  std::string precision;
  CLI::App* bench_cmd = app.add_subcommand("bench", "Time the standard workloads (W10, W16, D7, N10, N16T, G, QKAN)");
  bench_cmd->add_option("--workload", bench.workload, "W10, W16, D7, N10, N16T, G, QKAN or all")
      ->check(CLI::IsMember({"W10", "W16", "D7", "N10", "N16T", "G", "QKAN", "all"}));
  bench_cmd->add_option("--threads", bench.threads, "Threads (0 = every core)")
      ->check(tangle::cli::number_at_least(0, true));
  bench_cmd->add_option("--precision", precision, "f32 or f64 (default: both)")->check(CLI::IsMember({"f32", "f64"}));
  bench_cmd->add_option("--repeats", bench.repeats, "Runs per timing (the median is reported)")
      ->check(tangle::cli::number_at_least(1, true));
  bench_cmd->add_option("--g-qubits", bench.g_qubits, "Register sizes of the G workload")
      ->check(CLI::Range(4, 30));
  bench_cmd->add_option("--n10-batch", bench.n10_batch, "Samples per timed call of the N10 workload")
      ->check(tangle::cli::number_at_least(1, true));
  bench_cmd->add_flag("--json", bench.json, "One JSON object per line");

  const auto run_command = tangle::cli::add_commands(app, argc, argv);
  const auto run_vqe = tangle::cli::add_vqe_command(app);
  const auto run_report = tangle::cli::add_report_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tangle: error: %s\n", e.what());
    return 2;
  }

  try {
    if (bench_cmd->parsed()) {
      if (precision == "f32") bench.precisions = {tangle::Precision::F32};
      if (precision == "f64") bench.precisions = {tangle::Precision::F64};
      return tangle::cli::run_bench(bench);
    }
    const int vqe = run_vqe();
    if (vqe >= 0) return vqe;
    const int report = run_report();
    if (report >= 0) return report;
    return run_command();
  } catch (const tangle::ValueError& e) {
    std::fprintf(stderr, "tangle: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tangle: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
