#include "report_runs.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace tangle::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Why a run is skipped. Messages start with the file inside the run: "summary.json: ...".
struct BadRun : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* a_type(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    default: return v.is_number() ? "a number" : "null";
  }
}

// Typed, optional fields of one JSON object; a field of the wrong type names file and key.
class Fields {
 public:
  Fields(const Json& j, std::string where, std::string prefix = "")
      : j_(j), where_(std::move(where)), prefix_(std::move(prefix)) {
    if (!j_.is_object()) throw BadRun(where_ + ": expected a JSON object, found " + a_type(j_));
  }

  std::optional<double> number(const char* key) const {
    const Json* v = find(key);  // NaN is written as null: no value
    if (v && !v->is_number()) wrong(key, *v, "a number");
    return v ? std::optional<double>(v->get<double>()) : std::nullopt;
  }
  std::optional<long long> integer(const char* key) const {
    const Json* v = find(key);
    if (v && !v->is_number_integer()) wrong(key, *v, "an integer");
    return v ? std::optional<long long>(v->get<long long>()) : std::nullopt;
  }
  std::string text(const char* key) const {
    const Json* v = find(key);
    if (v && !v->is_string()) wrong(key, *v, "a string");
    return v ? v->get<std::string>() : std::string();
  }
  // The object at `key`; an empty one when absent.
  Fields object(const char* key) const {
    static const Json empty = Json::object();
    const Json* v = find(key);
    if (v && !v->is_object()) wrong(key, *v, "an object");
    return Fields(v ? *v : empty, where_, prefix_ + key + ".");
  }

 private:
  const Json* find(const char* key) const {
    const auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void wrong(const char* key, const Json& v, const char* expected) const {
    throw BadRun(where_ + ": \"" + prefix_ + key + "\" is " + a_type(v) + ", expected " + expected);
  }

  const Json& j_;
  std::string where_, prefix_;
};

std::string read_text(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw BadRun(file.filename().string() + ": not a regular file");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) throw BadRun(file.filename().string() + ": cannot read the file");
  return text.str();
}

// "parse error at byte 17 (line 2, column 5): syntax error ..." from nlohmann's message, whose
// "[json.exception.parse_error.101] parse error at line 2, column 5: " prefix is reworded.
std::string parse_problem(const Json::parse_error& e, bool with_line) {
  std::string what = e.what(), reason = what;
  std::string position;
  const auto at = what.find("parse error at ");
  const auto colon = at == std::string::npos ? at : what.find(": ", at);
  if (colon != std::string::npos) {
    position = what.substr(at + 15, colon - at - 15);
    reason = what.substr(colon + 2);
  }
  std::string out = "parse error at byte " + std::to_string(e.byte);
  if (with_line && position.rfind("line ", 0) == 0) out += " (" + position + ")";
  return out + ": " + reason;
}

Json read_json(const fs::path& file) {
  const std::string text = read_text(file);
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw BadRun(file.filename().string() + ": " + parse_problem(e, true));
  } catch (const Json::exception& e) {  // a number past double's range
    throw BadRun(file.filename().string() + ": " + e.what());
  }
}

void read_training_config(const Fields& config, RunRecord& r) {
  const Fields train = config.object("train");
  r.model = config.text("model_name");
  r.seed = train.integer("seed");
  r.loss = train.text("loss");
  const Fields data = config.object("data");
  r.data = data.text("dataset").empty() ? data.text("path") : data.text("dataset");
}

void read_vqe_config(const Fields& config, RunRecord& r) {
  const std::string ansatz = config.text("ansatz"), optimizer = config.text("optimizer");
  r.model = "VQE " + (ansatz.empty() ? std::string("?") : ansatz) + (optimizer.empty() ? "" : " (" + optimizer + ")");
  const auto qubits = config.integer("qubits");
  const std::string hamiltonian = config.text("model");
  r.data = (hamiltonian.empty() ? std::string("custom") : hamiltonian) +
           (qubits ? ", " + std::to_string(*qubits) + " qubits" : "");
  r.hamiltonian = config.text("hamiltonian");
  r.seed = config.integer("seed");
}

// Where summary.json's values go: the keys train() and `tangle vqe` write.
template <typename T>
using Keys = std::vector<std::pair<const char*, std::optional<T> RunRecord::*>>;
const Keys<double> kTrainingNumbers = {{"best_val_accuracy", &RunRecord::best_val_accuracy},
                                       {"test_accuracy", &RunRecord::test_accuracy},
                                       {"test_loss", &RunRecord::test_loss},
                                       {"wall_seconds", &RunRecord::wall_seconds}};
const Keys<long long> kTrainingIntegers = {{"parameters", &RunRecord::parameters}, {"epochs", &RunRecord::epochs}};
const Keys<double> kVqeNumbers = {{"energy", &RunRecord::energy},
                                  {"exact_energy", &RunRecord::exact_energy},
                                  {"error", &RunRecord::energy_error},
                                  {"mitigated_energy", &RunRecord::mitigated_energy},
                                  {"seconds", &RunRecord::wall_seconds}};
const Keys<long long> kVqeIntegers = {{"iterations", &RunRecord::iterations}};

void read_summary(const Json& summary, RunRecord& r) {
  const Fields s(summary, "summary.json");
  for (const auto& [key, field] : r.vqe ? kVqeNumbers : kTrainingNumbers) r.*field = s.number(key);
  for (const auto& [key, field] : r.vqe ? kVqeIntegers : kTrainingIntegers) r.*field = s.integer(key);
  if (r.vqe) return;
  if (!s.text("model").empty()) r.model = s.text("model");  // the summary's data names the source in full
  if (!s.text("data").empty()) r.data = s.text("data");
  if (!r.wall_seconds) r.wall_seconds = s.number("train_seconds");
}

// One JSON object per line; blank lines are ignored. Unfinished runs take their counts from here.
void read_metrics(const fs::path& file, RunRecord& r) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return;
  const std::string text = read_text(file);
  // A process killed while appending may leave a last line without its newline: it is skipped.
  const bool whole = text.empty() || text.back() == '\n';
  std::istringstream lines(text);
  std::string line;
  const char* x_key = r.vqe ? "iteration" : "epoch";
  const std::vector<const char*> keys = r.vqe ? std::vector<const char*>{"energy"}
                                              : std::vector<const char*>{"train_loss", "val_loss", "train_accuracy",
                                                                         "val_accuracy"};
  long long rows = 0;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "metrics.jsonl: line " + std::to_string(number);
    Json j;
    try {
      j = Json::parse(line);
    } catch (const Json::parse_error& e) {
      if (!whole && lines.peek() == std::char_traits<char>::eof()) break;
      throw BadRun(where + ": " + parse_problem(e, false));
    } catch (const Json::exception& e) {  // a number past double's range
      throw BadRun(where + ": " + e.what());
    }
    const Fields m(j, where);
    ++rows;
    const double x = m.number(x_key).value_or(static_cast<double>(rows));
    for (const char* key : keys) {
      if (const auto y = m.number(key)) {
        r.curves[key].x.push_back(x);
        r.curves[key].y.push_back(*y);
      }
    }
  }
  if (r.finished) return;
  (r.vqe ? r.iterations : r.epochs) = rows;
  const auto val = r.curves.find("val_accuracy");
  if (val != r.curves.end() && !val->second.y.empty())
    r.best_val_accuracy = *std::max_element(val->second.y.begin(), val->second.y.end());
}

RunRecord read_run(const fs::path& dir, const std::string& name) {
  RunRecord r;
  r.name = name;
  std::error_code ec;
  if (!fs::exists(dir / "config.json", ec)) throw BadRun("config.json: missing (it says what kind of run this is)");
  const Json config_json = read_json(dir / "config.json");
  const Fields config(config_json, "config.json");
  r.vqe = config.text("command") == "vqe";
  if (!r.vqe && !config_json.contains("train"))
    throw BadRun("config.json: neither a training run (no \"train\" section) nor a VQE run (no \"command\": \"vqe\")");
  if (r.vqe) {
    read_vqe_config(config, r);
  } else {
    read_training_config(config, r);
  }
  r.finished = fs::exists(dir / "summary.json", ec);
  if (r.finished) read_summary(read_json(dir / "summary.json"), r);
  read_metrics(dir / "metrics.jsonl", r);
  return r;
}

bool is_run(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "config.json", ec) || fs::exists(dir / "summary.json", ec);
}

// The path as the user wrote it, without trailing slashes.
std::string display_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

ReadRuns read_runs(const std::vector<std::string>& paths) {
  ReadRuns out;
  std::set<fs::path> seen;
  auto add = [&](const fs::path& dir, const std::string& name) {
    std::error_code ec;
    const fs::path key = fs::weakly_canonical(dir, ec);
    if (!seen.insert(ec ? dir : key).second) return;
    try {
      out.runs.push_back(read_run(dir, name));
    } catch (const BadRun& e) {
      out.skipped.push_back({name, e.what()});
    }
  };
  for (const std::string& path : paths) {
    const std::string name = display_name(path);
    const fs::path dir(path);
    std::error_code ec;
    const fs::file_status st = fs::status(dir, ec);
    if (!fs::exists(st)) {
      out.skipped.push_back({name, ec && ec != std::errc::no_such_file_or_directory
                                       ? "cannot access (" + ec.message() + ")"
                                       : std::string("no such file or directory")});
      continue;
    }
    if (!fs::is_directory(st)) {
      out.skipped.push_back({name, "not a directory"});
      continue;
    }
    if (is_run(dir)) {
      add(dir, name);
      continue;
    }
    // A folder of runs: every subdirectory (hidden ones aside), in name order.
    std::vector<fs::path> subdirs;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code sub_ec;
      if (it->is_directory(sub_ec) && it->path().filename().string().rfind('.', 0) != 0) subdirs.push_back(it->path());
    }
    if (ec) {
      out.skipped.push_back({name, "cannot list the directory (" + ec.message() + ")"});
      continue;
    }
    std::sort(subdirs.begin(), subdirs.end());
    if (std::none_of(subdirs.begin(), subdirs.end(), is_run)) {
      out.skipped.push_back({name, "not a run directory (no config.json or summary.json), nor a folder of runs"});
      continue;
    }
    for (const fs::path& sub : subdirs) {
      const std::string sub_name = (fs::path(name) / sub.filename()).string();
      if (is_run(sub)) {
        add(sub, sub_name);
      } else {
        out.skipped.push_back({sub_name, "not a run directory (no config.json or summary.json)"});
      }
    }
  }
  return out;
}

}  // namespace tangle::cli
