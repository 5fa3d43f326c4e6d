// reuploading: the multi-qubit data re-uploading classifier of Perez-Salinas, Cervera-Lierta,
// Gil-Fuster and Latorre, "Data re-uploading for a universal quantum classifier", Quantum 4, 226
// (2020). Every layer re-uploads the whole feature vector on every qubit through general
// rotations with trainable pre-scaling, Rot(w . x_chunk + b), features taken three at a time,
// followed by a ring of CZ entanglers. Class scores are the probabilities of the computational
// basis states of the first ceil(log2 C) qubits (one basis state per class), scaled by a
// trainable temperature before the softmax.
#include <cmath>

#include "common.hpp"

namespace tangle::models {
namespace {

class Reuploading : public Model {
 public:
  Reuploading(const Json& c, const DataShape& shape) {
    const int n = c.at("qubits").get<int>();
    const int layers = c.at("layers").get<int>();
    const std::int64_t features = numel(shape.sample_shape);
    const std::int64_t chunks = (features + 2) / 3;
    const int readout_qubits = std::max(1, static_cast<int>(std::ceil(std::log2(static_cast<double>(shape.n_classes)))));
    TANGLE_CHECK(readout_qubits <= n, "reuploading: ", shape.n_classes, " classes need ", readout_qubits,
                 " readout qubits but the model has ", n, " qubits");
    n_classes_ = shape.n_classes;

    Circuit circuit(n);
    const ParamBlock x = circuit.inputs(features);
    const ParamBlock scale = circuit.weights({layers, n, chunks, 3}, WeightInit::normal(1.0, 0.1));
    const ParamBlock bias = circuit.weights({layers, n, chunks, 3}, WeightInit::uniform(-M_PI, M_PI));
    for (int l = 0; l < layers; ++l) {
      for (int q = 0; q < n; ++q) {
        for (std::int64_t k = 0; k < chunks; ++k) {
          Expr a[3];
          for (int i = 0; i < 3; ++i) {
            const std::int64_t f = 3 * k + i;
            a[i] = bias.at({l, q, k, i});
            if (f < features) a[i] = scale.at({l, q, k, i}) * x[f] + a[i];
          }
          circuit.rot(a[0], a[1], a[2], q);
        }
      }
      if (n == 2) circuit.cz(0, 1);
      if (n > 2)
        for (int q = 0; q < n; ++q) circuit.cz(q, (q + 1) % n);
    }
    std::vector<int> wires = iota_wires(readout_qubits);
    quantum_ = register_module("quantum", tangle::torch::QuantumLayer(std::move(circuit), std::vector<Readout>{Readout::probs(wires)},
                                                                        layer_options(c)));
    temperature_ = register_parameter("temperature", ::torch::full({1}, c.value("temperature", 10.0)));
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    const ::torch::Tensor p = quantum_(x.flatten(1)).narrow(1, 0, n_classes_);
    return p * temperature_.to(p.scalar_type());
  }

  std::string draw() const override { return draw_layer("re-uploading circuit:", *quantum_); }

 private:
  tangle::torch::QuantumLayer quantum_{nullptr};
  ::torch::Tensor temperature_;
  std::int64_t n_classes_ = 0;
};

}  // namespace

ModelSpec reuploading_spec() {
  ModelSpec s;
  s.name = "reuploading";
  s.model_keys = {"qubits", "layers", "temperature"};
  s.summary = "Data re-uploading classifier: Rot(w.x + b) on every qubit per layer, CZ ring, basis-state readout";
  s.paper = "Perez-Salinas, Cervera-Lierta, Gil-Fuster, Latorre, \"Data re-uploading for a universal quantum "
            "classifier\", Quantum 4, 226 (2020)";
  s.defaults = [](DataKind kind) {
    Json d;
    d["model"] = {{"qubits", 4}, {"layers", 3}, {"temperature", 10.0}};
    d["train"] = default_train_config();
    if (kind == DataKind::Mnist) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}}, {{"op", "flatten"}},
                                     {{"op", "pca"}, {"components", 9}}, {{"op", "standardize"}}});
    } else if (kind == DataKind::Digits) {
      d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}, {{"op", "flatten"}},
                                     {{"op", "pca"}, {"components", 9}}, {{"op", "standardize"}}});
    } else {
      d["preprocess"] = Json::array({{{"op", "standardize"}}});
    }
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<Reuploading>(c, shape);
  };
  s.paper_numbers = {{"2-D benchmark problems (circle, annulus, ...)", 90.0,
                      "success rates of about 0.9-0.96 with 4-6 layers on the paper's synthetic sets"}};
  return s;
}

}  // namespace tangle::models
