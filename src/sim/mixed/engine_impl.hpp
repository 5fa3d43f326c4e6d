// The engine's private parts (engine.hpp), shared by its implementation files.
#pragma once

#include "engine.hpp"

namespace tangle::detail::mixed {

// What a step needs in every call: its mapping onto the tiles and, when its matrix is the same for
// every row (its channels drawing their first branch), that matrix and its plans.
template <typename Real>
struct Engine<Real>::StepPlan {
  TargetMap tm;            // Block: its bits; Dense: the targets (row bits) and controls
  TargetMap tm_col;        // Dense, doubled: the column bits
  PauliMap pm, pm_col;     // Rotation: the row word (the word, pure), the column word (doubled)
  bool col_negate = true;  // Rotation, doubled: conj(exp(-i t P/2)) = exp(+i t P/2) unless P has odd ny
  std::vector<int> bits;   // Block: its bits in the space
  int dim = 1;             // Block: 2^|bits|

  // The block's channels, in op order.
  struct Channel {
    size_t k = 0;                   // position in step.ops
    bool row_strengths = false;     // its strengths depend on the row's inputs
    bool from_state = false;        // pure: its branch probabilities depend on the state
    std::vector<double> probs;      // pure, state-independent, row-independent: branch probabilities
    std::vector<double> kappa;      // condition numbers: of each branch (pure), of the channel (doubled)
    bool trainable = false;         // some strength has a weight or an input
  };
  std::vector<Channel> channels;
  // Per op of the block whose matrix does not depend on the row: its matrix on the block's bits
  // (one per branch for a drawn channel, unnormalized); empty for the others.
  std::vector<std::vector<MatrixC>> cached;

  // The step's matrix when the same for every row (Block: channels at branch 0; Dense: U).
  bool uniform = false;
  MatrixC m;
  HermitianExp su;          // Dense SpecialUnitary on weights
  double kappa = 1.0;       // condition number of m
  bool unitary = true;      // m^-1 = m^dagger
  tile::MatrixPlan<Real> fwd, inv, adj, fwd_col, inv_col;
  std::vector<MatrixC> op_mats;               // uniform blocks with parameters: each op's matrix
  std::vector<std::vector<MatrixC>> op_ders;  // and its derivatives
  AlignedBuffer<Real> rot;                    // Rotation: c, kappa, -kappa of the rows, then of the columns [6L]
};

// What a step holds for one tile.
template <typename Real>
struct Engine<Real>::TileStep {
  bool uniform = true;             // the tile runs the call's plans
  std::vector<MatrixC> m;          // per slot: the block's matrix, or the dense unitary
  std::vector<HermitianExp> exps;  // Dense, per slot: SpecialUnitary on inputs, Evolution
  std::vector<int> draws;          // pure: [slot][channel] the branch drawn
  std::vector<double> probs;       // pure: [slot][channel] its probability
  std::vector<double> cv;          // pure: [slot][channel][strength] d log prob / d strength
  double kappa = 1.0;              // the largest condition number over the slots
  bool unitary = true;
  tile::MatrixPlan<Real> fwd, inv, adj, fwd_col, inv_col;
  bool have_inv = false, have_adj = false;
  AlignedBuffer<Real> rot;         // Rotation: per lane, as StepPlan::rot
  bool restore = false;            // backward restores the state before it
  int saved = -1;                  // from this copy (-1: recomputed)
};

template <typename Real>
struct Engine<Real>::Workspace {
  AlignedBuffer<Real> psi, lam, copy;
  std::vector<AlignedBuffer<Real>> saved;
  std::vector<TileStep> steps;
  tile::Reducer<Real> red;
  AlignedBuffer<Real> sign, coef;
  std::vector<double> out, cot;            // [slots][n_outputs]
  std::vector<std::vector<cdouble>> amps;  // prepared amplitudes per slot (2^n each)
};

/// d[o][j] = factor Re tr(dS_oj X_o) with X_o = (S_(o-1) ... S_0) T (S_last ... S_(o+1)): the
/// derivatives of f = factor Re tr(M T), M = S_last ... S_0, in each op's parameters.
void block_derivatives(const std::vector<MatrixC>& s, const std::vector<std::vector<MatrixC>>& ds, const MatrixC& t,
                       double factor, std::vector<std::vector<double>>& d);

/// A uniform number in [0, 1) for row (sample, trajectory) and op, the same whatever the tiling.
double draw_uniform(std::uint64_t seed, index_t sample, index_t trajectory, size_t op);

}  // namespace tangle::detail::mixed
