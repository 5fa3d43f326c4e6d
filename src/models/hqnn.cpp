// hqnn-parallel: the hybrid network with parallel quantum circuits of Senokosov, Sedykh,
// Sagingalieva, Kyriacou and Melnikov, "Quantum machine learning for image classification",
// Mach. Learn.: Sci. Technol. 5, 015040 (2024), arXiv:2304.09224.
//
//   [Conv2d(k5, pad 2) -> BatchNorm -> ReLU -> MaxPool(2)] x 2 (16, then 32 channels)
//   -> flatten -> Linear -> BatchNorm -> ReLU to circuits x qubits features
//   -> split into `circuits` groups, each through its own circuit: RX angle embedding,
//      strongly entangling layers (Rot on every qubit, CNOT ring), <Z> on every qubit
//   -> concatenate -> Linear to the classes.
//
// The paper body was not available to us; the layer sizes follow the public re-implementations
// (4 circuits of 5 qubits, 3 layers; 16 and 32 channels of 5x5 kernels).
#include "common.hpp"
#include "tangle/ir/templates.hpp"

namespace tangle::models {
namespace {

struct ImageShape {
  std::int64_t channels = 1, height = 0, width = 0;
};

ImageShape image_shape(const DataShape& shape, const char* model) {
  const auto& s = shape.sample_shape;
  if (s.size() == 2) return {1, s[0], s[1]};
  if (s.size() == 3) return {s[0], s[1], s[2]};
  throw ValueError(detail::concat(model, ": needs images (samples of shape [H, W] or [C, H, W]), but the data gives ",
                                  "samples of shape ", Json(s).dump()));
}

class HqnnParallel : public Model {
 public:
  HqnnParallel(const Json& c, const DataShape& shape) : image_(image_shape(shape, "hqnn-parallel")) {
    const int circuits = c.at("circuits").get<int>();
    const int qubits = c.at("qubits").get<int>();
    const int layers = c.at("layers").get<int>();
    const auto channels = c.at("channels").get<std::vector<std::int64_t>>();
    const std::int64_t kernel = c.at("kernel").get<std::int64_t>();
    TANGLE_CHECK(circuits >= 1 && qubits >= 1 && layers >= 1, "hqnn-parallel: circuits (", circuits, "), qubits (",
                 qubits, ") and layers (", layers, ") must be at least 1");
    TANGLE_CHECK(kernel >= 1 && kernel % 2 == 1, "hqnn-parallel: kernel ", kernel, " must be odd (same padding)");
    TANGLE_CHECK(!channels.empty(), "hqnn-parallel: channels must list at least one convolution");

    std::int64_t in = image_.channels, h = image_.height, w = image_.width;
    for (size_t i = 0; i < channels.size(); ++i) {
      TANGLE_CHECK(h >= 2 && w >= 2, "hqnn-parallel: ", image_.height, "x", image_.width, " images are too small for ",
                   channels.size(), " convolution blocks with 2x2 max pooling");
      const std::string k = std::to_string(i + 1);
      conv_.push_back(register_module(
          "conv" + k, ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(in, channels[i], kernel).padding(kernel / 2))));
      conv_bn_.push_back(register_module("conv_bn" + k, ::torch::nn::BatchNorm2d(channels[i])));
      in = channels[i];
      h /= 2;
      w /= 2;
    }
    qubits_ = qubits;
    const std::int64_t features = static_cast<std::int64_t>(circuits) * qubits;
    fc_ = register_module("fc", ::torch::nn::Linear(in * h * w, features));
    fc_bn_ = register_module("fc_bn", ::torch::nn::BatchNorm1d(features));

    const std::vector<int> wires = iota_wires(qubits);
    for (int i = 0; i < circuits; ++i) {
      Circuit circuit(qubits);
      angle_embedding(circuit, exprs(circuit.inputs(qubits)), wires, Pauli::X);
      strongly_entangling_layers(circuit, circuit.weights({layers, qubits, 3}), wires);
      std::vector<Readout> readouts;
      for (int q = 0; q < qubits; ++q) readouts.push_back(Readout::expval(pauli_z(q)));
      quantum_.push_back(register_module(
          "quantum" + std::to_string(i + 1),
          tangle::torch::QuantumLayer(std::move(circuit), std::move(readouts), layer_options(c, static_cast<std::uint64_t>(i)))));
    }
    output_ = register_module("output", ::torch::nn::Linear(features, shape.n_classes));
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    ::torch::Tensor y = x.reshape({x.size(0), image_.channels, image_.height, image_.width});
    for (size_t i = 0; i < conv_.size(); ++i)
      y = ::torch::max_pool2d(::torch::relu(conv_bn_[i](conv_[i](y))), 2);
    y = ::torch::relu(fc_bn_(fc_(y.flatten(1))));
    std::vector<::torch::Tensor> outs;
    const std::vector<::torch::Tensor> parts = y.split(qubits_, 1);
    for (size_t i = 0; i < quantum_.size(); ++i) outs.push_back(quantum_[i](parts[i]));
    return output_(::torch::cat(outs, 1));
  }

  std::string draw() const override {
    return draw_layer("each of the " + std::to_string(quantum_.size()) + " parallel circuits (own weights):",
                      *quantum_.front());
  }

 private:
  ImageShape image_;
  std::int64_t qubits_ = 0;
  std::vector<::torch::nn::Conv2d> conv_;
  std::vector<::torch::nn::BatchNorm2d> conv_bn_;
  ::torch::nn::Linear fc_{nullptr}, output_{nullptr};
  ::torch::nn::BatchNorm1d fc_bn_{nullptr};
  std::vector<tangle::torch::QuantumLayer> quantum_;
};

}  // namespace

ModelSpec hqnn_parallel_spec() {
  ModelSpec s;
  s.name = "hqnn-parallel";
  s.model_keys = {"qubits", "layers", "circuits", "channels", "kernel"};
  s.summary = "CNN (2 conv blocks) -> Linear -> parallel 5-qubit circuits (RX embedding, strongly entangling, <Z>) -> Linear";
  s.paper = "Senokosov, Sedykh, Sagingalieva, Kyriacou, Melnikov, \"Quantum machine learning for image "
            "classification\", Mach. Learn.: Sci. Technol. 5, 015040 (2024), arXiv:2304.09224; HQNN-Parallel";
  s.defaults = [](DataKind kind) {
    Json d;
    d["model"] = {{"circuits", 4}, {"qubits", 5}, {"layers", 3}, {"channels", {16, 32}}, {"kernel", 5}};
    Json train = default_train_config();
    train["lr"] = 0.003;
    train["lr_decay"] = 0.9;
    train["batch"] = 32;
    if (kind == DataKind::Mnist) {
      // 5-11 s per epoch on 2 cores; about 98 % test accuracy on the 6,000-image subset.
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}},
                                     {{"op", "normalize"}, {"mean", 0.1307}, {"std", 0.3081}}});
      train["epochs"] = 10;
    } else if (kind == DataKind::Digits) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}});
      train["epochs"] = 30;
    } else {
      // Tables are not images: the model refuses them with a message naming the shape.
      d["preprocess"] = Json::array({{{"op", "standardize"}}});
    }
    d["train"] = train;
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<HqnnParallel>(c, shape);
  };
  s.paper_numbers = {{"MNIST (60,000 training images)", 99.21, "test accuracy; 8x fewer parameters than the CNN"},
                     {"Medical MNIST", 99.0, "abstract: \"over 99%\""},
                     {"CIFAR-10", 82.0, "abstract: \"over 82%\""}};
  return s;
}

}  // namespace tangle::models
