// Run configurations as `tangle train` builds them: the first line names a zoo model, every other
// line is a `--set KEY=VALUE` item. The configuration is resolved (defaults, overrides, checks),
// its preprocessing fitted on 40 embedded digits, and the model built for what comes out (within
// a memory budget of 256 MiB).
#include <sstream>

#include "fuzz_target.hpp"
#include "tangle/train/pipeline.hpp"
#include "tangle/train/trainer.hpp"

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  static const data::Dataset digits = data::embedded_digits().subset(::torch::arange(40));
  std::istringstream lines{std::string(fuzz::as_text(data, size))};
  train::RunRequest request;
  std::getline(lines, request.model);
  try {
    for (std::string item; std::getline(lines, item);) train::apply_override(request.overrides, item);
    const train::Json config = train::resolve_config(request);
    train::Pipeline pipeline(config.at("preprocess"));
    const data::Dataset d = pipeline.fit_apply(digits);
    models::DataShape shape;
    for (std::int64_t i = 1; i < d.features.dim(); ++i) shape.sample_shape.push_back(d.features.size(i));
    shape.n_classes = d.n_classes();
    // A budget well below the fuzzer's 2 GiB RSS limit (the process holds about 0.7 GiB itself;
    // a 1 GiB budget let a 1.3 GB qtl pass it): a model larger than it must be refused before
    // LibTorch allocates it (MemoryError), as one larger than memory is in a real run.
    (void)train::build_model(config, shape, std::uint64_t{256} << 20);
  } catch (const Error&) {
  }
  return 0;
}
