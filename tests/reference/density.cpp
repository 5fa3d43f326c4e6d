#include "reference/density.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tangle::ref {

namespace {

const cdouble kI(0.0, 1.0);

Mat m2(cdouble a, cdouble b, cdouble c, cdouble d) {
  Mat m(2, 2);
  m << a, b, c, d;
  return m;
}

double strength(const Op& op, size_t j, const double* w, const double* x) { return op.angles.at(j).eval<double>(w, x); }

std::vector<Mat> pauli_mixture(const std::vector<double>& probs, const std::vector<Mat>& paulis) {
  std::vector<Mat> k;
  for (size_t i = 0; i < probs.size(); ++i) k.push_back(std::sqrt(std::max(probs[i], 0.0)) * paulis[i]);
  return k;
}

}  // namespace

std::vector<Mat> kraus_operators(const Op& op, const double* w, const double* x) {
  const Mat I = identity(1), X = pauli(Pauli::X), Y = pauli(Pauli::Y), Z = pauli(Pauli::Z);
  auto s = [&](size_t j) { return strength(op, j, w, x); };
  switch (op.gate) {
    case Gate::Depolarizing: {
      const double p = s(0);
      return pauli_mixture({1 - p, p / 3, p / 3, p / 3}, {I, X, Y, Z});
    }
    case Gate::TwoQubitDepolarizing: {
      const double p = s(0);
      std::vector<Mat> k;
      const Mat one[4] = {I, X, Y, Z};
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) k.push_back(std::sqrt(a == 0 && b == 0 ? 1 - p : p / 15) * kron(one[a], one[b]));
      return k;
    }
    case Gate::BitFlip: return pauli_mixture({1 - s(0), s(0)}, {I, X});
    case Gate::PhaseFlip: return pauli_mixture({1 - s(0), s(0)}, {I, Z});
    case Gate::PauliChannel: return pauli_mixture({1 - s(0) - s(1) - s(2), s(0), s(1), s(2)}, {I, X, Y, Z});
    case Gate::AmplitudeDamping: {
      const double g = s(0);
      return {m2(1, 0, 0, std::sqrt(1 - g)), m2(0, std::sqrt(g), 0, 0)};
    }
    case Gate::GeneralizedAmplitudeDamping: {
      const double g = s(0), p = s(1);
      return {std::sqrt(p) * m2(1, 0, 0, std::sqrt(1 - g)), std::sqrt(p) * m2(0, std::sqrt(g), 0, 0),
              std::sqrt(1 - p) * m2(std::sqrt(1 - g), 0, 0, 1), std::sqrt(1 - p) * m2(0, 0, std::sqrt(g), 0)};
    }
    case Gate::PhaseDamping: {
      const double g = s(0);
      return {m2(1, 0, 0, std::sqrt(1 - g)), m2(0, 0, 0, std::sqrt(g))};
    }
    case Gate::ThermalRelaxation: {
      // Relaxation to |0> (population of |1> kept with e^{-tg/T1}) then pure dephasing, as
      // Qiskit Aer's thermal_relaxation_error with excited-state population 0 and T2 <= T1...
      // written as amplitude damping followed by phase damping, which covers T2 <= 2 T1.
      const double t1 = s(0), t2 = s(1), tg = s(2);
      const double gamma = 1 - std::exp(-tg / t1);
      // coherence after damping: sqrt(1 - gamma) = e^{-tg/(2 T1)}; the dephasing makes it e^{-tg/T2}
      const double keep = std::exp(-tg / t2 + tg / (2 * t1));
      const double lambda = 1 - keep * keep;
      const std::vector<Mat> ad = {m2(1, 0, 0, std::sqrt(1 - gamma)), m2(0, std::sqrt(gamma), 0, 0)};
      const std::vector<Mat> pd = {m2(1, 0, 0, std::sqrt(1 - lambda)), m2(0, 0, 0, std::sqrt(std::max(lambda, 0.0)))};
      std::vector<Mat> k;
      for (const Mat& b : pd)
        for (const Mat& a : ad) k.push_back(b * a);
      return k;
    }
    case Gate::Reset: return {m2(1, 0, 0, 0), m2(0, 1, 0, 0)};
    case Gate::Kraus: {
      const int dim = 1 << op.wires.size();
      const size_t dd = static_cast<size_t>(dim * dim);
      std::vector<Mat> k;
      for (size_t i = 0; i * dd < op.matrix.size(); ++i)
        k.push_back(from_row_major(std::vector<cdouble>(op.matrix.begin() + static_cast<std::ptrdiff_t>(i * dd),
                                                        op.matrix.begin() + static_cast<std::ptrdiff_t>((i + 1) * dd)),
                                   dim));
      return k;
    }
    default: return {op_matrix(op, w, x)};
  }
}

Mat simulate_density(const Circuit& c, const double* x, const double* w) {
  const int n = c.n_qubits();
  const index_t dim = index_t{1} << n;
  Mat rho = Mat::Zero(dim, dim);
  rho(0, 0) = 1.0;
  for (const Op& op : c.ops()) {
    if (gate_info(op.gate).family == GateFamily::StatePrep) {
      const Vec psi = prepared_state(op, n, x);
      rho = psi * psi.adjoint();
      continue;
    }
    Mat next = Mat::Zero(dim, dim);
    for (const Mat& k : kraus_operators(op, w, x)) {
      const Mat e = expand(k, op.wires, n);
      next += e * rho * e.adjoint();
    }
    rho = next;
  }
  return rho;
}

std::vector<double> readout_density(const Readout& r, const Mat& rho, int n) {
  switch (r.kind()) {
    case Readout::Kind::Expval: return {(pauli_sum_matrix(r.observable(), n) * rho).trace().real()};
    case Readout::Kind::Probs:
    case Readout::Kind::Projector: {
      const int k = static_cast<int>(r.wires().size());
      std::vector<double> p(static_cast<size_t>(1) << k, 0.0);
      for (size_t b = 0; b < p.size(); ++b) {
        Mat proj = Mat::Zero(1 << k, 1 << k);
        proj(static_cast<index_t>(b), static_cast<index_t>(b)) = 1.0;
        p[b] = (expand(proj, r.wires(), n) * rho).trace().real();
      }
      if (r.kind() == Readout::Kind::Probs) return p;
      return {p.at(static_cast<size_t>(r.basis_state()))};
    }
    case Readout::Kind::Hermitian: {
      const Mat h = from_row_major(r.matrix(), 1 << r.wires().size());
      return {(expand(h, r.wires(), n) * rho).trace().real()};
    }
  }
  throw std::logic_error("readout_density: bad readout kind");
}

std::vector<double> forward_density(const Circuit& c, const std::vector<Readout>& readouts,
                                    const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights) {
  std::vector<double> y;
  for (index_t b = 0; b < batch; ++b) {
    const Mat rho = simulate_density(c, inputs.data() + b * c.n_inputs(), weights.data());
    for (const Readout& r : readouts) {
      const auto v = readout_density(r, rho, c.n_qubits());
      y.insert(y.end(), v.begin(), v.end());
    }
  }
  return y;
}

std::vector<cdouble> density_matrices(const Circuit& c, const std::vector<double>& inputs, index_t batch,
                                      const std::vector<double>& weights) {
  std::vector<cdouble> out;
  for (index_t b = 0; b < batch; ++b) {
    const Mat rho = simulate_density(c, inputs.data() + b * c.n_inputs(), weights.data());
    for (index_t i = 0; i < rho.rows(); ++i)
      for (index_t j = 0; j < rho.cols(); ++j) out.push_back(rho(i, j));
  }
  return out;
}

Jacobian fd_jacobian_density(const Circuit& c, const std::vector<Readout>& readouts,
                             const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights,
                             double h) {
  const index_t n_out = n_outputs(readouts), n_w = c.n_weights(), n_in = c.n_inputs();
  Jacobian j;
  j.outputs = forward_density(c, readouts, inputs, batch, weights);
  j.d_weights.assign(static_cast<size_t>(batch * n_out * n_w), 0.0);
  j.d_inputs.assign(static_cast<size_t>(batch * n_out * n_in), 0.0);
  for (index_t b = 0; b < batch; ++b) {
    std::vector<double> x(inputs.begin() + b * n_in, inputs.begin() + (b + 1) * n_in), w = weights;
    auto outputs = [&] { return forward_density(c, readouts, x, 1, w); };
    for (int kind = 0; kind < 2; ++kind) {
      const index_t count = kind == 0 ? n_w : n_in;
      for (index_t p = 0; p < count; ++p) {
        double& v = kind == 0 ? w[static_cast<size_t>(p)] : x[static_cast<size_t>(p)];
        const double v0 = v;
        static constexpr double kCoef[4] = {4.0 / 5.0, -1.0 / 5.0, 4.0 / 105.0, -1.0 / 280.0};
        std::vector<double> d(static_cast<size_t>(n_out), 0.0);
        for (int k = 0; k < 4; ++k) {
          v = v0 + (k + 1) * h;
          const std::vector<double> up = outputs();
          v = v0 - (k + 1) * h;
          const std::vector<double> down = outputs();
          for (index_t o = 0; o < n_out; ++o)
            d[static_cast<size_t>(o)] += kCoef[k] * (up[static_cast<size_t>(o)] - down[static_cast<size_t>(o)]) / h;
        }
        v = v0;
        std::vector<double>& dst = kind == 0 ? j.d_weights : j.d_inputs;
        for (index_t o = 0; o < n_out; ++o) dst[static_cast<size_t>((b * n_out + o) * count + p)] = d[static_cast<size_t>(o)];
      }
    }
  }
  return j;
}

}  // namespace tangle::ref
