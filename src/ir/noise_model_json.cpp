// The JSON form of a NoiseModel (schema in docs/python.md, "Noise models"). Every error names the
// key path (rules[2].strengths[0]), the value found and what was expected.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

#include "tangle/core/error.hpp"
#include "tangle/ir/noise_model.hpp"

namespace tangle {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kPrefix = "noise model JSON: ";

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw ValueError(detail::concat(kPrefix, where, ": ", what));
}

// The value as the file spells it (shortened), for messages.
std::string shown(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// Runs `f`; a ValueError it throws is raised again prefixed with the key path.
template <typename F>
auto at_key(const std::string& where, F&& f) {
  try {
    return f();
  } catch (const ValueError& e) {
    fail(where, e.what());
  }
}

void check_keys(const Json& obj, const std::string& where, std::initializer_list<std::string_view> known) {
  if (!obj.is_object()) fail(where, detail::concat(shown(obj), " is not an object"));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || it.key() == k;
    if (!ok) fail(where, detail::concat("unknown key \"", it.key(), "\" (known: ", detail::join(known), ")"));
  }
}

const Json& array_at(const Json& v, const std::string& where) {
  if (!v.is_array()) fail(where, detail::concat(shown(v), " is not a list"));
  return v;
}

double number_at(const Json& v, const std::string& where) {
  if (!v.is_number()) fail(where, detail::concat(shown(v), " is not a number"));
  return v.get<double>();
}

int wire_at(const Json& v, const std::string& where) {
  if (!v.is_number_integer()) fail(where, detail::concat(shown(v), " is not a wire number"));
  // As the file spells it: an unsigned past 2^63 read as long long would be named as negative.
  const auto w = v.is_number_unsigned() ? static_cast<long long>(std::min<std::uint64_t>(v.get<std::uint64_t>(), kMaxQubits))
                                        : v.get<long long>();
  if (w < 0 || w >= kMaxQubits) fail(where, detail::concat("wire ", shown(v), " is out of range [0, ", kMaxQubits, ")"));
  return static_cast<int>(w);
}

std::vector<int> wires_at(const Json& v, const std::string& where) {
  std::vector<int> wires;
  for (size_t i = 0; i < array_at(v, where).size(); ++i) wires.push_back(wire_at(v[i], detail::concat(where, "[", i, "]")));
  return wires;
}

// A matrix entry: a number or [re, im].
cdouble entry_at(const Json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
    return {v[0].get<double>(), v[1].get<double>()};
  fail(where, detail::concat(shown(v), " is not a number or a [re, im] pair"));
}

std::vector<cdouble> matrix_at(const Json& v, const std::string& where) {
  const size_t d = array_at(v, where).size();
  std::vector<cdouble> m;
  for (size_t r = 0; r < d; ++r) {
    const std::string row = detail::concat(where, "[", r, "]");
    if (array_at(v[r], row).size() != d)
      fail(row, detail::concat("has ", v[r].size(), " entries but the matrix has ", d, " rows (it must be square)"));
    for (size_t c = 0; c < d; ++c) m.push_back(entry_at(v[r][c], detail::concat(row, "[", c, "]")));
  }
  return m;
}

std::string known_channels() {
  std::vector<std::string_view> keys;
  for (const GateInfo& info : kGates)
    if (info.family == GateFamily::Channel) keys.push_back(channel_key(info.gate));
  return detail::join(keys);
}

Gate gate_named(const Json& v, const std::string& where) {
  if (!v.is_string()) fail(where, detail::concat(shown(v), " is not a gate name"));
  const std::optional<Gate> g = gate_by_name_any_case(v.get<std::string>());
  if (!g) fail(where, detail::concat(shown(v), " is not a gate name (as `tangle.gate_names()` lists them, e.g. CNOT, RX)"));
  return *g;
}

GateMatch gates_at(const Json& v, const std::string& where) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "all") return GateMatch::every();
    if (s == "one_qubit") return GateMatch::one_qubit();
    if (s == "two_qubit") return GateMatch::two_qubit();
    fail(where, detail::concat("\"", s, "\" is not \"all\", \"one_qubit\", \"two_qubit\" or a list of gate names"));
  }
  std::vector<Gate> gates;
  for (size_t i = 0; i < array_at(v, where).size(); ++i) gates.push_back(gate_named(v[i], detail::concat(where, "[", i, "]")));
  return at_key(where, [&] { return GateMatch::named(std::move(gates)); });
}

NoiseChannel channel_at(const Json& rule, const std::string& where) {
  if (!rule.contains("channel")) fail(where, "needs a \"channel\" (one of " + known_channels() + ")");
  const Json& name = rule["channel"];
  if (!name.is_string()) fail(where + ".channel", detail::concat(shown(name), " is not a channel name"));
  const std::optional<Gate> gate = channel_from_key(name.get<std::string>());
  if (!gate) fail(where + ".channel", detail::concat(shown(name), " is not a channel (known: ", known_channels(), ")"));
  const int n = gate_info(*gate).n_angles;
  std::vector<double> strengths;
  if (rule.contains("strengths")) {
    const std::string at = where + ".strengths";
    const Json& s = array_at(rule["strengths"], at);
    if (static_cast<int>(s.size()) != n)
      fail(at, detail::concat(shown(s), " has ", s.size(), " values but ", name.get<std::string>(), " takes ", n));
    for (size_t i = 0; i < s.size(); ++i) strengths.push_back(number_at(s[i], detail::concat(at, "[", i, "]")));
  } else if (n > 0) {
    fail(where, detail::concat("needs \"strengths\": ", name.get<std::string>(), " takes ", n));
  }
  std::vector<std::vector<cdouble>> kraus;
  if (*gate == Gate::Kraus) {
    if (!rule.contains("kraus")) fail(where, "needs \"kraus\": a list of matrices (rows of numbers or [re, im] pairs)");
    const std::string at = where + ".kraus";
    for (size_t i = 0; i < array_at(rule["kraus"], at).size(); ++i)
      kraus.push_back(matrix_at(rule["kraus"][i], detail::concat(at, "[", i, "]")));
  } else if (rule.contains("kraus")) {
    fail(where + ".kraus", detail::concat("only the kraus channel takes matrices, not ", name.get<std::string>()));
  }
  return at_key(where, [&] { return NoiseChannel::make(*gate, std::move(strengths), std::move(kraus)); });
}

Json confusion_json(const ReadoutConfusion& c) { return {{c.p[0][0], c.p[0][1]}, {c.p[1][0], c.p[1][1]}}; }

ReadoutConfusion confusion_at(const Json& v, const std::string& where) {
  std::array<std::array<double, 2>, 2> p{};
  if (array_at(v, where).size() != 2) fail(where, detail::concat(shown(v), " is not a 2x2 matrix"));
  for (size_t r = 0; r < 2; ++r) {
    const std::string row = detail::concat(where, "[", r, "]");
    if (array_at(v[r], row).size() != 2) fail(row, detail::concat(shown(v[r]), " is not a row of 2 numbers"));
    for (size_t c = 0; c < 2; ++c) p[r][c] = number_at(v[r][c], detail::concat(row, "[", c, "]"));
  }
  return at_key(where, [&] { return ReadoutConfusion::make(p); });
}

}  // namespace

std::string NoiseModel::to_json() const {
  Json rules = Json::array();
  for (const NoiseRule& r : rules_) {
    Json j;
    j["channel"] = channel_key(r.channel.gate);
    if (!r.channel.strengths.empty()) j["strengths"] = r.channel.strengths;
    if (r.channel.gate == Gate::Kraus) {
      Json ms = Json::array();
      for (const std::vector<cdouble>& k : r.channel.kraus) {
        size_t d = 1;
        while (d * d < k.size()) ++d;
        Json m = Json::array();
        for (size_t row = 0; row < d; ++row) {
          Json entries = Json::array();
          for (size_t c = 0; c < d; ++c) entries.push_back({k[row * d + c].real(), k[row * d + c].imag()});
          m.push_back(entries);
        }
        ms.push_back(m);
      }
      j["kraus"] = ms;
    }
    switch (r.gates.kind) {
      case GateMatch::Kind::Every: j["gates"] = "all"; break;
      case GateMatch::Kind::OneQubit: j["gates"] = "one_qubit"; break;
      case GateMatch::Kind::TwoQubit: j["gates"] = "two_qubit"; break;
      case GateMatch::Kind::Named: {
        Json names = Json::array();
        for (Gate g : r.gates.names) names.push_back(gate_info(g).name);
        j["gates"] = names;
        break;
      }
    }
    if (!r.wires.empty()) j["wires"] = r.wires;
    rules.push_back(j);
  }
  Json readout = Json::array();
  if (readout_all_) readout.push_back({{"confusion", confusion_json(*readout_all_)}});
  for (const auto& [w, c] : readout_wires_) readout.push_back({{"wires", Json::array({w})}, {"confusion", confusion_json(c)}});
  Json out;
  out["rules"] = rules;
  out["readout"] = readout;
  out["scale"] = scale_;
  return out.dump();
}

NoiseModel NoiseModel::from_json(std::string_view text) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw ValueError(detail::concat(kPrefix, "not valid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const Json::exception& e) {  // a number past double's range (found by fuzz_noise_model)
    throw ValueError(detail::concat(kPrefix, "not valid JSON: ", e.what()));
  }
  check_keys(root, "the top level", {"rules", "readout", "scale"});
  NoiseModel model;
  if (root.contains("rules")) {
    const Json& rules = array_at(root["rules"], "rules");
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string where = detail::concat("rules[", i, "]");
      const Json& r = rules[i];
      check_keys(r, where, {"channel", "strengths", "kraus", "gates", "wires"});
      NoiseChannel channel = channel_at(r, where);
      const GateMatch gates = r.contains("gates") ? gates_at(r["gates"], where + ".gates") : GateMatch::every();
      const std::vector<int> wires = r.contains("wires") ? wires_at(r["wires"], where + ".wires") : std::vector<int>{};
      at_key(where, [&] { return &model.add(std::move(channel), gates, wires); });
    }
  }
  if (root.contains("readout")) {
    const Json& readout = array_at(root["readout"], "readout");
    for (size_t i = 0; i < readout.size(); ++i) {
      const std::string where = detail::concat("readout[", i, "]");
      check_keys(readout[i], where, {"wires", "confusion"});
      if (!readout[i].contains("confusion"))
        fail(where, "needs \"confusion\": [[P(0|0), P(0|1)], [P(1|0), P(1|1)]]");
      const ReadoutConfusion c = confusion_at(readout[i]["confusion"], where + ".confusion");
      if (!readout[i].contains("wires")) {
        at_key(where, [&] { return &model.add_readout_error(c); });
        continue;
      }
      const std::vector<int> wires = wires_at(readout[i]["wires"], where + ".wires");
      for (size_t j = 0; j < wires.size(); ++j)
        at_key(detail::concat(where, ".wires[", j, "]"), [&] { return &model.add_readout_error(c, wires[j]); });
    }
  }
  if (root.contains("scale")) {
    const double f = number_at(root["scale"], "scale");
    model = at_key("scale", [&] { return model.scaled(f); });
  }
  return model;
}

}  // namespace tangle
