/// @file
/// Hamiltonians for variational algorithms: Pauli sums from text, the standard spin models, the
/// H2 molecule, and exact ground energies to measure a variational result against.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tangle/ir/observable.hpp"

namespace tangle::algo {

/// A Pauli sum from text: terms separated by '+' or '-' (or newlines), each an optional real
/// coefficient and Pauli factors such as `Z0`, `X12` (letter, then wire), separated by spaces or
/// '*': "0.5 Z0 Z1 + 0.3 X0 - 1.2", "-1.5e-2 * X0 * Y1". A term without factors is a constant;
/// '#' starts a comment that runs to the end of the line. ValueError naming the line, column and
/// text of anything else (an unknown letter, a wire repeated within a term, a missing operator).
PauliSum parse_pauli_sum(std::string_view text);

/// The same from a file (RuntimeError when it cannot be read; ValueError naming the file, line
/// and column of a malformed term).
PauliSum read_pauli_sum(const std::string& path);

/// Transverse-field Ising chain: -J sum Z_i Z_{i+1} - h sum X_i (periodic: the bond n-1, 0 too).
PauliSum transverse_field_ising(int n_qubits, double j = 1.0, double h = 1.0, bool periodic = false);

/// Heisenberg XXZ chain: J sum (X_i X_{i+1} + Y_i Y_{i+1} + delta Z_i Z_{i+1}) (+ periodic bond).
PauliSum heisenberg_xxz(int n_qubits, double j = 1.0, double delta = 1.0, bool periodic = false);

/// Z_0 Z_1 ... Z_{n-1} (ground energy -1): the observable of the NN-ZNE VQE experiments.
PauliSum z_string(int n_qubits);

/// H2 in the STO-3G basis at bond length `bond_angstrom`, Jordan-Wigner on 4 spin orbitals
/// (wires 0, 1: the bonding orbital's up and down spins; 2, 3: the antibonding one's), the
/// nuclear repulsion in the constant term: 15 terms. At 0.74 A they are the widely published
/// ones (constant -0.0970663, Z0 0.1714128, ..., XXYY -0.0453026; FCI energy -1.1372838 Ha),
/// which many sources label 0.7414 A (at 0.7414 A: constant -0.0988640, FCI -1.1372702 Ha).
/// The integrals are computed here (contracted Gaussians, closed forms for s functions).
PauliSum h2_sto3g(double bond_angstrom = 0.74);

/// A named model: "tfim", "xxz", "h2", "zstring"; ValueError listing the names otherwise.
PauliSum builtin_hamiltonian(const std::string& name, int n_qubits, double bond_angstrom = 0.74);
/// The names builtin_hamiltonian() accepts: tfim, xxz, h2, zstring.
std::vector<std::string> builtin_hamiltonian_names();

/// The smallest eigenvalue of `h` on n_qubits (>= h.max_wire() + 1, <= 24): dense for up to 10
/// qubits, Lanczos (Spectra) on the operator applied term by term beyond.
double ground_energy(const PauliSum& h, int n_qubits);

}  // namespace tangle::algo
