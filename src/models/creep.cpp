// creep: "Let the Quantum Creep In" (Wang, Myers, Hollenberg, Parampalli; arXiv 2409.17583).
// A three-layer network without activations or normalisation whose layers are swapped for
// quantum ones with the same inputs and outputs, one level at a time:
//   level 0: Conv2d(1,32,3) -> Conv2d(32,16,3) -> Flatten -> Linear(16*28*28 -> 10)
//   level 1: both convolutions become FlippedQuanv3x3: for each (output, input) channel pair a
//            trainable two-qubit state |psi> = exp(i sum_k w_k P_k)|00>; each 3x3 patch, padded to
//            4x4 and symmetrised, is the observable; the output is the mean over input channels
//            of <psi|H_patch|psi>, plus a bias
//   level 2: also the linear layer becomes DataReUploadingLinear: the 12,544 features padded to
//            4^7 and read as a 128x128 matrix X, H = (X + X^T)/2; from |+>^7, ten times
//            |psi> <- SU(128)(w_r) exp(i H / 10) |psi>; outputs <i|rho|i> for i < 10, plus a bias.
//
// <psi|H|psi> is linear in the patch, so a FlippedQuanv3x3 layer is a convolution whose 3x3
// kernels are A^T e, with e the sixteen Pauli expectations of each channel pair's state (computed
// by one batched quantum layer, the states' generators as its inputs) and A the fixed map from a
// padded, symmetrised patch to its Pauli coefficients.
#include <cmath>

#include "common.hpp"

namespace tangle::models {
namespace {

// A[j][p]: coefficient of Pauli word j (itertools order, identity first) in H_p = (E + E^T)/2,
// E the 4x4 matrix with a one at pixel p of the top-left 3x3 block: tr(P_j H_p) / 4.
::torch::Tensor patch_to_pauli() {
  using C = std::complex<double>;
  const C i(0, 1);
  const C pauli[4][2][2] = {{{1, 0}, {0, 1}}, {{0, 1}, {1, 0}}, {{0, -i}, {i, 0}}, {{1, 0}, {0, -1}}};
  ::torch::Tensor a = ::torch::zeros({16, 9}, ::torch::kFloat64);
  auto acc = a.accessor<double, 2>();
  for (int word = 0; word < 16; ++word) {
    const int first = word >> 2, second = word & 3;  // first letter on qubit 0, the most significant
    for (int p = 0; p < 9; ++p) {
      const int r = p / 3, c = p % 3;
      // tr(P H) = sum_(r,c) P[c][r] H[r][c], with H[r][c] = H[c][r] = 1/2 at the pixel.
      auto entry = [&](int row, int col) {
        return pauli[first][row >> 1][col >> 1] * pauli[second][row & 1][col & 1];
      };
      const C t = 0.5 * (entry(c, r) + entry(r, c));
      acc[word][p] = t.real() / 4.0;
    }
  }
  return a;
}

class FlippedQuanv3x3Impl : public ::torch::nn::Module {
 public:
  FlippedQuanv3x3Impl(std::int64_t in_channels, std::int64_t out_channels, const Json& c, std::uint64_t salt)
      : in_(in_channels), out_(out_channels) {
    Circuit circuit(2);
    circuit.special_unitary(circuit.inputs(15), {0, 1});
    std::vector<Readout> readouts;
    for (int word = 1; word < 16; ++word) {
      PauliSum p(1.0);
      for (int q = 0; q < 2; ++q) {
        const int letter = (word >> (2 * (1 - q))) & 3;
        if (letter != 0) p = p * PauliSum::single(static_cast<Pauli>(letter), q);
      }
      readouts.push_back(Readout::expval(p));
    }
    states_ = register_module("states", tangle::torch::QuantumLayer(std::move(circuit), std::move(readouts),
                                                                     layer_options(c, salt)));
    generators_ = register_parameter("generators", ::torch::randn({out_ * in_, 15}));
    bias_ = register_parameter("bias", ::torch::randn({out_}));
    a_ = register_buffer("patch_to_pauli", patch_to_pauli().to(::torch::kFloat32));
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) {
    const ::torch::Tensor e = states_(generators_.to(x.scalar_type()));  // [out*in, 15]
    const ::torch::Tensor e_full = ::torch::cat({::torch::ones({e.size(0), 1}, e.options()), e}, 1);
    const ::torch::Tensor kernel = e_full.matmul(a_.to(x.scalar_type())).view({out_, in_, 3, 3}) / static_cast<double>(in_);
    return ::torch::conv2d(x, kernel, bias_.to(x.scalar_type()));
  }

  const tangle::torch::QuantumLayerImpl& states() const { return *states_; }

 private:
  std::int64_t in_, out_;
  tangle::torch::QuantumLayer states_{nullptr};
  ::torch::Tensor generators_, bias_, a_;
};
class FlippedQuanv3x3 : public ::torch::nn::ModuleHolder<FlippedQuanv3x3Impl> {
 public:
  using ::torch::nn::ModuleHolder<FlippedQuanv3x3Impl>::ModuleHolder;
};

class DataReUploadingLinearImpl : public ::torch::nn::Module {
 public:
  DataReUploadingLinearImpl(std::int64_t in_dim, std::int64_t out_dim, int qubits, int reps, const Json& c)
      : in_(in_dim), out_(out_dim), qubits_(qubits) {
    const std::int64_t dim = std::int64_t{1} << (2 * qubits);
    TANGLE_CHECK(in_dim <= dim, "creep: ", in_dim, " features do not fit a ", std::int64_t{1} << qubits, "x",
                 std::int64_t{1} << qubits, " Hamiltonian");
    TANGLE_CHECK(out_dim <= (std::int64_t{1} << qubits), "creep: ", out_dim, " outputs need more than ", qubits,
                 " qubits");
    Circuit circuit(qubits);
    const ParamBlock x = circuit.inputs(dim);
    const std::vector<int> wires = iota_wires(qubits);
    for (int q = 0; q < qubits; ++q) circuit.h(q);
    for (int r = 0; r < reps; ++r) {
      circuit.evolution(x, Expr(-0.2), wires);  // exp(-i t H / 2) with t = -1/5: exp(i H / 10)
      circuit.special_unitary(wires, WeightInit::normal(0.0, 1.0));
    }
    quantum_ = register_module("quantum", tangle::torch::QuantumLayer(std::move(circuit),
                                                                        std::vector<Readout>{Readout::probs(wires)},
                                                                        layer_options(c, 7)));
    bias_ = register_parameter("bias", ::torch::randn({out_}));
  }

  ::torch::Tensor forward(const ::torch::Tensor& x) {
    const std::int64_t dim = std::int64_t{1} << (2 * qubits_);
    const ::torch::Tensor padded = ::torch::constant_pad_nd(x, {0, dim - in_}, 0.0);
    return quantum_(padded).narrow(1, 0, out_) + bias_.to(x.scalar_type());
  }

  const tangle::torch::QuantumLayerImpl& quantum() const { return *quantum_; }

 private:
  std::int64_t in_, out_;
  int qubits_;
  tangle::torch::QuantumLayer quantum_{nullptr};
  ::torch::Tensor bias_;
};
class DataReUploadingLinear : public ::torch::nn::ModuleHolder<DataReUploadingLinearImpl> {
 public:
  using ::torch::nn::ModuleHolder<DataReUploadingLinearImpl>::ModuleHolder;
};

class Creep : public Model {
 public:
  Creep(const Json& c, const DataShape& shape) : level_(c.at("level").get<int>()) {
    TANGLE_CHECK(level_ >= 0 && level_ <= 2, "creep: level ", level_, " is not 0, 1 or 2");
    const auto& s = shape.sample_shape;
    TANGLE_CHECK(s.size() == 2 || s.size() == 3, "creep expects images, got samples of ", s.size(), " dimensions");
    channels_ = s.size() == 3 ? s[0] : 1;
    const std::int64_t h = s[s.size() - 2], w = s[s.size() - 1];
    const std::int64_t c1 = c.value("channels1", 32), c2 = c.value("channels2", 16);
    TANGLE_CHECK(c1 >= 1 && c2 >= 1, "creep: channels1 (", c1, ") and channels2 (", c2, ") must be at least 1");
    TANGLE_CHECK(level_ < 2 || (c.value("reps", 10) >= 1 && c.value("qubits", 7) >= 1), "creep: reps (",
                 c.value("reps", 10), ") and qubits (", c.value("qubits", 7), ") must be at least 1");
    const std::int64_t features = c2 * (h - 4) * (w - 4);
    if (level_ == 0) {
      conv1_ = register_module("conv1", ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(channels_, c1, 3)));
      conv2_ = register_module("conv2", ::torch::nn::Conv2d(::torch::nn::Conv2dOptions(c1, c2, 3)));
    } else {
      qconv1_ = register_module("conv1", FlippedQuanv3x3(channels_, c1, c, 1));
      qconv2_ = register_module("conv2", FlippedQuanv3x3(c1, c2, c, 2));
    }
    if (level_ < 2) {
      linear_ = register_module("linear", ::torch::nn::Linear(features, shape.n_classes));
    } else {
      qlinear_ = register_module("linear", DataReUploadingLinear(features, shape.n_classes, c.value("qubits", 7),
                                                                 c.value("reps", 10), c));
    }
  }

  ::torch::Tensor forward(const ::torch::Tensor& input) override {
    ::torch::Tensor x = input.dim() == 3 ? input.unsqueeze(1) : input;
    x = level_ == 0 ? conv2_(conv1_(x)) : qconv2_(qconv1_(x));
    x = x.flatten(1);
    return level_ < 2 ? linear_(x) : qlinear_(x);
  }

  std::string draw() const override {
    if (level_ == 0) return "level 0: classical only (no quantum circuit)\n";
    std::string out = draw_layer("FlippedQuanv3x3 channel state (one per channel pair, generators as inputs):",
                                 qconv1_->states());
    if (level_ == 2) out += draw_layer("DataReUploadingLinear:", qlinear_->quantum());
    return out;
  }

 private:
  int level_;
  std::int64_t channels_ = 1;
  ::torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  FlippedQuanv3x3 qconv1_{nullptr}, qconv2_{nullptr};
  ::torch::nn::Linear linear_{nullptr};
  DataReUploadingLinear qlinear_{nullptr};
};

}  // namespace

ModelSpec creep_spec() {
  ModelSpec s;
  s.name = "creep";
  s.model_keys = {"level", "qubits", "reps", "channels1", "channels2"};
  s.summary = "Quantum layers swapped into a conv-conv-linear net: level 0 classical, 1 flipped quanvolution, "
              "2 also a 7-qubit re-uploading linear layer (--set model.level=N)";
  s.paper = "Wang, Myers, Hollenberg, Parampalli, \"Let the Quantum Creep In: Designing Quantum Neural Network "
            "Models by Gradually Swapping Out Classical Components\", arXiv:2409.17583 (2024)";
  s.defaults = [](DataKind kind) {
    Json d;
    d["model"] = {{"level", 2}, {"channels1", 32}, {"channels2", 16}, {"qubits", 7}, {"reps", 10}};
    // The paper: Pad(2) -> 32x32, Normalize(0.5, 0.5); the digits stay 8x8.
    d["preprocess"] = Json::array({{{"op", "scale"}, {"divisor", kind == DataKind::Mnist ? 255.0 : 16.0}},
                                   {{"op", "normalize"}, {"mean", 0.5}, {"std", 0.5}}});
    if (kind == DataKind::Mnist) d["preprocess"].push_back({{"op", "pad"}, {"amount", 2}});
    Json t = default_train_config();
    // The paper: Adam, cross-entropy, batch 200, 50 epochs, complex64.
    t["lr"] = 1e-3;
    t["lr_decay"] = 1.0;
    t["clip"] = 0.0;
    t["batch"] = 200;
    t["epochs"] = kind == DataKind::Mnist ? 10 : 30;
    t["precision"] = "f32";
    d["train"] = t;
    return d;
  };
  s.build = [](const Json& c, const DataShape& shape) -> std::shared_ptr<Model> { return std::make_shared<Creep>(c, shape); };
  s.paper_numbers = {{"MNIST, level 0 (classical)", 92.30, "final-epoch test accuracy, mean of 5 (repo JSON)"},
                     {"MNIST, level 1 (flipped quanvolution)", 92.34, ""},
                     {"MNIST, level 2 (full quantum)", 96.92, ""}};
  return s;
}

}  // namespace tangle::models
