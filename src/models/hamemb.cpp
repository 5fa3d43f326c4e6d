// hamemb: the Hamiltonian-embedding data re-uploading classifier of Wang, Myers, Hollenberg and
// Parampalli, "Quantum Hamiltonian Embedding of Images for Data Reuploading Classifiers"
// (arXiv 2407.14055). A 2^n x 2^n image M becomes H = (M + M^T)/2 on n qubits; starting from
// |+>^n, each of L layers applies exp(-i t_l H / 2) (t_l trainable) and a trainable special
// unitary exp(i sum_k w_k P_k) over every Pauli word (1023 weights on 5 qubits); the classes are
// the basis states of the first qubits, their probabilities the logits.
//
// And qcnn: the paper's QCNN baseline (the PennyLane QCNN demo on amplitude-encoded images).
#include <cmath>

#include "common.hpp"
#include "tangle/ir/templates.hpp"

namespace tangle::models {
namespace {

int log2_exact(std::int64_t v, const char* what) {
  const int k = static_cast<int>(std::lround(std::log2(static_cast<double>(v))));
  TANGLE_CHECK(v > 0 && (std::int64_t{1} << k) == v, what, " ", v, " is not a power of two");
  return k;
}

// Probabilities of the first basis states as class logits (as the paper does).
class ProjectorClassifier : public Model {
 public:
  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    return quantum_(x.flatten(1)).narrow(1, 0, n_classes_);
  }
  std::string draw() const override { return draw_layer(title_, *quantum_); }

 protected:
  void finish(Circuit circuit, const std::vector<int>& readout_wires, std::int64_t n_classes, const Json& c,
              std::string title) {
    TANGLE_CHECK(n_classes <= (std::int64_t{1} << readout_wires.size()), n_classes, " classes need more than the ",
                 readout_wires.size(), " readout qubits' ", std::int64_t{1} << readout_wires.size(), " basis states");
    n_classes_ = n_classes;
    title_ = std::move(title);
    quantum_ = register_module("quantum", tangle::torch::QuantumLayer(std::move(circuit),
                                                                        std::vector<Readout>{Readout::probs(readout_wires)},
                                                                        layer_options(c)));
  }
  tangle::torch::QuantumLayer quantum_{nullptr};
  std::int64_t n_classes_ = 0;
  std::string title_;
};

class HamEmb : public ProjectorClassifier {
 public:
  HamEmb(const Json& c, const DataShape& shape) {
    const std::int64_t features = numel(shape.sample_shape);
    const int n = log2_exact(features, "hamemb: the number of pixels") / 2;
    TANGLE_CHECK((std::int64_t{1} << (2 * n)) == features, "hamemb: ", features,
                 " pixels do not form a square image of side 2^k");
    const int layers = c.at("layers").get<int>();
    const std::string block = c.value("block", "full");
    const int readout = c.value("readout_qubits", n);
    TANGLE_CHECK(readout >= 1 && readout <= n, "hamemb: readout_qubits ", readout, " must be in [1, ", n,
                 "] (the circuit has ", n, " qubits)");
    TANGLE_CHECK(layers >= 1, "hamemb: layers ", layers, " must be at least 1");
    Circuit circuit(n);
    const ParamBlock x = circuit.inputs(features);
    const ParamBlock t = circuit.weights(layers, WeightInit::normal(0.0, 1.0));
    const std::vector<int> wires = iota_wires(n);
    for (int q = 0; q < n; ++q) circuit.h(q);
    for (int l = 0; l < layers; ++l) {
      circuit.evolution(x, t[l], wires);
      if (block == "full") {
        circuit.special_unitary(wires, WeightInit::normal(0.0, 1.0));
      } else if (block == "brickwall") {
        // SU(4) blocks on (0,1), (2,3), ... then (1,2), (3,4), ...
        for (int parity : {0, 1})
          for (int q = parity; q + 1 < n; q += 2) circuit.special_unitary({q, q + 1}, WeightInit::normal(0.0, 1.0));
      } else {
        throw ValueError(detail::concat("hamemb: block '", block, "' is not full or brickwall"));
      }
    }
    finish(std::move(circuit), iota_wires(readout), shape.n_classes, c, "Hamiltonian-embedding re-uploading circuit:");
  }
};

class Qcnn : public ProjectorClassifier {
 public:
  Qcnn(const Json& c, const DataShape& shape) {
    const std::int64_t features = numel(shape.sample_shape);
    const int n = log2_exact(features, "qcnn: the number of amplitudes");
    const int layers = c.at("layers").get<int>();
    Circuit circuit(n);
    const ParamBlock x = circuit.inputs(features);
    std::vector<int> wires = iota_wires(n);
    circuit.amplitude_embedding(x, wires, 0.5, true);
    const ParamBlock conv = circuit.weights({layers, 15}, WeightInit::normal(0.0, 1.0));
    const ParamBlock pool = circuit.weights({layers, 3}, WeightInit::normal(0.0, 1.0));
    for (int l = 0; l < layers; ++l) {
      TANGLE_CHECK(wires.size() >= 3, "qcnn: ", layers, " layers reduce ", n, " qubits below 3");
      qcnn_convolution(circuit, conv(l), wires, l == 0);
      wires = qcnn_pooling(circuit, pool(l), wires);
    }
    // The dense layer: PennyLane's ArbitraryUnitary, a PauliRot about every non-identity word.
    const int k = static_cast<int>(wires.size());
    const ParamBlock dense = circuit.weights((std::int64_t{1} << (2 * k)) - 1, WeightInit::normal(0.0, 1.0));
    for (std::int64_t word = 1; word < (std::int64_t{1} << (2 * k)); ++word) {
      std::string letters;
      for (int q = 0; q < k; ++q) letters += "IXYZ"[(word >> (2 * (k - 1 - q))) & 3];
      circuit.pauli_rot(dense[word - 1], letters, wires);
    }
    finish(std::move(circuit), wires, shape.n_classes, c, "QCNN:");
  }
};

Json images_preprocess(DataKind kind, bool flatten_only) {
  // MNIST padded to 32x32 (5 qubits for hamemb, 10 for the QCNN's amplitudes), pixels in [0, 1];
  // the digits stay 8x8 (3 qubits, or 6 for amplitudes).
  Json steps = Json::array();
  steps.push_back({{"op", "scale"}, {"divisor", kind == DataKind::Mnist ? 255.0 : 16.0}});
  steps.push_back({{"op", "classes"}, {"keep", {0, 1, 2, 3, 4, 5, 6, 7}}});
  if (kind == DataKind::Mnist) steps.push_back({{"op", "pad"}, {"amount", 2}});
  steps.push_back({{"op", "flatten"}});
  (void)flatten_only;
  return steps;
}

Json hamemb_train(DataKind kind) {
  Json t = default_train_config();
  // The paper: optax clip(1.0) -> Adam -> exponential decay from 0.01; softmax cross-entropy.
  t["lr"] = 0.01;
  t["clip"] = 1.0;
  t["clip_mode"] = "value";
  t["lr_decay"] = 0.99;
  t["batch"] = kind == DataKind::Mnist ? 100 : 50;
  t["epochs"] = kind == DataKind::Mnist ? 20 : 60;
  t["precision"] = "f64";
  return t;
}

}  // namespace

ModelSpec hamemb_spec() {
  ModelSpec s;
  s.name = "hamemb";
  s.model_keys = {"layers", "block", "readout_qubits"};
  s.summary = "Hamiltonian embedding exp(-i t (M+M^T)/2) re-uploaded with SU(2^n) blocks, projector readout";
  s.paper = "Wang, Myers, Hollenberg, Parampalli, \"Quantum Hamiltonian Embedding of Images for Data Reuploading "
            "Classifiers\", arXiv:2407.14055 (2024)";
  s.defaults = [](DataKind kind) {
    Json d;
    if (kind == DataKind::Mnist) {
      d["model"] = {{"layers", 10}, {"block", "full"}, {"readout_qubits", 4}};
    } else {
      d["model"] = {{"layers", 10}, {"block", "brickwall"}, {"readout_qubits", 3}};
    }
    d["preprocess"] = images_preprocess(kind, false);
    d["train"] = hamemb_train(kind);
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> { return std::make_shared<HamEmb>(c, shape); };
  s.paper_numbers = {{"MNIST digits 0-7 (48,200 training images), L = 10", 89.7, "mean test accuracy at epoch 100"},
                     {"MNIST digits 0-7, L = 20", 91.3, ""},
                     {"sklearn digits (8x8, 3 qubits)", 94.4, "500 epochs on 1,200 images"}};
  return s;
}

ModelSpec qcnn_spec() {
  ModelSpec s;
  s.name = "qcnn";
  s.model_keys = {"layers"};
  s.summary = "QCNN on amplitude-encoded images: U3/Ising convolutions, controlled-U3 pooling, dense unitary";
  s.paper = "Cong, Choi, Lukin, Nature Physics 15, 1273 (2019); as the baseline of Wang et al., arXiv:2407.14055 "
            "(PennyLane QCNN demo architecture)";
  s.defaults = [](DataKind kind) {
    Json d;
    // 10 qubits (32x32 amplitudes) -> 5 -> 3 readout qubits; the digits' 6 qubits -> 3.
    d["model"] = {{"layers", kind == DataKind::Mnist ? 2 : 1}};
    d["preprocess"] = images_preprocess(kind, true);
    d["train"] = hamemb_train(kind);
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> { return std::make_shared<Qcnn>(c, shape); };
  s.paper_numbers = {{"MNIST digits 0-7 (48,200 training images)", 47.0, "baseline in Wang et al., epoch 100"},
                     {"sklearn digits", 79.0, "baseline in Wang et al."}};
  return s;
}

}  // namespace tangle::models
