// Unitary folding: G -> G (G^dagger G)^k leaves a noiseless circuit unchanged and multiplies the
// noise a device (or a noise model) adds per gate.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "tangle/algo/zne.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"

namespace tangle::algo {
namespace {

std::vector<cdouble> adjoint_matrix(const std::vector<cdouble>& m) {
  const auto d = static_cast<size_t>(std::llround(std::sqrt(static_cast<double>(m.size()))));
  std::vector<cdouble> out(m.size());
  for (size_t r = 0; r < d; ++r)
    for (size_t c = 0; c < d; ++c) out[c * d + r] = std::conj(m[r * d + c]);
  return out;
}

bool foldable(const Op& op) {
  const GateFamily f = gate_info(op.gate).family;
  return f != GateFamily::Channel && f != GateFamily::StatePrep;
}

}  // namespace

Op inverse(const Op& op) {
  const GateInfo& info = gate_info(op.gate);
  Op inv = op;
  switch (info.family) {
    case GateFamily::Fixed:
      switch (op.gate) {
        case Gate::S: inv.gate = Gate::Sdg; break;
        case Gate::Sdg: inv.gate = Gate::S; break;
        case Gate::T: inv.gate = Gate::Tdg; break;
        case Gate::Tdg: inv.gate = Gate::T; break;
        case Gate::SX:
        case Gate::ISWAP:
          inv.gate = Gate::Unitary;
          inv.matrix = adjoint_matrix(fixed_target_matrix(op.gate));
          break;
        default: break;  // self-inverse: Paulis, H, CNOT, CZ, CY, SWAP, Toffoli, CSWAP
      }
      return inv;
    case GateFamily::PauliRotation:
    case GateFamily::Phase:
      inv.angles[0] = -op.angles[0];
      return inv;
    case GateFamily::Composite:
      // Rot(a, b, c) = RZ(c) RY(b) RZ(a): its inverse is Rot(-c, -b, -a); U3 likewise up to a phase.
      if (op.gate == Gate::U3) {
        inv.angles = {-op.angles[0], -op.angles[2], -op.angles[1]};
      } else {
        inv.angles = {-op.angles[2], -op.angles[1], -op.angles[0]};
      }
      return inv;
    case GateFamily::Dense:
      inv.matrix = adjoint_matrix(op.matrix);
      return inv;
    case GateFamily::Evolution:
      inv.angles[0] = -op.angles[0];
      return inv;
    default: break;
  }
  throw ValueError(detail::concat("folding: ", info.name, " has no inverse in the circuit IR (",
                                  info.family == GateFamily::Channel ? "a channel is not unitary"
                                  : info.family == GateFamily::SpecialUnitary
                                      ? "exp(i sum w P) would need its weights negated"
                                      : "a state preparation is not a gate",
                                  ")"));
}

Folding folding_from_name(const std::string& name) {
  if (name == "global") return Folding::Global;
  if (name == "left" || name == "from_left") return Folding::FromLeft;
  if (name == "right" || name == "from_right") return Folding::FromRight;
  if (name == "random" || name == "at_random") return Folding::Random;
  throw ValueError("unknown folding '" + name + "' (known: global, left, right, random)");
}

const char* folding_name(Folding folding) {
  switch (folding) {
    case Folding::Global: return "global";
    case Folding::FromLeft: return "left";
    case Folding::FromRight: return "right";
    case Folding::Random: return "random";
  }
  return "?";
}

FoldedCircuit fold(const Circuit& circuit, double scale, Folding method, std::uint64_t seed) {
  TANGLE_CHECK(std::isfinite(scale) && scale >= 1.0, "folding: scale factor ", scale, " must be >= 1");
  const auto& ops = circuit.ops();
  std::vector<size_t> gates;  // indices of the foldable ops
  for (size_t i = 0; i < ops.size(); ++i) {
    if (foldable(ops[i])) gates.push_back(i);
  }
  FoldedCircuit out{circuit.without_ops(), 1.0};
  const auto d = static_cast<double>(gates.size());
  if (gates.empty()) {
    TANGLE_CHECK(scale == 1.0, "folding: the circuit has no gates to fold to scale ", scale);
    out.circuit = circuit;
    return out;
  }
  // scale = 1 + 2k + 2s/d: k whole folds of every gate (or of the circuit), s gates folded once more.
  const auto k = static_cast<size_t>(std::floor((scale - 1.0) / 2.0 + 1e-12));
  const auto s = std::min(gates.size(), static_cast<size_t>(std::llround(((scale - 1.0) / 2.0 - k) * d)));
  out.scale = (d * (1.0 + 2.0 * static_cast<double>(k)) + 2.0 * static_cast<double>(s)) / d;

  if (method == Folding::Global) {
    for (const Op& op : ops)
      TANGLE_CHECK(foldable(op) || gate_info(op.gate).family == GateFamily::StatePrep, "global folding: the circuit has a ",
                   gate_info(op.gate).name, " channel, which C^dagger cannot invert; apply noise with a NoiseModel "
                   "after folding, or fold locally");
    for (const Op& op : ops) out.circuit.append(op);
    std::vector<Op> inverses;
    for (auto it = gates.rbegin(); it != gates.rend(); ++it) inverses.push_back(inverse(ops[*it]));
    for (size_t r = 0; r < k; ++r) {
      for (const Op& op : inverses) out.circuit.append(op);
      for (size_t g : gates) out.circuit.append(ops[g]);
    }
    // The last s gates once more: L^dagger L.
    for (size_t j = 0; j < s; ++j) out.circuit.append(inverses[j]);
    for (size_t j = gates.size() - s; j < gates.size(); ++j) out.circuit.append(ops[gates[j]]);
    return out;
  }

  std::vector<size_t> folds(ops.size(), 0);
  for (size_t g : gates) folds[g] = k;
  std::vector<size_t> order(gates.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (method == Folding::FromRight) std::reverse(order.begin(), order.end());
  if (method == Folding::Random) {
    SplitMix64 rng(seed);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(rng.next() % i)]);
  }
  for (size_t j = 0; j < s; ++j) folds[gates[order[j]]] += 1;
  for (size_t i = 0; i < ops.size(); ++i) {
    out.circuit.append(ops[i]);
    if (folds[i] == 0) continue;
    const Op inv = inverse(ops[i]);
    for (size_t r = 0; r < folds[i]; ++r) {
      out.circuit.append(inv);
      out.circuit.append(ops[i]);
    }
  }
  return out;
}

}  // namespace tangle::algo
