// Helpers shared by the zoo's model files.
#pragma once

#include <numeric>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/io/draw.hpp"
#include "tangle/models/model.hpp"
#include "tangle/torch/quantum_layer.hpp"

namespace tangle::models {

inline std::vector<int> iota_wires(int n) {
  std::vector<int> w(static_cast<size_t>(n));
  std::iota(w.begin(), w.end(), 0);
  return w;
}

inline std::int64_t numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

/// Options every quantum layer of a model takes from its configuration: threads and the seed
/// (from the run's "train" section), and the run's "noise" model and "run" settings (backend,
/// trajectories and their seed), which the trainer copies into the model's configuration
/// (noise_from_config and check_run_config in tangle/train/trainer.hpp).
inline tangle::torch::LayerOptions layer_options(const Json& c, std::uint64_t salt = 0) {
  tangle::torch::LayerOptions o;
  o.run.threads = c.value("threads", 0);
  o.seed = c.value("seed", std::uint64_t{0}) * 1000003ULL + salt;
  if (c.contains("noise")) o.noise = NoiseModel::from_json(c["noise"].dump());
  if (c.contains("run")) {
    const Json& r = c["run"];
    o.run.backend = backend_from_name(r.value("backend", "auto"));
    o.run.trajectories = r.value("trajectories", o.run.trajectories);
    o.run.seed = r.value("seed", o.run.seed);
  }
  return o;
}

/// A titled drawing of a layer's circuit and readouts.
inline std::string draw_layer(const std::string& title, const tangle::torch::QuantumLayerImpl& layer) {
  return title + "\n" + tangle::draw(layer.program().circuit(), layer.program().readouts());
}

ModelSpec hybrid_spec();
ModelSpec reuploading_spec();
ModelSpec hamemb_spec();
ModelSpec qcnn_spec();
ModelSpec hqnn_parallel_spec();   // src/models/hqnn.cpp
ModelSpec quanv_spec();           // src/models/quanv.cpp
ModelSpec quanv_classical_spec(); // src/models/quanv.cpp
ModelSpec qtl_spec();             // src/models/qtl.cpp
ModelSpec qtl_classical_spec();   // src/models/qtl.cpp
ModelSpec creep_spec();           // src/models/creep.cpp
ModelSpec qkan_spec();            // src/models/kan.cpp
ModelSpec hqkan_spec();           // src/models/kan.cpp
ModelSpec kan_spec();             // src/models/kan.cpp
ModelSpec mlp_spec();             // src/models/kan.cpp

}  // namespace tangle::models
