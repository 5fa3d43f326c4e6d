// A hybrid classifier in LibTorch: Linear -> QuantumLayer -> Linear, trained with a torch
// optimizer on two interleaved spirals (generated here, so the example needs no files).
//   hybrid_classifier [EPOCHS]
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <tangle/ir/templates.hpp>
#include <tangle/torch/quantum_layer.hpp>

namespace {

// Two spirals of n points each; label 0 or 1.
std::pair<torch::Tensor, torch::Tensor> spirals(int n, std::uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor t = torch::rand({n}) * 3.0 + 0.5;
  const torch::Tensor noise = torch::randn({2 * n, 2}) * 0.15;
  const torch::Tensor a = torch::stack({t * torch::cos(t * 2.0), t * torch::sin(t * 2.0)}, 1);
  const torch::Tensor x = torch::cat({a, -a}) + noise;
  const torch::Tensor y = torch::cat({torch::zeros({n}, torch::kLong), torch::ones({n}, torch::kLong)});
  return {x, y};
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 60;
  // A 4-qubit circuit: angle embedding of 4 features, then 3 strongly entangling layers.
  tangle::Circuit c(4);
  const tangle::ParamBlock x = c.inputs(4);
  tangle::angle_embedding(c, tangle::exprs(x), {0, 1, 2, 3}, tangle::Pauli::Y);
  tangle::strongly_entangling_layers(c, c.weights({3, 4, 3}), {0, 1, 2, 3});
  std::vector<tangle::Readout> z;
  for (int q = 0; q < 4; ++q) z.push_back(tangle::Readout::expval(tangle::pauli_z(q)));

  // The quantum layer is an ordinary module: it sits in a Sequential and trains with Adam.
  torch::nn::Sequential net(torch::nn::Linear(2, 4), torch::nn::Tanh(), tangle::torch::QuantumLayer(c, z),
                            torch::nn::Linear(4, 2));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(0.03));

  auto [train_x, train_y] = spirals(100, 1);
  auto [test_x, test_y] = spirals(100, 2);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    opt.zero_grad();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(train_x), train_y);
    loss.backward();  // the quantum layer's backward is the batched adjoint method
    opt.step();
    if (epoch % 10 == 0 || epoch == epochs) std::printf("epoch %3d  loss %.4f\n", epoch, loss.item<double>());
  }
  torch::NoGradGuard no_grad;
  const double accuracy = net->forward(test_x).argmax(1).eq(test_y).to(torch::kDouble).mean().item<double>();
  std::printf("test accuracy %.1f %%\n", 100.0 * accuracy);
  return 0;
}
