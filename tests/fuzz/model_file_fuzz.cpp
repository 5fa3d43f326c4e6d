// A run's model file (best.pt, what `tangle eval` loads) read into the model it was written for:
// the hybrid model of the default configuration, built once.
#include "fuzz_target.hpp"
#include "tangle/train/pipeline.hpp"
#include "tangle/train/trainer.hpp"

namespace {
struct Target {
  std::shared_ptr<tangle::models::Model> model;
  std::unique_ptr<tangle::train::Pipeline> pipeline;
  Target() {
    using namespace tangle;
    train::RunRequest request;
    request.model = "hybrid";
    const train::Json config = train::resolve_config(request);
    pipeline = std::make_unique<train::Pipeline>(config.at("preprocess"));
    const data::Dataset d = pipeline->fit_apply(data::embedded_digits().subset(::torch::arange(40)));
    model = train::build_model(config, {{d.features.size(1)}, d.n_classes()});
  }
};
}  // namespace

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  static Target target;
  const std::string path = fuzz::scratch_file("best.pt", fuzz::as_text(data, size));
  try {
    train::load_model_file(path, *target.model, *target.pipeline);
  } catch (const Error&) {
  }
  return 0;
}
