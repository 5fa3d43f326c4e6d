// A first circuit: two inputs and three weights, a batch of four samples, the expectation of
// Z0 Z1 and its exact gradient by the adjoint method, checked against central differences.
#include <cstdio>
#include <vector>

#include <tangle/diff/adjoint.hpp>
#include <tangle/io/draw.hpp>
#include <tangle/sim/program.hpp>

int main() {
  tangle::Circuit c(2);
  const tangle::ParamBlock x = c.inputs(2);   // per sample
  const tangle::ParamBlock w = c.weights(3);  // shared by the batch, trained
  c.ry(x[0], 0).ry(x[1], 1).cnot(0, 1).rx(w[0], 0).rz(w[1], 1).cnot(1, 0).ry(w[2], 1);
  const std::vector<tangle::Readout> readouts = {tangle::Readout::expval(tangle::pauli_z(0) * tangle::pauli_z(1))};
  std::printf("%s\n", tangle::draw(c, readouts).c_str());

  const tangle::Program program(c, readouts);
  const tangle::index_t batch = 4;
  const std::vector<double> inputs = {0.1, 0.2, 0.7, -0.3, 1.4, 0.5, -2.0, 0.9};  // [batch, 2]
  const std::vector<double> weights = {0.3, -0.8, 1.1};

  // One forward pass gives every sample's output; one adjoint pass the gradient of their sum.
  const std::vector<double> cotangent(batch, 1.0);
  const tangle::VjpResult g = tangle::vjp(program, inputs, batch, weights, cotangent);
  for (tangle::index_t b = 0; b < batch; ++b) std::printf("sample %lld: <Z0 Z1> = %+.6f\n", (long long)b, g.outputs[b]);

  // The same derivatives by central differences of the forward pass.
  double worst = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double h = 1e-6;
    std::vector<double> plus = weights, minus = weights;
    plus[k] += h;
    minus[k] -= h;
    const std::vector<double> fp = tangle::forward(program, inputs, batch, plus);
    const std::vector<double> fm = tangle::forward(program, inputs, batch, minus);
    double fd = 0.0;
    for (tangle::index_t b = 0; b < batch; ++b) fd += (fp[b] - fm[b]) / (2 * h);
    std::printf("d/dw%zu: adjoint %+.8f  finite differences %+.8f\n", k, g.d_weights[k], fd);
    worst = std::max(worst, std::abs(fd - g.d_weights[k]));
  }
  if (worst > 1e-6) {
    std::printf("adjoint and finite differences disagree by %.2e\n", worst);
    return 1;
  }
  return 0;
}
