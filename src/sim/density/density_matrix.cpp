// The density-matrix backend: exact mixed states, one vec(rho) of 4^n entries per sample.
//
// A unitary op is applied as U on the row bits and conj(U) on the column bits of vec(rho), a
// channel as its superoperator on both (vec_ops.hpp). Readouts are linear: Tr(O rho). The
// adjoint pass carries the cotangent Lambda = sum_o g_o O_o backwards through the adjoint maps
// (U^dagger Lambda U, sum_i K_i^dagger Lambda K_i) and reads each parameter's derivative as
// Tr(Lambda_k dS_k(rho_(k-1))). A channel cannot be un-applied, so the states the adjoint pass
// needs come from checkpoints: every c-th state is kept on the way forward and the states
// between two checkpoints are recomputed, c chosen so that they fit the memory budget.
//
// Samples run in parallel (one vec(rho) per thread); gradients are summed per sample and then
// in sample order, so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "../dense_math.hpp"
#include "../executor.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"
#include "tangle/ir/channel.hpp"
#include "vec_ops.hpp"

namespace tangle::detail {

namespace density {
namespace {

constexpr std::uint64_t kStateBudget = std::uint64_t{1} << 30;  // saved states per call, at most

int row_bit(int n, int q) { return 2 * n - 1 - q; }
int col_bit(int n, int q) { return n - 1 - q; }

std::uint64_t wires_mask(int n, const std::vector<int>& wires, bool row) {
  std::uint64_t m = 0;
  for (int q : wires) m |= std::uint64_t{1} << (row ? row_bit(n, q) : col_bit(n, q));
  return m;
}

std::vector<int> wire_bits(int n, const std::vector<int>& wires, bool row) {
  std::vector<int> b;
  for (int q : wires) b.push_back(row ? row_bit(n, q) : col_bit(n, q));
  return b;
}

PauliBits pauli_bits(int n, const LoweredOp& op, bool row) {
  PauliBits p;
  for (size_t t = 0; t < op.targets.size(); ++t) {
    const std::uint64_t bit = std::uint64_t{1} << (row ? row_bit(n, op.targets[t]) : col_bit(n, op.targets[t]));
    switch (op.word[t]) {
      case Pauli::X: p.x |= bit; break;
      case Pauli::Y: p.x |= bit, p.z |= bit, ++p.ny; break;
      case Pauli::Z: p.z |= bit; break;
      case Pauli::I: break;
    }
  }
  p.ctrl = wires_mask(n, op.controls, row);
  p.pivot = p.x ? 63 - std::countl_zero(p.x) : -1;
  return p;
}

// The precomputed geometry of each op (independent of the sample).
struct OpGeometry {
  PauliBits prow, pcol;                  // PauliRotation
  std::uint64_t mrow = 0, mcol = 0;      // Phase: target masks
  std::unique_ptr<LocalBits> lrow, lcol;  // Matrix, SpecialUnitary, Evolution
  std::unique_ptr<LocalBits> lsup;        // Channel: row bits then column bits of the targets
};

// Everything one call needs that does not depend on the sample.
struct Plan {
  const LoweredProgram& prog;
  int n = 0;
  int bits = 0;
  index_t entries = 0;                  // 4^n
  std::vector<OpGeometry> geo;
  size_t first = 0;                      // ops[first..] are applied (a state prep is ops[0])
  // Constant superoperators of channels whose strengths are constants.
  std::vector<std::vector<cdouble>> constant_superop;

  explicit Plan(const LoweredProgram& p) : prog(p), n(p.n_qubits), bits(2 * p.n_qubits) {
    entries = index_t{1} << bits;
    geo.resize(p.ops.size());
    constant_superop.resize(p.ops.size());
    for (size_t k = 0; k < p.ops.size(); ++k) {
      const LoweredOp& op = p.ops[k];
      OpGeometry& g = geo[k];
      switch (op.kind) {
        case LoweredOp::Kind::PauliRotation:
          g.prow = pauli_bits(n, op, true);
          g.pcol = pauli_bits(n, op, false);
          break;
        case LoweredOp::Kind::Phase:
          g.mrow = wires_mask(n, op.targets, true);
          g.mcol = wires_mask(n, op.targets, false);
          break;
        case LoweredOp::Kind::Matrix:
        case LoweredOp::Kind::SpecialUnitary:
        case LoweredOp::Kind::Evolution:
          g.lrow = std::make_unique<LocalBits>(wire_bits(n, op.targets, true), wires_mask(n, op.controls, true), bits);
          g.lcol = std::make_unique<LocalBits>(wire_bits(n, op.targets, false), wires_mask(n, op.controls, false), bits);
          break;
        case LoweredOp::Kind::Channel: {
          std::vector<int> b = wire_bits(n, op.targets, true);
          const std::vector<int> c = wire_bits(n, op.targets, false);
          b.insert(b.end(), c.begin(), c.end());
          g.lsup = std::make_unique<LocalBits>(b, 0, bits);
          if (!op.has_parameters()) {
            const int kq = static_cast<int>(op.targets.size());
            const size_t dim = size_t{1} << (2 * kq);
            std::vector<double> s;
            for (const Expr& e : op.strengths) s.push_back(e.constant());
            constant_superop[k].assign(dim * dim, 0.0);
            channel_superoperator(op.gate, s.data(), op.matrix, kq, constant_superop[k].data());
          }
          break;
        }
        case LoweredOp::Kind::AmplitudeEmbedding:
        case LoweredOp::Kind::StatePreparation:
          TANGLE_CHECK(k == 0, "state preparation must be the first op");
          first = 1;
          break;
      }
    }
  }
};

// One sample's view: its inputs and the weights.
struct Sample {
  const double* x;
  const double* w;
};

double eval(const Expr& e, const Sample& s) { return e.eval<double>(s.w, s.x); }

std::vector<double> strengths_of(const LoweredOp& op, const Sample& s, index_t row) {
  std::vector<double> v;
  for (const Expr& e : op.strengths) v.push_back(eval(e, s));
  if (op.has_parameters()) {
    try {
      check_channel_strengths(op.gate, v.data());
    } catch (const ValueError& err) {
      throw ValueError(concat(err.what(), " (sample ", row, ", op ", op.source, ")"));
    }
  }
  return v;
}

// The unitary of a dense op for a sample (row-major, double).
MatrixC dense_unitary(const LoweredOp& op, const Sample& s, HermitianExp* keep = nullptr) {
  const int k = static_cast<int>(op.targets.size());
  const int dim = 1 << k;
  if (op.kind == LoweredOp::Kind::Matrix) {
    MatrixC u(dim, dim);
    for (int i = 0; i < dim * dim; ++i) u.data()[i] = op.matrix[static_cast<size_t>(i)];
    return u;
  }
  MatrixC a;
  if (op.kind == LoweredOp::Kind::SpecialUnitary) {
    const double* p = (op.per_sample ? s.x : s.w) + op.offset;
    a = pauli_combination(p, k);
  } else {  // Evolution: exp(-i t H / 2) = exp(i A), A = -t/2 H, H = (M + M^T)/2
    const double t = eval(op.angle, s);
    const double* m = s.x + op.offset;
    a = MatrixC(dim, dim);
    for (int i = 0; i < dim; ++i)
      for (int j = 0; j < dim; ++j) a(i, j) = -0.25 * t * (m[i * dim + j] + m[j * dim + i]);
  }
  HermitianExp e = hermitian_exp(a);
  MatrixC u = e.u;
  if (keep != nullptr) *keep = std::move(e);
  return u;
}

template <typename Real>
std::vector<Cx<Real>> to_real(const MatrixC& m, bool conjugate, bool transpose) {
  const Eigen::Index d = m.rows();
  std::vector<Cx<Real>> out(static_cast<size_t>(d * d));
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < d; ++j) {
      const cdouble v = transpose ? m(j, i) : m(i, j);
      out[static_cast<size_t>(i * d + j)] = Cx<Real>(conjugate ? std::conj(v) : v);
    }
  return out;
}

template <typename Real>
std::vector<Cx<Real>> to_real(const std::vector<cdouble>& m, size_t dim, bool adjoint) {
  std::vector<Cx<Real>> out(dim * dim);
  for (size_t i = 0; i < dim; ++i)
    for (size_t j = 0; j < dim; ++j)
      out[i * dim + j] = Cx<Real>(adjoint ? std::conj(m[j * dim + i]) : m[i * dim + j]);
  return out;
}

template <typename Real>
class Engine {
 public:
  explicit Engine(const Plan& plan) : plan_(plan), prog_(plan.prog) {}

  // rho_0 for the sample: |0><0|, or the prepared state's outer product.
  void init_state(Cx<Real>* rho, const Sample& s, std::vector<cdouble>* amp_out) const {
    std::fill(rho, rho + plan_.entries, Cx<Real>(0));
    const index_t d = index_t{1} << plan_.n;
    if (plan_.first == 0) {
      rho[0] = 1;
      return;
    }
    const std::vector<cdouble> a = prepared_amplitudes(s);
    for (index_t r = 0; r < d; ++r) {
      if (a[static_cast<size_t>(r)] == 0.0) continue;
      for (index_t c = 0; c < d; ++c)
        rho[r * d + c] = Cx<Real>(a[static_cast<size_t>(r)] * std::conj(a[static_cast<size_t>(c)]));
    }
    if (amp_out != nullptr) *amp_out = a;
  }

  // The full 2^n amplitudes of the first op's state (others |0>).
  std::vector<cdouble> prepared_amplitudes(const Sample& s) const {
    const LoweredOp& op = prog_.ops[0];
    const int k = static_cast<int>(op.targets.size());
    const index_t d = index_t{1} << plan_.n;
    std::vector<cdouble> a(static_cast<size_t>(d), 0.0);
    std::vector<cdouble> local(size_t{1} << k);
    if (op.kind == LoweredOp::Kind::StatePreparation) {
      local = op.matrix;
    } else {
      double norm = 0.0;
      for (size_t j = 0; j < local.size(); ++j) {
        const double v = static_cast<index_t>(j) < op.count ? s.x[op.offset + static_cast<index_t>(j)] : op.pad;
        local[j] = v;
        norm += v * v;
      }
      if (op.normalize)
        for (cdouble& v : local) v /= std::sqrt(norm);
    }
    for (size_t j = 0; j < local.size(); ++j) {
      index_t idx = 0;
      for (int t = 0; t < k; ++t)
        if ((j >> (k - 1 - t)) & 1) idx |= index_t{1} << (plan_.n - 1 - op.targets[static_cast<size_t>(t)]);
      a[static_cast<size_t>(idx)] = local[j];
    }
    return a;
  }

  // rho <- S_k(rho), or S_k^dagger when `adjoint` (for the cotangent).
  void apply(size_t k, Cx<Real>* v, const Sample& s, index_t row, bool adjoint) const {
    const LoweredOp& op = prog_.ops[k];
    const OpGeometry& g = plan_.geo[k];
    const int nb = plan_.bits;
    switch (op.kind) {
      case LoweredOp::Kind::PauliRotation: {
        double theta = eval(op.angle, s);
        if (adjoint) theta = -theta;
        const Real c = static_cast<Real>(std::cos(0.5 * theta)), sn = static_cast<Real>(std::sin(0.5 * theta));
        apply_pauli_rotation(v, nb, g.prow, c, sn);
        // conj(exp(-i theta/2 P)) = exp(-i theta'/2 P) with theta' = -(-1)^ny theta
        apply_pauli_rotation(v, nb, g.pcol, c, (g.pcol.ny & 1) ? sn : static_cast<Real>(-sn));
        break;
      }
      case LoweredOp::Kind::Phase: {
        if (op.targets.empty()) break;  // a global phase
        double phi = eval(op.angle, s);
        if (adjoint) phi = -phi;
        apply_masked_factor(v, nb, g.mrow, Cx<Real>(std::polar(1.0, phi)));
        apply_masked_factor(v, nb, g.mcol, Cx<Real>(std::polar(1.0, -phi)));
        break;
      }
      case LoweredOp::Kind::Matrix:
      case LoweredOp::Kind::SpecialUnitary:
      case LoweredOp::Kind::Evolution: {
        const MatrixC u = dense_unitary(op, s);
        // forward: U on rows, conj(U) on columns; adjoint: U^dagger and U^T.
        const std::vector<Cx<Real>> mr = to_real<Real>(u, adjoint, adjoint);
        const std::vector<Cx<Real>> mc = to_real<Real>(u, !adjoint, adjoint);
        apply_local(v, *g.lrow, mr.data());
        apply_local(v, *g.lcol, mc.data());
        break;
      }
      case LoweredOp::Kind::Channel: {
        const size_t dim = g.lsup->offsets.size();
        if (op.has_parameters()) {
          const std::vector<double> st = strengths_of(op, s, row);
          std::vector<cdouble> sup(dim * dim);
          channel_superoperator(op.gate, st.data(), op.matrix, static_cast<int>(op.targets.size()), sup.data());
          const std::vector<Cx<Real>> m = to_real<Real>(sup, dim, adjoint);
          apply_local(v, *g.lsup, m.data());
        } else {
          const std::vector<Cx<Real>> m = to_real<Real>(plan_.constant_superop[k], dim, adjoint);
          apply_local(v, *g.lsup, m.data());
        }
        break;
      }
      case LoweredOp::Kind::AmplitudeEmbedding:
      case LoweredOp::Kind::StatePreparation: break;
    }
  }

  // Outputs of every readout: Tr(O rho).
  void readouts(const Cx<Real>* rho, double* out) const {
    const int n = plan_.n;
    const index_t d = index_t{1} << n;
    auto at = [&](index_t r, index_t c) { return cdouble(rho[r * d + c]); };
    index_t o = 0;
    for (const Readout& r : prog_.readouts) {
      switch (r.kind()) {
        case Readout::Kind::Expval: {
          double v = 0.0;
          for (const PauliTerm& t : r.observable().terms()) {
            PauliMasks m = term_masks(t);
            cdouble acc = 0.0;
            for (index_t c = 0; c < d; ++c) acc += pauli_phase(m, static_cast<std::uint64_t>(c)) * at(c, c ^ static_cast<index_t>(m.x));
            v += t.coef * acc.real();
          }
          out[o++] = v;
          break;
        }
        case Readout::Kind::Probs:
        case Readout::Kind::Projector: {
          const index_t nout = r.n_outputs();
          std::vector<double> p(static_cast<size_t>(r.kind() == Readout::Kind::Probs ? nout : index_t{1} << r.wires().size()), 0.0);
          for (index_t i = 0; i < d; ++i) p[static_cast<size_t>(local_index(i, r.wires()))] += at(i, i).real();
          if (r.kind() == Readout::Kind::Probs) {
            for (double v : p) out[o++] = v;
          } else {
            out[o++] = p[static_cast<size_t>(r.basis_state())];
          }
          break;
        }
        case Readout::Kind::Hermitian: {
          const std::vector<int>& w = r.wires();
          const index_t dl = index_t{1} << w.size();
          const std::uint64_t wm = wires_mask_n(w);
          cdouble acc = 0.0;
          // Tr((H (x) I) rho) = sum over rest of sum_ij H_ij rho[(j, rest), (i, rest)]
          for (index_t rest = 0; rest < d; ++rest) {
            if (static_cast<std::uint64_t>(rest) & wm) continue;
            for (index_t i = 0; i < dl; ++i)
              for (index_t j = 0; j < dl; ++j)
                acc += r.matrix()[static_cast<size_t>(i * dl + j)] * at(rest | spread(j, w), rest | spread(i, w));
          }
          out[o++] = acc.real();
          break;
        }
      }
    }
  }

  // lambda = vec(sum_o g_o O_o) for the sample's output cotangents g.
  void seed(const double* g, Cx<Real>* lam) const {
    const int n = plan_.n;
    const index_t d = index_t{1} << n;
    std::fill(lam, lam + plan_.entries, Cx<Real>(0));
    auto add = [&](index_t r, index_t c, cdouble v) { lam[r * d + c] += Cx<Real>(v); };
    index_t o = 0;
    for (const Readout& r : prog_.readouts) {
      switch (r.kind()) {
        case Readout::Kind::Expval: {
          const double go = g[o++];
          if (go == 0.0) break;
          for (const PauliTerm& t : r.observable().terms()) {
            PauliMasks m = term_masks(t);
            // P_(c^x, c) = phase(c)
            for (index_t c = 0; c < d; ++c)
              add(c ^ static_cast<index_t>(m.x), c, go * t.coef * pauli_phase(m, static_cast<std::uint64_t>(c)));
          }
          break;
        }
        case Readout::Kind::Probs:
        case Readout::Kind::Projector: {
          for (index_t i = 0; i < d; ++i) {
            const index_t b = local_index(i, r.wires());
            const double go = r.kind() == Readout::Kind::Probs ? g[o + b] : (b == r.basis_state() ? g[o] : 0.0);
            if (go != 0.0) add(i, i, go);
          }
          o += r.n_outputs();
          break;
        }
        case Readout::Kind::Hermitian: {
          const double go = g[o++];
          if (go == 0.0) break;
          const std::vector<int>& w = r.wires();
          const index_t dl = index_t{1} << w.size();
          const std::uint64_t wm = wires_mask_n(w);
          for (index_t rest = 0; rest < d; ++rest) {
            if (static_cast<std::uint64_t>(rest) & wm) continue;
            for (index_t i = 0; i < dl; ++i)
              for (index_t j = 0; j < dl; ++j)
                add(rest | spread(i, w), rest | spread(j, w), go * r.matrix()[static_cast<size_t>(i * dl + j)]);
          }
          break;
        }
      }
    }
  }

  // Adds op k's parameter derivatives, Tr(Lambda_k dS_k(rho_(k-1))), into the sample's gradients.
  void gradient(size_t k, const Cx<Real>* before, const Cx<Real>* after, const Cx<Real>* lam, const Sample& s,
                index_t row, double* dw, double* dx) const {
    const LoweredOp& op = prog_.ops[k];
    if (!op.has_parameters()) return;
    const OpGeometry& g = plan_.geo[k];
    const int nb = plan_.bits;
    switch (op.kind) {
      case LoweredOp::Kind::PauliRotation: {
        // dU = -i/2 P U: d/dtheta = 2 Re Tr(Lambda (-i/2) P rho_k) = Im <lambda| (P (x) I) rho_k>
        const double d = pauli_inner(lam, after, nb, g.prow).imag();
        chain(op.angle, d, s, dw, dx);
        break;
      }
      case LoweredOp::Kind::Phase: {
        if (op.targets.empty()) break;
        const double d = -2.0 * masked_inner(lam, after, nb, g.mrow).imag();
        chain(op.angle, d, s, dw, dx);
        break;
      }
      case LoweredOp::Kind::SpecialUnitary:
      case LoweredOp::Kind::Evolution: {
        HermitianExp e;
        const MatrixC u = dense_unitary(op, s, &e);
        const int kq = static_cast<int>(op.targets.size());
        const int dim = 1 << kq;
        // d f = 2 Re Tr(dU R), R = U^dagger T, T_ji = sum psi_k[(j,.)] conj(lambda[(i,.)]) over the row bits
        std::vector<cdouble> tv(static_cast<size_t>(dim * dim), 0.0);
        partial_outer(after, lam, *g.lrow, tv.data());
        MatrixC t(dim, dim);
        for (int i = 0; i < dim * dim; ++i) t.data()[i] = tv[static_cast<size_t>(i)];
        const MatrixC r = u.adjoint() * t;
        const MatrixC gm = exp_gradient(e, r);  // Re tr(d exp(iA) R) = Re tr(dA G)
        if (op.kind == LoweredOp::Kind::SpecialUnitary) {
          std::vector<cdouble> tr(static_cast<size_t>((1 << (2 * kq)) - 1));
          pauli_traces(gm, kq, tr.data());
          for (size_t j = 0; j < tr.size(); ++j) {
            const double d = 2.0 * tr[j].real();
            if (op.per_sample) {
              if (dx != nullptr) dx[op.offset + static_cast<index_t>(j)] += d;
            } else if (dw != nullptr) {
              dw[op.offset + static_cast<index_t>(j)] += d;
            }
          }
        } else {
          // A = -t/4 (M + M^T): dA/dt = -H/2, dA/dM_ab = -t/4 (E_ab + E_ba)
          const double time = eval(op.angle, s);
          const double* m = s.x + op.offset;
          double dt = 0.0;
          for (int a = 0; a < dim; ++a)
            for (int b = 0; b < dim; ++b) {
              const double h = 0.5 * (m[a * dim + b] + m[b * dim + a]);
              dt += 2.0 * (-0.5 * h * gm(b, a)).real();
              if (dx != nullptr) dx[op.offset + a * dim + b] += 2.0 * (-0.25 * time * (gm(b, a) + gm(a, b))).real();
            }
          chain(op.angle, dt, s, dw, dx);
        }
        break;
      }
      case LoweredOp::Kind::Channel: {
        const std::vector<double> st = strengths_of(op, s, row);
        const size_t dim = g.lsup->offsets.size();
        const size_t ns = st.size();
        std::vector<cdouble> sup(dim * dim), dsup(dim * dim * ns);
        channel_superoperator(op.gate, st.data(), op.matrix, static_cast<int>(op.targets.size()), sup.data(), dsup.data());
        std::vector<cdouble> tv(dim * dim, 0.0);
        partial_outer(before, lam, *g.lsup, tv.data());  // tv[b][a] = sum psi[b] conj(lam[a])
        for (size_t j = 0; j < ns; ++j) {
          if (op.strengths[j].is_constant()) continue;
          double d = 0.0;
          const cdouble* ds = dsup.data() + j * dim * dim;
          for (size_t a = 0; a < dim; ++a)
            for (size_t b = 0; b < dim; ++b) d += (ds[a * dim + b] * tv[b * dim + a]).real();
          TANGLE_CHECK(std::isfinite(d), gate_info(op.gate).name, ": the derivative with respect to strength ", j,
                       " is not finite at ", st[j], " (sample ", row, ", op ", op.source, ")");
          chain(op.strengths[j], d, s, dw, dx);
        }
        break;
      }
      case LoweredOp::Kind::AmplitudeEmbedding:
      case LoweredOp::Kind::StatePreparation:
      case LoweredOp::Kind::Matrix: break;
    }
  }

  // The embedding's input gradient from the cotangent at rho_0 = a a^T: df/da = 2 Re(Lambda_0 a).
  void embedding_gradient(const Cx<Real>* lam, const Sample& s, double* dx) const {
    const LoweredOp& op = prog_.ops[0];
    if (op.kind != LoweredOp::Kind::AmplitudeEmbedding || dx == nullptr) return;
    const int k = static_cast<int>(op.targets.size());
    const index_t d = index_t{1} << plan_.n;
    const std::vector<cdouble> a = prepared_amplitudes(s);
    const size_t dl = size_t{1} << k;
    std::vector<double> ga(dl, 0.0), xt(dl, 0.0);
    std::vector<index_t> idx(dl, 0);
    for (size_t j = 0; j < dl; ++j) {
      for (int t = 0; t < k; ++t)
        if ((j >> (k - 1 - t)) & 1) idx[j] |= index_t{1} << (plan_.n - 1 - op.targets[static_cast<size_t>(t)]);
      xt[j] = static_cast<index_t>(j) < op.count ? s.x[op.offset + static_cast<index_t>(j)] : op.pad;
    }
    for (size_t j = 0; j < dl; ++j) {
      cdouble acc = 0.0;
      for (size_t i = 0; i < dl; ++i) acc += cdouble(lam[idx[j] * d + idx[i]]) * a[static_cast<size_t>(idx[i])];
      ga[j] = 2.0 * acc.real();
    }
    if (op.normalize) {
      double norm2 = 0.0, dot = 0.0;
      for (size_t j = 0; j < dl; ++j) norm2 += xt[j] * xt[j];
      const double norm = std::sqrt(norm2);
      for (size_t j = 0; j < dl; ++j) dot += ga[j] * a[static_cast<size_t>(idx[j])].real();
      for (size_t j = 0; j < dl; ++j) ga[j] = (ga[j] - dot * a[static_cast<size_t>(idx[j])].real()) / norm;
    }
    for (size_t j = 0; j < dl && static_cast<index_t>(j) < op.count; ++j) dx[op.offset + static_cast<index_t>(j)] += ga[j];
  }

 private:
  PauliMasks term_masks(const PauliTerm& t) const {
    PauliMasks m;
    for (const auto& [q, p] : t.factors) {
      const std::uint64_t bit = std::uint64_t{1} << (plan_.n - 1 - q);
      if (p == Pauli::X || p == Pauli::Y) m.x |= bit;
      if (p == Pauli::Z || p == Pauli::Y) m.z |= bit;
      if (p == Pauli::Y) ++m.ny;
    }
    return m;
  }
  std::uint64_t wires_mask_n(const std::vector<int>& w) const {
    std::uint64_t m = 0;
    for (int q : w) m |= std::uint64_t{1} << (plan_.n - 1 - q);
    return m;
  }
  // The local index (wires[0] most significant) of basis state i, and back.
  index_t local_index(index_t i, const std::vector<int>& w) const {
    index_t b = 0;
    for (int q : w) b = (b << 1) | ((i >> (plan_.n - 1 - q)) & 1);
    return b;
  }
  index_t spread(index_t j, const std::vector<int>& w) const {
    const int k = static_cast<int>(w.size());
    index_t out = 0;
    for (int t = 0; t < k; ++t)
      if ((j >> (k - 1 - t)) & 1) out |= index_t{1} << (plan_.n - 1 - w[static_cast<size_t>(t)]);
    return out;
  }
  static void chain(const Expr& e, double g, const Sample& s, double* dw, double* dx) {
    if (g == 0.0) return;
    for (const Term& t : e.terms()) {
      const double xw = t.weight >= 0 ? s.w[t.weight] : 1.0;
      const double x1 = t.input >= 0 ? s.x[t.input] : 1.0;
      const double x2 = t.input2 >= 0 ? s.x[t.input2] : 1.0;
      if (t.weight >= 0 && dw != nullptr) dw[t.weight] += g * t.coef * x1 * x2;
      if (dx == nullptr) continue;
      if (t.input >= 0) dx[t.input] += g * t.coef * xw * x2;
      if (t.input2 >= 0) dx[t.input2] += g * t.coef * xw * x1;
    }
  }

  const Plan& plan_;
  const LoweredProgram& prog_;
};

// States a gradient run keeps per thread: checkpoints every `interval` ops and the states between two.
struct Checkpointing {
  size_t interval = 1;
  size_t states = 0;
};

Checkpointing checkpointing(size_t n_ops, std::uint64_t state_bytes, std::uint64_t budget) {
  Checkpointing c;
  const std::uint64_t fit = std::max<std::uint64_t>(budget / std::max<std::uint64_t>(state_bytes, 1), 1);
  if (n_ops + 1 <= fit) {
    c.interval = std::max<size_t>(n_ops, 1);
  } else {
    c.interval = std::max<size_t>(1, static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(n_ops)))));
  }
  const size_t segments = (n_ops + c.interval - 1) / c.interval;
  c.states = segments + c.interval + 1;
  return c;
}

template <typename Real>
void run(const LoweredProgram& prog, const RunOptions& options, const ExecRequest& req) {
  const Plan plan(prog);
  const Engine<Real> engine(plan);
  const bool grad = req.cotangent != nullptr;
  const int threads = std::max(1, std::min<int>(resolve_threads(options.threads), static_cast<int>(req.batch)));
  const std::uint64_t state_bytes = static_cast<std::uint64_t>(plan.entries) * 2 * sizeof(Real);
  const size_t n_ops = prog.ops.size();
  const std::uint64_t limit = options.memory_limit ? options.memory_limit : available_memory_bytes();
  const Checkpointing cp = checkpointing(n_ops, state_bytes * static_cast<std::uint64_t>(threads),
                                         std::min(limit / 2, kStateBudget));
  const std::uint64_t per_thread = grad ? (cp.states + 1) * state_bytes : state_bytes;
  check_allocation(per_thread * static_cast<std::uint64_t>(threads), options.memory_limit, "density-matrix states");

  const index_t nw = prog.n_weights;
  std::vector<double> dw_rows;
  if (grad && req.d_weights != nullptr && !req.per_sample_weights)
    dw_rows.assign(static_cast<size_t>(req.batch * nw), 0.0);
  const index_t d = index_t{1} << plan.n;

  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::vector<Cx<Real>>> pool;
    try {
      pool.assign(grad ? cp.states + 1 : 1, std::vector<Cx<Real>>(static_cast<size_t>(plan.entries)));
    } catch (...) {
#pragma omp critical
      error = std::current_exception();
    }
#pragma omp for schedule(dynamic, 1)
    for (index_t b = 0; b < req.batch; ++b) {
      if (error) continue;
      try {
        const Sample s{req.inputs + b * prog.n_inputs, req.weights};
        Cx<Real>* psi = pool[0].data();
        const size_t segments = grad ? (n_ops + cp.interval - 1) / cp.interval : 0;
        // pool[1 .. segments]: checkpoints (the state before op seg*interval); the rest: a segment's states.
        engine.init_state(psi, s, nullptr);
        for (size_t k = plan.first; k < n_ops; ++k) {
          if (grad && k % cp.interval == 0) std::copy(psi, psi + plan.entries, pool[1 + k / cp.interval].data());
          engine.apply(k, psi, s, b, false);
        }
        if (req.outputs != nullptr) engine.readouts(psi, req.outputs + b * prog.n_outputs);
        if (req.density != nullptr) {
          cdouble* out = req.density + b * d * d;
          for (index_t i = 0; i < plan.entries; ++i) out[i] = cdouble(psi[i]);
        }
        if (!grad) continue;
        double* dw = nullptr;
        if (req.d_weights != nullptr)
          dw = req.per_sample_weights ? req.d_weights + b * nw : dw_rows.data() + b * nw;
        double* dx = req.d_inputs != nullptr ? req.d_inputs + b * prog.n_inputs : nullptr;
        std::vector<Cx<Real>> lam_store(static_cast<size_t>(plan.entries));
        Cx<Real>* lam = lam_store.data();
        engine.seed(req.cotangent + b * prog.n_outputs, lam);
        // The first checkpoint of a program starting with a state prep is rho_0 (op 0 applies nothing).
        if (plan.first == 1) engine.init_state(pool[1].data(), s, nullptr);
        for (size_t seg = segments; seg-- > 0;) {
          const size_t start = seg * cp.interval, end = std::min(n_ops, start + cp.interval);
          // st[i]: the state before op start + i; st[end - start]: after op end - 1.
          std::vector<Cx<Real>*> st(end - start + 1);
          for (size_t i = 0; i <= end - start; ++i) st[i] = pool[1 + segments + i].data();
          std::copy(pool[1 + seg].data(), pool[1 + seg].data() + plan.entries, st[0]);
          if (seg == 0 && plan.first == 1) engine.init_state(st[0], s, nullptr);
          for (size_t k = start; k < end; ++k) {
            std::copy(st[k - start], st[k - start] + plan.entries, st[k - start + 1]);
            engine.apply(k, st[k - start + 1], s, b, false);
          }
          for (size_t k = end; k-- > start;) {
            engine.gradient(k, st[k - start], st[k - start + 1], lam, s, b, dw, dx);
            engine.apply(k, lam, s, b, true);
          }
        }
        engine.embedding_gradient(lam, s, dx);
      } catch (...) {
#pragma omp critical
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  if (!dw_rows.empty())
    for (index_t b = 0; b < req.batch; ++b)
      for (index_t j = 0; j < nw; ++j) req.d_weights[j] += dw_rows[static_cast<size_t>(b * nw + j)];
}

}  // namespace
}  // namespace density

void execute_density_matrix(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  TANGLE_CHECK(program.n_qubits <= kMaxDensityQubits, "the density-matrix backend holds 4^n entries per sample: ",
               program.n_qubits, " qubits are more than its ", kMaxDensityQubits, " (use the trajectories backend)");
  TANGLE_CHECK(request.states == nullptr, "a density-matrix run has no state vectors: ask for density matrices");
  check_request(program, request);
  if (options.precision == Precision::F32) {
    density::run<float>(program, options, request);
  } else {
    density::run<double>(program, options, request);
  }
}

std::uint64_t density_matrix_memory(const LoweredProgram& program, const RunOptions& options, index_t batch,
                                    bool gradient) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  const std::uint64_t entries = std::uint64_t{1} << (2 * program.n_qubits);
  const std::uint64_t state = entries * 2 * (options.precision == Precision::F32 ? 4 : 8);
  const int threads = std::max(1, std::min<int>(resolve_threads(options.threads), static_cast<int>(batch)));
  if (!gradient) return state * static_cast<std::uint64_t>(threads);
  const std::uint64_t limit = options.memory_limit ? options.memory_limit : available_memory_bytes();
  const density::Checkpointing cp = density::checkpointing(program.ops.size(), state * static_cast<std::uint64_t>(threads),
                                                           std::min(limit / 2, density::kStateBudget));
  return (cp.states + 2) * state * static_cast<std::uint64_t>(threads);
}

}  // namespace tangle::detail
