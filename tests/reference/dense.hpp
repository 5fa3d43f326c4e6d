// An independent dense oracle for the simulator, built on Eigen and the public IR headers only.
//
// Every op becomes its 2^k x 2^k matrix, written here from the mathematical definitions in
// tangle/ir/gate.hpp (never from src/), and acts on a plain state vector. Two ways to apply a
// matrix exist: the literal Kronecker expansion to 2^n x 2^n (`expand`), and a direct index form
// (`apply`) that is cheap enough for 10 qubits; the oracle's own tests check that they agree.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle::ref {

using Mat = Eigen::MatrixXcd;
using Vec = Eigen::VectorXcd;

// ---------------------------------------------------------------------------------------------
// Building blocks

Mat pauli(Pauli p);
/// P_0 (x) P_1 (x) ...: the first letter acts on the most significant bit.
Mat pauli_word(const std::vector<Pauli>& word);
/// The 4^k - 1 non-identity words on k qubits, in itertools.product("IXYZ", repeat=k) order.
std::vector<std::vector<Pauli>> pauli_words(int k);
Mat kron(const Mat& a, const Mat& b);
/// 2^k x 2^k identity.
Mat identity(int k);
/// The matrix on (controls, targets): `u` on the targets when every control is 1, else identity.
Mat controlled(const Mat& u, int n_controls);
/// Full 2^n x 2^n matrix of `local` acting on `wires` (wires[0] = most significant local bit):
/// local (x) I on the order (wires, remaining wires ascending), then permuted to the standard order.
Mat expand(const Mat& local, const std::vector<int>& wires, int n);
/// exp(a) by Eigen's Pade scaling-and-squaring (not an eigen-decomposition, unlike the simulator).
Mat expm(const Mat& a);
/// exp(-i theta P / 2) = cos(theta/2) I - i sin(theta/2) P.
Mat pauli_rotation(const std::vector<Pauli>& word, double theta);
/// exp(i sum_k omega_k P_k) over pauli_words(k).
Mat special_unitary(const double* omega, int k);
/// exp(-i t H / 2), H = (M + M^T) / 2, M the 4^k values of `m` row-major.
Mat evolution(const double* m, int k, double t);
/// Row-major conversions for the API's std::vector<cdouble> matrices.
Mat from_row_major(const std::vector<cdouble>& v, int dim);
std::vector<cdouble> to_row_major(const Mat& m);

/// max |U^dagger U - I| and max |H - H^dagger|.
double unitarity_error(const Mat& u);
double hermiticity_error(const Mat& h);

// ---------------------------------------------------------------------------------------------
// Ops

/// The matrix of `op` on its wires (controls included), for weights `w` and one sample's inputs `x`.
/// Not defined for AmplitudeEmbedding / StatePreparation (see prepared_state).
Mat op_matrix(const Op& op, const double* w, const double* x);
/// The n-qubit state a StatePreparation / AmplitudeEmbedding op produces (other wires |0>).
Vec prepared_state(const Op& op, int n, const double* x);

// ---------------------------------------------------------------------------------------------
// Simulation and readouts

/// `local` applied to `wires` of psi by the direct index formula (no 2^n x 2^n matrix).
Vec apply(const Mat& local, const std::vector<int>& wires, const Vec& psi, int n);

enum class Mode { Auto, Kronecker, Direct };
/// Final state of one sample. Auto uses the Kronecker expansion up to 5 qubits, then `apply`.
Vec simulate(const Circuit& c, const double* x, const double* w, Mode mode = Mode::Auto);

/// Outputs of one readout for one final state.
std::vector<double> readout(const Readout& r, const Vec& psi, int n);
/// <psi|H|psi> for a Pauli sum, and the 2^n x 2^n matrix of a Pauli sum.
double expval(const PauliSum& h, const Vec& psi, int n);
Mat pauli_sum_matrix(const PauliSum& h, int n);

/// Batched forms, with the API's layouts: outputs [batch, n_outputs], states [batch, 2^n].
std::vector<double> forward(const Circuit& c, const std::vector<Readout>& readouts, const std::vector<double>& inputs,
                            index_t batch, const std::vector<double>& weights);
std::vector<cdouble> states(const Circuit& c, const std::vector<double>& inputs, index_t batch,
                            const std::vector<double>& weights);
index_t n_outputs(const std::vector<Readout>& readouts);

// ---------------------------------------------------------------------------------------------
// Derivatives by finite differences of the oracle

struct Jacobian {
  std::vector<double> outputs;    // [batch, n_outputs]
  std::vector<double> d_weights;  // [batch, n_outputs, n_weights]
  std::vector<double> d_inputs;   // [batch, n_outputs, n_inputs]
};

/// Eighth-order central differences: error ~ h^8 |f^(9)| / 630 + eps |f| / h. With h = 2e-3 both
/// terms stay near 1e-12 for the tests' angle scales, and amplitude-embedded features of norm down to
/// about 0.1 (whose derivatives grow like 1/norm^9) still leave it below 1e-10.
Jacobian fd_jacobian(const Circuit& c, const std::vector<Readout>& readouts, const std::vector<double>& inputs,
                     index_t batch, const std::vector<double>& weights, double h = 2e-3);

/// The VJP a Jacobian implies: d_weights summed over the batch, d_inputs per sample.
struct Vjp {
  std::vector<double> d_weights;
  std::vector<double> d_inputs;
};
Vjp contract(const Jacobian& j, const std::vector<double>& cotangent, index_t batch, index_t n_outputs,
             index_t n_weights, index_t n_inputs);

/// The derivative of a scalar function by the same eighth-order stencil.
template <typename F>
double fd_derivative(F&& f, double h = 2e-3) {
  static constexpr double kCoef[4] = {4.0 / 5.0, -1.0 / 5.0, 4.0 / 105.0, -1.0 / 280.0};
  double d = 0.0;
  for (int k = 0; k < 4; ++k) d += kCoef[k] * (f((k + 1) * h) - f(-(k + 1) * h));
  return d / h;
}

}  // namespace tangle::ref
