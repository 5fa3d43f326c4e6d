// Every model in the zoo, built with its default configuration for MNIST-like images and for the
// embedded digits, takes one optimizer step on a few images: the output is [batch, classes], the
// loss and every gradient are finite, every trainable parameter gets some gradient and moves,
// and parameters frozen by design stay put. Models added to the zoo later are covered as they
// are registered.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/data/dataset.hpp"
#include "tangle/models/model.hpp"
#include "tangle/train/pipeline.hpp"

namespace {

using tangle::models::DataKind;
using tangle::models::Json;

// Parameters frozen by design (name prefix), which get no gradient. Anything else must train.
const std::map<std::string, std::vector<std::string>>& frozen_by_design() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"qtl", {"encoder."}},            // the pretrained autoencoder's encoder
      {"qtl-classical", {"encoder."}},  // the same
  };
  return m;
}

bool is_frozen_by_design(const std::string& model, const std::string& parameter) {
  const auto it = frozen_by_design().find(model);
  if (it == frozen_by_design().end()) return false;
  for (const std::string& prefix : it->second)
    if (parameter.rfind(prefix, 0) == 0) return true;
  return false;
}

// 64 real digits (all ten classes), as MNIST-like 28x28 images with pixels 0..255 (upsampled) or
// as the embedded 8x8 digits themselves.
tangle::data::Dataset tiny_images(DataKind kind) {
  tangle::data::Dataset d = tangle::data::embedded_digits();
  d = d.subset(::torch::arange(64, ::torch::kInt64));
  if (kind == DataKind::Mnist) {
    namespace F = ::torch::nn::functional;
    d.features = F::interpolate(d.features.unsqueeze(1), F::InterpolateFuncOptions()
                                                             .size(std::vector<std::int64_t>{28, 28})
                                                             .mode(::torch::kBilinear)
                                                             .align_corners(false))
                     .squeeze(1) *
                 (255.0 / 16.0);
  } else if (kind == DataKind::Table) {
    d = tangle::data::flatten(d);
  }
  return d;
}

const char* kind_name(DataKind kind) {
  return kind == DataKind::Mnist ? "Mnist" : kind == DataKind::Digits ? "Digits" : "Table";
}

struct Built {
  std::shared_ptr<tangle::models::Model> model;
  tangle::data::Dataset data;  // preprocessed
  Json config;
  ::torch::Dtype dtype = ::torch::kFloat32;
};

// What the trainer does before training: defaults, preprocessing fitted on the data, the model
// built for the preprocessed shape in the configured precision, then its pretraining stage.
Built build(const tangle::models::ModelSpec& spec, DataKind kind) {
  Built b;
  b.config = spec.defaults(kind);
  tangle::train::Pipeline pipeline(b.config.at("preprocess"));
  b.data = pipeline.fit_apply(tiny_images(kind));
  tangle::models::DataShape shape;
  for (std::int64_t i = 1; i < b.data.features.dim(); ++i) shape.sample_shape.push_back(b.data.features.size(i));
  shape.n_classes = b.data.n_classes();
  Json model_config = b.config.at("model");
  model_config["threads"] = 0;
  model_config["seed"] = 0;
  ::torch::manual_seed(0);
  b.model = spec.build(model_config, shape);
  b.dtype = b.config.at("train").at("precision").get<std::string>() == "f64" ? ::torch::kFloat64 : ::torch::kFloat32;
  b.model->to(b.dtype);
  return b;
}

bool all_finite(const ::torch::Tensor& t) { return ::torch::isfinite(t).all().item<bool>(); }

struct Case {
  std::string model;
  DataKind kind;
};

// Names the case in test listings (gtest would otherwise print the struct's bytes).
void PrintTo(const Case& c, std::ostream* out) {
  *out << c.model << (c.kind == DataKind::Mnist ? " on MNIST" : " on digits");
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const auto& spec : tangle::models::zoo())
    for (DataKind kind : {DataKind::Mnist, DataKind::Digits}) cases.push_back({spec.name, kind});
  return cases;
}

class ZooStep : public ::testing::TestWithParam<Case> {};

TEST_P(ZooStep, OneOptimizerStepTrainsEveryParameter) {
  const auto start = std::chrono::steady_clock::now();
  const Case& c = GetParam();
  const tangle::models::ModelSpec& spec = tangle::models::find_model(c.model);
  Built b = build(spec, c.kind);
  auto& model = *b.model;
  model.pretrain(b.data.features.to(b.dtype), [](const std::string&) {});

  // A few images of different classes (the digits come in the order 0, 1, ..., 9, 0, ...).
  const std::int64_t batch = 4;
  const ::torch::Tensor x = b.data.features.narrow(0, 0, batch).to(b.dtype);
  const ::torch::Tensor y = b.data.labels.narrow(0, 0, batch);
  ASSERT_NE(y.min().item<std::int64_t>(), y.max().item<std::int64_t>()) << "the batch should mix classes";

  std::map<std::string, ::torch::Tensor> before;
  for (const auto& p : model.named_parameters()) before[p.key()] = p.value().detach().clone();
  ASSERT_FALSE(before.empty()) << c.model << " has no parameters";

  model.train();
  const double lr = b.config.at("train").at("lr").get<double>();
  ::torch::optim::Adam optimizer(model.parameters(), ::torch::optim::AdamOptions(lr));
  optimizer.zero_grad();
  const ::torch::Tensor logits = model.forward(x);
  ASSERT_EQ(logits.dim(), 2);
  EXPECT_EQ(logits.size(0), batch);
  EXPECT_EQ(logits.size(1), b.data.n_classes());
  EXPECT_EQ(logits.scalar_type(), b.dtype);
  ASSERT_TRUE(all_finite(logits)) << logits;
  const ::torch::Tensor loss = b.config.at("train").at("loss").get<std::string>() == "mse"
                                   ? ::torch::mse_loss(logits, ::torch::one_hot(y, logits.size(1)).to(b.dtype))
                                   : ::torch::nn::functional::cross_entropy(logits, y);
  ASSERT_TRUE(std::isfinite(loss.item<double>())) << loss.item<double>();
  loss.backward();

  int trainable = 0;
  for (const auto& p : model.named_parameters()) {
    const std::string& name = p.key();
    const ::torch::Tensor& t = p.value();
    if (!t.requires_grad()) {
      EXPECT_TRUE(is_frozen_by_design(c.model, name)) << c.model << ": " << name << " is frozen but not by design";
      EXPECT_FALSE(t.grad().defined() && t.grad().abs().sum().item<double>() != 0.0) << name << " is frozen";
      continue;
    }
    EXPECT_FALSE(is_frozen_by_design(c.model, name)) << c.model << ": " << name << " should be frozen";
    ++trainable;
    ASSERT_TRUE(t.grad().defined()) << c.model << ": " << name << " got no gradient";
    EXPECT_TRUE(all_finite(t.grad())) << c.model << ": " << name << " has a non-finite gradient";
    if (t.numel() > 0) {
      EXPECT_GT(t.grad().abs().max().item<double>(), 0.0) << c.model << ": " << name << " gradient is all zero";
    }
  }
  EXPECT_GT(trainable, 0);

  optimizer.step();
  for (const auto& p : model.named_parameters()) {
    const ::torch::Tensor& t = p.value();
    if (t.numel() == 0) continue;
    const bool moved = !::torch::equal(t.detach(), before.at(p.key()));
    EXPECT_EQ(moved, t.requires_grad()) << c.model << ": " << p.key() << (moved ? " moved" : " did not move");
    EXPECT_TRUE(all_finite(t.detach())) << p.key();
  }

  // Inference (what validation and test use): eval mode, a single image.
  model.eval();
  ::torch::NoGradGuard no_grad;
  const ::torch::Tensor one = model.forward(x.narrow(0, 0, 1));
  EXPECT_EQ(one.sizes(), (std::vector<std::int64_t>{1, b.data.n_classes()}));
  EXPECT_TRUE(all_finite(one));
  EXPECT_FALSE(model.draw().empty());

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("seconds", std::to_string(seconds));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooStep, ::testing::ValuesIn(all_cases()), [](const auto& info) {
  std::string name = info.param.model + "_" + kind_name(info.param.kind);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

// A table (flat feature vectors) is either handled or refused at build time with a ValueError
// naming the problem; never a crash or a failure deep inside the first step.
TEST(Zoo, TablesAreHandledOrRefusedClearly) {
  for (const auto& spec : tangle::models::zoo()) {
    SCOPED_TRACE(spec.name);
    Built b;
    try {
      b = build(spec, DataKind::Table);
    } catch (const tangle::ValueError& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
      continue;
    }
    b.model->eval();
    ::torch::NoGradGuard no_grad;
    const ::torch::Tensor out = b.model->forward(b.data.features.narrow(0, 0, 2).to(b.dtype));
    EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{2, b.data.n_classes()}));
  }
}

TEST(Zoo, NamesAreUniqueAndDefaultsComplete) {
  std::set<std::string> names;
  for (const auto& spec : tangle::models::zoo()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " is registered twice";
    EXPECT_FALSE(spec.summary.empty() || spec.paper.empty()) << spec.name;
    for (DataKind kind : {DataKind::Mnist, DataKind::Digits, DataKind::Table}) {
      const Json d = spec.defaults(kind);
      for (const char* key : {"model", "preprocess", "train"}) EXPECT_TRUE(d.contains(key)) << spec.name << " " << key;
    }
  }
}

}  // namespace
