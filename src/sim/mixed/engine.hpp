// The engine both mixed-state backends run on: a program's steps (steps.hpp) applied to tiles of
// states with the state-vector kernels, forward, and backward by the adjoint method.
//
// Rows are what the lanes hold: samples (density matrix) or trajectories of samples
// (trajectories, `rows_per_sample` of them per sample). A step's matrix may differ per row.
//
// Backward. The adjoint pass needs, at every step with parameters, the state before the step and
// the cotangent after it. The cotangent goes back through the adjoint maps (M^dagger); the state
// is un-applied (M^-1), which is exact for unitaries but amplifies rounding errors by the
// condition number of a channel, and impossible for singular ones (reset, a drawn decay). So the
// forward pass keeps, per tile, a copy of the state before each step where the product of the
// condition numbers since the last copy would exceed a bound (kMaxAmplification), or where the
// step is singular, and the backward pass restores those copies instead of un-applying. When
// more copies are asked for than the memory budget holds, the state is recomputed from the last
// copy before it (or from the initial state).
//
// Gradients of a block: with T = sum over the other bits of state_before (x) conj(lambda_after)
// on the block's bits, d/dp = f Re tr(dM/dp T), f = 2 for pure states (<psi|O|psi>) and 1 for
// density matrices (Tr(O rho) is linear); dM/dp = P_after dS_o/dp P_before for the op o holding p.
//
// Determinism: tiles are cut into a fixed number of segments, each run by one thread in order,
// and weight gradients are summed per segment, then in segment order; results do not depend on
// the number of threads.
#pragma once

#include <memory>
#include <vector>

#include "kernels/kernels.hpp"
#include "sim/executor.hpp"
#include "sim/readout/quadratic.hpp"
#include "sim/tile/tile_ops.hpp"
#include "steps.hpp"
#include "linear_readouts.hpp"

namespace tangle::detail::mixed {

struct EngineRequest {
  const double* inputs = nullptr;   // [samples, n_inputs]: row r reads sample r / rows_per_sample
  const double* weights = nullptr;  // [n_weights]
  index_t rows = 0;
  index_t rows_per_sample = 1;
  const double* cotangent = nullptr;  // [rows, n_outputs]; when set, the adjoint pass runs
  bool per_sample_weights = false;    // d_weights is [rows, n_weights] instead of [n_weights]
  double* outputs = nullptr;          // [rows, n_outputs]
  double* d_weights = nullptr;        // added to
  double* d_inputs = nullptr;         // [rows, n_inputs], added to
  cdouble* density = nullptr;         // doubled: [rows, 2^n, 2^n]
  std::uint64_t seed = 0;             // pure: channels drawn by (seed, sample, trajectory, op)
  index_t first_sample = 0;           // the request's first sample in the whole batch (for the draws)
};

template <typename Real>
class Engine {
 public:
  static constexpr int L = kernels::kLanes<Real>;
  // The largest growth of rounding errors the backward pass allows between two restored copies.
  static constexpr double kMaxAmplification = sizeof(Real) == 4 ? 4.0 : 1e4;

  Engine(const LoweredProgram& prog, Space space, const RunOptions& options, const EngineRequest& req);
  ~Engine();

  /// Plans the steps' matrices (with the request's weights) and runs every tile.
  void run();
  /// Bytes a run allocates (states, copies, reductions); needs no plans.
  std::uint64_t memory_bytes() const;
  /// The geometry of a space's tiles for `rows` rows (exposed for estimates and tests).
  static Geometry geometry(int n_qubits, Space space, index_t rows);

 private:
  struct StepPlan;
  struct TileStep;
  struct Workspace;

  // Per call (engine_plan.cpp)
  void plan_step(size_t s);
  double eval(const Expr& e, const double* x) const { return e.eval<double>(req_.weights, x); }
  const double* row_inputs(index_t row) const { return req_.inputs + (row / req_.rows_per_sample) * prog_.n_inputs; }
  index_t row_of(index_t tile, int slot) const { return geo_.row(tile, slot); }
  // The op's matrix on the block's bits for row inputs `x` (a drawn channel: branch `draw` of
  // probability `prob`), and when `ders` is set its derivatives in the op's parameters (angle,
  // or each strength).
  MatrixC block_op_matrix(const Step& step, size_t k, const double* x, int draw, double prob,
                          std::vector<MatrixC>* ders) const;
  MatrixC dense_unitary(const LoweredOp& op, const double* x, HermitianExp* keep) const;
  template <typename Angle>
  void fill_rotation(const StepPlan& p, Angle&& theta, Real* out) const;

  // Per tile (engine_plan.cpp)
  void prepare_tile(index_t tile, Workspace& w);
  void draw_independent(size_t s, index_t tile, Workspace& w);
  void draw_from_state(size_t s, index_t tile, const Real* psi, Workspace& w);
  void build_block(size_t s, index_t tile, Workspace& w);
  const tile::MatrixPlan<Real>& block_plan(size_t s, Workspace& w, int which);  // 0 fwd, 1 inverse, 2 adjoint
  double step_condition(size_t s, const Workspace& w) const;

  // Applying steps (engine_run.cpp)
  void init_state(index_t tile, Real* psi, Workspace& w);
  void apply_step(size_t s, index_t tile, Real* t, Workspace& w, int which);
  void apply_rotation(size_t s, Real* t, Workspace& w, bool inverse, bool rows, bool cols);
  void apply_dense(size_t s, Real* t, Workspace& w, bool inverse, bool rows, bool cols);
  void process_tile(index_t tile, Workspace& w, std::vector<double>& dw);
  void backward_step(size_t s, index_t tile, Real* psi, Real* lam, Workspace& w, std::vector<double>& dw);
  void restore_state(size_t s, index_t tile, Real* psi, Workspace& w);

  // Gradients (engine_grad.cpp)
  void block_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w, std::vector<double>& dw);
  void rotation_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w, std::vector<double>& dw);
  void dense_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w, std::vector<double>& dw);
  void embedding_gradient(index_t tile, const Real* lam, Workspace& w);
  void chain(const Expr& e, double g, index_t row, std::vector<double>& dw);
  void control_variates(index_t tile, Workspace& w, std::vector<double>& dw);

  const LoweredProgram& prog_;
  Space space_;
  const RunOptions& opts_;
  const EngineRequest& req_;
  const kernels::KernelTable<Real>& kt_;
  Geometry geo_;
  int n_ = 0;              // qubits
  int threads_ = 1, workers_ = 1, inner_ = 1;
  bool backward_ = false;
  bool prep_ = false;      // op 0 prepares the state
  std::size_t capacity_ = 0;  // saved copies per worker
  std::vector<Step> steps_;
  std::vector<std::unique_ptr<StepPlan>> plans_;
  std::unique_ptr<readout::QuadraticReadouts<Real>> quadratic_;  // pure
  std::unique_ptr<LinearReadouts> linear_;                       // doubled
};

}  // namespace tangle::detail::mixed
