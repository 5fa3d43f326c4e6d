#include "tangle/ir/noise_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "tangle/core/error.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle {

namespace {

// Shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

struct ChannelKey {
  Gate gate;
  std::string_view key;
};

constexpr std::array<ChannelKey, 11> kChannelKeys = {{
    {Gate::Depolarizing, "depolarizing"},
    {Gate::TwoQubitDepolarizing, "two_qubit_depolarizing"},
    {Gate::BitFlip, "bit_flip"},
    {Gate::PhaseFlip, "phase_flip"},
    {Gate::PauliChannel, "pauli_channel"},
    {Gate::AmplitudeDamping, "amplitude_damping"},
    {Gate::GeneralizedAmplitudeDamping, "generalized_amplitude_damping"},
    {Gate::PhaseDamping, "phase_damping"},
    {Gate::ThermalRelaxation, "thermal_relaxation"},
    {Gate::Reset, "reset"},
    {Gate::Kraus, "kraus"},
}};

bool is_state_preparation(Gate g) { return gate_info(g).family == GateFamily::StatePrep; }

// Ops a rule can follow: unitary gates, not channels or initial states.
bool is_gate(Gate g) { return !is_channel(g) && !is_state_preparation(g); }

std::string wires_text(const std::vector<int>& wires) {
  return wires.empty() ? std::string("every wire") : detail::concat(wires.size() == 1 ? "wire " : "wires ", detail::join(wires));
}

}  // namespace

std::string_view channel_key(Gate channel) {
  for (const ChannelKey& k : kChannelKeys)
    if (k.gate == channel) return k.key;
  throw ValueError(detail::concat(gate_info(channel).name, " is not a channel"));
}

std::optional<Gate> channel_from_key(std::string_view key) {
  for (const ChannelKey& k : kChannelKeys)
    if (k.key == key) return k.gate;
  return std::nullopt;
}

// --- NoiseChannel -------------------------------------------------------------------------------

NoiseChannel NoiseChannel::make(Gate gate, std::vector<double> strengths, std::vector<std::vector<cdouble>> kraus) {
  TANGLE_CHECK(static_cast<size_t>(gate) < kGates.size() && is_channel(gate), "noise channel: ",
               static_cast<size_t>(gate) < kGates.size() ? gate_info(gate).name : "?", " is not a channel");
  const GateInfo& info = gate_info(gate);
  TANGLE_CHECK(static_cast<int>(strengths.size()) == info.n_angles, info.name, " takes ", info.n_angles,
               " strengths but ", strengths.size(), " were given");
  NoiseChannel c;
  c.gate = gate;
  c.strengths = std::move(strengths);
  if (gate == Gate::Kraus) {
    TANGLE_CHECK(!kraus.empty(), "Kraus noise channel needs at least one matrix");
    const size_t size = kraus[0].size();
    int k = 0;
    while (k <= 3 && (size_t{1} << (2 * k)) != size) ++k;
    TANGLE_CHECK(k >= 1 && k <= 3, "Kraus matrix 0 has ", size, " entries: 4, 16 or 64 (1 to 3 wires) are supported");
    std::vector<cdouble> all;
    for (size_t i = 0; i < kraus.size(); ++i) {
      TANGLE_CHECK(kraus[i].size() == size, "Kraus matrix ", i, " has ", kraus[i].size(), " entries but matrix 0 has ",
                   size);
      for (const cdouble& a : kraus[i])
        TANGLE_CHECK(std::isfinite(a.real()) && std::isfinite(a.imag()), "Kraus matrix ", i, ": entry ", a,
                     " is not finite");
      all.insert(all.end(), kraus[i].begin(), kraus[i].end());
    }
    const double dev = kraus_completeness_error(all, k);
    TANGLE_CHECK(dev < 1e-8, "Kraus noise channel is not trace preserving: max |sum_i K_i^dagger K_i - I| = ", dev);
    c.kraus = std::move(kraus);
  } else {
    TANGLE_CHECK(kraus.empty(), info.name, " takes no Kraus matrices (only the kraus channel does)");
    check_channel_strengths(gate, c.strengths.data());
  }
  return c;
}

int NoiseChannel::n_wires() const {
  if (gate != Gate::Kraus) return gate_info(gate).n_wires;
  int k = 0;
  while ((size_t{1} << (2 * k)) < kraus.at(0).size()) ++k;
  return k;
}

NoiseChannel NoiseChannel::scaled(double f) const {
  TANGLE_CHECK(std::isfinite(f) && f >= 0.0, "noise scale factor ", f, " must be finite and non-negative");
  if (gate == Gate::Kraus || gate == Gate::Reset) {
    TANGLE_CHECK(f == 1.0, gate_info(gate).name, " has no strength to scale: it scales only by 1, not ", f);
    return *this;
  }
  NoiseChannel c = *this;
  switch (gate) {
    case Gate::ThermalRelaxation: c.strengths[2] *= f; break;                // the gate time; T1, T2 stay
    case Gate::GeneralizedAmplitudeDamping: c.strengths[0] *= f; break;      // gamma; p is the bath's population
    default:
      for (double& s : c.strengths) s *= f;
  }
  check_channel_strengths(gate, c.strengths.data());
  return c;
}

std::string NoiseChannel::to_string() const {
  std::string s(gate_info(gate).name);
  if (gate == Gate::Kraus) {
    const int k = n_wires();
    return detail::concat(s, "(", kraus.size(), kraus.size() == 1 ? " matrix on " : " matrices on ", k,
                          k == 1 ? " wire)" : " wires)");
  }
  s += '(';
  for (size_t i = 0; i < strengths.size(); ++i) s += (i ? ", " : "") + number_text(strengths[i]);
  return s + ')';
}

// --- GateMatch ----------------------------------------------------------------------------------

GateMatch GateMatch::named(std::vector<Gate> gates) {
  TANGLE_CHECK(!gates.empty(), "a noise rule by gate name needs at least one gate");
  for (Gate g : gates) {
    TANGLE_CHECK(static_cast<size_t>(g) < kGates.size(), "unknown gate value ", static_cast<int>(g));
    TANGLE_CHECK(!is_channel(g), gate_info(g).name, " is a channel: noise rules attach channels after gates");
    TANGLE_CHECK(!is_state_preparation(g), gate_info(g).name,
                 " prepares the initial state: noise rules attach channels after gates");
  }
  return {Kind::Named, std::move(gates)};
}

bool GateMatch::matches(const Op& op) const {
  if (!is_gate(op.gate)) return false;
  switch (kind) {
    case Kind::Every: return true;
    case Kind::OneQubit: return op.wires.size() == 1;
    case Kind::TwoQubit: return op.wires.size() == 2;
    case Kind::Named: return std::find(names.begin(), names.end(), op.gate) != names.end();
  }
  return false;
}

std::string GateMatch::to_string() const {
  switch (kind) {
    case Kind::Every: return "every gate";
    case Kind::OneQubit: return "one-qubit gates";
    case Kind::TwoQubit: return "two-qubit gates";
    case Kind::Named: {
      std::vector<std::string_view> n;
      for (Gate g : names) n.push_back(gate_info(g).name);
      return detail::join(n);
    }
  }
  return "?";
}

std::string NoiseRule::to_string() const {
  return detail::concat(channel.to_string(), " after ", gates.to_string(), " on ", wires_text(wires));
}

// --- ReadoutConfusion ---------------------------------------------------------------------------

ReadoutConfusion ReadoutConfusion::make(const std::array<std::array<double, 2>, 2>& p) {
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      TANGLE_CHECK(std::isfinite(p[r][c]) && p[r][c] >= 0.0 && p[r][c] <= 1.0, "readout confusion entry [", r, "][", c,
                   "] = ", p[r][c], " is not a probability in [0, 1]");
  for (int c = 0; c < 2; ++c)
    TANGLE_CHECK(std::abs(p[0][c] + p[1][c] - 1.0) <= 1e-9, "readout confusion column ", c, " (true ", c, ") sums to ",
                 p[0][c] + p[1][c], ", not 1: entries are P(measured | true), [measured][true]");
  return flips(p[1][0], p[0][1]);
}

ReadoutConfusion ReadoutConfusion::flips(double p10, double p01) {
  TANGLE_CHECK(std::isfinite(p10) && p10 >= 0.0 && p10 <= 1.0, "readout flip probability P(1 | 0) = ", p10,
               " is outside [0, 1]");
  TANGLE_CHECK(std::isfinite(p01) && p01 >= 0.0 && p01 <= 1.0, "readout flip probability P(0 | 1) = ", p01,
               " is outside [0, 1]");
  ReadoutConfusion c;
  c.p = {{{1.0 - p10, p01}, {p10, 1.0 - p01}}};
  return c;
}

ReadoutConfusion ReadoutConfusion::scaled(double f) const {
  TANGLE_CHECK(std::isfinite(f) && f >= 0.0, "noise scale factor ", f, " must be finite and non-negative");
  return flips(p10() * f, p01() * f);
}

// --- NoiseModel ---------------------------------------------------------------------------------

NoiseModel& NoiseModel::add(NoiseChannel channel, GateMatch gates, std::vector<int> wires) {
  // Re-checked here: a hand-built NoiseChannel or GateMatch skips make() and named().
  NoiseRule rule{NoiseChannel::make(channel.gate, std::move(channel.strengths), std::move(channel.kraus)),
                 gates.kind == GateMatch::Kind::Named ? GateMatch::named(std::move(gates.names)) : gates,
                 std::move(wires)};
  const std::string what = detail::concat("noise rule ", rules_.size(), " (", rule.to_string(), ")");
  std::vector<int> seen;
  for (int w : rule.wires) {
    TANGLE_CHECK(w >= 0 && w < kMaxQubits, what, ": wire ", w, " is out of range [0, ", kMaxQubits, ")");
    TANGLE_CHECK(std::find(seen.begin(), seen.end(), w) == seen.end(), what, ": wire ", w, " appears more than once");
    seen.push_back(w);
  }
  // The arity of the gates the rule can match: exactly wires.size() when wires are given.
  const int m = rule.channel.n_wires();
  const int k = static_cast<int>(rule.wires.size());
  auto can_match = [&](int arity) { return k == 0 || arity < 0 || arity == k; };
  switch (rule.gates.kind) {
    case GateMatch::Kind::OneQubit: TANGLE_CHECK(can_match(1), what, ": one-qubit gates never act on ", k, " wires"); break;
    case GateMatch::Kind::TwoQubit: TANGLE_CHECK(can_match(2), what, ": two-qubit gates never act on ", k, " wires"); break;
    case GateMatch::Kind::Named:
      for (Gate g : rule.gates.names)
        TANGLE_CHECK(can_match(gate_info(g).n_wires), what, ": ", gate_info(g).name, " acts on ",
                     gate_info(g).n_wires, " wires, never on the rule's ", k);
      break;
    case GateMatch::Kind::Every: break;
  }
  if (m >= 2) {
    const std::string why = detail::concat(what, ": a channel on ", m, " wires goes only after gates on ", m, " wires");
    TANGLE_CHECK(k == 0 || k == m, why, ", not on the rule's ", k);
    switch (rule.gates.kind) {
      case GateMatch::Kind::OneQubit: throw ValueError(why + ", not after one-qubit gates");
      case GateMatch::Kind::TwoQubit: TANGLE_CHECK(m == 2, why, ", not after two-qubit gates"); break;
      case GateMatch::Kind::Every:
        TANGLE_CHECK(k == m, why, ": name the gates, match two-qubit gates, or give the rule ", m, " wires");
        break;
      case GateMatch::Kind::Named:
        for (Gate g : rule.gates.names) {
          const int arity = gate_info(g).n_wires;
          TANGLE_CHECK(arity < 0 || arity == m, why, ", not after ", gate_info(g).name, " (", arity, " wires)");
        }
        break;
    }
  }
  if (scale_ != 1.0) {
    try {
      (void)rule.channel.scaled(scale_);
    } catch (const ValueError& e) {
      throw ValueError(detail::concat(what, " scaled by the model's ", scale_, ": ", e.what()));
    }
  }
  rules_.push_back(std::move(rule));
  return *this;
}

NoiseModel& NoiseModel::add_readout_error(const ReadoutConfusion& confusion) {
  TANGLE_CHECK(!readout_all_.has_value(), "the noise model already has a readout error on every wire");
  const ReadoutConfusion checked = ReadoutConfusion::make(confusion.p);
  (void)checked.scaled(scale_);
  readout_all_ = checked;
  return *this;
}

NoiseModel& NoiseModel::add_readout_error(const ReadoutConfusion& confusion, int wire) {
  TANGLE_CHECK(wire >= 0 && wire < kMaxQubits, "readout error: wire ", wire, " is out of range [0, ", kMaxQubits, ")");
  for (const auto& [w, c] : readout_wires_)
    TANGLE_CHECK(w != wire, "the noise model already has a readout error on wire ", wire);
  const ReadoutConfusion checked = ReadoutConfusion::make(confusion.p);
  (void)checked.scaled(scale_);
  readout_wires_.emplace_back(wire, checked);
  return *this;
}

NoiseModel NoiseModel::scaled(double f) const {
  TANGLE_CHECK(std::isfinite(f) && f >= 0.0, "noise scale factor ", f, " must be finite and non-negative");
  NoiseModel out = *this;
  out.scale_ = scale_ * f;
  for (size_t i = 0; i < rules_.size(); ++i) {
    try {
      (void)rules_[i].channel.scaled(out.scale_);
    } catch (const ValueError& e) {
      throw ValueError(detail::concat("noise rule ", i, " (", rules_[i].to_string(), ") scaled by ", out.scale_, ": ",
                                      e.what()));
    }
  }
  auto check_readout = [&](const ReadoutConfusion& c, const std::string& where) {
    try {
      (void)c.scaled(out.scale_);
    } catch (const ValueError& e) {
      throw ValueError(detail::concat("readout error on ", where, " scaled by ", out.scale_, ": ", e.what()));
    }
  };
  if (readout_all_) check_readout(*readout_all_, "every wire");
  for (const auto& [w, c] : readout_wires_) check_readout(c, detail::concat("wire ", w));
  return out;
}

std::optional<ReadoutConfusion> NoiseModel::readout_error(int wire) const {
  for (const auto& [w, c] : readout_wires_)
    if (w == wire) return c.scaled(scale_);
  if (readout_all_) return readout_all_->scaled(scale_);
  return std::nullopt;
}

std::vector<ReadoutConfusion> NoiseModel::readout_errors(int n_qubits) const {
  std::vector<ReadoutConfusion> out(static_cast<size_t>(n_qubits));
  bool any = false;
  for (int q = 0; q < n_qubits; ++q) {
    const std::optional<ReadoutConfusion> c = readout_error(q);
    if (!c || c->is_identity()) continue;
    out[static_cast<size_t>(q)] = *c;
    any = true;
  }
  if (!any) out.clear();
  return out;
}

Circuit NoiseModel::apply(const Circuit& circuit) const {
  std::vector<NoiseChannel> channels;  // each rule's channel, scaled
  for (const NoiseRule& r : rules_) channels.push_back(r.channel.scaled(scale_));
  Circuit noisy = circuit.without_ops();
  for (const Op& op : circuit.ops()) {
    noisy.append(op);
    for (size_t i = 0; i < rules_.size(); ++i) {
      const NoiseRule& rule = rules_[i];
      if (!rule.gates.matches(op) || (!rule.wires.empty() && rule.wires != op.wires)) continue;
      const NoiseChannel& ch = channels[i];
      Op noise;
      noise.gate = ch.gate;
      for (double s : ch.strengths) noise.angles.emplace_back(s);
      for (const std::vector<cdouble>& k : ch.kraus) noise.matrix.insert(noise.matrix.end(), k.begin(), k.end());
      const int m = ch.n_wires();
      if (m == 1) {
        for (int w : op.wires) {
          noise.wires = {w};
          noisy.append(noise);
        }
        continue;
      }
      TANGLE_CHECK(static_cast<int>(op.wires.size()) == m, "noise rule ", i, " (", rule.to_string(), ") matched ",
                   gate_info(op.gate).name, " on ", wires_text(op.wires), ": a channel on ", m,
                   " wires goes only after gates on ", m, " wires");
      noise.wires = op.wires;
      noisy.append(std::move(noise));
    }
  }
  return noisy;
}

std::string NoiseModel::to_string() const {
  std::string s;
  for (size_t i = 0; i < rules_.size(); ++i)
    s += detail::concat("rule ", i, ": ", rules_[i].to_string(), "\n");
  auto confusion_text = [](const ReadoutConfusion& c) {
    return detail::concat("P(1|0) = ", number_text(c.p10()), ", P(0|1) = ", number_text(c.p01()));
  };
  if (readout_all_) s += "readout error on every wire: " + confusion_text(*readout_all_) + "\n";
  for (const auto& [w, c] : readout_wires_) s += detail::concat("readout error on wire ", w, ": ", confusion_text(c), "\n");
  if (scale_ != 1.0) s += "strengths scaled by " + number_text(scale_) + "\n";
  return s;
}

}  // namespace tangle
