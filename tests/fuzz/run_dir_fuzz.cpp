// A run directory as `tangle eval` reads it: the input is its config.json, beside a model file of
// the default hybrid model (the model_file corpus's seed). The configuration is checked, the data
// loaded, the model built and the file read into it, and the test split scored.
#include <filesystem>
#include <fstream>

#include "fuzz_target.hpp"
#include "tangle/train/trainer.hpp"

#ifndef TANGLE_FUZZ_MODEL_FILE
#error "TANGLE_FUZZ_MODEL_FILE: the model file placed beside each config.json"
#endif

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  const std::string config = fuzz::scratch_file("run/config.json", fuzz::as_text(data, size));
  const std::filesystem::path dir = std::filesystem::path(config).parent_path();
  static const bool copied = std::filesystem::copy_file(TANGLE_FUZZ_MODEL_FILE, dir / "best.pt",
                                                        std::filesystem::copy_options::overwrite_existing);
  (void)copied;
  try {
    (void)train::evaluate(dir.string());
  } catch (const Error&) {
  }
  return 0;
}
