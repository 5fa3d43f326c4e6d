// Run configurations: `--set` items, the model's defaults merged with the overrides, and the
// checks that every key is known, of its default's kind and in range, before anything is built,
// loaded or written (resolve_config); the same checks on a run's saved config.json.
#include "config.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"

namespace fs = std::filesystem;

namespace tangle::train {

namespace {
Json merge(Json base, const Json& over) {
  if (!base.is_object() || !over.is_object()) return over;
  for (auto it = over.begin(); it != over.end(); ++it) {
    if (base.contains(it.key()) && base[it.key()].is_object() && it->is_object()) {
      base[it.key()] = merge(base[it.key()], *it);
    } else {
      base[it.key()] = *it;
    }
  }
  return base;
}

// Keys a user may set that the defaults leave out (read with a fallback by the trainer).
const std::vector<std::string> kOptionalTrainKeys = {"momentum", "clip_mode"};

// JSON kinds a configuration value may have, for messages and checks.
const char* kind_name(const Json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a section";
  return "null";
}

// A value set over a default must be of the default's kind: nlohmann's own error when a reader
// later calls get<int>() on "abc" names neither the key nor the value. An integer default takes
// only integers, a number default any number, a list default a list (of numbers if it holds numbers).
void check_kind(const std::string& key, const Json& fallback, const Json& value) {
  bool ok = true;
  if (fallback.is_boolean()) ok = value.is_boolean();
  else if (fallback.is_number_integer() || fallback.is_number_unsigned()) ok = value.is_number_integer() || value.is_number_unsigned();
  else if (fallback.is_number()) ok = value.is_number();
  else if (fallback.is_string()) ok = value.is_string();
  else if (fallback.is_array()) {
    ok = value.is_array();
    if (ok && !fallback.empty() && fallback[0].is_number())
      ok = std::all_of(value.begin(), value.end(), [&](const Json& e) {
        return fallback[0].is_number_float() ? e.is_number() : (e.is_number_integer() || e.is_number_unsigned());
      });
  } else if (fallback.is_object()) {
    ok = value.is_object();
  }
  if (ok && value.is_number_float())
    TANGLE_CHECK(std::isfinite(value.get<double>()), key, " must be finite, not ", value.dump());
  // The builders read integers as int and numbers as float: a value past their range would wrap
  // (4294967298 qubits read as 2) or overflow LibTorch's float, so it is refused here by name.
  if (ok && key.rfind("model.", 0) == 0) {
    auto in_range = [&](const Json& v) {
      if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT32_MAX);
      if (v.is_number_integer()) return v.get<std::int64_t>() >= INT32_MIN && v.get<std::int64_t>() <= INT32_MAX;
      if (v.is_number_float()) return std::abs(v.get<double>()) <= static_cast<double>(FLT_MAX);
      return true;
    };
    const bool fits = value.is_array() ? std::all_of(value.begin(), value.end(), in_range) : in_range(value);
    TANGLE_CHECK(fits, key, " ", value.dump(), " is out of range (integers within +-", INT32_MAX,
                 ", numbers within +-", FLT_MAX, ")");
  }
  TANGLE_CHECK(ok, key, " must be ", fallback.is_array() && !fallback.empty() ? "a list like " : kind_name(fallback),
               fallback.is_array() && !fallback.empty() ? fallback.dump() : std::string(), " (its default is ",
               fallback.dump(), "), not ", value.dump());
}

}  // namespace

// The "train" section's values, each checked before anything is built or written.
void check_train_section(const Json& t) {
  TANGLE_CHECK(t.is_object(), "the train section must be a JSON object, not ", t.dump());
  auto integer = [&](const char* key, std::int64_t low, std::int64_t high) {
    TANGLE_CHECK(t.contains(key), "train.", key, " is missing");
    const Json& v = t[key];
    TANGLE_CHECK(v.is_number_integer() || v.is_number_unsigned(), "train.", key, " must be an integer, not ", v.dump());
    // Unsigned: a non-negative JSON integer, possibly past int64's range.
    TANGLE_CHECK(v.is_number_unsigned() ? v.get<std::uint64_t>() >= static_cast<std::uint64_t>(std::max<std::int64_t>(low, 0)) &&
                                              v.get<std::uint64_t>() <= static_cast<std::uint64_t>(high)
                                        : v.get<std::int64_t>() >= low && v.get<std::int64_t>() <= high,
                 "train.", key, " ", v.dump(), " must be in [", low, ", ", high, "]");
  };
  auto number = [&](const char* key, double low, double high, bool open_low) {
    TANGLE_CHECK(t.contains(key), "train.", key, " is missing");
    const Json& v = t[key];
    TANGLE_CHECK(v.is_number(), "train.", key, " must be a number, not ", v.dump());
    const double x = v.get<double>();
    TANGLE_CHECK(std::isfinite(x) && (open_low ? x > low : x >= low) && x <= high, "train.", key, " ", v.dump(),
                 " must be in ", open_low ? "(" : "[", low, ", ", high, "]");
  };
  auto word = [&](const char* key, const std::vector<std::string>& known) {
    TANGLE_CHECK(t.contains(key), "train.", key, " is missing");
    const Json& v = t[key];
    TANGLE_CHECK(v.is_string(), "train.", key, " must be a string, not ", v.dump());
    if (known.empty()) return;
    TANGLE_CHECK(std::find(known.begin(), known.end(), v.get<std::string>()) != known.end(), "train.", key, " '",
                 v.get<std::string>(), "' is not one of ", detail::join(known));
  };
  integer("epochs", 1, 1000000);
  integer("batch", 1, std::int64_t{1} << 31);
  integer("seed", 0, std::numeric_limits<std::int64_t>::max());
  integer("threads", 0, 4096);
  number("lr", 0.0, 1e6, true);
  number("lr_decay", 0.0, 1.0, true);
  number("clip", 0.0, 1e12, false);
  number("val_fraction", 0.0, 0.9, false);
  number("test_fraction", 0.0, 0.9, false);
  word("loss", {"cross_entropy", "mse"});
  word("precision", {"f32", "f64"});
  word("optimizer", {});
  if (t.contains("clip_mode")) word("clip_mode", {"norm", "value"});
  if (t.contains("momentum")) number("momentum", 0.0, 1.0, false);
}


namespace {

// A key that neither the defaults nor any reader knows is a typo (`--set model.layer=4` would
// otherwise train with the default layers): refuse it, naming the keys that are valid there.
void check_known_keys(const models::ModelSpec& spec, const Json& defaults, const Json& overrides) {
  const std::vector<std::string> sections = {"model", "train", "preprocess", "noise", "run", "data"};
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    if (std::find(sections.begin(), sections.end(), it.key()) == sections.end())
      throw ValueError(detail::concat("unknown configuration section \"", it.key(), "\" (known: ", detail::join(sections), ")"));
    if (it.key() == "preprocess" && defaults.contains("preprocess")) check_kind("preprocess", defaults["preprocess"], *it);
    if (it.key() != "model" && it.key() != "train") continue;  // noise, run and data check their own keys
    TANGLE_CHECK(it->is_object(), "the ", it.key(), " section must be a JSON object, not ", it->dump());
    std::vector<std::string> known = it.key() == "model" ? spec.model_keys : kOptionalTrainKeys;
    for (auto d = defaults[it.key()].begin(); d != defaults[it.key()].end(); ++d)
      if (std::find(known.begin(), known.end(), d.key()) == known.end()) known.push_back(d.key());
    std::sort(known.begin(), known.end());
    for (auto k = it->begin(); k != it->end(); ++k) {
      if (std::find(known.begin(), known.end(), k.key()) == known.end())
        throw ValueError(detail::concat("unknown configuration key ", it.key(), ".", k.key(),
                                        it.key() == "model" ? " for model " + spec.name : std::string(),
                                        " (known: ", detail::join(known), ")"));
      if (defaults[it.key()].contains(k.key())) check_kind(it.key() + "." + k.key(), defaults[it.key()][k.key()], *k);
    }
  }
}

}  // namespace

// The "data" section of a run's configuration: a built-in set or a path, and for a CSV with a
// header of names the chosen columns ("label": NAME, "features": [NAMES] or "a,b").
Json data_config(const DataSource& source) {
  Json d = source.path.empty() ? Json{{"dataset", source.dataset.empty() ? "digits" : source.dataset}}
                               : Json{{"path", source.path}};
  if (!source.columns.label.empty()) d["label"] = source.columns.label;
  if (!source.columns.features.empty()) d["features"] = source.columns.features;
  return d;
}

data::CsvColumns columns_of(const Json& d) {
  data::CsvColumns c;
  for (auto it = d.begin(); it != d.end(); ++it)
    TANGLE_CHECK(it.key() == "dataset" || it.key() == "path" || it.key() == "label" || it.key() == "features",
                 "unknown configuration key data.", it.key(), " (known: label, features; --data and --dataset give the rest)");
  if (d.contains("label")) {
    TANGLE_CHECK(d["label"].is_string() && !d["label"].get<std::string>().empty(),
                 "data.label must be a column name, not ", d["label"].dump());
    c.label = d["label"].get<std::string>();
  }
  if (d.contains("features")) {
    const Json& f = d["features"];
    if (f.is_string()) {
      std::stringstream names(f.get<std::string>());
      for (std::string name; std::getline(names, name, ',');) c.features.push_back(name);
    } else {
      TANGLE_CHECK(f.is_array() && std::all_of(f.begin(), f.end(), [](const Json& n) { return n.is_string(); }),
                   "data.features must be column names (\"a,b\" or [\"a\", \"b\"]), not ", f.dump());
      c.features = f.get<std::vector<std::string>>();
    }
    TANGLE_CHECK(!c.features.empty(), "data.features names no column");
  }
  return c;
}

DataSource source_of(const Json& d) {
  return {d.value("dataset", ""), d.value("path", ""), columns_of(d)};
}

// A run's config.json as train() wrote it; a file edited by hand or damaged is refused here,
// naming the file, rather than deep inside the model's construction.
void check_saved_config(const Json& config, const std::string& file) {
  try {
    TANGLE_CHECK(config.is_object(), "not a JSON object");
    TANGLE_CHECK(config.contains("model_name") && config["model_name"].is_string(), "no \"model_name\" string");
    for (const char* section : {"model", "train", "data"})
      TANGLE_CHECK(config.contains(section) && config[section].is_object(), "no \"", section, "\" section");
    // Every run writes its preprocessing, an empty list included (found by fuzz_run_dir).
    TANGLE_CHECK(config.contains("preprocess") && config["preprocess"].is_array(), "no \"preprocess\" list");
    (void)models::find_model(config["model_name"].get<std::string>());
    check_train_section(config["train"]);
    if (config.contains("sample_shape")) {
      const Json& shape = config["sample_shape"];
      TANGLE_CHECK(shape.is_array() && std::all_of(shape.begin(), shape.end(), [](const Json& n) {
                     return n.is_number_integer() && n.get<std::int64_t>() >= 1;
                   }), "\"sample_shape\" is not a list of positive integers");
    }
  } catch (const ValueError& e) {
    throw ValueError(detail::concat(file, ": ", e.what()));
  }
}

void check_utf8(const std::string& text, const std::string& what) {
  try {
    (void)Json(text).dump();
  } catch (const Json::type_error&) {
    throw ValueError(detail::concat(what, " ", Json(text).dump(-1, ' ', false, Json::error_handler_t::replace),
                                    ": not valid UTF-8 text (run files are JSON, which holds only UTF-8)"));
  }
}

void apply_override(Json& overrides, const std::string& item) {
  const auto eq = item.find('=');
  TANGLE_CHECK(eq != std::string::npos && eq > 0, "--set ", item, ": expected KEY=VALUE, e.g. model.layers=4");
  TANGLE_CHECK(overrides.is_null() || overrides.is_object(), "--set ", item, ": the overrides are not a JSON object");
  // A key or value that is not UTF-8 would fail when config.json is written (found by
  // fuzz_config, as an exception from inside an error message).
  check_utf8(item, "--set");
  const std::string key = item.substr(0, eq), text = item.substr(eq + 1);
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  Json* node = &overrides;
  std::size_t start = 0;
  for (;;) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    TANGLE_CHECK(!part.empty(), "--set ", item, ": empty key part");
    if (dot == std::string::npos) {
      (*node)[part] = value;
      break;
    }
    Json& child = (*node)[part];
    // `--set train.lr=1 --set train.lr.x=2`: the second cannot descend into a number.
    TANGLE_CHECK(child.is_null() || child.is_object(), "--set ", item, ": ", key.substr(0, dot), " is already set to ",
                 child.dump(), ", not a section");
    node = &child;
    start = dot + 1;
  }
}

Json resolve_config(const RunRequest& request) {
  TANGLE_CHECK(request.overrides.is_object(), "configuration overrides must be a JSON object, not ",
               request.overrides.dump());
  const models::ModelSpec& spec = models::find_model(request.model);
  DataSource source = request.data;
  if (request.overrides.contains("data")) {  // --set data.label=NAME, data.features=a,b
    TANGLE_CHECK(request.overrides["data"].is_object(), "data: expected keys label and features");
    const Json& d = request.overrides["data"];
    TANGLE_CHECK(!d.contains("path") && !d.contains("dataset"), "give the data with --data or --dataset, not --set");
    source.columns = columns_of(d);
    TANGLE_CHECK(!source.path.empty(), "data.label and data.features choose columns of a CSV file given by --data");
  }
  models::DataKind kind = models::DataKind::Digits;
  if (!source.path.empty()) {
    TANGLE_CHECK(fs::exists(source.path), "data path ", source.path, " does not exist");
    kind = fs::is_directory(source.path) ? models::DataKind::Mnist : models::DataKind::Table;
  } else if (!source.dataset.empty() && source.dataset != "digits") {
    kind = models::DataKind::Table;
  }
  const Json defaults = spec.defaults(kind);
  check_known_keys(spec, defaults, request.overrides);
  Json config = merge(defaults, request.overrides);
  // Recorded resolved (shorthands expanded), so that --resume and eval rebuild the same model.
  if (config.contains("noise")) config["noise"] = Json::parse(noise_from_config(config["noise"]).to_json());
  if (config.contains("run")) check_run_config(config["run"]);
  config["model_name"] = spec.name;
  source.path = source.path.empty() ? "" : fs::absolute(source.path).lexically_normal().string();
  config["data"] = data_config(source);
  config["command"] = request.command_line;
  config["tangle_version"] = TANGLE_VERSION;
  check_train_section(config.at("train"));
  return config;
}

}  // namespace tangle::train
