#include "steps.hpp"

#include <algorithm>
#include <cmath>

#include "tangle/core/error.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle::detail::mixed {

namespace {

bool uses_inputs(const LoweredOp& op) {
  switch (op.kind) {
    case LoweredOp::Kind::PauliRotation:
    case LoweredOp::Kind::Phase: return op.angle.uses_inputs();
    case LoweredOp::Kind::SpecialUnitary: return op.per_sample;
    case LoweredOp::Kind::Evolution:
    case LoweredOp::Kind::AmplitudeEmbedding: return true;
    case LoweredOp::Kind::Channel:
      return std::any_of(op.strengths.begin(), op.strengths.end(), [](const Expr& e) { return e.uses_inputs(); });
    case LoweredOp::Kind::Matrix:
    case LoweredOp::Kind::StatePreparation: return false;
  }
  return false;
}

// The Pauli word's matrix on its letters (first letter most significant).
MatrixC word_matrix(const std::vector<Pauli>& word) {
  MatrixC m = MatrixC::Identity(1, 1);
  for (Pauli p : word) {
    MatrixC l(2, 2);
    switch (p) {
      case Pauli::X: l << 0, 1, 1, 0; break;
      case Pauli::Y: l << 0, cdouble(0, -1), cdouble(0, 1), 0; break;
      case Pauli::Z: l << 1, 0, 0, -1; break;
      case Pauli::I: l << 1, 0, 0, 1; break;
    }
    MatrixC out(m.rows() * 2, m.cols() * 2);
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      for (Eigen::Index c = 0; c < m.cols(); ++c) out.block(2 * r, 2 * c, 2, 2) = m(r, c) * l;
    m = std::move(out);
  }
  return m;
}

// `u` on the targets as a matrix on controls then targets: the identity unless every control is 1.
// `derivative`: the identity part is constant, so it becomes zero.
MatrixC controlled(const MatrixC& u, int n_controls, bool derivative) {
  const Eigen::Index dt = u.rows(), d = dt << n_controls;
  MatrixC m = MatrixC::Identity(d, d);
  if (derivative) m.setZero();
  m.block(d - dt, d - dt, dt, dt) = u;
  return m;
}

}  // namespace

bool state_independent(const LoweredOp& op) {
  if (is_pauli_mixture(op.gate)) return true;
  if (op.gate != Gate::Kraus) return false;
  const size_t d = size_t{1} << op.targets.size(), dd = d * d;
  for (size_t i = 0; i < op.matrix.size() / dd; ++i) {
    const Eigen::Map<const MatrixC> k(op.matrix.data() + i * dd, static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
    const MatrixC kk = k.adjoint() * k;
    const cdouble scale = kk(0, 0);
    if ((kk - scale * MatrixC::Identity(kk.rows(), kk.cols())).cwiseAbs().maxCoeff() > 1e-12) return false;
  }
  return true;
}

std::vector<int> op_wires(const LoweredOp& op) {
  std::vector<int> w = op.controls;
  w.insert(w.end(), op.targets.begin(), op.targets.end());
  return w;
}

MatrixC op_unitary(const LoweredOp& op, double angle) {
  switch (op.kind) {
    case LoweredOp::Kind::Matrix: {
      const Eigen::Index d = Eigen::Index{1} << op.targets.size();
      return controlled(Eigen::Map<const MatrixC>(op.matrix.data(), d, d), static_cast<int>(op.controls.size()), false);
    }
    case LoweredOp::Kind::PauliRotation: {
      const MatrixC p = word_matrix(op.word);
      const MatrixC u = std::cos(0.5 * angle) * MatrixC::Identity(p.rows(), p.cols()) - cdouble(0, std::sin(0.5 * angle)) * p;
      return controlled(u, static_cast<int>(op.controls.size()), false);
    }
    case LoweredOp::Kind::Phase: {
      const Eigen::Index d = Eigen::Index{1} << op.targets.size();
      MatrixC u = MatrixC::Identity(d, d);
      u(d - 1, d - 1) = std::polar(1.0, angle);
      return u;
    }
    default: TANGLE_CHECK(false, "op ", op.source, " has no block matrix");
  }
  return {};
}

MatrixC op_unitary_derivative(const LoweredOp& op, double angle) {
  switch (op.kind) {
    case LoweredOp::Kind::PauliRotation: {
      const MatrixC p = word_matrix(op.word);
      const MatrixC du =
          -0.5 * std::sin(0.5 * angle) * MatrixC::Identity(p.rows(), p.cols()) - cdouble(0, 0.5 * std::cos(0.5 * angle)) * p;
      return controlled(du, static_cast<int>(op.controls.size()), true);
    }
    case LoweredOp::Kind::Phase: {
      const Eigen::Index d = Eigen::Index{1} << op.targets.size();
      MatrixC du = MatrixC::Zero(d, d);
      du(d - 1, d - 1) = cdouble(0, 1) * std::polar(1.0, angle);
      return du;
    }
    default: TANGLE_CHECK(false, "op ", op.source, " has no angle");
  }
  return {};
}

MatrixC embed(const MatrixC& m, const std::vector<int>& from, const std::vector<int>& to) {
  if (from == to) return m;
  const int kt = static_cast<int>(to.size()), kf = static_cast<int>(from.size());
  // pos[i]: the local bit (of `to`) of from[i]; rest: the mask of the other bits of `to`.
  std::vector<int> pos(static_cast<size_t>(kf));
  index_t covered = 0;
  for (int i = 0; i < kf; ++i) {
    const auto it = std::find(to.begin(), to.end(), from[static_cast<size_t>(i)]);
    TANGLE_CHECK(it != to.end(), "embed: bit ", from[static_cast<size_t>(i)], " is not among the block's bits");
    pos[static_cast<size_t>(i)] = kt - 1 - static_cast<int>(it - to.begin());
    covered |= index_t{1} << pos[static_cast<size_t>(i)];
  }
  const index_t d = index_t{1} << kt;
  auto sub = [&](index_t j) {
    index_t s = 0;
    for (int i = 0; i < kf; ++i) s = (s << 1) | ((j >> pos[static_cast<size_t>(i)]) & 1);
    return s;
  };
  MatrixC out = MatrixC::Zero(d, d);
  for (index_t r = 0; r < d; ++r)
    for (index_t c = 0; c < d; ++c)
      if ((r & ~covered) == (c & ~covered)) out(r, c) = m(sub(r), sub(c));
  return out;
}

MatrixC doubled(const MatrixC& u) {
  const Eigen::Index d = u.rows();
  MatrixC s(d * d, d * d);
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index m = 0; m < d; ++m) s.block(i * d, m * d, d, d) = u(i, m) * u.conjugate();
  return s;
}

MatrixC doubled_derivative(const MatrixC& u, const MatrixC& du) {
  const Eigen::Index d = u.rows();
  MatrixC s(d * d, d * d);
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index m = 0; m < d; ++m) s.block(i * d, m * d, d, d) = du(i, m) * u.conjugate() + u(i, m) * du.conjugate();
  return s;
}

std::vector<int> space_bits(const std::vector<int>& wires, int n, Space space) {
  std::vector<int> b = wires;
  if (space == Space::Doubled)
    for (int w : wires) b.push_back(n + w);
  return b;
}

double condition_number(const MatrixC& m) {
  const Eigen::JacobiSVD<MatrixC> svd(m);
  const auto& s = svd.singularValues();
  const double hi = s(0), lo = s(s.size() - 1);
  return lo > hi * 1e-14 ? hi / lo : INFINITY;
}

std::vector<Step> plan_steps(const LoweredProgram& prog, Space space) {
  std::vector<Step> steps;
  std::vector<int> latest(static_cast<size_t>(prog.n_qubits), -1);  // the last step touching each wire
  const bool prep = !prog.ops.empty() && (prog.ops[0].kind == LoweredOp::Kind::AmplitudeEmbedding ||
                                          prog.ops[0].kind == LoweredOp::Kind::StatePreparation);
  for (size_t i = prep ? 1 : 0; i < prog.ops.size(); ++i) {
    const LoweredOp& op = prog.ops[i];
    TANGLE_CHECK(op.kind != LoweredOp::Kind::AmplitudeEmbedding && op.kind != LoweredOp::Kind::StatePreparation,
                 "state preparation (op ", op.source, ") must be the first op");
    if (op.kind == LoweredOp::Kind::Phase && op.targets.empty()) continue;  // a global phase
    const std::vector<int> wires = op.kind == LoweredOp::Kind::Channel ? op.targets : op_wires(op);
    const int k = static_cast<int>(wires.size());
    const bool channel = op.kind == LoweredOp::Kind::Channel;
    const bool drawn_from_state = channel && space == Space::Pure && !state_independent(op);
    Step::Kind kind = Step::Kind::Block;
    switch (op.kind) {
      case LoweredOp::Kind::Matrix:
      case LoweredOp::Kind::Phase: kind = k <= kMaxBlockWires ? Step::Kind::Block : Step::Kind::Dense; break;
      case LoweredOp::Kind::PauliRotation: kind = k <= kMaxBlockWires ? Step::Kind::Block : Step::Kind::Rotation; break;
      case LoweredOp::Kind::Channel:
        TANGLE_CHECK(k <= kMaxBlockWires, "a channel on ", k, " wires (op ", op.source, "): at most ", kMaxBlockWires,
                     " are supported");
        break;
      default: kind = Step::Kind::Dense; break;
    }
    // Appends to the last step of its wires when that block already covers them all.
    int target = -1;
    if (kind == Step::Kind::Block && !drawn_from_state && latest[static_cast<size_t>(wires[0])] >= 0) {
      const int b = latest[static_cast<size_t>(wires[0])];
      const Step& s = steps[static_cast<size_t>(b)];
      const bool covers = s.kind == Step::Kind::Block &&
                          std::all_of(wires.begin(), wires.end(), [&](int w) {
                            return latest[static_cast<size_t>(w)] == b &&
                                   std::find(s.wires.begin(), s.wires.end(), w) != s.wires.end();
                          });
      if (covers) target = b;
    }
    if (target < 0) {
      Step s;
      s.kind = kind;
      if (kind == Step::Kind::Block) {
        s.wires = wires;
        std::sort(s.wires.begin(), s.wires.end());
      }
      s.state_draw = drawn_from_state;
      steps.push_back(std::move(s));
      target = static_cast<int>(steps.size()) - 1;
    }
    Step& s = steps[static_cast<size_t>(target)];
    s.ops.push_back(i);
    s.input_params = s.input_params || uses_inputs(op);
    s.per_row = s.per_row || uses_inputs(op) || (channel && space == Space::Pure);
    s.has_params = s.has_params || op.has_parameters();
    s.has_channel = s.has_channel || channel;
    for (int w : wires) latest[static_cast<size_t>(w)] = target;
  }
  return steps;
}

}  // namespace tangle::detail::mixed
