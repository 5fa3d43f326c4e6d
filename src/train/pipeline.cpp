#include "tangle/train/pipeline.hpp"

#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"

namespace tangle::train {

namespace {

double number(const nlohmann::json& step, const char* key, double fallback, bool required) {
  if (!step.contains(key)) {
    TANGLE_CHECK(!required, "preprocess step ", step.dump(), " needs \"", key, "\"");
    return fallback;
  }
  TANGLE_CHECK(step[key].is_number(), "preprocess step ", step.dump(), ": \"", key, "\" must be a number");
  return step[key].get<double>();
}

}  // namespace

Pipeline::Pipeline(nlohmann::json steps) : steps_(std::move(steps)) {
  TANGLE_CHECK(steps_.is_array(), "preprocess must be a list of steps, got ", steps_.dump());
  for (const auto& s : steps_) {
    TANGLE_CHECK(s.is_object() && s.contains("op") && s["op"].is_string(), "preprocess step ", s.dump(),
                 " needs an \"op\"");
    const std::string op = s["op"];
    if (op == "scale") {
      TANGLE_CHECK(number(s, "divisor", 0, true) != 0.0, "preprocess scale: divisor must not be 0");
    } else if (op == "normalize") {
      number(s, "mean", 0, true);
      TANGLE_CHECK(number(s, "std", 0, true) > 0.0, "preprocess normalize: std must be positive");
    } else if (op == "pad") {
      TANGLE_CHECK(number(s, "amount", 0, true) >= 0, "preprocess pad: amount must be >= 0");
      number(s, "value", 0, false);
    } else if (op == "pool") {
      TANGLE_CHECK(number(s, "factor", 0, true) >= 1, "preprocess pool: factor must be >= 1");
    } else if (op == "pca") {
      TANGLE_CHECK(number(s, "components", 0, true) >= 1, "preprocess pca: components must be >= 1");
    } else if (op == "classes") {
      TANGLE_CHECK(s.contains("keep") && s["keep"].is_array() && !s["keep"].empty(),
                   "preprocess classes: \"keep\" must be a non-empty list of class labels");
    } else if (op == "train_subset") {
      TANGLE_CHECK(number(s, "size", 0, true) >= 1, "preprocess train_subset: size must be >= 1");
    } else if (op != "flatten" && op != "standardize") {
      throw ValueError(detail::concat("unknown preprocess op '", op,
                                      "' (known: scale, normalize, pad, pool, flatten, classes, pca, standardize, "
                                      "train_subset)"));
    }
  }
  pca_.resize(steps_.size());
  mean_.resize(steps_.size());
  std_.resize(steps_.size());
}

data::Dataset Pipeline::apply_step(std::size_t i, const data::Dataset& d, bool training) const {
  const auto& s = steps_[i];
  const std::string op = s["op"];
  if (op == "scale") return data::scale(d, static_cast<float>(s["divisor"].get<double>()));
  if (op == "normalize")
    return data::normalize(d, static_cast<float>(s["mean"].get<double>()), static_cast<float>(s["std"].get<double>()));
  if (op == "pad") return data::pad(d, s["amount"].get<std::int64_t>(), static_cast<float>(s.value("value", 0.0)));
  if (op == "pool") return data::avg_pool(d, s["factor"].get<std::int64_t>());
  if (op == "flatten") return data::flatten(d);
  if (op == "classes") return data::select_classes(d, s["keep"].get<std::vector<std::int64_t>>());
  if (op == "pca") return pca_[i].apply(d);
  if (op == "standardize") {
    data::Dataset out = d;
    out.features = (d.features.flatten(1) - mean_[i]) / std_[i];
    return out;
  }
  if (op == "train_subset") {
    if (!training) return d;
    const std::int64_t size = std::min<std::int64_t>(s["size"].get<std::int64_t>(), d.size());
    std::vector<std::int64_t> order(static_cast<size_t>(d.size()));
    for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<std::int64_t>(k);
    SplitMix64 rng(s.value("seed", std::uint64_t{7}));
    for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
    order.resize(static_cast<size_t>(size));
    return d.subset(::torch::tensor(order, ::torch::kInt64));
  }
  throw ValueError(detail::concat("unknown preprocess op '", op, "'"));
}

data::Dataset Pipeline::fit_apply(const data::Dataset& train) {
  data::Dataset d = train;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const std::string op = steps_[i]["op"];
    if (op == "pca") pca_[i] = data::Pca::fit(d, steps_[i]["components"].get<std::int64_t>());
    if (op == "standardize") {
      const ::torch::Tensor f = d.features.flatten(1);
      mean_[i] = f.mean(0);
      std_[i] = f.std(0, /*unbiased=*/false).clamp_min(1e-6);
    }
    d = apply_step(i, d, true);
  }
  fitted_ = true;
  return d;
}

void Pipeline::fit(const data::Dataset& train) { fit_apply(train); }

data::Dataset Pipeline::apply(const data::Dataset& d, bool training) const {
  TANGLE_CHECK(fitted_, "preprocessing is applied before it was fitted on the training split");
  data::Dataset out = d;
  for (std::size_t i = 0; i < steps_.size(); ++i) out = apply_step(i, out, training);
  return out;
}

void Pipeline::save(::torch::serialize::OutputArchive& archive) const {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const std::string key = "step" + std::to_string(i);
    if (pca_[i].components.defined()) {
      archive.write(key + ".pca.mean", pca_[i].mean);
      archive.write(key + ".pca.components", pca_[i].components);
      archive.write(key + ".pca.variance", pca_[i].variance);
    }
    if (mean_[i].defined()) {
      archive.write(key + ".mean", mean_[i]);
      archive.write(key + ".std", std_[i]);
    }
  }
}

void Pipeline::load(::torch::serialize::InputArchive& archive) {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const std::string key = "step" + std::to_string(i);
    const std::string op = steps_[i]["op"];
    if (op == "pca") {
      archive.read(key + ".pca.mean", pca_[i].mean);
      archive.read(key + ".pca.components", pca_[i].components);
      archive.read(key + ".pca.variance", pca_[i].variance);
    }
    if (op == "standardize") {
      archive.read(key + ".mean", mean_[i]);
      archive.read(key + ".std", std_[i]);
    }
  }
  fitted_ = true;
}

}  // namespace tangle::train
