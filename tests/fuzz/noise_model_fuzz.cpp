// Noise-model JSON (`tangle train --noise FILE`, NoiseModel.from_json). An accepted model's JSON
// form reads back to the same JSON form.
#include "fuzz_target.hpp"
#include "tangle/ir/noise_model.hpp"

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  std::string json;
  try {
    json = NoiseModel::from_json(fuzz::as_text(data, size)).to_json();
  } catch (const Error&) {
    return 0;
  }
  try {
    fuzz::require(NoiseModel::from_json(json).to_json() == json, "noise model JSON round trip differs");
  } catch (const Error& e) {
    fuzz::require(false, e.message());
  }
  return 0;
}
