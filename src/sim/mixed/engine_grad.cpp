// The engine's gradients: of blocks (their ops' angles and strengths), wide rotations, dense
// unitaries and the amplitude embedding, chained into weights and inputs row by row.
#include <cmath>

#include "engine_impl.hpp"
#include "tangle/core/error.hpp"

namespace tangle::detail::mixed {

template <typename Real>
void Engine<Real>::chain(const Expr& e, double g, index_t row, std::vector<double>& dw) {
  if (g == 0.0) return;
  const double* x = row_inputs(row);
  const double* wv = req_.weights;
  double* dx = req_.d_inputs != nullptr ? req_.d_inputs + row * prog_.n_inputs : nullptr;
  for (const Term& t : e.terms()) {
    const double xw = t.weight >= 0 ? wv[t.weight] : 1.0;
    const double x1 = t.input >= 0 ? x[t.input] : 1.0;
    const double x2 = t.input2 >= 0 ? x[t.input2] : 1.0;
    if (t.weight >= 0 && req_.d_weights != nullptr) {
      const double d = g * t.coef * x1 * x2;
      if (req_.per_sample_weights) {
        req_.d_weights[row * prog_.n_weights + t.weight] += d;
      } else {
        dw[static_cast<size_t>(t.weight)] += d;
      }
    }
    if (dx == nullptr) continue;
    if (t.input >= 0) dx[t.input] += g * t.coef * xw * x2;
    if (t.input2 >= 0) dx[t.input2] += g * t.coef * xw * x1;
  }
}

template <typename Real>
void Engine<Real>::block_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w,
                                   std::vector<double>& dw) {
  const Step& step = steps_[s];
  const StepPlan& p = *plans_[s];
  const TileStep& t = w.steps[s];
  const index_t spt = geo_.samples_per_tile;
  const double factor = space_ == Space::Pure ? 2.0 : 1.0;
  std::vector<MatrixC> tm;
  tile::outer_slots(kt_, geo_, w.red, psi, lam, p.tm, inner_, tm);  // T[b][a] = sum psi_b conj(lambda_a)
  auto chain_op = [&](size_t k, const std::vector<double>& d, index_t row) {
    const LoweredOp& op = prog_.ops[step.ops[k]];
    if (op.kind == LoweredOp::Kind::Channel) {
      for (size_t j = 0; j < d.size(); ++j) chain(op.strengths[j], d[j], row, dw);
    } else if (!d.empty()) {
      chain(op.angle, d[0], row, dw);
    }
  };
  std::vector<std::vector<double>> d;
  if (t.uniform && !step.input_params && !req_.per_sample_weights) {
    // Weights only, and the same matrices for every slot: one product for the whole tile.
    MatrixC total = MatrixC::Zero(p.dim, p.dim);
    for (int slot = 0; slot < spt; ++slot)
      if (geo_.valid(tile, slot)) total += tm[static_cast<size_t>(slot)];
    block_derivatives(p.op_mats, p.op_ders, total, factor, d);
    for (size_t k = 0; k < d.size(); ++k) chain_op(k, d[k], row_of(tile, 0));
    return;
  }
  const size_t nc = p.channels.size();
  std::vector<MatrixC> ms(step.ops.size());
  std::vector<std::vector<MatrixC>> ders(step.ops.size());
  for (int slot = 0; slot < spt; ++slot) {
    if (!geo_.valid(tile, slot)) continue;
    const index_t row = row_of(tile, slot);
    const double* x = row_inputs(row);
    size_t ci = 0;
    for (size_t k = 0; k < step.ops.size(); ++k) {
      int draw = 0;
      double prob = 1.0;
      if (prog_.ops[step.ops[k]].kind == LoweredOp::Kind::Channel) {
        if (space_ == Space::Pure) {
          const size_t at = static_cast<size_t>(slot) * nc + ci;
          draw = t.uniform ? 0 : t.draws[at];
          prob = t.uniform ? p.channels[ci].probs[0] : t.probs[at];
        }
        ++ci;
      }
      ms[k] = block_op_matrix(step, k, x, draw, prob, &ders[k]);
    }
    block_derivatives(ms, ders, tm[static_cast<size_t>(slot)], factor, d);
    for (size_t k = 0; k < d.size(); ++k) chain_op(k, d[k], row);
  }
}

template <typename Real>
void Engine<Real>::rotation_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w,
                                      std::vector<double>& dw) {
  // d/dtheta = Im <lambda| P |psi_after> (pure); Im <<lambda| P (x) I |rho_after>> (doubled).
  const StepPlan& p = *plans_[s];
  const index_t spt = geo_.samples_per_tile;
  std::vector<cdouble> values(static_cast<size_t>(spt));
  tile::pauli_inner_slots(kt_, geo_, w.red, lam, psi, p.pm, inner_, w.sign.data(), values.data());
  const LoweredOp& op = prog_.ops[steps_[s].ops[0]];
  for (int slot = 0; slot < spt; ++slot)
    if (geo_.valid(tile, slot)) chain(op.angle, values[static_cast<size_t>(slot)].imag(), row_of(tile, slot), dw);
}

template <typename Real>
void Engine<Real>::dense_gradients(size_t s, index_t tile, const Real* psi, const Real* lam, Workspace& w,
                                   std::vector<double>& dw) {
  // df = 2 Re tr(dU R), R = sum psi_before (x) conj(lambda_after) on the targets (for density
  // matrices: the state with only its rows un-applied, and the row bits).
  const StepPlan& p = *plans_[s];
  const TileStep& t = w.steps[s];
  const LoweredOp& op = prog_.ops[steps_[s].ops[0]];
  const index_t spt = geo_.samples_per_tile;
  std::vector<MatrixC> r;
  tile::outer_slots(kt_, geo_, w.red, psi, lam, p.tm, inner_, r);
  const int k = static_cast<int>(op.targets.size());
  switch (op.kind) {
    case LoweredOp::Kind::Phase:
      // U = diag(1, e^{i phi}) on the last wire: dU = diag(0, i e^{i phi})
      for (int slot = 0; slot < spt; ++slot) {
        if (!geo_.valid(tile, slot)) continue;
        const index_t row = row_of(tile, slot);
        const cdouble du = cdouble(0, 1) * std::polar(1.0, eval(op.angle, row_inputs(row)));
        chain(op.angle, 2.0 * (du * r[static_cast<size_t>(slot)](1, 1)).real(), row, dw);
      }
      break;
    case LoweredOp::Kind::SpecialUnitary: {
      std::vector<cdouble> traces(static_cast<size_t>(op.count));
      if (!op.per_sample && !req_.per_sample_weights) {
        MatrixC total = MatrixC::Zero(r[0].rows(), r[0].cols());
        for (int slot = 0; slot < spt; ++slot)
          if (geo_.valid(tile, slot)) total += r[static_cast<size_t>(slot)];
        pauli_traces(exp_gradient(p.su, total), k, traces.data());
        if (req_.d_weights != nullptr)
          for (index_t j = 0; j < op.count; ++j) dw[static_cast<size_t>(op.offset + j)] += 2.0 * traces[static_cast<size_t>(j)].real();
        break;
      }
      for (int slot = 0; slot < spt; ++slot) {
        if (!geo_.valid(tile, slot)) continue;
        const index_t row = row_of(tile, slot);
        const HermitianExp& e = op.per_sample ? t.exps[static_cast<size_t>(slot)] : p.su;
        pauli_traces(exp_gradient(e, r[static_cast<size_t>(slot)]), k, traces.data());
        for (index_t j = 0; j < op.count; ++j) {
          const double d = 2.0 * traces[static_cast<size_t>(j)].real();
          if (op.per_sample) {
            if (req_.d_inputs != nullptr) req_.d_inputs[row * prog_.n_inputs + op.offset + j] += d;
          } else if (req_.d_weights != nullptr) {
            req_.d_weights[row * prog_.n_weights + op.offset + j] += d;
          }
        }
      }
      break;
    }
    case LoweredOp::Kind::Evolution: {
      // A = -t/4 (M + M^T): dA/dt = -H/2, dA/dM_ab = -t/4 (E_ab + E_ba)
      const int dim = 1 << k;
      for (int slot = 0; slot < spt; ++slot) {
        if (!geo_.valid(tile, slot)) continue;
        const index_t row = row_of(tile, slot);
        const double* x = row_inputs(row);
        const MatrixC g = exp_gradient(t.exps[static_cast<size_t>(slot)], r[static_cast<size_t>(slot)]);
        const double time = eval(op.angle, x);
        const double* m = x + op.offset;
        double* dx = req_.d_inputs != nullptr ? req_.d_inputs + row * prog_.n_inputs + op.offset : nullptr;
        double dt = 0.0;
        for (int a = 0; a < dim; ++a)
          for (int b = 0; b < dim; ++b) {
            const double h = 0.5 * (m[a * dim + b] + m[b * dim + a]);
            dt += 2.0 * (-0.5 * h * g(b, a)).real();
            if (dx != nullptr) dx[a * dim + b] += 2.0 * (-0.25 * time * (g(b, a) + g(a, b))).real();
          }
        chain(op.angle, dt, row, dw);
      }
      break;
    }
    default: break;
  }
}

// The amplitude embedding's input gradient, from lambda at the start: df/da_j = 2 Re lambda_j
// (pure), 2 Re sum_i Lambda_ji a_i (doubled), then through the padding and the normalization.
template <typename Real>
void Engine<Real>::embedding_gradient(index_t tile, const Real* lam, Workspace& w) {
  if (!prep_ || req_.d_inputs == nullptr) return;
  const LoweredOp& op = prog_.ops[0];
  if (op.kind != LoweredOp::Kind::AmplitudeEmbedding) return;
  const int k = static_cast<int>(op.targets.size());
  const size_t dl = size_t{1} << k;
  std::vector<index_t> idx(dl, 0);
  for (size_t j = 0; j < dl; ++j)
    for (int t = 0; t < k; ++t)
      if ((j >> (k - 1 - t)) & 1) idx[j] |= index_t{1} << (n_ - 1 - op.targets[static_cast<size_t>(t)]);
  const index_t w2 = 2 * L;
  for (int slot = 0; slot < geo_.samples_per_tile; ++slot) {
    if (!geo_.valid(tile, slot)) continue;
    const index_t row = row_of(tile, slot);
    const double* x = row_inputs(row);
    const std::vector<cdouble>& a = w.amps[static_cast<size_t>(slot)];
    std::vector<double> ga(dl, 0.0), xt(dl, 0.0);
    for (size_t j = 0; j < dl; ++j) {
      xt[j] = static_cast<index_t>(j) < op.count ? x[op.offset + static_cast<index_t>(j)] : op.pad;
      if (space_ == Space::Pure) {
        const index_t s = idx[j];
        const index_t v = s >> geo_.lq, lane = ((s & ((index_t{1} << geo_.lq) - 1)) << geo_.sb) | slot;
        ga[j] = 2.0 * static_cast<double>(lam[v * w2 + lane]);
      } else {
        cdouble acc = 0.0;
        for (size_t i = 0; i < dl; ++i) acc += linear_->entry(lam, idx[j], idx[i], slot) * a[static_cast<size_t>(idx[i])];
        ga[j] = 2.0 * acc.real();
      }
    }
    if (op.normalize) {
      double norm2 = 0.0, dot = 0.0;
      for (size_t j = 0; j < dl; ++j) norm2 += xt[j] * xt[j];
      const double norm = std::sqrt(norm2);
      for (size_t j = 0; j < dl; ++j) dot += ga[j] * a[static_cast<size_t>(idx[j])].real();
      for (size_t j = 0; j < dl; ++j) ga[j] = (ga[j] - dot * a[static_cast<size_t>(idx[j])].real()) / norm;
    }
    double* dx = req_.d_inputs + row * prog_.n_inputs + op.offset;
    for (size_t j = 0; j < dl && static_cast<index_t>(j) < op.count; ++j) dx[j] += ga[j];
  }
}

// Trajectories with trainable noise strengths: the pathwise gradient of a drawn channel carries
// f_row d log p / ds, whose mean is zero; subtracting b_row d log p / ds, with b_row the mean value
// of the tile's other rows of the same sample (independent of the row's draws), keeps the
// estimate unbiased and removes most of its variance.
template <typename Real>
void Engine<Real>::control_variates(index_t tile, Workspace& w, std::vector<double>& dw) {
  const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
  bool any = false;
  for (size_t s = 0; s < steps_.size(); ++s)
    for (const auto& c : plans_[s]->channels) any = any || c.trainable;
  if (!any) return;
  std::vector<double> f(static_cast<size_t>(spt), 0.0), base(static_cast<size_t>(spt), 0.0);
  for (int slot = 0; slot < spt; ++slot)
    for (index_t o = 0; o < n_out; ++o)
      f[static_cast<size_t>(slot)] += w.cot[static_cast<size_t>(slot * n_out + o)] * w.out[static_cast<size_t>(slot * n_out + o)];
  for (int slot = 0; slot < spt; ++slot) {
    if (!geo_.valid(tile, slot)) continue;
    const index_t sample = row_of(tile, slot) / req_.rows_per_sample;
    double sum = 0.0;
    int count = 0;
    for (int other = 0; other < spt; ++other) {
      if (other == slot || !geo_.valid(tile, other) || row_of(tile, other) / req_.rows_per_sample != sample) continue;
      sum += f[static_cast<size_t>(other)];
      ++count;
    }
    base[static_cast<size_t>(slot)] = count > 0 ? sum / count : 0.0;
  }
  for (size_t s = 0; s < steps_.size(); ++s) {
    const StepPlan& p = *plans_[s];
    const TileStep& t = w.steps[s];
    const size_t nc = p.channels.size();
    if (nc == 0 || t.cv.empty()) continue;
    const size_t ns = t.cv.size() / (static_cast<size_t>(spt) * nc);
    for (size_t ci = 0; ci < nc; ++ci) {
      if (!p.channels[ci].trainable) continue;
      const LoweredOp& op = prog_.ops[steps_[s].ops[p.channels[ci].k]];
      for (int slot = 0; slot < spt; ++slot) {
        if (!geo_.valid(tile, slot)) continue;
        for (size_t j = 0; j < op.strengths.size(); ++j)
          chain(op.strengths[j], -base[static_cast<size_t>(slot)] * t.cv[(static_cast<size_t>(slot) * nc + ci) * ns + j],
                row_of(tile, slot), dw);
      }
    }
  }
}

template class Engine<float>;
template class Engine<double>;

}  // namespace tangle::detail::mixed
