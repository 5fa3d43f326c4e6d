#include "tangle/ir/templates.hpp"

#include "tangle/core/error.hpp"

namespace tangle {

namespace {

void rotate(Circuit& c, Pauli p, const Expr& angle, int wire) {
  switch (p) {
    case Pauli::X: c.rx(angle, wire); break;
    case Pauli::Y: c.ry(angle, wire); break;
    case Pauli::Z: c.rz(angle, wire); break;
    case Pauli::I: throw ValueError("rotation axis I is not a rotation (use X, Y or Z)");
  }
}

void check_shape(const ParamBlock& w, std::vector<index_t> want, const char* what) {
  if (w.shape() == want) return;
  std::string got, need;
  for (index_t d : w.shape()) got += (got.empty() ? "" : ", ") + std::to_string(d);
  for (index_t d : want) need += (need.empty() ? "" : ", ") + std::to_string(d);
  throw ValueError(detail::concat(what, " weights have shape (", got, ") but (", need, ") is needed"));
}

void reverse_linear(Circuit& c, const std::vector<int>& wires) {
  for (int i = static_cast<int>(wires.size()) - 2; i >= 0; --i)
    c.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>(i) + 1]);
}

}  // namespace

std::vector<Expr> exprs(const ParamBlock& block) {
  std::vector<Expr> out;
  for (index_t i = 0; i < block.size(); ++i) out.push_back(block[i]);
  return out;
}

void angle_embedding(Circuit& c, const std::vector<Expr>& features, const std::vector<int>& wires, Pauli rotation) {
  TANGLE_CHECK(features.size() <= wires.size(), "AngleEmbedding: ", features.size(), " features do not fit ",
               wires.size(), " wires");
  for (size_t i = 0; i < features.size(); ++i) rotate(c, rotation, features[i], wires[i]);
}

void iqp_embedding(Circuit& c, const std::vector<Expr>& features, const std::vector<int>& wires, int n_repeats,
                   const std::vector<std::pair<int, int>>& pattern) {
  TANGLE_CHECK(features.size() == wires.size(), "IQPEmbedding: ", features.size(), " features for ", wires.size(),
               " wires (one per wire)");
  TANGLE_CHECK(n_repeats >= 1, "IQPEmbedding: n_repeats ", n_repeats, " must be at least 1");
  std::vector<std::pair<int, int>> pairs = pattern;
  if (pairs.empty())
    for (int i = 0; i < static_cast<int>(wires.size()); ++i)
      for (int j = i + 1; j < static_cast<int>(wires.size()); ++j) pairs.push_back({i, j});
  for (auto [i, j] : pairs)
    TANGLE_CHECK(i >= 0 && j >= 0 && i < static_cast<int>(wires.size()) && j < static_cast<int>(wires.size()) && i != j,
                 "IQPEmbedding: pattern pair (", i, ", ", j, ") is not a pair of distinct feature positions");
  for (int r = 0; r < n_repeats; ++r) {
    for (int w : wires) c.h(w);
    for (size_t i = 0; i < wires.size(); ++i) c.rz(features[i], wires[i]);
    for (auto [i, j] : pairs)
      c.multirz(features[static_cast<size_t>(i)] * features[static_cast<size_t>(j)],
                {wires[static_cast<size_t>(i)], wires[static_cast<size_t>(j)]});
  }
}

void basic_entangler_layers(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, Pauli rotation) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(weights.shape().size() == 2, "BasicEntanglerLayers weights need shape (layers, ", n, ")");
  const index_t layers = weights.shape()[0];
  check_shape(weights, {layers, n}, "BasicEntanglerLayers");
  for (index_t l = 0; l < layers; ++l) {
    for (index_t i = 0; i < n; ++i) rotate(c, rotation, weights.at({l, i}), wires[static_cast<size_t>(i)]);
    if (n == 2) {
      c.cnot(wires[0], wires[1]);
    } else if (n > 2) {
      for (index_t i = 0; i < n; ++i) c.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>((i + 1) % n)]);
    }
  }
}

void strongly_entangling_layers(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires,
                                const std::vector<int>& ranges) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(weights.shape().size() == 3, "StronglyEntanglingLayers weights need shape (layers, ", n, ", 3)");
  const index_t layers = weights.shape()[0];
  check_shape(weights, {layers, n, 3}, "StronglyEntanglingLayers");
  TANGLE_CHECK(ranges.empty() || static_cast<index_t>(ranges.size()) == layers, "StronglyEntanglingLayers: ",
               ranges.size(), " ranges for ", layers, " layers");
  for (index_t l = 0; l < layers; ++l) {
    for (index_t i = 0; i < n; ++i)
      c.rot(weights.at({l, i, 0}), weights.at({l, i, 1}), weights.at({l, i, 2}), wires[static_cast<size_t>(i)]);
    if (n < 2) continue;
    const index_t r = ranges.empty() ? (l % (n - 1)) + 1 : ranges[static_cast<size_t>(l)];
    TANGLE_CHECK(r % n != 0, "StronglyEntanglingLayers: range ", r, " makes a wire control itself");
    for (index_t i = 0; i < n; ++i)
      c.cnot(wires[static_cast<size_t>(i)], wires[static_cast<size_t>((i + r) % n)]);
  }
}

void efficient_su2(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(reps >= 0, "EfficientSU2: reps ", reps, " is negative");
  TANGLE_CHECK(weights.size() == 2 * n * (reps + 1), "EfficientSU2 on ", n, " wires with ", reps, " reps needs ",
               2 * n * (reps + 1), " weights but the block has ", weights.size());
  index_t k = 0;
  for (int r = 0; r <= reps; ++r) {
    for (index_t i = 0; i < n; ++i) c.ry(weights[k++], wires[static_cast<size_t>(i)]);
    for (index_t i = 0; i < n; ++i) c.rz(weights[k++], wires[static_cast<size_t>(i)]);
    if (r < reps) reverse_linear(c, wires);
  }
}

void ry_rz(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(reps >= 0, "RY-RZ: reps ", reps, " is negative");
  TANGLE_CHECK(weights.size() == 2 * n * (reps + 1), "RY-RZ on ", n, " wires with ", reps, " reps needs ",
               2 * n * (reps + 1), " weights but the block has ", weights.size());
  index_t k = 0;
  for (int r = 0; r <= reps; ++r) {
    if (r > 0) {
      for (size_t i = 0; i < wires.size(); ++i)
        for (size_t j = i + 1; j < wires.size(); ++j) c.cz(wires[i], wires[j]);
    }
    for (index_t i = 0; i < n; ++i) c.ry(weights[k++], wires[static_cast<size_t>(i)]);
    for (index_t i = 0; i < n; ++i) c.rz(weights[k++], wires[static_cast<size_t>(i)]);
  }
}

void hardware_efficient(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int layers) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(layers >= 1, "hardware-efficient ansatz: layers ", layers, " must be >= 1");
  TANGLE_CHECK(weights.size() == 3 * n * layers, "hardware-efficient ansatz on ", n, " wires with ", layers,
               " layers needs ", 3 * n * layers, " weights but the block has ", weights.size());
  index_t k = 0;
  for (int l = 0; l < layers; ++l) {
    if (l > 0) {
      for (size_t i = 0; i + 1 < wires.size(); ++i) c.cnot(wires[i], wires[i + 1]);
    }
    for (index_t i = 0; i < n; ++i) {
      c.rz(weights[k++], wires[static_cast<size_t>(i)]);
      c.rx(weights[k++], wires[static_cast<size_t>(i)]);
      c.rz(weights[k++], wires[static_cast<size_t>(i)]);
    }
  }
}

void real_amplitudes(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps) {
  const index_t n = static_cast<index_t>(wires.size());
  TANGLE_CHECK(reps >= 0, "RealAmplitudes: reps ", reps, " is negative");
  TANGLE_CHECK(weights.size() == n * (reps + 1), "RealAmplitudes on ", n, " wires with ", reps, " reps needs ",
               n * (reps + 1), " weights but the block has ", weights.size());
  index_t k = 0;
  for (int r = 0; r <= reps; ++r) {
    for (index_t i = 0; i < n; ++i) c.ry(weights[k++], wires[static_cast<size_t>(i)]);
    if (r < reps) reverse_linear(c, wires);
  }
}

void qaoa_layers(Circuit& c, const ParamBlock& weights, const std::vector<std::pair<int, int>>& edges,
                 const std::vector<int>& wires, bool initial_h) {
  TANGLE_CHECK(weights.shape().size() == 2 && weights.shape()[1] == 2, "QAOA weights need shape (layers, 2)");
  if (initial_h)
    for (int w : wires) c.h(w);
  for (index_t l = 0; l < weights.shape()[0]; ++l) {
    for (auto [i, j] : edges) c.rzz(2.0 * weights.at({l, 0}), i, j);
    for (int w : wires) c.rx(2.0 * weights.at({l, 1}), w);
  }
}

void qcnn_convolution(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, bool first_u3) {
  TANGLE_CHECK(weights.size() == 15, "QCNN convolution needs 15 weights but the block has ", weights.size());
  TANGLE_CHECK(wires.size() >= 2, "QCNN convolution needs at least 2 wires, got ", wires.size());
  const size_t n = wires.size();
  for (size_t parity : {0, 1}) {
    for (size_t i = parity; i + 1 < n; i += 2) {
      const int a = wires[i], b = wires[i + 1];
      if (parity == 0 && first_u3) {
        c.u3(weights[0], weights[1], weights[2], a);
        c.u3(weights[3], weights[4], weights[5], b);
      }
      c.rxx(weights[6], a, b);
      c.ryy(weights[7], a, b);
      c.rzz(weights[8], a, b);
      c.u3(weights[9], weights[10], weights[11], a);
      c.u3(weights[12], weights[13], weights[14], b);
    }
  }
}

std::vector<int> qcnn_pooling(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires) {
  TANGLE_CHECK(weights.size() == 3, "QCNN pooling needs 3 weights but the block has ", weights.size());
  std::vector<int> kept;
  for (size_t i = 0; i < wires.size(); ++i) {
    if (i % 2 == 0) {
      kept.push_back(wires[i]);
      continue;
    }
    // Controlled U3(theta, phi, lambda) = [phase e^{i(phi+lambda)/2} on the control] CRot(lambda, theta, phi).
    c.crot(weights[2], weights[0], weights[1], wires[i], wires[i - 1]);
    c.phase_shift((weights[1] + weights[2]) * Expr(0.5), wires[i]);
  }
  return kept;
}

}  // namespace tangle
