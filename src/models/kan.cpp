// qkan, hqkan, kan, mlp: Kolmogorov-Arnold classifiers with quantum (DARUAN) or B-spline edge
// activations, and the MLP twin of matched parameter count, after Jiang, Huang, Chen, Goan,
// "Quantum Variational Activation Functions Empower Kolmogorov-Arnold Networks", arXiv 2509.14026.
//
//   [images, "cnn": true] Conv(3x3, 8) ReLU MaxPool(2) -> Conv(3x3, 16) ReLU MaxPool(2) -> Linear(-> features)
//   head: qkan   QKAN[in, hidden..., classes]
//         hqkan  Linear(in -> ceil log2 in) -> QKAN -> Linear(-> classes)
//         kan    B-spline KAN[in, hidden..., classes]
//         mlp    Linear(in -> h) SiLU -> Linear(h -> classes), h matched to the qkan head's parameters
//
// The CNN is our own small front end (the authors' notebook architecture was not available to
// us); the paper's MNIST setup puts QKAN[10, 10] after it, which is the default here.
#include "common.hpp"
#include "tangle/torch/kan.hpp"
#include "tangle/torch/qkan.hpp"

namespace tangle::models {
namespace {

enum class Head { Qkan, Hqkan, Kan, Mlp };

tangle::torch::QKANOptions qkan_options(const Json& c) {
  tangle::torch::QKANOptions o;
  o.reps = c.value("reps", 3);
  o.preact_trainable = c.value("preact_trainable", true);
  o.seed = c.value("seed", std::uint64_t{0});
  o.threads = c.value("threads", 0);
  return o;
}

// Trainable parameters of a QKAN head of these widths (for the MLP twin).
index_t qkan_parameters(const std::vector<std::int64_t>& widths, const tangle::torch::QKANOptions& o) {
  const index_t per_edge = 2 * (o.reps + 1) + (o.preact_trainable ? 2 * o.reps : 0) + (o.base ? 1 : 0);
  index_t n = 0;
  for (size_t k = 0; k + 1 < widths.size(); ++k) n += widths[k] * widths[k + 1] * per_edge;
  return n;
}

class KanClassifier : public Model {
 public:
  KanClassifier(Head head, const Json& c, const DataShape& shape) : head_(head) {
    std::int64_t in = numel(shape.sample_shape);
    if (c.value("cnn", false)) in = build_cnn(c, shape);
    std::vector<std::int64_t> widths = {in};
    for (std::int64_t h : c.value("hidden", std::vector<std::int64_t>{})) widths.push_back(h);
    widths.push_back(shape.n_classes);
    const tangle::torch::QKANOptions qo = qkan_options(c);
    switch (head) {
      case Head::Qkan:
        for (size_t k = 0; k + 1 < widths.size(); ++k) {
          tangle::torch::QKANOptions o = qo;
          o.seed += k;
          head_layers_->push_back(tangle::torch::QKANLayer(widths[k], widths[k + 1], o));
        }
        break;
      case Head::Hqkan:
        head_layers_->push_back(tangle::torch::HQKAN(in, shape.n_classes, qo));
        break;
      case Head::Kan:
        for (size_t k = 0; k + 1 < widths.size(); ++k) {
          tangle::torch::KANOptions o;
          o.grid = c.value("grid", 5);
          o.order = c.value("order", 3);
          o.seed = c.value("seed", std::uint64_t{0}) + k;
          head_layers_->push_back(tangle::torch::KANLayer(widths[k], widths[k + 1], o));
        }
        break;
      case Head::Mlp: {
        std::int64_t h = c.value("mlp_hidden", std::int64_t{0});
        if (h == 0) h = tangle::torch::mlp_hidden_for(in, shape.n_classes, 1, qkan_parameters(widths, qo));
        head_layers_ = tangle::torch::make_mlp(in, shape.n_classes, 1, h);
        break;
      }
    }
    register_module("head", head_layers_);
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    ::torch::Tensor y = x;
    if (!conv_.empty()) {
      y = y.reshape({x.size(0), image_[0], image_[1], image_[2]});
      for (auto& conv : conv_) y = ::torch::max_pool2d(::torch::relu(conv(y)), 2);
      y = features_(y.flatten(1));
    } else {
      y = y.flatten(1);
    }
    return head_layers_->forward(y);
  }

  std::string draw() const override {
    if (head_ == Head::Kan || head_ == Head::Mlp) return "no quantum circuits (classical twin)\n";
    return "every QKAN edge (j, i): one qubit, <Z> of\n"
           "  |+> RZ(t_0,0) RY(t_0,1) [RZ(w_l x_i + b_l) RZ(t_l+1,0) RY(t_l+1,1)] for l < reps\n";
  }

 private:
  std::int64_t build_cnn(const Json& c, const DataShape& shape) {
    const auto& s = shape.sample_shape;
    TANGLE_CHECK(s.size() == 2 || s.size() == 3, "cnn front end: needs images ([H, W] or [C, H, W]), got samples of "
                                                 "shape ", Json(s).dump());
    image_ = s.size() == 2 ? std::vector<std::int64_t>{1, s[0], s[1]} : s;
    std::int64_t ch = image_[0], h = image_[1], w = image_[2];
    int k = 0;
    for (std::int64_t out : c.value("channels", std::vector<std::int64_t>{8, 16})) {
      TANGLE_CHECK(h >= 2 && w >= 2, "cnn front end: ", image_[1], "x", image_[2], " images are too small");
      conv_.push_back(register_module("conv" + std::to_string(++k),
                                      ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(ch, out, 3).padding(1))));
      ch = out;
      h /= 2;
      w /= 2;
    }
    const std::int64_t features = c.value("features", std::int64_t{10});
    features_ = register_module("features", ::torch::nn::Linear(ch * h * w, features));
    return features;
  }

  Head head_;
  std::vector<std::int64_t> image_;
  std::vector<::torch::nn::Conv2d> conv_;
  ::torch::nn::Linear features_{nullptr};
  ::torch::nn::Sequential head_layers_;
};

ModelSpec kan_family_spec(const char* name, Head head, const char* summary) {
  ModelSpec s;
  s.name = name;
  s.model_keys = {"hidden", "reps", "preact_trainable", "grid", "order", "mlp_hidden", "cnn", "channels", "features"};
  s.summary = summary;
  s.paper = "Jiang, Huang, Chen, Goan, \"Quantum Variational Activation Functions Empower Kolmogorov-Arnold "
            "Networks\", arXiv:2509.14026 (2025); code Jim137/qkan";
  s.defaults = [head](DataKind kind) {
    Json d;
    d["model"] = {{"reps", 3}, {"hidden", Json::array()}, {"cnn", false}};
    if (head == Head::Kan) d["model"] = {{"grid", 5}, {"order", 3}, {"hidden", Json::array()}, {"cnn", false}};
    Json train = default_train_config();
    train["lr"] = 1e-3;
    train["lr_decay"] = 1.0;
    if (kind == DataKind::Mnist) {
      // The paper's setup: a small CNN, then the head on 10 features; Adam 1e-3, batch 1,000.
      d["model"]["cnn"] = true;
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}},
                                     {{"op", "normalize"}, {"mean", 0.1307}, {"std", 0.3081}}});
      train["epochs"] = 20;
      train["batch"] = 1000;
    } else if (kind == DataKind::Digits) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}, {{"op", "flatten"}}});
      train["epochs"] = 40;
      train["lr"] = 0.01;
    } else {
      d["preprocess"] = Json::array({{{"op", "standardize"}}});
      train["lr"] = 0.01;
    }
    d["train"] = train;
    return d;
  };
  s.build = [head](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<KanClassifier>(head, c, shape);
  };
  if (head == Head::Qkan)
    s.paper_numbers = {{"MNIST", 95.6, "CNN + QKAN[10, 10], 20 epochs (the authors' documentation notebook)"}};
  return s;
}

}  // namespace

ModelSpec qkan_spec() {
  return kan_family_spec("qkan", Head::Qkan, "QKAN: Kolmogorov-Arnold layers of one-qubit re-uploading activations "
                                             "(DARUAN) [optional small CNN first]");
}
ModelSpec hqkan_spec() {
  return kan_family_spec("hqkan", Head::Hqkan, "HQKAN: Linear -> QKAN on ceil(log2) widths -> Linear "
                                               "[optional small CNN first]");
}
ModelSpec kan_spec() {
  return kan_family_spec("kan", Head::Kan, "classical twin: B-spline KAN of the same widths [optional small CNN first]");
}
ModelSpec mlp_spec() {
  return kan_family_spec("mlp", Head::Mlp, "classical twin: one-hidden-layer MLP with the qkan head's parameter "
                                           "count [optional small CNN first]");
}

}  // namespace tangle::models
