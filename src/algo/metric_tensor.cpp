// Block-diagonal metric: one run of the circuit's prefix per layer, reading <P_i> and <P_i P_j>.
#include "tangle/algo/metric_tensor.hpp"

#include <algorithm>
#include <optional>

#include "tangle/core/error.hpp"

namespace tangle::algo {
namespace {

struct Rotation {
  index_t weight;
  double d;  // d theta / d w
  PauliSum word;
  std::vector<int> wires;
};

// The rotation's generator word as a Pauli sum, and the single weight its angle depends on.
std::optional<Rotation> trainable_rotation(const Op& op, const std::vector<double>& inputs) {
  const GateInfo& info = gate_info(op.gate);
  bool uses_weights = false;
  for (const Expr& e : op.angles) uses_weights = uses_weights || e.uses_weights();
  if (!uses_weights) {
    TANGLE_CHECK(op.gate != Gate::SpecialUnitary || op.block.kind() != ParamKind::Weight,
                 "metric tensor: SpecialUnitary with trainable weights is not supported (its generator is not one "
                 "Pauli word)");
    return std::nullopt;
  }
  TANGLE_CHECK(info.family == GateFamily::PauliRotation && info.n_controls == 0, "metric tensor: trainable ",
               info.name, " is not supported; decompose it into Pauli rotations");
  Rotation r{-1, 0.0, PauliSum(1.0), op.targets()};
  for (const Term& t : op.angles[0].terms()) {
    if (t.weight < 0) continue;
    TANGLE_CHECK(r.weight < 0 || r.weight == t.weight, "metric tensor: the angle of ", info.name,
                 " depends on weights ", r.weight, " and ", t.weight, "; one weight per rotation is supported");
    r.weight = t.weight;
    double d = t.coef;
    if (t.input >= 0) d *= inputs.at(static_cast<size_t>(t.input));
    if (t.input2 >= 0) d *= inputs.at(static_cast<size_t>(t.input2));
    r.d += d;
  }
  const auto targets = op.targets();
  for (size_t i = 0; i < targets.size(); ++i) {
    const Pauli p = info.generator != Pauli::I ? info.generator : op.word[i];
    if (p != Pauli::I) r.word = r.word * PauliSum::single(p, targets[i]);
  }
  return r;
}

}  // namespace

std::vector<double> metric_tensor(const Circuit& circuit, const std::vector<double>& inputs,
                                  const std::vector<double>& weights, MetricApproximation approximation,
                                  const RunOptions& run) {
  TANGLE_CHECK(weights.size() == static_cast<size_t>(circuit.n_weights()), "metric tensor: ", weights.size(),
               " weights for a circuit with ", circuit.n_weights());
  TANGLE_CHECK(inputs.size() == static_cast<size_t>(circuit.n_inputs()), "metric tensor: ", inputs.size(),
               " inputs for a circuit with ", circuit.n_inputs(), " (one sample)");
  const auto n = static_cast<size_t>(circuit.n_weights());
  std::vector<double> g(n * n, 0.0);
  Circuit prefix = circuit.without_ops();
  std::vector<Rotation> layer;
  std::vector<int> layer_wires;
  std::vector<Op> layer_ops;  // joined to the prefix once the layer is read

  auto close_layer = [&]() {
    if (layer.empty()) return;
    std::vector<Readout> readouts;
    for (const Rotation& r : layer) readouts.push_back(Readout::expval(r.word));
    const bool block = approximation == MetricApproximation::BlockDiagonal;
    if (block)
      for (size_t i = 0; i < layer.size(); ++i)
        for (size_t j = i + 1; j < layer.size(); ++j) readouts.push_back(Readout::expval(layer[i].word * layer[j].word));
    const std::vector<double> e = forward(Program(prefix, readouts), inputs, 1, weights, run);
    const size_t m = layer.size();
    size_t pair = m;
    for (size_t i = 0; i < m; ++i) {
      const auto k = static_cast<size_t>(layer[i].weight);
      g[k * n + k] += layer[i].d * layer[i].d / 4.0 * (1.0 - e[i] * e[i]);
      if (!block) continue;
      for (size_t j = i + 1; j < m; ++j, ++pair) {
        const auto l = static_cast<size_t>(layer[j].weight);
        const double v = layer[i].d * layer[j].d / 4.0 * (e[pair] - e[i] * e[j]);
        g[k * n + l] += v;
        g[l * n + k] += v;
      }
    }
    for (const Op& op : layer_ops) prefix.append(op);
    layer.clear();
    layer_wires.clear();
    layer_ops.clear();
  };

  for (const Op& op : circuit.ops()) {
    if (gate_info(op.gate).family == GateFamily::Channel) continue;
    auto rot = trainable_rotation(op, inputs);
    if (!rot) {
      close_layer();
      prefix.append(op);
      continue;
    }
    const bool overlaps = std::any_of(rot->wires.begin(), rot->wires.end(), [&](int w) {
      return std::find(layer_wires.begin(), layer_wires.end(), w) != layer_wires.end();
    });
    if (overlaps) close_layer();
    layer.push_back(*rot);
    layer_wires.insert(layer_wires.end(), rot->wires.begin(), rot->wires.end());
    layer_ops.push_back(op);
  }
  close_layer();
  return g;
}

}  // namespace tangle::algo
