/// @file
/// DARUAN: the one-qubit data re-uploading activation of a QKAN layer (Jiang, Huang, Chen, Goan,
/// "Quantum Variational Activation Functions Empower Kolmogorov-Arnold Networks", arXiv 2509.14026),
/// evaluated for every (sample, edge) of a layer in one call, with its exact gradient.
///
/// Edge (j, i) of a layer with n_in inputs and n_out outputs maps input x_i to
/// @verbatim
///   phi_ji(x) = <+| U^dagger Z U |+>,   U = RY(t_r1) RZ(t_r0) RZ(w_(r-1) x + b_(r-1)) ... RY(t_11) RZ(t_10)
///                                            RZ(w_0 x + b_0) RY(t_01) RZ(t_00),
/// @endverbatim
/// that is |+>, then RZ(t_l0) RY(t_l1) for l = 0..reps, with the encoding RZ(w_l x + b_l) between
/// repetitions l and l + 1 (the authors' "pz_encoding"); R_P(a) = exp(-i a P / 2). The layer's
/// output is y_bj = sum_i coef_ji phi_ji(x_bi).
///
/// Cost: per (sample, edge), `reps` sines and cosines and 12 flops per repetition forward; the
/// backward pass recomputes the forward and costs about twice as much again. No per-edge
/// intermediate is stored: memory is O(batch (n_in + n_out) + edges reps).
#pragma once

#include "tangle/core/types.hpp"

namespace tangle {

/// The sizes of one DARUAN call.
struct DaruanShape {
  index_t batch = 0;  ///< samples
  index_t n_in = 0;   ///< input features of the layer
  index_t n_out = 0;  ///< outputs of the layer (edges: n_out * n_in)
  int reps = 0;       ///< re-uploading repetitions per edge, 1 .. daruan_max_reps()
};

/// Largest number of repetitions (re-uploading blocks) per edge.
int daruan_max_reps();

/// Per-edge parameters, row-major over (j, i) then the trailing axes.
template <typename Real>
struct DaruanParams {
  const Real* theta = nullptr;  ///< [n_out][n_in][reps + 1][2]: t_l0 (RZ), t_l1 (RY)
  const Real* pre_w = nullptr;  ///< [n_out][n_in][reps]: w_l
  const Real* pre_b = nullptr;  ///< [n_out][n_in][reps]: b_l
  const Real* coef = nullptr;   ///< [n_out][n_in]: the output weights coef_ji
};

/// Their gradients (same shapes), written.
template <typename Real>
struct DaruanGrads {
  Real* theta = nullptr;  ///< dL/dtheta, [n_out][n_in][reps + 1][2]
  Real* pre_w = nullptr;  ///< dL/dpre_w, [n_out][n_in][reps]
  Real* pre_b = nullptr;  ///< dL/dpre_b, [n_out][n_in][reps]
  Real* coef = nullptr;   ///< dL/dcoef, [n_out][n_in]
};

/// y [batch][n_out] = sum_i coef_ji phi_ji(x [batch][n_in]). Throws ValueError for an empty
/// shape, reps outside [1, daruan_max_reps()], or a non-finite input or parameter (naming it).
/// `threads` = 0 uses every core; results do not depend on it.
template <typename Real>
void daruan_forward(const DaruanShape& shape, const Real* x, const DaruanParams<Real>& params, Real* y,
                    int threads = 0);

/// The vector-Jacobian product of daruan_forward for the cotangent g [batch][n_out]: dx
/// [batch][n_in] (skipped when nullptr) and every parameter's gradient summed over the batch.
template <typename Real>
void daruan_backward(const DaruanShape& shape, const Real* x, const DaruanParams<Real>& params, const Real* g,
                     Real* dx, const DaruanGrads<Real>& grads, int threads = 0);

/// The flops the kernels spend per (sample, edge) and repetition in daruan_forward and in
/// daruan_backward (which recomputes the forward), for the floor in `tangle bench`; a sine-cosine
/// pair counts as its polynomial's flops.
double daruan_forward_flops_per_rep(Precision p);
/// The backward pass's flops per (sample, edge) and repetition, its forward recomputation included.
double daruan_backward_flops_per_rep(Precision p);

/// The machine's vector multiply-add rate (flops/s over `threads` threads, 0 = every core) in the
/// kernels' instruction set: independent fused multiply-add chains, the best of a few short runs.
double vector_peak_flops(Precision p, int threads = 0);

}  // namespace tangle
