// The variational quantum eigensolver on H2 (STO-3G, 4 qubits, 0.74 A): an EfficientSU2 ansatz,
// Adam on exact adjoint gradients, against the exact ground energy.
//   vqe_h2 [ITERATIONS]
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <tangle/algo/hamiltonian.hpp>
#include <tangle/algo/vqe.hpp>

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 300;
  const tangle::PauliSum h = tangle::algo::h2_sto3g();
  const tangle::Circuit ansatz = tangle::algo::vqe_ansatz("efficient-su2", 4, 3);

  tangle::algo::VqeOptions o;
  o.optimizer.method = "adam";  // or cobyla, nelder-mead, bobyqa, powell, spsa, aqgd, qng, gd
  o.optimizer.max_iterations = iterations;
  const tangle::algo::VqeResult r = tangle::algo::vqe(ansatz, h, ansatz.initial_weights(3), o,
                                                      [](int it, double e, long long) {
                                                        if (it % 50 == 0) std::printf("iteration %4d  E = %.6f Ha\n", it, e);
                                                        return true;  // false stops early
                                                      });
  const double exact = tangle::algo::ground_energy(h, 4);
  std::printf("VQE %.6f Ha, exact %.6f Ha, error %.2e Ha after %lld circuits\n", r.energy, exact,
              r.energy - exact, r.circuit_executions);
  // Hartree-Fock is -1.1168 Ha: anything below it found correlation energy.
  return r.energy < -1.1168 ? 0 : 1;
}
