// qtl: quantum transfer learning on autoencoder features, after "Quantum Transfer Learning for
// MNIST Classification Using a Hybrid Quantum-Classical Approach" (2024), and qtl-classical,
// the paper's classical comparison.
//
//   pretrain: a dense autoencoder, encoder Linear(784 -> 64) -> Sigmoid, decoder
//             Linear(64 -> 784) -> Sigmoid, fitted by Adam on the MSE reconstruction of the
//             training images; the encoder is then frozen (and the decoder dropped).
//   qtl:      latent z in (0, 1)^64 -> a fixed 5-qubit circuit that uploads the features in
//             rounds of 5: RY(s z_f) on qubit f mod 5 (s = angle_scale, 0.3), then H on every qubit and a CNOT chain
//             0->1->...->4, for ceil(64 / 5) = 13 rounds -> the probabilities of the 32 basis
//             states -> the classifier.
//   qtl-classical: latent z -> the classifier.
//   classifier: [Linear -> BatchNorm -> ReLU -> Dropout] per hidden width (128, 64) -> Linear.
//
// The readout is the 32 basis-state probabilities, not <Z> on each qubit: the paper measures
// the circuit and classifies the measured outcomes (a histogram over the 32 basis states, of
// which the probabilities are the shot-free limit), and the 5 values <Z_q> are linear functions
// of the 32 probabilities, so they can only carry less information ("readout": "z" selects them).
// The angle scale: a well-trained autoencoder's sigmoid latent is nearly binary, so with s = pi
// every RY is close to I or a bit flip, the circuit close to a Clifford permutation of basis
// states, and the 32 probabilities close to one hashed outcome (14 % test accuracy on the MNIST
// subset); s = 1 gave 56 %, s = 0.3 gave 84 % (validation 82 %), one seed each.
// Only the abstract was available to us: the circuit's details (one RY per feature, the round
// structure, the angle scale) and the layer widths are our reading of it.
#include <cmath>
#include <cstdio>

#include "common.hpp"

namespace tangle::models {
namespace {

struct QtlOptions {
  std::int64_t latent = 64;
  int pretrain_epochs = 10;
  std::int64_t pretrain_batch = 128;
  double pretrain_lr = 1e-3;
  bool sigmoid_decoder = true;
};

class QtlBase : public Model {
 protected:
  QtlBase(const Json& c, const DataShape& shape, const char* model) {
    features_ = numel(shape.sample_shape);
    o_.latent = c.at("latent").get<std::int64_t>();
    o_.pretrain_epochs = c.at("pretrain_epochs").get<int>();
    o_.pretrain_batch = c.at("pretrain_batch").get<std::int64_t>();
    o_.pretrain_lr = c.at("pretrain_lr").get<double>();
    const std::string decoder = c.value("decoder_output", "sigmoid");
    TANGLE_CHECK(decoder == "sigmoid" || decoder == "linear", model, ": decoder_output '", decoder,
                 "' is not sigmoid or linear");
    o_.sigmoid_decoder = decoder == "sigmoid";
    TANGLE_CHECK(o_.latent >= 1 && o_.pretrain_epochs >= 0 && o_.pretrain_batch >= 1 && o_.pretrain_lr > 0.0, model,
                 ": latent (", o_.latent, ") and pretrain_batch (", o_.pretrain_batch,
                 ") must be at least 1, pretrain_epochs (", o_.pretrain_epochs, ") at least 0, pretrain_lr (",
                 o_.pretrain_lr, ") positive");
    encoder_ = register_module("encoder", ::torch::nn::Sequential(::torch::nn::Linear(features_, o_.latent),
                                                                   ::torch::nn::Sigmoid()));
    // Frozen by design: only pretrain() fits it. Frozen from the start so that a resumed run, which
    // loads the pretrained encoder instead of pretraining again, keeps it fixed too.
    for (::torch::Tensor& p : encoder_->parameters()) p.set_requires_grad(false);
  }

  /// [Linear -> BatchNorm -> ReLU -> Dropout] per hidden width, then Linear to the classes.
  void make_classifier(const Json& c, std::int64_t inputs, std::int64_t classes) {
    const auto hidden = c.at("hidden").get<std::vector<std::int64_t>>();
    const double dropout = c.at("dropout").get<double>();
    TANGLE_CHECK(dropout >= 0.0 && dropout < 1.0, "dropout ", dropout, " must be in [0, 1)");
    ::torch::nn::Sequential seq;
    for (std::int64_t width : hidden) {
      TANGLE_CHECK(width >= 1, "hidden width ", width, " must be at least 1");
      seq->push_back(::torch::nn::Linear(inputs, width));
      seq->push_back(::torch::nn::BatchNorm1d(width));
      seq->push_back(::torch::nn::ReLU());
      seq->push_back(::torch::nn::Dropout(dropout));
      inputs = width;
    }
    seq->push_back(::torch::nn::Linear(inputs, classes));
    classifier_ = register_module("classifier", seq);
  }

  ::torch::Tensor encode(const ::torch::Tensor& x) { return encoder_->forward(x.flatten(1)); }

 public:
  void pretrain(const ::torch::Tensor& features, const std::function<void(const std::string&)>& log) override {
    if (o_.pretrain_epochs == 0) return;
    const ::torch::Tensor x = features.flatten(1);
    TANGLE_CHECK(x.size(1) == features_, "qtl: pretraining features have width ", x.size(1), " but the encoder takes ",
                 features_);
    ::torch::nn::Sequential decoder(::torch::nn::Linear(o_.latent, features_));
    if (o_.sigmoid_decoder) decoder->push_back(::torch::nn::Sigmoid());
    decoder->to(x.scalar_type());
    std::vector<::torch::Tensor> params = encoder_->parameters();
    for (::torch::Tensor& p : params) p.set_requires_grad(true);
    for (const ::torch::Tensor& p : decoder->parameters()) params.push_back(p);
    ::torch::optim::Adam optimizer(params, ::torch::optim::AdamOptions(o_.pretrain_lr));
    const std::int64_t n = x.size(0);
    for (int epoch = 0; epoch < o_.pretrain_epochs; ++epoch) {
      const ::torch::Tensor order = ::torch::randperm(n, ::torch::kInt64);
      double sum = 0.0;
      for (std::int64_t lo = 0; lo < n; lo += o_.pretrain_batch) {
        const std::int64_t m = std::min(o_.pretrain_batch, n - lo);
        const ::torch::Tensor xb = x.index_select(0, order.narrow(0, lo, m));
        optimizer.zero_grad();
        const ::torch::Tensor loss = ::torch::mse_loss(decoder->forward(encoder_->forward(xb)), xb);
        loss.backward();
        optimizer.step();
        sum += loss.item<double>() * static_cast<double>(m);
      }
      char line[128];
      std::snprintf(line, sizeof line, "autoencoder epoch %d/%d  reconstruction mse %.5f", epoch + 1,
                    o_.pretrain_epochs, sum / static_cast<double>(n));
      log(line);
    }
    for (::torch::Tensor& p : encoder_->parameters()) {
      p.set_requires_grad(false);
      p.mutable_grad() = ::torch::Tensor();
    }
  }

 protected:
  std::int64_t features_ = 0;
  QtlOptions o_;
  ::torch::nn::Sequential encoder_{nullptr}, classifier_{nullptr};
};

class Qtl : public QtlBase {
 public:
  Qtl(const Json& c, const DataShape& shape) : QtlBase(c, shape, "qtl") {
    const int n = c.at("qubits").get<int>();
    const std::string readout = c.value("readout", "probs");
    const double scale = c.value("angle_scale", 0.3);
    TANGLE_CHECK(n >= 2, "qtl: qubits ", n, " must be at least 2");
    TANGLE_CHECK(readout == "probs" || readout == "z", "qtl: readout '", readout, "' is not probs or z");
    Circuit circuit(n);
    const ParamBlock z = circuit.inputs(o_.latent);
    for (std::int64_t round = 0; round * n < o_.latent; ++round) {
      for (int q = 0; q < n && round * n + q < o_.latent; ++q) circuit.ry(scale * z[round * n + q], q);
      for (int q = 0; q < n; ++q) circuit.h(q);
      for (int q = 0; q + 1 < n; ++q) circuit.cnot(q, q + 1);
    }
    std::vector<Readout> readouts;
    if (readout == "probs") {
      readouts.push_back(Readout::probs(iota_wires(n)));
    } else {
      for (int q = 0; q < n; ++q) readouts.push_back(Readout::expval(pauli_z(q)));
    }
    const tangle::torch::LayerOptions options = layer_options(c);
    program_ = std::make_shared<const Program>(std::move(circuit), std::move(readouts), options.noise);
    run_ = options.run;
    make_classifier(c, program_->n_outputs(), shape.n_classes);
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override {
    const ::torch::Tensor z = encode(x);
    // The circuit has no trainable weights: an empty weight vector.
    const ::torch::Tensor q = tangle::torch::quantum_apply(program_, z, ::torch::empty({0}, z.options()), run_);
    return classifier_->forward(q);
  }

  std::vector<DirectCircuit> direct_circuits() const override { return {{program_, run_}}; }

  std::string draw() const override {
    return "fixed feature circuit (no trainable weights; x[f] = encoder feature f in (0, 1)):\n" +
           tangle::draw(program_->circuit(), program_->readouts());
  }

 private:
  std::shared_ptr<const Program> program_;
  RunOptions run_;
};

class QtlClassical : public QtlBase {
 public:
  QtlClassical(const Json& c, const DataShape& shape) : QtlBase(c, shape, "qtl-classical") {
    make_classifier(c, o_.latent, shape.n_classes);
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) override { return classifier_->forward(encode(x)); }

  std::string draw() const override {
    return "qtl-classical has no quantum circuit: the classifier reads the frozen encoder's features directly.\n";
  }
};

Json qtl_defaults(DataKind kind, bool quantum) {
  Json d;
  Json m = {{"latent", 64},        {"hidden", {128, 64}}, {"dropout", 0.2},       {"pretrain_epochs", 30},
            {"pretrain_batch", 128}, {"pretrain_lr", 0.005}, {"decoder_output", "sigmoid"}};
  if (quantum) {
    m["qubits"] = 5;
    m["angle_scale"] = 0.3;
    m["readout"] = "probs";
  }
  Json train = default_train_config();
  train["lr"] = 0.001;
  train["batch"] = 64;
  train["epochs"] = 30;
  if (kind == DataKind::Mnist) {
    // 30 epochs at 5e-3: at 10 epochs of 1e-3 (about 400 steps on the 6,000-image subset) the
    // autoencoder still reconstructs little more than the mean image (MSE 0.062 vs 0.019), its
    // latent separates the classes poorly, and both models stall near 70 %.
    d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 255.0}}, {{"op", "flatten"}}});
  } else if (kind == DataKind::Digits) {
    m["latent"] = 32;
    m["pretrain_epochs"] = 40;
    m["pretrain_batch"] = 64;
    d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", 16.0}}, {{"op", "flatten"}}});
  } else {
    m["latent"] = 8;
    m["pretrain_epochs"] = 100;
    m["pretrain_batch"] = 32;
    m["decoder_output"] = "linear";  // standardized features are not in (0, 1)
    d["preprocess"] = Json::array({{{"op", "standardize"}}});
  }
  d["model"] = m;
  d["train"] = train;
  return d;
}

const char* kPaper =
    "\"Quantum Transfer Learning for MNIST Classification Using a Hybrid Quantum-Classical Approach\" (2024, "
    "one author; arXiv); only the abstract was available";

}  // namespace

ModelSpec qtl_spec() {
  ModelSpec s;
  s.name = "qtl";
  s.model_keys = {"qubits", "hidden", "latent", "dropout", "readout", "angle_scale", "decoder_output",
                  "pretrain_epochs", "pretrain_batch", "pretrain_lr"};
  s.summary = "Autoencoder 784->64 (pretrained, frozen) -> fixed 5-qubit RY/H/CNOT circuit, 32 probabilities -> MLP";
  s.paper = kPaper;
  s.defaults = [](DataKind kind) { return qtl_defaults(kind, true); };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> { return std::make_shared<Qtl>(c, shape); };
  // The abstract gives no accuracy (NaN: not stated), only the ordering of the two models.
  s.paper_numbers = {{"MNIST", std::nan(""), "not stated in the abstract; reported below the classical model"}};
  return s;
}

ModelSpec qtl_classical_spec() {
  ModelSpec s;
  s.name = "qtl-classical";
  s.model_keys = {"hidden", "latent", "dropout", "decoder_output", "pretrain_epochs", "pretrain_batch", "pretrain_lr"};
  s.summary = "qtl's classical comparison: the same frozen autoencoder features -> the same MLP, no circuit";
  s.paper = kPaper + std::string("; the classical comparison");
  s.defaults = [](DataKind kind) { return qtl_defaults(kind, false); };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> {
    return std::make_shared<QtlClassical>(c, shape);
  };
  s.paper_numbers = {{"MNIST", std::nan(""), "not stated in the abstract; reported above the hybrid model"}};
  return s;
}

}  // namespace tangle::models
