// hybrid: Linear(features -> n) -> [angle embedding, strongly entangling layers, <Z> on each qubit]
// -> Linear(n -> classes). The variational-circuit-as-a-layer model of PennyLane's TorchLayer
// tutorials and of many hybrid papers since Mari et al. (2020).
#include "common.hpp"
#include "tangle/ir/templates.hpp"

namespace tangle::models {
namespace {

class Hybrid : public Model {
 public:
  Hybrid(const Json& c, const DataShape& shape) {
    const int n = c.at("qubits").get<int>();
    const int layers = c.at("layers").get<int>();
    Circuit circuit(n);
    const std::vector<int> wires = iota_wires(n);
    angle_embedding(circuit, exprs(circuit.inputs(n)), wires, Pauli::Y);
    strongly_entangling_layers(circuit, circuit.weights({layers, n, 3}), wires);
    std::vector<Readout> readouts;
    for (int q = 0; q < n; ++q) readouts.push_back(Readout::expval(pauli_z(q)));
    input_ = register_module("input", ::torch::nn::Linear(numel(shape.sample_shape), n));
    quantum_ = register_module("quantum", tangle::torch::QuantumLayer(std::move(circuit), std::move(readouts),
                                                                        layer_options(c)));
    output_ = register_module("output", ::torch::nn::Linear(n, shape.n_classes));
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    return output_(quantum_(input_(x.flatten(1))));
  }

  std::string draw() const override { return draw_layer("quantum layer:", *quantum_); }

 private:
  ::torch::nn::Linear input_{nullptr}, output_{nullptr};
  tangle::torch::QuantumLayer quantum_{nullptr};
};

}  // namespace

ModelSpec hybrid_spec() {
  ModelSpec s;
  s.name = "hybrid";
  s.model_keys = {"qubits", "layers"};
  s.summary = "Linear -> variational circuit (angle embedding, strongly entangling layers, <Z> each) -> Linear";
  s.paper = "Mari, Bromley, Izaac, Schuld, Killoran, \"Transfer learning in hybrid classical-quantum neural "
            "networks\", Quantum 4, 340 (2020); the dressed quantum circuit";
  s.defaults = [](DataKind kind) {
    Json d;
    d["model"] = {{"qubits", 8}, {"layers", 3}};
    Json train = default_train_config();
    // Tuned on the validation split of the digits: about 10 s of training on 2 cores.
    train["epochs"] = 80;
    train["batch"] = 16;
    train["lr"] = 0.01;
    if (kind == DataKind::Mnist) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}}, {{"op", "pool"}, {"factor", 4}},
                                     {{"op", "flatten"}}});
      train["epochs"] = 20;
      train["batch"] = 32;
    } else if (kind == DataKind::Digits) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}, {{"op", "flatten"}}});
    } else {
      d["preprocess"] = Json::array({{{"op", "standardize"}}});
    }
    d["train"] = train;
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<Hybrid>(c, shape);
  };
  return s;
}

}  // namespace tangle::models
