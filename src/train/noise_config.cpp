// The "noise" and "run" sections of a run's configuration: what `--noise FILE` and `--set
// noise.* / run.*` write, resolved and checked before a run starts, and recorded in config.json
// in the resolved form so that --resume and `tangle eval` rebuild the same noisy model.
#include <optional>

#include "tangle/core/error.hpp"
#include "tangle/sim/program.hpp"
#include "tangle/train/trainer.hpp"

namespace tangle::train {

NoiseModel noise_from_config(const Json& noise) {
  TANGLE_CHECK(noise.is_object(), "noise: ", noise.dump(), " is not an object (a noise model, or "
               "{\"depolarizing\": p, \"readout\": p})");
  for (auto it = noise.begin(); it != noise.end(); ++it)
    TANGLE_CHECK(it.key() == "rules" || it.key() == "readout" || it.key() == "scale" || it.key() == "depolarizing",
                 "noise: unknown key \"", it.key(), "\" (known: rules, readout, scale, depolarizing)");
  Json model = noise;
  std::optional<double> depolarizing, readout;
  if (model.contains("depolarizing")) {
    TANGLE_CHECK(model["depolarizing"].is_number(), "noise.depolarizing: ", model["depolarizing"].dump(),
                 " is not a probability");
    depolarizing = model["depolarizing"].get<double>();
    model.erase("depolarizing");
  }
  if (model.contains("readout") && !model["readout"].is_array()) {
    TANGLE_CHECK(model["readout"].is_number(), "noise.readout: ", model["readout"].dump(),
                 " is not a flip probability (or a list of readout errors)");
    readout = model["readout"].get<double>();
    model.erase("readout");
  }
  // The shorthands are rules of the model like the others (its scale applies to them too).
  NoiseModel out = NoiseModel::from_json(model.dump());
  try {
    if (depolarizing) out.add(NoiseChannel::depolarizing(*depolarizing), GateMatch::every());
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("noise.depolarizing: ", e.what()));
  }
  try {
    if (readout) out.add_readout_error(ReadoutConfusion::symmetric(*readout));
  } catch (const ValueError& e) {
    throw ValueError(detail::concat("noise.readout: ", e.what()));
  }
  return out;
}

void check_run_config(const Json& run) {
  TANGLE_CHECK(run.is_object(), "run: ", run.dump(), " is not an object");
  for (auto it = run.begin(); it != run.end(); ++it) {
    const std::string& key = it.key();
    if (key == "backend") {
      TANGLE_CHECK(it->is_string(), "run.backend: ", it->dump(), " is not a backend name");
      Backend b = Backend::Auto;
      try {
        b = backend_from_name(it->get<std::string>());
      } catch (const ValueError& e) {
        throw ValueError(detail::concat("run.backend: ", e.what()));
      }
      TANGLE_CHECK(b != Backend::Mps, "run.backend: mps is not available for training");
    } else if (key == "trajectories") {
      TANGLE_CHECK(it->is_number_integer() && it->get<long long>() >= 1, "run.trajectories: ", it->dump(),
                   " is not a whole number of at least 1");
    } else if (key == "seed") {
      TANGLE_CHECK(it->is_number_integer() && it->get<long long>() >= 0, "run.seed: ", it->dump(),
                   " is not a whole number of at least 0");
    } else {
      throw ValueError(detail::concat("run: unknown key \"", key, "\" (known: backend, trajectories, seed)"));
    }
  }
}

}  // namespace tangle::train
