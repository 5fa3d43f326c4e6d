// `tangle report`, the reading half: which paths are runs, and what each run's own files say.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tangle::cli {

/// One curve of a run: y over epochs (training) or iterations (VQE).
struct Series {
  std::vector<double> x, y;
};

/// What a run directory holds, as far as the report shows it. Fields its files lack stay empty.
struct RunRecord {
  std::string name;       // the directory as given (or FOLDER/SUBDIRECTORY)
  bool vqe = false;       // a `tangle vqe` run (energies) rather than a `tangle train` run
  bool finished = false;  // summary.json exists
  std::string model, data, loss;  // loss: the training loss ("cross_entropy", "mse")
  std::string hamiltonian;        // VQE: the Pauli sum, shown on hover
  std::optional<long long> seed, parameters, epochs, iterations;
  std::optional<double> best_val_accuracy, test_accuracy, test_loss, wall_seconds;
  std::optional<double> energy, exact_energy, energy_error, mitigated_energy;
  // "train_loss", "val_loss", "train_accuracy", "val_accuracy" (training); "energy" (VQE).
  std::map<std::string, Series> curves;
};

/// A path that could not be reported, and why (one line: "summary.json: parse error at ...").
struct Skipped {
  std::string path, reason;
};

struct ReadRuns {
  std::vector<RunRecord> runs;
  std::vector<Skipped> skipped;
};

/// Reads each path: a run directory (config.json or summary.json inside), or a folder whose
/// subdirectories are runs. Anything unreadable is skipped with its reason; the same directory
/// named twice is read once.
ReadRuns read_runs(const std::vector<std::string>& paths);

}  // namespace tangle::cli
