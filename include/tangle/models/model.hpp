/// @file
/// The model zoo: each published model, its default configuration and the paper's numbers.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tangle/sim/program.hpp"

namespace tangle::models {

/// The JSON type of model configurations (nlohmann::json).
using Json = nlohmann::json;

/// A circuit a model runs itself (through tangle::torch::quantum_apply) rather than inside a
/// QuantumLayer module, with the options it runs with.
struct DirectCircuit {
  std::shared_ptr<const Program> program;  ///< the circuit and its readouts
  RunOptions run;                          ///< backend, threads (the precision follows the data)
};

/// A classifier: classical and quantum layers in one torch module, [B, ...] -> [B, classes] logits.
class Model : public ::torch::nn::Module {
 public:
  /// Logits [B, n_classes] for a batch `x` [B, ...] of preprocessed samples (DataShape's sample
  /// shape), in the model's dtype.
  virtual ::torch::Tensor forward(const ::torch::Tensor& x) = 0;
  /// Its quantum circuits as text (what `tangle draw MODEL` prints).
  virtual std::string draw() const = 0;
  /// A stage before the supervised training (e.g. fitting an autoencoder whose encoder is then
  /// frozen), on the preprocessed training split in the model's dtype. Runs once per new run;
  /// `log` receives one line per epoch. The default does nothing.
  virtual void pretrain(const ::torch::Tensor& features, const std::function<void(const std::string&)>& log) {
    (void)features;
    (void)log;
  }
  /// The circuits it runs outside QuantumLayer modules, so that the trainer checks their memory
  /// with the layers' before a run starts. The default: none.
  virtual std::vector<DirectCircuit> direct_circuits() const { return {}; }
};

/// What a model is built for: the shape of one preprocessed sample and the number of classes.
struct DataShape {
  std::vector<std::int64_t> sample_shape;  ///< one sample's shape, without the batch dimension
  std::int64_t n_classes = 0;              ///< number of classes (the width of the logits)
};

/// A number a paper reports, for docs/results.md and `tangle models`.
struct PaperNumber {
  std::string dataset;    ///< the data and setting the paper reports on
  double accuracy = 0.0;  ///< test accuracy, percent
  std::string note;       ///< how the number was obtained (e.g. mean of 5 runs, final epoch)
};

/// Where the training data comes from, which decides a model's default preprocessing.
enum class DataKind { Digits, Mnist, Table };

/// A zoo entry: how to name, configure and build a model, and what its paper reports.
struct ModelSpec {
  std::string name;     ///< the name `tangle train --model` takes
  std::string summary;  ///< one line
  std::string paper;    ///< authors, title, reference
  /// The default configuration for a data kind: {"model": {...}, "preprocess": [...], "train": {...}}.
  std::function<Json(DataKind)> defaults;
  /// A new model from the "model" section of a configuration, for data of this shape.
  std::function<std::shared_ptr<Model>(const Json& model_config, const DataShape& shape)> build;
  /// Every key of the "model" section the builder reads (the defaults give most of them a
  /// value): `tangle train --set model.KEY=...` with any other key is refused as a typo.
  std::vector<std::string> model_keys;
  std::vector<PaperNumber> paper_numbers;  ///< the paper's reported accuracies
};

/// Every registered model, in a fixed order.
const std::vector<ModelSpec>& zoo();
/// The model of that name; ValueError listing the known names otherwise.
const ModelSpec& find_model(const std::string& name);

/// Training defaults shared by the zoo (each model overrides what its paper used).
Json default_train_config();

}  // namespace tangle::models
