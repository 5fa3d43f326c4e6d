#include "common.hpp"
#include "tangle/core/error.hpp"

namespace tangle::models {

Json default_train_config() {
  return {{"epochs", 20},     {"batch", 32},       {"lr", 0.01},        {"optimizer", "adam"},
          {"lr_decay", 0.98}, {"clip", 1.0}, {"clip_mode", "norm"},       {"loss", "cross_entropy"},
          {"val_fraction", 0.1}, {"test_fraction", 0.2}, {"seed", 0}, {"threads", 0}, {"precision", "f32"}};
}

const std::vector<ModelSpec>& zoo() {
  static const std::vector<ModelSpec> specs = {
      hybrid_spec(),        reuploading_spec(), hamemb_spec(),          qcnn_spec(),
      hqnn_parallel_spec(), quanv_spec(),       quanv_classical_spec(), qtl_spec(),
      qtl_classical_spec(), creep_spec(),       qkan_spec(),            hqkan_spec(),
      kan_spec(),           mlp_spec()};
  return specs;
}

const ModelSpec& find_model(const std::string& name) {
  std::string known;
  for (const ModelSpec& s : zoo()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw ValueError(detail::concat("unknown model '", name, "' (known: ", known, ")"));
}

}  // namespace tangle::models
