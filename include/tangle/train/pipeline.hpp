/// @file
/// Preprocessing as data: a list of steps from a model's configuration, fitted on the training
/// split (PCA, standardization) and applied identically to validation, test and eval data.
///
/// Steps (JSON objects): {"op": "scale", "divisor": d}, {"op": "normalize", "mean": m, "std": s},
/// {"op": "pad", "amount": a, "value": v}, {"op": "pool", "factor": f}, {"op": "flatten"},
/// {"op": "classes", "keep": [c, ...]}, {"op": "pca", "components": k}, {"op": "standardize"},
/// {"op": "train_subset", "size": n} (the first n training rows after a seeded shuffle; training only).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "tangle/data/dataset.hpp"

namespace tangle::train {

/// The preprocessing steps of a run (listed at the top of this file), fitted once on the
/// training split and then applied unchanged to every other split.
class Pipeline {
 public:
  /// Checks every step; ValueError names an unknown op or a bad field.
  explicit Pipeline(nlohmann::json steps);

  /// Fits the data-dependent steps on `train` (the training split only).
  void fit(const data::Dataset& train);
  /// True once fit() or fit_apply() has run (or load() restored a fitted pipeline).
  bool fitted() const { return fitted_; }
  /// The steps applied to `d`; `training` enables training-only steps (train_subset).
  data::Dataset apply(const data::Dataset& d, bool training = false) const;
  /// Applies and fits in one pass (fitting each step on the output of the previous ones).
  data::Dataset fit_apply(const data::Dataset& train);

  /// The steps, as given to the constructor.
  const nlohmann::json& steps() const { return steps_; }
  /// Writes the fitted state (PCA components, standardization statistics) into a checkpoint
  /// archive, keyed by step index.
  void save(::torch::serialize::OutputArchive& archive) const;
  /// Reads the state save() wrote for the same steps.
  void load(::torch::serialize::InputArchive& archive);

 private:
  data::Dataset apply_step(std::size_t i, const data::Dataset& d, bool training) const;
  nlohmann::json steps_;
  std::vector<data::Pca> pca_;              // per step (empty unless "pca")
  std::vector<::torch::Tensor> mean_, std_;  // per step (undefined unless "standardize")
  bool fitted_ = false;
};

}  // namespace tangle::train
