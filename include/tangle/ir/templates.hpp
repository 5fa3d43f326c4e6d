/// @file
/// Templates: functions that append a standard sequence of ops to a circuit, with PennyLane's
/// (and, for EfficientSU2 / RealAmplitudes, Qiskit's) definitions. Feature lists are Exprs, so a
/// template can embed scaled or trainably pre-scaled inputs; a ParamBlock converts to one.
#pragma once

#include <utility>
#include <vector>

#include "tangle/ir/circuit.hpp"

namespace tangle {

/// The block's elements as Exprs, in row-major order.
std::vector<Expr> exprs(const ParamBlock& block);

/// R_rotation(features[i]) on wires[i]; rotation is X, Y or Z. At most as many features as wires.
void angle_embedding(Circuit& c, const std::vector<Expr>& features, const std::vector<int>& wires,
                     Pauli rotation = Pauli::X);

/// n_repeats x [H on every wire, RZ(x_i) on wire i, MultiRZ(x_i x_j) on each pair of `pattern`]
/// (all pairs i < j when `pattern` is empty), PennyLane's IQPEmbedding.
void iqp_embedding(Circuit& c, const std::vector<Expr>& features, const std::vector<int>& wires, int n_repeats = 1,
                   const std::vector<std::pair<int, int>>& pattern = {});

/// weights [layers, n]: per layer R_rotation(w[l][i]) on each wire, then a ring of CNOTs
/// (one CNOT for two wires, none for one).
void basic_entangler_layers(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires,
                            Pauli rotation = Pauli::X);

/// weights [layers, n, 3]: per layer Rot(w[l][i][0..2]) on each wire, then CNOT(wires[i],
/// wires[(i + r) % n]) for each i, r = ranges[l] or (l % (n - 1)) + 1 by default.
void strongly_entangling_layers(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires,
                                const std::vector<int>& ranges = {});

/// Qiskit's EfficientSU2 with reverse-linear entanglement: reps x [RY, RZ on all; CNOT(i, i+1) for
/// i = n-2 .. 0], then a final RY, RZ layer. weights: 2 n (reps + 1).
void efficient_su2(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps);

/// The RY-RZ ansatz (Qiskit Aqua's RYRZ variational form): an RY and an RZ layer on all wires,
/// then reps x [CZ between every pair of wires; RY, RZ on all]. weights: 2 n (reps + 1).
void ry_rz(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps);

/// A hardware-efficient ansatz (Kandala et al. 2017): layers x [Euler rotations RZ, RX, RZ on
/// every wire; a CNOT chain (i, i+1) between layers]. weights: 3 n layers.
void hardware_efficient(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int layers);

/// Qiskit's RealAmplitudes: reps x [RY on all; CNOT(i, i+1) for i = n-2 .. 0], final RY layer.
/// weights: n (reps + 1).
void real_amplitudes(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, int reps);

/// QAOA: weights [layers, 2] = (gamma, beta); per layer exp(-i gamma sum_(i,j) Z_i Z_j) over `edges`
/// (RZZ(2 gamma)) then exp(-i beta sum_i X_i) (RX(2 beta)). With `initial_h`, starts with H on all wires.
void qaoa_layers(Circuit& c, const ParamBlock& weights, const std::vector<std::pair<int, int>>& edges,
                 const std::vector<int>& wires, bool initial_h = true);

/// QCNN convolution (the PennyLane QCNN demo's): 15 weights shared by every pair; on pairs
/// (wires[i], wires[i+1]) with i even, then i odd: [U3(w0..2) (x) U3(w3..5) when `first_u3`, even
/// pairs only], RXX(w6), RYY(w7), RZZ(w8), U3(w9..11) (x) U3(w12..14).
void qcnn_convolution(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, bool first_u3);

/// QCNN pooling: each odd-position wire, measured in the demo, controls a U3(w0..2) on its left
/// neighbour (deferred measurement: the measured wire is never used again). Returns the kept
/// wires (even positions).
std::vector<int> qcnn_pooling(Circuit& c, const ParamBlock& weights, const std::vector<int>& wires);

}  // namespace tangle
