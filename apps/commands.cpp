#include "commands.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "tangle/core/error.hpp"
#include "tangle/train/trainer.hpp"

namespace tangle::cli {
namespace {

struct TrainArgs {
  std::string model, dataset, data, out, resume, precision, noise;
  int epochs = 0, batch = 0, threads = -1;
  double lr = 0.0;
  long long seed = -1;
  std::vector<std::string> set;
  bool quiet = false;
};

struct EvalArgs {
  std::string run, data, dataset;
  bool json = false;
};

// A noise model file (NoiseModel's JSON form), checked here so that errors name the file.
train::Json read_noise_model(const std::string& path) {
  std::error_code ec;
  TANGLE_CHECK(std::filesystem::is_regular_file(path, ec), "--noise ", path, ": ",
               std::filesystem::is_directory(path, ec) ? "is a directory, not a noise model file"
               : std::filesystem::exists(path, ec)      ? "is not a regular file"
                                                        : "no such file");
  std::ifstream in(path, std::ios::binary);
  TANGLE_CHECK(in.good(), "--noise ", path, ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    (void)NoiseModel::from_json(text.str());
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("--noise ", path, ": ", e.what()));
  }
  return train::Json::parse(text.str());  // from_json above accepted the same text
}

void on_sigint(int) {
  train::request_stop();
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

int run_train(const TrainArgs& a, const std::string& command_line) {
  train::RunRequest r;
  r.model = a.model;
  r.data = {a.dataset, a.data, {}};
  r.out_dir = a.out;
  r.resume_dir = a.resume;
  r.progress = !a.quiet;
  r.command_line = command_line;
  TANGLE_CHECK(!a.model.empty() || !a.resume.empty(), "--model is required (or --resume RUN_DIR)");
  TANGLE_CHECK(a.resume.empty() || (a.model.empty() && a.dataset.empty() && a.data.empty() && a.out.empty()),
               "--resume continues a run as configured: do not combine it with --model, --dataset, --data or --out");
  train::Json& o = r.overrides;
  if (a.epochs > 0) o["train"]["epochs"] = a.epochs;
  if (a.batch > 0) o["train"]["batch"] = a.batch;
  if (a.lr > 0) o["train"]["lr"] = a.lr;
  if (a.seed >= 0) o["train"]["seed"] = a.seed;
  if (a.threads >= 0) o["train"]["threads"] = a.threads;
  if (!a.precision.empty()) o["train"]["precision"] = a.precision;
  if (!a.noise.empty()) o["noise"] = read_noise_model(a.noise);
  for (const std::string& s : a.set) train::apply_override(o, s);
  if (o.empty()) o = train::Json::object();

  std::signal(SIGINT, on_sigint);
  const train::RunSummary s = train::train(r);
  std::signal(SIGINT, SIG_DFL);
  if (s.interrupted) {
    std::printf("interrupted after %d complete epochs: checkpoint saved in %s/checkpoint.pt\n", s.epochs_done,
                s.run_dir.c_str());
    std::printf("continue with: tangle train --resume %s\n", s.run_dir.c_str());
    return 130;
  }
  std::printf("test accuracy: %.2f %% (best validation %.2f %% at epoch %d of %d, %.1f s of training)\n",
              100.0 * s.test_accuracy, 100.0 * s.best_val_accuracy, s.best_epoch, s.epochs_done, s.seconds);
  std::printf("run directory: %s\n", s.run_dir.c_str());
  std::printf("%s\n", s.plots.c_str());
  return 0;
}

int run_eval(const EvalArgs& a) {
  const train::EvalResult r = train::evaluate(a.run, {a.dataset, a.data, {}});
  if (a.json) {
    std::printf("%s\n", r.to_json().dump().c_str());
    return 0;
  }
  std::printf("data: %s, %lld samples\naccuracy: %.2f %%\n", r.data.c_str(), static_cast<long long>(r.samples),
              100.0 * r.accuracy);
  std::printf("per class:");
  for (size_t c = 0; c < r.class_names.size(); ++c)
    std::printf("  %s %.1f%%", r.class_names[c].c_str(), 100.0 * r.per_class_accuracy[c]);
  std::printf("\nconfusion matrix (rows: true class, columns: predicted):\n");
  std::printf("%8s", "");
  for (const std::string& name : r.class_names) std::printf(" %6s", name.c_str());
  std::printf("\n");
  for (size_t i = 0; i < r.confusion.size(); ++i) {
    std::printf("%8s", r.class_names[i].c_str());
    for (long long v : r.confusion[i]) std::printf(" %6lld", v);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

CLI::Validator number_at_least(double low, bool integer) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        // strtoll/strtod rather than stod: integers past 2^53 stay exact, and a number that
        // underflows is its tiny value (compared with `low`), not "not a number".
        const char* begin = text.c_str();
        char* end = nullptr;
        errno = 0;
        double v = 0.0;
        if (integer) {
          const long long n = std::strtoll(begin, &end, 10);
          if (errno == ERANGE) return "must be an integer within +-9223372036854775807, got " + text;
          v = static_cast<double>(n);
        } else {
          v = std::strtod(begin, &end);
          if (errno == ERANGE && std::isinf(v)) return "must be a finite number, got " + text;
        }
        if (text.empty() || end != begin + text.size() || std::isspace(static_cast<unsigned char>(text[0])))
          return "expected " + std::string(integer ? "an integer" : "a number") + ", got '" + text + "'";
        // stod reads "nan" and "inf": a finite number is meant (NaN would compare false below).
        if (!std::isfinite(v)) return "must be a finite number, got " + text;
        if (v < low) return "must be at least " + CLI::detail::to_string(low) + ", got " + text;
        return "";
      },
      integer ? "INT" : "NUMBER");
}

std::function<int()> add_commands(CLI::App& app, int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  auto t = std::make_shared<TrainArgs>();
  CLI::App* train_cmd = app.add_subcommand("train", "Train a model of the zoo on real data");
  train_cmd->add_option("--model", t->model, "Model name (see `tangle models`)");
  train_cmd->add_option("--dataset", t->dataset, "Built-in data set (digits)");
  train_cmd->add_option("--data", t->data, "IDX folder (MNIST file names) or CSV file");
  train_cmd->add_option("--epochs", t->epochs, "Epochs")->check(number_at_least(1, true));
  train_cmd->add_option("--batch", t->batch, "Mini-batch size")->check(number_at_least(1, true));
  train_cmd->add_option("--lr", t->lr, "Learning rate")->check(number_at_least(1e-300, false));
  train_cmd->add_option("--seed", t->seed, "Seed of initialization, splits and shuffling")
      ->check(number_at_least(0, true));
  train_cmd->add_option("--threads", t->threads, "Threads (0 = every core)")->check(number_at_least(0, true));
  train_cmd->add_option("--precision", t->precision, "f32 or f64")->check(CLI::IsMember({"f32", "f64"}));
  train_cmd->add_option("--out", t->out, "New run directory (default runs/MODEL-TIME)");
  train_cmd->add_option("--resume", t->resume, "Continue the run in this directory");
  train_cmd->add_option("--set", t->set,
                        "Override any configuration key, e.g. --set model.layers=4, noise.depolarizing=0.01, "
                        "noise.readout=0.02, run.backend=density_matrix, run.trajectories=500");
  train_cmd->add_option("--noise", t->noise, "Noise model file (JSON: rules, readout, scale; see docs/python.md)");
  train_cmd->add_flag("--quiet", t->quiet, "No progress output");
  train_cmd->get_option("--dataset")->excludes("--data");

  auto e = std::make_shared<EvalArgs>();
  CLI::App* eval_cmd = app.add_subcommand("eval", "Evaluate a trained run on the test split of some data");
  eval_cmd->add_option("run", e->run, "Run directory")->required();
  eval_cmd->add_option("--data", e->data, "IDX folder or CSV file (default: the run's own test split)");
  eval_cmd->add_option("--dataset", e->dataset, "Built-in data set");
  eval_cmd->add_flag("--json", e->json, "Print JSON");

  CLI::App* models_cmd = app.add_subcommand("models", "List the model zoo");

  auto draw_model = std::make_shared<std::string>();
  auto draw_data = std::make_shared<std::string>();
  CLI::App* draw_cmd = app.add_subcommand("draw", "Draw a model's circuits as text");
  draw_cmd->add_option("model", *draw_model, "Model name")->required();
  draw_cmd->add_option("--data", *draw_data, "Data the model is built for (default: the digits)");

  return [=]() -> int {
    if (train_cmd->parsed()) return run_train(*t, command_line);
    if (eval_cmd->parsed()) return run_eval(*e);
    if (models_cmd->parsed()) {
      for (const models::ModelSpec& s : models::zoo())
        std::printf("%-14s %s\n%-14s paper: %s\n", s.name.c_str(), s.summary.c_str(), "", s.paper.c_str());
      return 0;
    }
    if (draw_cmd->parsed()) {
      std::printf("%s", train::draw_model(*draw_model, {"", *draw_data, {}}).c_str());
      return 0;
    }
    return -1;
  };
}

}  // namespace tangle::cli
