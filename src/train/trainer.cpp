#include "tangle/train/trainer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>
#include <tuple>

#include <ATen/CPUGeneratorImpl.h>

#include "config.hpp"
#include "progress.hpp"
#include "run_files.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/random.hpp"
#include "tangle/torch/allocation_budget.hpp"
#include "tangle/torch/quantum_layer.hpp"
#include "tangle/train/pipeline.hpp"

namespace fs = std::filesystem;

namespace tangle::train {

namespace {

std::atomic<bool> g_stop{false};

// Test rows of sets without their own test split are chosen with this fixed seed, so that every
// run and every `tangle eval` sees the same test set whatever the training seed.
constexpr std::uint64_t kTestSplitSeed = 20240719;

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

::torch::Dtype dtype_of(const std::string& precision) {
  TANGLE_CHECK(precision == "f32" || precision == "f64", "precision '", precision, "' is not f32 or f64");
  return precision == "f32" ? ::torch::kFloat32 : ::torch::kFloat64;
}

models::DataShape shape_of(const data::Dataset& d) {
  models::DataShape s;
  for (std::int64_t i = 1; i < d.features.dim(); ++i) s.sample_shape.push_back(d.features.size(i));
  s.n_classes = d.n_classes();
  return s;
}

// Everything about a run that is rebuilt from its config.json.
struct Setup {
  Json config;
  const models::ModelSpec* spec = nullptr;
  LoadedData data;
  data::Dataset train_raw, val_raw;
  data::Dataset train, val, test;  // preprocessed
  std::shared_ptr<Pipeline> pipeline;
  std::shared_ptr<models::Model> model;
  ::torch::Dtype dtype = ::torch::kFloat32;
};

// Data, splits, preprocessing fitted on the training split, and the model, from a config.
// (A resumed or evaluated run then loads its saved preprocessing state and calls reapply.)
Setup build(const Json& config) {
  Setup s;
  s.config = config;
  s.spec = &models::find_model(config.at("model_name").get<std::string>());
  const Json& t = config.at("train");
  s.data = load_data(source_of(config["data"]), t.at("test_fraction").get<double>());
  std::tie(s.train_raw, s.val_raw) =
      data::split(s.data.split.train, t.at("val_fraction").get<double>(), t.at("seed").get<std::uint64_t>());
  // Every split must hold samples: an empty one would fail at its first score, after training.
  for (const auto& [part, size, key] : {std::tuple{"training", s.train_raw.size(), ""},
                                        std::tuple{"validation", s.val_raw.size(), "train.val_fraction"},
                                        std::tuple{"test", s.data.split.test.size(), "train.test_fraction"}}) {
    TANGLE_CHECK(size > 0, "the ", part, " split of ", s.data.description, " is empty (", s.data.split.train.size(),
                 " training and ", s.data.split.test.size(), " test samples, val_fraction ", t.at("val_fraction").dump(),
                 ", test_fraction ", t.at("test_fraction").dump(), ")",
                 *key ? detail::concat("; raise ", key) : std::string("; the data set is too small"));
  }
  s.pipeline = std::make_shared<Pipeline>(config.at("preprocess"));
  s.train = s.pipeline->fit_apply(s.train_raw);
  s.val = s.pipeline->apply(s.val_raw);
  s.test = s.pipeline->apply(s.data.split.test);
  s.dtype = dtype_of(t.at("precision").get<std::string>());
  const int threads = t.at("threads").get<int>();
  // More threads than the hardware runs at once only time-slice (about 1000x slower at 999 on 2
  // cores, each thread waiting for the others at every barrier).
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  TANGLE_CHECK(threads >= 0, "threads ", threads, " must be 0 (every core) or positive");
  TANGLE_CHECK(hardware <= 0 || threads <= hardware, "threads ", threads, ": this machine runs ", hardware,
               " threads at once; use at most ", hardware, " (0 = every core)");
  if (threads > 0) at::set_num_threads(threads);
  if (config.contains("sample_shape")) {
    const auto want = config["sample_shape"].get<std::vector<std::int64_t>>();
    const auto got = shape_of(s.train).sample_shape;
    if (got != want) {
      throw ValueError(detail::concat("the data in ", s.data.description, " gives samples of shape ", Json(got).dump(),
                                      " after preprocessing, but the model was built for ", Json(want).dump()));
    }
  }
  ::torch::manual_seed(t.at("seed").get<std::uint64_t>());
  s.model = build_model(config, shape_of(s.train));
  if (s.dtype != ::torch::kFloat32) {
    tangle::torch::AllocationBudget budget(0, "converting the model's parameters to f64");
    s.model->to(s.dtype);
  }
  return s;
}

// Every circuit of the model must fit in memory for a training step of `batch` samples (forward
// and gradient), checked before the run directory is written: a model of too many qubits is
// refused with the estimate and the limit, not at its first step after the files exist.
void check_circuit_memory(const models::Model& model, std::int64_t batch, ::torch::Dtype dtype) {
  std::vector<models::DirectCircuit> circuits = model.direct_circuits();
  for (const auto& module : model.modules()) {
    if (const auto* layer = dynamic_cast<const torch::QuantumLayerImpl*>(module.get()))
      circuits.push_back({layer->shared_program(), layer->options().run});
  }
  for (models::DirectCircuit& c : circuits) {
    c.run.precision = dtype == ::torch::kFloat64 ? Precision::F64 : Precision::F32;
    check_allocation(memory_estimate(*c.program, batch, c.run, true), c.run.memory_limit,
                     detail::concat("training a circuit of ", c.program->n_qubits(), " qubits (", batch, " samples, ",
                                    dtype == ::torch::kFloat64 ? "f64" : "f32", ", forward and gradient)"));
  }
}

void reapply(Setup& s) {
  s.train = s.pipeline->apply(s.train_raw, true);
  s.val = s.pipeline->apply(s.val_raw);
  s.test = s.pipeline->apply(s.data.split.test);
}

struct Scores {
  double loss = 0.0;
  double accuracy = 0.0;
  ::torch::Tensor predictions;
};

::torch::Tensor loss_of(const std::string& kind, const ::torch::Tensor& logits, const ::torch::Tensor& labels) {
  if (kind == "mse") {
    const ::torch::Tensor target = ::torch::one_hot(labels, logits.size(1)).to(logits.scalar_type());
    return ::torch::mse_loss(logits, target);
  }
  return ::torch::nn::functional::cross_entropy(logits, labels);
}

Scores score(models::Model& model, const data::Dataset& d, ::torch::Dtype dtype, const std::string& loss_kind) {
  ::torch::NoGradGuard no_grad;
  model.eval();
  Scores s;
  std::vector<::torch::Tensor> predictions;
  double loss_sum = 0.0;
  const std::int64_t n = d.size(), batch = 1024;
  for (std::int64_t i = 0; i < n; i += batch) {
    const std::int64_t m = std::min(batch, n - i);
    const ::torch::Tensor logits = model.forward(d.features.narrow(0, i, m).to(dtype));
    loss_sum += loss_of(loss_kind, logits, d.labels.narrow(0, i, m)).item<double>() * static_cast<double>(m);
    predictions.push_back(logits.argmax(1));
  }
  model.train();
  s.predictions = ::torch::cat(predictions);
  s.loss = loss_sum / static_cast<double>(n);
  s.accuracy = s.predictions.eq(d.labels).sum().item<double>() / static_cast<double>(n);
  return s;
}

std::unique_ptr<::torch::optim::Optimizer> make_optimizer(const Json& t, models::Model& model) {
  const std::string kind = t.at("optimizer").get<std::string>();
  const double lr = t.at("lr").get<double>();
  TANGLE_CHECK(lr > 0.0 && std::isfinite(lr), "learning rate ", lr, " must be positive");
  if (kind == "adam") return std::make_unique<::torch::optim::Adam>(model.parameters(), ::torch::optim::AdamOptions(lr));
  if (kind == "sgd")
    return std::make_unique<::torch::optim::SGD>(
        model.parameters(), ::torch::optim::SGDOptions(lr).momentum(t.value("momentum", 0.9)));
  if (kind == "aqgd") {
    // Qiskit's AQGD step, m = (1 - mu) g + mu m_prev, p -= eta m, is SGD with dampening = momentum.
    const double mu = t.value("momentum", 0.25);
    TANGLE_CHECK(mu >= 0.0 && mu < 1.0, "aqgd momentum ", mu, " must be in [0, 1)");
    return std::make_unique<::torch::optim::SGD>(model.parameters(),
                                                 ::torch::optim::SGDOptions(lr).momentum(mu).dampening(mu));
  }
  throw ValueError(detail::concat("unknown optimizer '", kind,
                                  "' (known: adam, sgd, aqgd; cobyla, nelder-mead, bobyqa, powell, spsa and qng run "
                                  "in tangle vqe and tangle.algo.minimize)"));
}

// Progress through training, saved in every checkpoint.
struct State {
  std::int64_t epoch = 0;  // completed epochs
  std::int64_t step = 0;   // completed steps of the current epoch
  double loss_sum = 0.0, correct = 0.0, seen = 0.0;
  std::int64_t best_epoch = 0;
  double best_val = -1.0;
  double seconds = 0.0;  // training time so far
  double epoch_seconds = 0.0;
};

std::string serialize(const std::function<void(::torch::serialize::OutputArchive&)>& write) {
  ::torch::serialize::OutputArchive archive;
  write(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void save_model_file(const std::string& path, models::Model& model, const Pipeline& pipeline) {
  atomic_write(path, serialize([&](::torch::serialize::OutputArchive& a) {
                 ::torch::serialize::OutputArchive m, p;
                 model.save(m);
                 pipeline.save(p);
                 a.write("model", m);
                 a.write("pipeline", p);
               }));
}

void save_checkpoint(const std::string& path, models::Model& model, const Pipeline& pipeline,
                     ::torch::optim::Optimizer& optimizer, const State& st) {
  atomic_write(path, serialize([&](::torch::serialize::OutputArchive& a) {
                 ::torch::serialize::OutputArchive m, p, o;
                 model.save(m);
                 pipeline.save(p);
                 optimizer.save(o);
                 a.write("model", m);
                 a.write("pipeline", p);
                 a.write("optimizer", o);
                 a.write("progress", ::torch::tensor({st.epoch, st.step, st.best_epoch}, ::torch::kInt64));
                 // The generator's state, so that dropout and other draws resume exactly.
                 a.write("rng", at::detail::getDefaultCPUGenerator().get_state());
                 a.write("sums", ::torch::tensor({st.loss_sum, st.correct, st.seen, st.best_val, st.seconds,
                                                  st.epoch_seconds},
                                                 ::torch::kFloat64));
               }));
}

// A LibTorch exception's message without its C++ backtrace.
std::string torch_message(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  std::string text = e.what();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "an unreadable archive" : text;
}

// A tensor of a checkpoint's progress record, of the kind and length save_checkpoint() writes.
::torch::Tensor record(::torch::serialize::InputArchive& a, const char* key, ::torch::Dtype dtype, std::int64_t length) {
  ::torch::Tensor t;
  a.read(key, t);
  if (!t.defined() || t.scalar_type() != dtype || t.dim() != 1 || t.size(0) != length)
    throw c10::Error({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)},
                     detail::concat("the \"", key, "\" record is not ", length, " numbers of the expected type"));
  return t;
}

// LibTorch's Module::load points each parameter and buffer at the file's tensor without comparing
// dtypes: a float32 file read into a float64 model left float64 tensors over float32 storage, read
// past its end by the next forward (found by fuzz_run_dir). Each tensor of the file is read first
// (as Module::load reads it: by name, submodules as nested archives) and must have the shape and
// dtype the configuration built; c10::Error (named with the file by the caller) otherwise.
void check_module_tensors(::torch::nn::Module& module, ::torch::serialize::InputArchive& archive,
                          const std::string& prefix) {
  auto check = [&](const std::string& name, const ::torch::Tensor& built) {
    ::torch::Tensor stored;
    archive.read(name, stored);
    if (stored.sizes() != built.sizes() || stored.scalar_type() != built.scalar_type())
      throw c10::Error({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)},
                       detail::concat("its ", prefix, name, " is ", Json(stored.sizes().vec()).dump(), " ",
                                      stored.scalar_type(), ", but the configuration builds ",
                                      Json(built.sizes().vec()).dump(), " ", built.scalar_type()));
  };
  for (const auto& t : module.named_parameters(false)) check(t.key(), t.value());
  for (const auto& t : module.named_buffers(false)) check(t.key(), t.value());
  for (const auto& child : module.named_children()) {
    ::torch::serialize::InputArchive nested;
    archive.read(child.key(), nested);
    check_module_tensors(*child.value(), nested, prefix + child.key() + ".");
  }
}

void load_module_checked(::torch::nn::Module& model, ::torch::serialize::InputArchive& archive) {
  check_module_tensors(model, archive, "");
  model.load(archive);
}

State load_checkpoint(const std::string& path, models::Model& model, Pipeline& pipeline,
                      ::torch::optim::Optimizer& optimizer) {
  // LibTorch's reader raises c10::Error for a damaged archive, a missing record or a tensor of the
  // wrong shape: each becomes one error naming the file.
  try {
    const std::string bytes = read_file(path);
    check_archive(path, bytes);
    std::istringstream in(bytes);
    ::torch::serialize::InputArchive a;
    a.load_from(in);
    ::torch::serialize::InputArchive m, p, o;
    a.read("model", m);
    a.read("pipeline", p);
    a.read("optimizer", o);
    load_module_checked(model, m);
    pipeline.load(p);
    optimizer.load(o);
    const ::torch::Tensor progress = record(a, "progress", ::torch::kInt64, 3);
    const ::torch::Tensor sums = record(a, "sums", ::torch::kFloat64, 6);
    ::torch::Tensor rng;
    a.read("rng", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(rng);
    State st;
    st.epoch = progress[0].item<std::int64_t>();
    st.step = progress[1].item<std::int64_t>();
    st.best_epoch = progress[2].item<std::int64_t>();
    st.loss_sum = sums[0].item<double>();
    st.correct = sums[1].item<double>();
    st.seen = sums[2].item<double>();
    st.best_val = sums[3].item<double>();
    st.seconds = sums[4].item<double>();
    st.epoch_seconds = sums[5].item<double>();
    if (st.epoch < 0 || st.step < 0 || st.best_epoch < 0 || st.best_epoch > st.epoch)
      throw c10::Error({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)},
                       detail::concat("the progress record (", st.epoch, ", ", st.step, ", ", st.best_epoch,
                                      ") is impossible"));
    return st;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // c10::Error, torch::jit::ErrorReport (see load_model_file)
    throw RuntimeError(detail::concat(path, ": cannot read the checkpoint (", torch_message(e), ")"));
  }
}

}  // namespace

void load_model_file(const std::string& path, models::Model& model, Pipeline& pipeline) {
  try {
    const std::string bytes = read_file(path);
    check_archive(path, bytes);
    std::istringstream in(bytes);
    ::torch::serialize::InputArchive a, m, p;
    a.load_from(in);
    a.read("model", m);
    a.read("pipeline", p);
    load_module_checked(model, m);
    pipeline.load(p);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // c10::Error, and torch::jit::ErrorReport from the archive's type parser (found by
    // fuzz_model_file): LibTorch's reader raises more than one kind.
    throw RuntimeError(detail::concat(path, ": cannot read the model file (", torch_message(e), ")"));
  }
}

namespace {

std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<std::int64_t> order(static_cast<size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  SplitMix64 rng(seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(epoch) + 1);
  for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
  return order;
}

Json confusion_json(const ::torch::Tensor& predictions, const ::torch::Tensor& labels, std::int64_t classes,
                    std::vector<double>* per_class, std::vector<std::vector<std::int64_t>>* matrix) {
  matrix->assign(static_cast<size_t>(classes), std::vector<std::int64_t>(static_cast<size_t>(classes), 0));
  const auto p = predictions.accessor<std::int64_t, 1>();
  const auto l = labels.accessor<std::int64_t, 1>();
  for (std::int64_t i = 0; i < labels.size(0); ++i) (*matrix)[static_cast<size_t>(l[i])][static_cast<size_t>(p[i])]++;
  per_class->assign(static_cast<size_t>(classes), 0.0);
  for (std::int64_t c = 0; c < classes; ++c) {
    std::int64_t total = 0;
    for (std::int64_t k = 0; k < classes; ++k) total += (*matrix)[static_cast<size_t>(c)][static_cast<size_t>(k)];
    (*per_class)[static_cast<size_t>(c)] =
        total > 0 ? static_cast<double>((*matrix)[static_cast<size_t>(c)][static_cast<size_t>(c)]) / total : 0.0;
  }
  return Json(*matrix);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

// Plots by an external plotting tool (matplotlib); training never fails because of it.
std::string make_plots(const std::string& run_dir, const std::string& produced) {
  const char* python = std::getenv("TANGLE_PLOT_PYTHON");
  const char* script = std::getenv("TANGLE_PLOT_SCRIPT");
  const std::string py = python ? python : TANGLE_DEFAULT_PYTHON;
  const std::string sc = script ? script : TANGLE_SOURCE_DIR "/scripts/plot_run.py";
  if (!fs::exists(sc)) return "plots skipped: plotting script " + sc + " not found";
  const std::string log = run_dir + "/plots.log";
  const std::string cmd = shell_quote(py) + " " + shell_quote(sc) + " " + shell_quote(run_dir) + " > " +
                          shell_quote(log) + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::string detail_text;
  if (fs::exists(log)) {
    detail_text = read_file(log);
    while (!detail_text.empty() && (detail_text.back() == '\n' || detail_text.back() == ' ')) detail_text.pop_back();
  }
  if (rc == 0) {
    fs::remove(log);
    return "plots: " + produced;
  }
  const auto newline = detail_text.rfind('\n');
  return "plots skipped: " + (detail_text.empty() ? std::string("plotting tool failed (") + py + ")"
                                                  : detail_text.substr(newline == std::string::npos ? 0 : newline + 1));
}

void request_stop() { g_stop.store(true); }

LoadedData load_data(const DataSource& source, double test_fraction) {
  TANGLE_CHECK(source.dataset.empty() || source.path.empty(), "give a data set name or a data path, not both");
  LoadedData out;
  if (!source.path.empty()) {
    const fs::path p(source.path);
    TANGLE_CHECK(fs::exists(p), "data path ", source.path, " does not exist");
    if (fs::is_directory(p)) {
      out.split = data::read_idx_folder(source.path);
      out.kind = models::DataKind::Mnist;
      out.description = "IDX folder " + source.path;
      return out;
    }
    data::Dataset all = data::read_csv(source.path, source.columns);
    auto [train, test] = data::split(all, test_fraction, kTestSplitSeed);
    out.split = {train, test};
    out.kind = models::DataKind::Table;
    out.description = "CSV file " + source.path;
    return out;
  }
  const std::string name = source.dataset.empty() ? "digits" : source.dataset;
  data::Dataset all = data::builtin(name);
  auto [train, test] = data::split(all, test_fraction, kTestSplitSeed);
  out.split = {train, test};
  out.kind = name == "digits" ? models::DataKind::Digits : models::DataKind::Table;
  out.description = "built-in " + name;
  return out;
}

std::shared_ptr<models::Model> build_model(const Json& config, const models::DataShape& shape,
                                          std::uint64_t memory_limit) {
  const models::ModelSpec& spec = models::find_model(config.at("model_name").get<std::string>());
  const Json& t = config.at("train");
  Json model_config = config.at("model");
  model_config["threads"] = t.at("threads");
  model_config["seed"] = t.at("seed");
  // Every quantum layer runs with the run's noise and backend (models/common.hpp, layer_options).
  if (config.contains("noise")) model_config["noise"] = Json::parse(noise_from_config(config["noise"]).to_json());
  if (config.contains("run")) {
    check_run_config(config["run"]);
    model_config["run"] = config["run"];
  }
  // The builders read their keys with nlohmann's getters and size their layers with LibTorch:
  // a value of the wrong kind or a size LibTorch refuses becomes an error naming the model, and
  // layers larger than memory are refused before LibTorch allocates them.
  try {
    tangle::torch::AllocationBudget budget(memory_limit,
                                           detail::concat("model ", spec.name, " with ", config.at("model").dump()));
    return spec.build(model_config, shape);
  } catch (const Json::exception& e) {
    throw ValueError(detail::concat("model ", spec.name, ": a configuration value has the wrong kind (", e.what(),
                                    "); the model section is ", config.at("model").dump()));
  } catch (const c10::Error& e) {
    throw ValueError(detail::concat("model ", spec.name, " cannot be built with ", config.at("model").dump(), ": ",
                                    e.what_without_backtrace()));
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("model ", spec.name, " cannot be built with ", config.at("model").dump(), ": ",
                                    e.what()));
  }
}

RunSummary train(const RunRequest& request) {
  g_stop.store(false);
  const auto wall_start = std::chrono::steady_clock::now();
  const bool resume = !request.resume_dir.empty();
  Json config;
  std::string dir;
  RunLock lock;  // held until train() returns or the process ends
  // Paths are recorded in config.json: checked before anything is read or made.
  check_utf8(request.out_dir, "--out");
  check_utf8(request.resume_dir, "--resume");
  check_utf8(request.data.path, "--data");
  check_utf8(request.command_line, "the command line");
  if (resume) {
    dir = request.resume_dir;
    check_run_directory(dir);
    // Checked before the lock, whose file would otherwise be left in a folder that is no run.
    TANGLE_CHECK(fs::exists(dir + "/config.json") && fs::exists(dir + "/checkpoint.pt"), dir,
                 " is not a run directory with a checkpoint (config.json and checkpoint.pt are needed)");
    lock.acquire(dir);
    config = read_json(dir + "/config.json");
    check_saved_config(config, dir + "/config.json");
    for (auto it = request.overrides.begin(); it != request.overrides.end(); ++it) {
      TANGLE_CHECK(it.key() == "train" && it->is_object(), "--resume continues a run with its own configuration; "
                   "only --epochs and --threads may change");
      for (auto t = it->begin(); t != it->end(); ++t) {
        TANGLE_CHECK(t.key() == "epochs" || t.key() == "threads",
                     "--resume continues a run with its own configuration; only --epochs and --threads may change, "
                     "not ", t.key());
        config["train"][t.key()] = *t;
      }
    }
  } else {
    config = resolve_config(request);
    const models::ModelSpec& spec = models::find_model(request.model);
    dir = request.out_dir.empty() ? "runs/" + spec.name + "-" + timestamp() : request.out_dir;
    if (fs::exists(dir)) {
      const std::string taken = detail::concat("run directory ", dir, " already exists and is not empty; choose "
                                               "another --out, or continue it with --resume ", dir);
      TANGLE_CHECK(fs::is_directory(dir), taken);
      if (fs::exists(dir + "/" + kLockFile)) lock.acquire(dir);  // a training process may be starting in it
      TANGLE_CHECK(empty_but_lock(dir), taken);
    }
  }
  const Json& t = config.at("train");
  check_train_section(t);
  const std::int64_t epochs = t.at("epochs").get<std::int64_t>();
  const std::int64_t batch = t.at("batch").get<std::int64_t>();
  const double lr0 = t.at("lr").get<double>(), decay = t.at("lr_decay").get<double>(), clip = t.at("clip").get<double>();
  const std::string clip_mode = t.value("clip_mode", "norm");
  const std::string loss_kind = t.at("loss").get<std::string>();
  const std::uint64_t seed = t.at("seed").get<std::uint64_t>();

  Progress progress(request.progress);
  Setup s = build(config);
  check_circuit_memory(*s.model, batch, s.dtype);
  config["sample_shape"] = shape_of(s.train).sample_shape;
  config["classes"] = s.train.class_names;
  auto optimizer = make_optimizer(t, *s.model);
  State st;
  const std::string checkpoint = dir + "/checkpoint.pt", metrics = dir + "/metrics.jsonl";
  if (resume) {
    st = load_checkpoint(checkpoint, *s.model, *s.pipeline, *optimizer);
    reapply(s);
    truncate_metrics(metrics, st.epoch);
    // A run killed after its last checkpoint but before its summary (a missing one, or one left
    // from before --epochs extended the run) finishes here.
    bool unfinished = false;
    if (st.epoch == epochs && st.step == 0) {
      const std::string summary_file = dir + "/summary.json";
      try {
        unfinished = !fs::exists(summary_file) || read_json(summary_file).value("epochs", std::int64_t{-1}) != st.epoch;
      } catch (const std::exception&) {
        unfinished = true;
      }
    }
    TANGLE_CHECK(st.epoch < epochs || st.step > 0 || unfinished, "the run in ", dir, " already completed ", st.epoch,
                 " epochs; pass --epochs N with N > ", st.epoch, " to train further");
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw RuntimeError(detail::concat("cannot create the run directory ", dir, ": ", ec.message()));
    fs::path made = fs::absolute(dir).lexically_normal();
    if (!made.has_filename()) made = made.parent_path();
    sync_directory(made.parent_path());
    if (!lock.held()) {
      lock.acquire(dir);
      TANGLE_CHECK(empty_but_lock(dir), "run directory ", dir, " was filled by another process meanwhile; choose "
                   "another --out");
    }
    atomic_write(dir + "/circuit.txt", s.model->draw());
    s.model->pretrain(s.train.features.to(s.dtype), [&](const std::string& line) { progress.note(line); });
  }
  atomic_write(dir + "/config.json", config.dump(2) + "\n");
  // From this checkpoint on the run can be resumed whenever it stops, a SIGKILL included.
  if (!resume) save_checkpoint(checkpoint, *s.model, *s.pipeline, *optimizer, st);

  const std::int64_t n = s.train.size();
  const std::int64_t steps = (n + batch - 1) / batch;
  RunSummary summary;
  summary.run_dir = dir;
  if (!resume || st.epoch > 0) progress.note("run directory: " + dir);
  for (std::int64_t epoch = st.epoch; epoch < epochs; ++epoch) {
    const double lr = lr0 * std::pow(decay, static_cast<double>(epoch));
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
    const std::vector<std::int64_t> order = epoch_order(n, seed, epoch);
    const ::torch::Tensor order_t = ::torch::tensor(order, ::torch::kInt64);
    progress.begin_epoch(epoch + 1, epochs, steps, st.step);
    auto step_start = std::chrono::steady_clock::now();
    for (std::int64_t step = st.step; step < steps; ++step) {
      const std::int64_t lo = step * batch, m = std::min(batch, n - lo);
      const ::torch::Tensor index = order_t.narrow(0, lo, m);
      const ::torch::Tensor x = s.train.features.index_select(0, index).to(s.dtype);
      const ::torch::Tensor y = s.train.labels.index_select(0, index);
      optimizer->zero_grad();
      const ::torch::Tensor logits = s.model->forward(x);
      const ::torch::Tensor loss = loss_of(loss_kind, logits, y);
      loss.backward();
      if (clip > 0.0) {
        if (clip_mode == "value") {
          ::torch::nn::utils::clip_grad_value_(s.model->parameters(), clip);
        } else {
          ::torch::nn::utils::clip_grad_norm_(s.model->parameters(), clip);
        }
      }
      optimizer->step();
      st.loss_sum += loss.item<double>() * static_cast<double>(m);
      st.correct += logits.argmax(1).eq(y).sum().item<double>();
      st.seen += static_cast<double>(m);
      st.step = step + 1;
      const auto now = std::chrono::steady_clock::now();
      const double dt = std::chrono::duration<double>(now - step_start).count();
      step_start = now;
      st.epoch_seconds += dt;
      st.seconds += dt;
      progress.step(st.step, st.loss_sum / st.seen, static_cast<double>(m) / std::max(dt, 1e-9));
      if (g_stop.load() && st.step < steps) {
        save_checkpoint(checkpoint, *s.model, *s.pipeline, *optimizer, st);
        progress.end_epoch("");
        summary.interrupted = true;
        summary.epochs_done = static_cast<int>(st.epoch);
        return summary;
      }
    }
    const Scores val = score(*s.model, s.val, s.dtype, loss_kind);
    Json line = {{"epoch", epoch + 1},
                 {"train_loss", st.loss_sum / st.seen},
                 {"train_accuracy", st.correct / st.seen},
                 {"val_loss", val.loss},
                 {"val_accuracy", val.accuracy},
                 {"lr", lr},
                 {"seconds", st.epoch_seconds}};
    append_line(metrics, line.dump());
    if (val.accuracy > st.best_val) {
      st.best_val = val.accuracy;
      st.best_epoch = epoch + 1;
      save_model_file(dir + "/best.pt", *s.model, *s.pipeline);
    }
    char text[256];
    std::snprintf(text, sizeof text,
                  "epoch %lld/%lld  train loss %.4f acc %.1f%%  val loss %.4f acc %.1f%%  lr %.3g  %.1f s",
                  static_cast<long long>(epoch + 1), static_cast<long long>(epochs), st.loss_sum / st.seen,
                  100.0 * st.correct / st.seen, val.loss, 100.0 * val.accuracy, lr, st.epoch_seconds);
    progress.end_epoch(text);
    st.epoch = epoch + 1;
    st.step = 0;
    st.loss_sum = st.correct = st.seen = 0.0;
    st.epoch_seconds = 0.0;
    save_checkpoint(checkpoint, *s.model, *s.pipeline, *optimizer, st);
    if (g_stop.load()) {
      summary.interrupted = true;
      summary.epochs_done = static_cast<int>(st.epoch);
      return summary;
    }
  }

  // Test with the best model by validation accuracy.
  {
    ::torch::serialize::InputArchive a, m;
    a.load_from(dir + "/best.pt");
    a.read("model", m);
    s.model->load(m);
  }
  const Scores test = score(*s.model, s.test, s.dtype, loss_kind);
  std::vector<double> per_class;
  std::vector<std::vector<std::int64_t>> matrix;
  const Json confusion = confusion_json(test.predictions, s.test.labels, s.test.n_classes(), &per_class, &matrix);
  summary.epochs_done = static_cast<int>(st.epoch);
  summary.best_epoch = static_cast<int>(st.best_epoch);
  summary.best_val_accuracy = st.best_val;
  summary.test_accuracy = test.accuracy;
  summary.seconds = st.seconds;
  std::int64_t parameters = 0;
  for (const auto& p : s.model->parameters()) parameters += p.numel();
  const Json out = {{"model", config["model_name"]},
                    {"data", s.data.description},
                    {"train_samples", s.train.size()},
                    {"val_samples", s.val.size()},
                    {"test_samples", s.test.size()},
                    {"parameters", parameters},
                    {"epochs", st.epoch},
                    {"best_epoch", st.best_epoch},
                    {"best_val_accuracy", st.best_val},
                    {"test_accuracy", test.accuracy},
                    {"test_loss", test.loss},
                    {"per_class_accuracy", per_class},
                    {"class_names", s.test.class_names},
                    {"confusion", confusion},
                    {"train_seconds", st.seconds},
                    {"wall_seconds",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count()}};
  atomic_write(dir + "/summary.json", out.dump(2) + "\n");
  summary.plots = make_plots(dir);
  return summary;
}

std::string draw_model(const std::string& model, const DataSource& source) {
  const models::ModelSpec& spec = models::find_model(model);
  models::DataKind kind = models::DataKind::Digits;
  if (!source.path.empty()) {
    TANGLE_CHECK(fs::exists(source.path), "data path ", source.path, " does not exist");
    kind = fs::is_directory(source.path) ? models::DataKind::Mnist : models::DataKind::Table;
  }
  Json config = spec.defaults(kind);
  config["model_name"] = spec.name;
  config["data"] = data_config(source);
  return build(config).model->draw();
}

Json EvalResult::to_json() const {
  return {{"data", data},
          {"samples", samples},
          {"accuracy", accuracy},
          {"per_class_accuracy", per_class_accuracy},
          {"class_names", class_names},
          {"confusion", confusion}};
}

EvalResult evaluate(const std::string& run_dir, const DataSource& source) {
  check_run_directory(run_dir);
  TANGLE_CHECK(fs::exists(run_dir + "/config.json") && fs::exists(run_dir + "/best.pt"), run_dir,
               " is not a finished or checkpointed run (config.json and best.pt are needed)");
  Json config = read_json(run_dir + "/config.json");
  check_saved_config(config, run_dir + "/config.json");
  if (!source.path.empty() || !source.dataset.empty()) {
    // Other data with the run's columns (a CSV with the same header).
    DataSource other = source;
    if (other.columns.label.empty() && other.columns.features.empty()) other.columns = columns_of(config["data"]);
    if (other.path.empty()) other.columns = {};
    config["data"] = data_config(other);
  }
  Setup s = build(config);
  load_model_file(run_dir + "/best.pt", *s.model, *s.pipeline);
  reapply(s);
  const data::Dataset& test = s.test;
  const Scores sc = score(*s.model, test, s.dtype, config["train"].value("loss", "cross_entropy"));
  EvalResult r;
  r.data = s.data.description + " (test split)";
  r.samples = test.size();
  r.accuracy = sc.accuracy;
  r.class_names = test.class_names;
  confusion_json(sc.predictions, test.labels, test.n_classes(), &r.per_class_accuracy, &r.confusion);
  return r;
}

}  // namespace tangle::train
