// quanv: the quanvolutional network (HQNN-Quanv) of Senokosov et al., "Quantum machine learning
// for image classification", arXiv:2304.09224, and quanv-classical, its classical twin.
//
//   image [H, W] (MNIST average-pooled to 14x14 by the preprocessing)
//   -> filter over 2x2 patches with stride 2, 4 output channels of H/2 x W/2:
//        quanv:            a 4-qubit circuit per patch: RY(pi x) embedding of the 4 pixels, then
//                          `layers` layers of [RY(w) on every qubit, CZ ring], <Z> on every qubit.
//                          Every patch of a batch runs in one call, [B * H/2 * W/2, 4].
//        quanv-classical:  Conv2d(1 -> 4, kernel 2, stride 2)
//   -> flatten -> Linear -> ReLU -> Linear to the classes.
//
// The filters have the same number of trainable parameters: 5 layers x 4 qubits = 20 angles,
// against 4 x (2 x 2) weights + 4 biases = 20, so the two models compare like for like.
//
// Why a CZ ring and not PennyLane's BasicEntanglerLayers (RX, CNOT ring; "entangler": "cnot",
// "rotation": "X", "init": "angles" selects it): CNOTs before a Z readout turn each <Z_q> into a
// parity of several pixels (the 4-qubit CNOT ring has order 15, so 5 rings never cancel), and
// the head learns poorly from parities: 86 % on the MNIST subset against 93 % for this filter.
// CZ is diagonal, so with small initial weights the filter starts as the pass-through
// <Z_q> = cos(pi x_q) and training adds the entangled features from there.
#include <cmath>

#include "common.hpp"
#include "tangle/ir/templates.hpp"

namespace tangle::models {
namespace {

constexpr std::int64_t kPatch = 2;
constexpr int kChannels = 4;  // one per qubit (= pixels per patch)

struct Image {
  std::int64_t height = 0, width = 0;
};

Image single_channel_image(const DataShape& shape, const char* model) {
  const auto& s = shape.sample_shape;
  const bool ok = s.size() == 2 || (s.size() == 3 && s[0] == 1);
  TANGLE_CHECK(ok, model, ": needs single-channel images (samples of shape [H, W] or [1, H, W]), but the data gives "
               "samples of shape ", Json(s).dump());
  const Image im{s[s.size() - 2], s[s.size() - 1]};
  TANGLE_CHECK(im.height >= kPatch && im.width >= kPatch && im.height % kPatch == 0 && im.width % kPatch == 0, model,
               ": ", im.height, "x", im.width, " images do not split into 2x2 patches (add a pad or pool step)");
  return im;
}

// The filter, then the classical head shared by both variants.
class QuanvBase : public Model {
 protected:
  QuanvBase(const Json& c, const DataShape& shape, const char* model) : image_(single_channel_image(shape, model)) {
    const std::int64_t hidden = c.at("hidden").get<std::int64_t>();
    TANGLE_CHECK(hidden >= 1, model, ": hidden ", hidden, " must be at least 1");
    const std::int64_t features = kChannels * (image_.height / kPatch) * (image_.width / kPatch);
    hidden_ = register_module("hidden", ::torch::nn::Linear(features, hidden));
    output_ = register_module("output", ::torch::nn::Linear(hidden, shape.n_classes));
  }

  virtual ::torch::Tensor filter(const ::torch::Tensor& images) = 0;  // [B, 1, H, W] -> [B, 4, H/2, W/2]

 public:
  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    const ::torch::Tensor y = filter(x.reshape({x.size(0), 1, image_.height, image_.width}));
    return output_(::torch::relu(hidden_(y.flatten(1))));
  }

 protected:
  Image image_;
  ::torch::nn::Linear hidden_{nullptr}, output_{nullptr};
};

class Quanv : public QuanvBase {
 public:
  Quanv(const Json& c, const DataShape& shape) : QuanvBase(c, shape, "quanv") {
    const int layers = c.at("layers").get<int>();
    const std::string rotation = c.value("rotation", "Y");
    const std::string entangler = c.value("entangler", "cz");
    const std::string init = c.value("init", "small");
    TANGLE_CHECK(layers >= 1, "quanv: layers ", layers, " must be at least 1");
    TANGLE_CHECK(rotation == "X" || rotation == "Y", "quanv: rotation '", rotation, "' is not X or Y");
    TANGLE_CHECK(entangler == "cz" || entangler == "cnot", "quanv: entangler '", entangler, "' is not cz or cnot");
    TANGLE_CHECK(init == "small" || init == "angles", "quanv: init '", init, "' is not small or angles");
    const Pauli axis = rotation == "X" ? Pauli::X : Pauli::Y;

    Circuit circuit(kChannels);
    const ParamBlock pixels = circuit.inputs(kChannels);
    std::vector<Expr> angles;
    for (int i = 0; i < kChannels; ++i) angles.push_back(M_PI * pixels[i]);
    const std::vector<int> wires = iota_wires(kChannels);
    angle_embedding(circuit, angles, wires, Pauli::Y);
    const ParamBlock w = circuit.weights({layers, kChannels},
                                         init == "small" ? WeightInit::normal(0.0, 0.1) : WeightInit::angles());
    if (entangler == "cnot") {
      basic_entangler_layers(circuit, w, wires, axis);
    } else {
      for (int l = 0; l < layers; ++l) {
        for (int q = 0; q < kChannels; ++q) {
          if (axis == Pauli::X) {
            circuit.rx(w.at({l, q}), q);
          } else {
            circuit.ry(w.at({l, q}), q);
          }
        }
        for (int q = 0; q < kChannels; ++q) circuit.cz(q, (q + 1) % kChannels);
      }
    }
    std::vector<Readout> readouts;
    for (int q = 0; q < kChannels; ++q) readouts.push_back(Readout::expval(pauli_z(q)));
    quantum_ = register_module("quantum", tangle::torch::QuantumLayer(std::move(circuit), std::move(readouts),
                                                                        layer_options(c)));
  }

  std::string draw() const override {
    return draw_layer("quantum filter (each 2x2 patch; pixel i on qubit i, row-major):", *quantum_);
  }

 protected:
  ::torch::Tensor filter(const ::torch::Tensor& images) override {
    const std::int64_t b = images.size(0), h = image_.height / kPatch, w = image_.width / kPatch;
    // [B, 1, H, W] -> [B, h, 2, w, 2] -> [B, h, w, 2, 2] -> [B*h*w, 4]: one row per patch,
    // its pixels row-major (top-left, top-right, bottom-left, bottom-right).
    const ::torch::Tensor patches =
        images.reshape({b, h, kPatch, w, kPatch}).permute({0, 1, 3, 2, 4}).reshape({b * h * w, kPatch * kPatch});
    // [B*h*w, 4] -> [B, h, w, 4] -> [B, 4, h, w]: qubit q's <Z> is channel q, as a convolution's.
    return quantum_(patches).reshape({b, h, w, kChannels}).permute({0, 3, 1, 2});
  }

 private:
  tangle::torch::QuantumLayer quantum_{nullptr};
};

class QuanvClassical : public QuanvBase {
 public:
  QuanvClassical(const Json& c, const DataShape& shape) : QuanvBase(c, shape, "quanv-classical") {
    conv_ = register_module("conv",
                            ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(1, kChannels, kPatch).stride(kPatch)));
  }

  std::string draw() const override {
    return "quanv-classical has no quantum circuit: its filter is Conv2d(1 -> 4, kernel 2, stride 2), the "
           "classical twin of quanv's 4-qubit filter.\n";
  }

 protected:
  ::torch::Tensor filter(const ::torch::Tensor& images) override { return conv_(images); }

 private:
  ::torch::nn::Conv2d conv_{nullptr};
};

Json quanv_defaults(DataKind kind) {
  Json d;
  d["model"] = {{"layers", 5}, {"rotation", "Y"}, {"entangler", "cz"}, {"init", "small"}, {"hidden", 64}};
  Json train = default_train_config();
  train["lr"] = 0.003;
  train["lr_decay"] = 0.95;
  train["batch"] = 32;
  train["epochs"] = 30;
  if (kind == DataKind::Mnist) {
    // 28x28 -> 14x14 -> 4 channels of 7x7.
    d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}}, {{"op", "pool"}, {"factor", 2}}});
  } else if (kind == DataKind::Digits) {
    // 8x8 -> 4 channels of 4x4.
    d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}});
    train["epochs"] = 40;
  } else {
    // Tables are not images: the model refuses them with a message naming the shape.
    d["preprocess"] = Json::array({{{"op", "standardize"}}});
  }
  d["train"] = train;
  return d;
}

const char* kPaper =
    "Senokosov, Sedykh, Sagingalieva, Kyriacou, Melnikov, \"Quantum machine learning for image classification\", "
    "Mach. Learn.: Sci. Technol. 5, 015040 (2024), arXiv:2304.09224; HQNN-Quanv";

}  // namespace

ModelSpec quanv_spec() {
  ModelSpec s;
  s.name = "quanv";
  s.model_keys = {"layers", "hidden", "rotation", "entangler", "init"};
  s.summary = "Quanvolution: a trainable 4-qubit filter on 2x2 patches (stride 2, 4 channels) -> Linear -> ReLU -> Linear";
  s.paper = kPaper;
  s.defaults = quanv_defaults;
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<Quanv>(c, shape);
  };
  s.paper_numbers = {{"MNIST", 99.0, "HQNN-Quanv, as reported by a replication; the CNN twin 99.1 %"}};
  return s;
}

ModelSpec quanv_classical_spec() {
  ModelSpec s;
  s.name = "quanv-classical";
  s.model_keys = {"hidden"};  // the quantum filter's keys do not apply
  s.summary = "quanv's classical twin: Conv2d(1->4, k2, s2) with as many parameters as the quantum filter";
  s.paper = kPaper + std::string("; the classical counterpart");
  s.defaults = [](DataKind kind) {
    Json d = quanv_defaults(kind);
    for (const char* key : {"layers", "rotation", "entangler", "init"}) d["model"].erase(key);  // the quantum filter's
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<QuanvClassical>(c, shape);
  };
  s.paper_numbers = {{"MNIST", 99.1, "the CNN counterpart of HQNN-Quanv, as reported by a replication"}};
  return s;
}

}  // namespace tangle::models
