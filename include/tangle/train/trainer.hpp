/// @file
/// Training and evaluation of zoo models, with a run directory:
/// @verbatim
///   config.json     everything needed to rerun (model, data, preprocessing, training options)
///   metrics.jsonl   one line per epoch: losses, accuracies, learning rate, seconds
///   checkpoint.pt   the latest state (model, optimizer, preprocessing, progress), written
///                   atomically (temporary file, then rename); --resume continues from it
///   best.pt         the model with the best validation accuracy so far
///   summary.json    the final test accuracy, per-class accuracy, confusion matrix, timings
///   circuit.txt     the model's circuits; loss.png, accuracy.png, confusion.png, circuit.png
/// @endverbatim
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tangle/data/dataset.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/models/model.hpp"
#include "tangle/train/pipeline.hpp"

namespace tangle::train {

/// The JSON type of run configurations and results (nlohmann::json).
using Json = nlohmann::json;

/// Where data comes from: a built-in set by name, or a path (an IDX folder or a CSV file).
struct DataSource {
  std::string dataset;  ///< a data::builtin() name, e.g. "digits" (empty and no path: "digits")
  std::string path;     ///< an IDX folder or a CSV file; give either this or `dataset`
  /// A CSV with a header of column names: the label and feature columns (data.label, data.features).
  data::CsvColumns columns;
};

/// A loaded source: its train and test splits and what kind of data it is.
struct LoadedData {
  data::Split split;          ///< raw train and test splits
  models::DataKind kind;      ///< decides the model's default preprocessing
  std::string description;    ///< for logs: "built-in digits", "IDX folder DIR", "CSV file F"
};

/// Loads a source; sets without their own test split are split with a fixed seed, so every run
/// (and `tangle eval`) sees the same test rows.
LoadedData load_data(const DataSource& source, double test_fraction);

/// What train() should run: a zoo model, configuration overrides, data, and the run directory.
struct RunRequest {
  std::string model;  ///< a zoo model name (models::find_model)
  Json overrides = Json::object();  ///< merged over the model's defaults: {"model": {..}, "train": {..}, ...}
  DataSource data;    ///< the training data
  std::string out_dir;     ///< a new run directory (must not exist or be empty); "" = `runs/<model>-<time>`
  std::string resume_dir;  ///< continue this run instead
  bool progress = true;    ///< print progress (a bar on a terminal, plain lines otherwise)
  std::string command_line;  ///< recorded in config.json as "command"
};

/// How a run ended (summary.json has more). Accuracies are fractions in [0, 1].
struct RunSummary {
  std::string run_dir;              ///< the run directory
  bool interrupted = false;         ///< stopped by request_stop() (Ctrl-C) before the last epoch
  int epochs_done = 0;              ///< epochs completed, resumed ones included
  int best_epoch = 0;               ///< 1-based epoch of the best validation accuracy
  double best_val_accuracy = 0.0;   ///< the best validation accuracy
  double test_accuracy = 0.0;       ///< test accuracy of the best model
  double seconds = 0.0;             ///< training time, resumed runs included
  std::string plots;  ///< what happened to the plots
};

/// Adds one `--set KEY=VALUE` item to `overrides`: KEY is dotted ("model.layers", "noise.readout"),
/// VALUE is parsed as JSON when it can be (4, 0.5, true, [8,16]) and kept as a string otherwise.
/// ValueError for an item without '=', an empty key part, or a key below a value already set.
void apply_override(Json& overrides, const std::string& item);

/// The configuration train() runs for a new request: the model's defaults for the data's kind
/// with the overrides merged, every key known and of its default's kind, the train section in
/// range, noise and backend sections checked. Nothing is loaded, built or written. ValueError
/// names the bad key and value.
Json resolve_config(const RunRequest& request);

/// The model of a resolved configuration (resolve_config(), or a run's config.json) for samples of
/// `shape`, with the run's noise and backend. ValueError names the model and the bad setting;
/// MemoryError when its layers would take LibTorch past `memory_limit` bytes (0: the machine's
/// available memory), thrown before the allocation that would cross it.
std::shared_ptr<models::Model> build_model(const Json& config, const models::DataShape& shape,
                                           std::uint64_t memory_limit = 0);

/// Reads a run's model file (best.pt: the model's weights and the fitted preprocessing) into a
/// model and pipeline built from the run's configuration. RuntimeError naming the file when it is
/// damaged, of another model, or not a model file.
void load_model_file(const std::string& path, models::Model& model, Pipeline& pipeline);

/// Trains (or resumes) a run. Ctrl-C finishes the current step, saves a checkpoint and returns
/// with `interrupted` set. The run directory is locked (flock on DIR/.lock) while it trains: a
/// second train() into it throws ValueError naming the process that holds it.
RunSummary train(const RunRequest& request);

/// A run's model scored on a test set. Accuracies are fractions in [0, 1].
struct EvalResult {
  std::string data;                     ///< the data scored, e.g. "built-in digits (test split)"
  std::int64_t samples = 0;             ///< test samples
  double accuracy = 0.0;                ///< fraction predicted correctly
  std::vector<double> per_class_accuracy;  ///< per true class (0 for a class without samples)
  std::vector<std::vector<std::int64_t>> confusion;  ///< counts, [true][predicted]
  std::vector<std::string> class_names;  ///< class c is class_names[c]
  /// {"data", "samples", "accuracy", "per_class_accuracy", "class_names", "confusion"}.
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

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename, fsync
/// of the folder, so that a crash leaves the old file or the new one, whole. On failure
/// (RuntimeError naming the file and the OS error, e.g. "No space left on device") the previous
/// file is untouched and the temporary file removed.
void atomic_write(const std::string& path, const std::string& bytes);

/// Draws a run directory's plots with scripts/plot_run.py (TANGLE_PLOT_PYTHON, TANGLE_PLOT_SCRIPT
/// override the interpreter and script); returns "plots: <produced>" or why they were skipped.
/// A run never fails because of its plots.
std::string make_plots(const std::string& run_dir,
                       const std::string& produced = "loss.png, accuracy.png, confusion.png, circuit.png");

}  // namespace tangle::train
