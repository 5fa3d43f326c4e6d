// The training layer: a model learns, checkpoints are atomic, resuming reproduces an
// uninterrupted run exactly, and eval agrees with the run's summary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tangle/core/error.hpp"
#include "tangle/train/trainer.hpp"
#include "error_message.hpp"

namespace fs = std::filesystem;
using tangle::train::Json;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("tangle_train_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d.parent_path());
  return d;
}

// Metrics without wall-clock times, which differ between runs.
std::vector<Json> metrics_without_time(const fs::path& dir) {
  std::vector<Json> rows;
  std::istringstream in(read(dir / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    Json j = Json::parse(line);
    j.erase("seconds");
    rows.push_back(j);
  }
  return rows;
}

// A small, quick configuration of the hybrid model on 240 digits.
tangle::train::RunRequest small_run(const fs::path& dir, int epochs) {
  tangle::train::RunRequest r;
  r.model = "hybrid";
  r.out_dir = dir.string();
  r.progress = false;
  r.overrides = {{"train", {{"epochs", epochs}, {"batch", 16}, {"lr", 0.02}, {"seed", 3}}},
                 {"model", {{"qubits", 4}, {"layers", 2}}},
                 {"preprocess", Json::array({{{"op", "scale"}, {"divisor", 16.0}},
                                             {{"op", "flatten"}},
                                             {{"op", "train_subset"}, {"size", 240}}})}};
  return r;
}

}  // namespace

TEST(Trainer, LossFallsAndEvalMatchesSummary) {
  const fs::path dir = fresh_dir("loss");
  const auto s = tangle::train::train(small_run(dir, 4));
  ASSERT_FALSE(s.interrupted);
  const auto rows = metrics_without_time(dir);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_LT(rows.back()["train_loss"].get<double>(), 0.8 * rows.front()["train_loss"].get<double>())
      << "train loss went from " << rows.front()["train_loss"] << " to " << rows.back()["train_loss"];
  for (const char* f : {"config.json", "metrics.jsonl", "checkpoint.pt", "best.pt", "summary.json", "circuit.txt"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  const Json summary = Json::parse(read(dir / "summary.json"));
  const auto eval = tangle::train::evaluate(dir.string());
  EXPECT_EQ(eval.accuracy, summary["test_accuracy"].get<double>());
  EXPECT_EQ(eval.samples, summary["test_samples"].get<std::int64_t>());
  std::int64_t total = 0;
  for (const auto& row : eval.confusion)
    for (auto v : row) total += v;
  EXPECT_EQ(total, eval.samples);
}

TEST(Trainer, ResumeAfterTwoEpochsEqualsUninterruptedRun) {
  const fs::path a = fresh_dir("straight"), b = fresh_dir("resumed");
  tangle::train::train(small_run(a, 4));
  tangle::train::train(small_run(b, 2));
  tangle::train::RunRequest more;
  more.resume_dir = b.string();
  more.overrides = {{"train", {{"epochs", 4}}}};
  more.progress = false;
  const auto s = tangle::train::train(more);
  EXPECT_EQ(s.epochs_done, 4);
  EXPECT_EQ(metrics_without_time(a), metrics_without_time(b));
  EXPECT_EQ(Json::parse(read(a / "summary.json"))["test_accuracy"],
            Json::parse(read(b / "summary.json"))["test_accuracy"]);
}

TEST(Trainer, StopMidEpochThenResumeEqualsUninterruptedRun) {
  const fs::path a = fresh_dir("whole"), b = fresh_dir("stopped");
  tangle::train::train(small_run(a, 3));
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    // Stop once the first epoch is logged, i.e. somewhere inside the second epoch.
    while (!done && !fs::exists(b / "metrics.jsonl")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    tangle::train::request_stop();
  });
  const auto first = tangle::train::train(small_run(b, 3));
  done = true;
  stopper.join();
  ASSERT_TRUE(first.interrupted);
  tangle::train::RunRequest more;
  more.resume_dir = b.string();
  more.progress = false;
  tangle::train::train(more);
  EXPECT_EQ(metrics_without_time(a), metrics_without_time(b));
}

// An empty validation or test split is refused before the run directory exists (it failed at
// its first score, after training, with LibTorch's message).
TEST(Trainer, EmptySplitsAreRefusedBeforeTheRunStarts) {
  const fs::path dir = fresh_dir("empty-split");
  for (const char* key : {"val_fraction", "test_fraction"}) {
    tangle::train::RunRequest r = small_run(dir, 1);
    r.overrides["train"][key] = 0.0;
    EXPECT_TRUE(tangle::test::has(tangle::test::error_of<tangle::ValueError>([&] { (void)tangle::train::train(r); }),
                    std::string("is empty")));
    EXPECT_FALSE(fs::exists(dir)) << key << " = 0 left " << dir;
  }
}

TEST(Trainer, RefusesToOverwriteAnExistingRun) {
  const fs::path dir = fresh_dir("keep");
  fs::create_directories(dir);
  std::ofstream(dir / "metrics.jsonl") << "precious\n";
  try {
    tangle::train::train(small_run(dir, 1));
    FAIL() << "training into a non-empty directory must fail";
  } catch (const tangle::Error& e) {
    EXPECT_NE(std::string(e.message()).find("already exists"), std::string::npos) << e.message();
  }
  EXPECT_EQ(read(dir / "metrics.jsonl"), "precious\n");
}

TEST(AtomicWrite, AWriteThatFailsPartWayLeavesThePreviousFileIntact) {
  const fs::path dir = fresh_dir("atomic");
  fs::create_directories(dir);
  const std::string path = (dir / "checkpoint.pt").string();
  tangle::train::atomic_write(path, "previous checkpoint");
  // In a child process, cap file sizes so that the next write fails after 4 KiB.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      tangle::train::atomic_write(path, std::string(1 << 20, 'x'));
    } catch (const tangle::Error&) {
      ::_exit(0);  // failed as it should
    }
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the capped write did not report a failure";
  EXPECT_EQ(read(path), "previous checkpoint");
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename(), "checkpoint.pt") << "left behind: " << entry.path();
}

// Configuration checks: each message names the key and the bad value, before anything is built.
TEST(Config, OverridesAreCheckedForKeyKindAndRange) {
  auto message_of = [](const std::vector<std::string>& items) {
    tangle::train::RunRequest r;
    r.model = "hybrid";
    try {
      for (const std::string& item : items) tangle::train::apply_override(r.overrides, item);
      (void)tangle::train::resolve_config(r);
    } catch (const tangle::ValueError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  auto has = [](const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; };
  EXPECT_TRUE(has(message_of({"train.lr=abc"}), "train.lr must be a number (its default is 0.01), not \"abc\""));
  EXPECT_TRUE(has(message_of({"model.layers=2.5"}), "model.layers must be an integer (its default is 3), not 2.5"));
  EXPECT_TRUE(has(message_of({"train.epochs=0"}), "train.epochs 0 must be in [1, 1000000]"));
  EXPECT_TRUE(has(message_of({"train.lr_decay=1.5"}), "train.lr_decay 1.5 must be in (0, 1]"));
  EXPECT_TRUE(has(message_of({"train.precision=f16"}), "train.precision 'f16' is not one of f32, f64"));
  EXPECT_TRUE(has(message_of({"train=3"}), "the train section must be a JSON object, not 3"));
  // A key below a value already set: nlohmann's own type_error before.
  EXPECT_TRUE(has(message_of({"train.lr=1", "train.lr.x=2"}), "train.lr is already set to 1, not a section"));
  // Not UTF-8 (found by fuzz_config, tests/fuzz/regressions/config): the error message itself threw.
  EXPECT_TRUE(has(message_of({"model.name=\xff\xfe"}), "not valid UTF-8 text"));
  // Past int's range: read as int it would wrap (4294967298 layers as 2) silently.
  EXPECT_TRUE(has(message_of({"model.layers=4294967298"}), "model.layers 4294967298 is out of range"));
  EXPECT_TRUE(has(message_of({"model.qubits=-4294967298"}), "model.qubits -4294967298 is out of range"));
  EXPECT_EQ(message_of({"train.lr=0.05", "model.layers=2"}), "accepted");
}

// A layer sized by a mistyped value is refused before LibTorch allocates it (found by fuzz_config:
// `--set model.latent=233333333333` for qtl asked for 54 TiB), with the figure and the limit.
// Values past int's range are refused by the configuration check; those within it by the budget.
TEST(Config, ModelsLargerThanTheMemoryLimitAreRefusedBeforeTheyAreBuilt) {
  tangle::train::RunRequest huge;
  huge.model = "qtl";
  tangle::train::apply_override(huge.overrides, "model.latent=233333333333");
  EXPECT_TRUE(tangle::test::has(tangle::test::error_of<tangle::ValueError>([&] { (void)tangle::train::resolve_config(huge); }),
                                "model.latent 233333333333 is out of range"));
  tangle::train::RunRequest r;
  r.model = "qtl";
  tangle::train::apply_override(r.overrides, "model.latent=2000000000");
  const Json config = tangle::train::resolve_config(r);
  try {
    (void)tangle::train::build_model(config, {{64}, 10});
    ADD_FAILURE() << "a qtl model of latent width 2000000000 was built";
  } catch (const tangle::MemoryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("model qtl with {"), std::string::npos) << m;
    EXPECT_NE(m.find("\"latent\":2000000000"), std::string::npos) << m;
    EXPECT_NE(m.find("needs at least 476.8 GiB"), std::string::npos) << m;
  }
  // Within a limit of 64 MiB, a model that needs 128 MiB is refused; the default one fits.
  tangle::train::RunRequest wide;
  wide.model = "hybrid";
  tangle::train::apply_override(wide.overrides, "model.qubits=4");
  EXPECT_THROW((void)tangle::train::build_model(tangle::train::resolve_config(wide), {{8 << 20}, 10}, 64u << 20),
               tangle::MemoryError);
  EXPECT_NO_THROW((void)tangle::train::build_model(tangle::train::resolve_config(wide), {{64}, 10}, 64u << 20));
}

// A damaged or foreign model file is a RuntimeError naming the file and what is wrong, checked
// before LibTorch reads it (fuzz_model_file found a torch::jit::ErrorReport escaping, and a 4 GiB
// allocation asked for by a damaged length).
TEST(Config, DamagedModelFilesNameTheFile) {
  tangle::train::RunRequest r;
  r.model = "hybrid";
  const Json config = tangle::train::resolve_config(r);
  auto model = tangle::train::build_model(config, {{64}, 10});
  tangle::train::Pipeline pipeline(config.at("preprocess"));
  const fs::path dir = fresh_dir("damaged");
  fs::create_directories(dir);
  const std::string fuzz = std::string(TANGLE_SOURCE_DIR) + "/tests/fuzz/";
  std::ofstream(dir / "garbage.pt") << "not a zip archive, only some text that is long enough to be one";
  // One byte flipped inside a record of a good file: LibTorch does not check the archive's CRCs.
  std::string good = read(fuzz + "corpus/model_file/hybrid-best.pt");
  EXPECT_NO_THROW(tangle::train::load_model_file(fuzz + "corpus/model_file/hybrid-best.pt", *model, pipeline));
  // The end record's directory size set to 0xFFFFFFFF ("see the zip64 record") with the zip64
  // locator gone: no directory is left to check or to read.
  std::string no_zip64 = good;
  const std::size_t end = no_zip64.rfind("PK\x05\x06");
  ASSERT_EQ(no_zip64.compare(end - 20, 4, "PK\x06\x07"), 0);
  no_zip64[end - 20] = 'X';
  no_zip64.replace(end + 12, 4, "\xff\xff\xff\xff");
  std::ofstream(dir / "no-zip64.pt", std::ios::binary) << no_zip64;
  good[200] = static_cast<char>(good[200] ^ 0x10);
  std::ofstream(dir / "flipped.pt", std::ios::binary) << good;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {fuzz + "regressions/model_file/jit-type-parser-error.pt", "does not match its checksum"},
      // A damaged length in the pickle asked LibTorch for 4 GiB (found by fuzz_model_file).
      {fuzz + "regressions/model_file/pickle-length-4gib.pt", "does not match its checksum"},
      {(dir / "flipped.pt").string(), "record archive/data/0 does not match its checksum"},
      // The 32-bit directory size said "zip64" and the check stopped there, while LibTorch read the
      // directory from the zip64 record and parsed a damaged code record (found by fuzz_model_file).
      {fuzz + "regressions/model_file/zip64-directory-size-skipped-check", "record archive/data/0 does not match"},
      {(dir / "no-zip64.pt").string(), "its zip64 directory record is missing"},
      {(dir / "garbage.pt").string(), "no zip directory at its end"},
      {(dir / "missing.pt").string(), "cannot read"}};
  for (const auto& [file, why] : cases) {
    try {
      tangle::train::load_model_file(file, *model, pipeline);
      ADD_FAILURE() << file << " was read";
    } catch (const tangle::RuntimeError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(file), std::string::npos) << m;
      EXPECT_NE(m.find(why), std::string::npos) << m;
    }
  }
}
