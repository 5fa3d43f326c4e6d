// Training and evaluation of zoo models, with a run directory:
//   config.json     everything needed to rerun (model, data, preprocessing, training options)
//   metrics.jsonl   one line per epoch: losses, accuracies, learning rate, seconds
//   checkpoint.pt   the latest state (model, optimizer, preprocessing, progress), written
//                   atomically (temporary file, then rename); --resume continues from it
//   best.pt         the model with the best validation accuracy so far
//   summary.json    the final test accuracy, per-class accuracy, confusion matrix, timings
//   circuit.txt     the model's circuits; loss.png, accuracy.png, confusion.png, circuit.png
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tangle/data/dataset.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/models/model.hpp"

namespace tangle::train {

using Json = nlohmann::json;

/// Where data comes from: a built-in set by name, or a path (an IDX folder or a CSV file).
struct DataSource {
  std::string dataset;  // e.g. "digits"
  std::string path;
  data::CsvColumns columns;  // a CSV with a header of names: the label and feature columns
};

struct LoadedData {
  data::Split split;          // raw train and test splits
  models::DataKind kind;
  std::string description;
};

/// Loads a source; sets without their own test split are split with a fixed seed, so every run
/// (and `tangle eval`) sees the same test rows.
LoadedData load_data(const DataSource& source, double test_fraction);

struct RunRequest {
  std::string model;
  Json overrides = Json::object();  // merged over the model's defaults: {"model": {..}, "train": {..}, ...}
  DataSource data;
  std::string out_dir;     // a new run directory (must not exist or be empty); "" = runs/<model>-<time>
  std::string resume_dir;  // continue this run instead
  bool progress = true;    // print progress (a bar on a terminal, plain lines otherwise)
  std::string command_line;
};

struct RunSummary {
  std::string run_dir;
  bool interrupted = false;
  int epochs_done = 0;
  int best_epoch = 0;
  double best_val_accuracy = 0.0;
  double test_accuracy = 0.0;
  double seconds = 0.0;
  std::string plots;  // what happened to the plots
};

/// Trains (or resumes) a run. Ctrl-C finishes the current step, saves a checkpoint and returns
/// with `interrupted` set.
RunSummary train(const RunRequest& request);

struct EvalResult {
  std::string data;
  std::int64_t samples = 0;
  double accuracy = 0.0;
  std::vector<double> per_class_accuracy;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
  std::vector<std::string> class_names;
  Json to_json() const;
};

/// Evaluates a run's best model on `source` (its own test split when empty), with the run's
/// preprocessing.
EvalResult evaluate(const std::string& run_dir, const DataSource& source = {});

/// The circuits of a zoo model built for `source` with its default configuration, as text.
std::string draw_model(const std::string& model, const DataSource& source = {});

/// The noise model of a run's "noise" section (config.json): the JSON form of a NoiseModel
/// (ir/noise_model.hpp), where two shorthands of `--set` may stand as well: "depolarizing": p (a
/// depolarizing channel of p after every gate, on each of its wires) and "readout": p (a
/// symmetric readout flip of p on every wire). ValueError names the bad key and value.
NoiseModel noise_from_config(const Json& noise);

/// Checks a run's "run" section: {"backend": "auto" | "statevector" | "density_matrix" |
/// "trajectories", "trajectories": N >= 1, "seed": S >= 0 (the trajectories' draws)}.
void check_run_config(const Json& run);

/// Asks a running train() to stop after the current step (what the SIGINT handler calls).
void request_stop();

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename.
/// On failure the previous file is untouched and the temporary file removed.
void atomic_write(const std::string& path, const std::string& bytes);

/// Draws a run directory's plots with scripts/plot_run.py (TANGLE_PLOT_PYTHON, TANGLE_PLOT_SCRIPT
/// override the interpreter and script); returns "plots: <produced>" or why they were skipped.
/// A run never fails because of its plots.
std::string make_plots(const std::string& run_dir,
                       const std::string& produced = "loss.png, accuracy.png, confusion.png, circuit.png");

}  // namespace tangle::train
