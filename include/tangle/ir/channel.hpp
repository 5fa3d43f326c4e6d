/// @file
/// Quantum channels (noise) as circuit operations: their strengths, checks and superoperators.
///
/// Conventions (PennyLane's, which QML users know), strengths in the order the gate takes them:
///  - Depolarizing(p):          rho -> (1-p) rho + p/3 (X rho X + Y rho Y + Z rho Z)
///  - TwoQubitDepolarizing(p):  rho -> (1-p) rho + p/15 sum over the 15 non-identity P of P rho P
///  - BitFlip(p), PhaseFlip(p): rho -> (1-p) rho + p X rho X   (Z rho Z)
///  - PauliChannel(px, py, pz): rho -> (1-px-py-pz) rho + px X rho X + py Y rho Y + pz Z rho Z
///  - AmplitudeDamping(g):      K0 = [[1,0],[0,sqrt(1-g)]], K1 = [[0,sqrt(g)],[0,0]]
///  - GeneralizedAmplitudeDamping(g, p): sqrt(p) K_AD(g) and sqrt(1-p) times the damping to |1>:
///      K2 = sqrt(1-p) [[sqrt(1-g),0],[0,1]], K3 = sqrt(1-p) [[0,0],[sqrt(g),0]]
///  - PhaseDamping(g):          K0 = [[1,0],[0,sqrt(1-g)]], K1 = [[0,0],[0,sqrt(g)]]
///  - ThermalRelaxation(t1, t2, t_gate): relaxation to |0> over t_gate: the |1> population decays
///      by exp(-t_gate/t1), coherences by exp(-t_gate/t2); needs t1 > 0, 0 < t2 <= 2 t1, t_gate >= 0
///  - Reset:                    K0 = |0><0|, K1 = |0><1|
///  - Kraus(K_1..K_m):          rho -> sum_i K_i rho K_i^dagger, checked: sum_i K_i^dagger K_i = I
///
/// A channel on k wires acts on vec(rho) (row-major, so entry (r, c) is r * 2^k + c) as the
/// superoperator S = sum_i K_i (x) conj(K_i), a 4^k x 4^k matrix whose local index is the row
/// bits of the wires (first wire most significant) followed by their column bits.
#pragma once

#include <vector>

#include "tangle/core/types.hpp"
#include "tangle/ir/gate.hpp"

namespace tangle {

/// True for the gates of the Channel family (noise: not unitary).
bool is_channel(Gate g);

/// Throws ValueError naming the channel and the bad value when `strengths` (as many as the
/// gate takes) are outside the channel's domain: probabilities outside [0, 1], px + py + pz > 1,
/// T2 > 2 T1, a non-positive T1 or T2, a negative gate time, a non-finite value.
void check_channel_strengths(Gate g, const double* strengths);

/// max |sum_i K_i^dagger K_i - I| of Kraus matrices (each 2^k x 2^k, row-major, concatenated).
double kraus_completeness_error(const std::vector<cdouble>& kraus, int k);

/// The superoperator S (4^k x 4^k, row-major) of a channel with these strengths; `kraus` holds
/// the matrices of a Kraus channel (concatenated) and is ignored by the others. When `derivatives`
/// is not null it receives dS/ds_j for each strength j, one 4^k x 4^k block after the other.
/// The strengths must have passed check_channel_strengths.
void channel_superoperator(Gate g, const double* strengths, const std::vector<cdouble>& kraus, int k,
                           cdouble* superop, cdouble* derivatives = nullptr);

/// The Kraus operators of a channel (each 2^k x 2^k row-major, concatenated), in the form the
/// trajectories backend draws them from: for the Pauli mixtures below sqrt(prob_j) P_j, whose
/// probabilities do not depend on the state; thermal relaxation as amplitude damping by
/// 1 - exp(-t_gate/t1) then the dephasing that brings coherences to exp(-t_gate/t2); the others
/// as above. When `derivatives` is not null it receives dK_i/ds_j: [strength][operator][matrix]
/// (0 where a derivative is infinite, at a branch of probability 0).
std::vector<cdouble> channel_kraus(Gate g, const double* strengths, const std::vector<cdouble>& kraus, int k,
                                   std::vector<cdouble>* derivatives = nullptr);

/// A channel that is a mixture of Pauli words: rho -> sum_j prob_j P_j rho P_j. `words` holds
/// one Pauli word per branch (base-4 digits I=0 X=1 Y=2 Z=3, first wire most significant).
struct PauliMixture {
  std::vector<unsigned> words;  ///< one Pauli word per branch, the identity first
  std::vector<double> probs;    ///< probability of each branch (clamped at 0, sum 1)
  /// d prob_j / d strength_s, [n_strengths][n_branches].
  std::vector<double> dprobs;
};

/// True for the channels that are Pauli mixtures for every strength: the depolarizing, flip and
/// Pauli channels and phase damping (a phase flip of p = (1 - sqrt(1 - g)) / 2).
bool is_pauli_mixture(Gate g);
/// The branches of a Pauli-mixture channel (is_pauli_mixture) with these strengths, already
/// checked; ValueError for any other gate. For phase damping dprobs is infinite at g = 1.
PauliMixture pauli_mixture(Gate g, const double* strengths);

}  // namespace tangle
