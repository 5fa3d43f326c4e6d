#include "reference/dense.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unsupported/Eigen/MatrixFunctions>

namespace tangle::ref {

namespace {

const cdouble kI{0.0, 1.0};

[[noreturn]] void fail(const std::string& what) { throw std::logic_error("reference oracle: " + what); }

Mat mat2(cdouble a, cdouble b, cdouble c, cdouble d) {
  Mat m(2, 2);
  m << a, b, c, d;
  return m;
}

Mat diag(std::initializer_list<cdouble> d) {
  Mat m = Mat::Zero(static_cast<Eigen::Index>(d.size()), static_cast<Eigen::Index>(d.size()));
  Eigen::Index i = 0;
  for (cdouble v : d) {
    m(i, i) = v;
    ++i;
  }
  return m;
}

Mat swap_matrix() {
  Mat m = Mat::Zero(4, 4);
  m(0, 0) = m(1, 2) = m(2, 1) = m(3, 3) = 1.0;
  return m;
}

// Local index of full index i: the bits of `wires`, wires[0] most significant.
index_t local_index(index_t i, const std::vector<int>& wires, int n) {
  index_t l = 0;
  for (int q : wires) l = (l << 1) | ((i >> (n - 1 - q)) & 1);
  return l;
}

index_t scatter(index_t l, const std::vector<int>& wires, int n) {
  const int k = static_cast<int>(wires.size());
  index_t i = 0;
  for (int t = 0; t < k; ++t)
    if ((l >> (k - 1 - t)) & 1) i |= index_t{1} << (n - 1 - wires[static_cast<size_t>(t)]);
  return i;
}

index_t wire_mask(const std::vector<int>& wires, int n) { return scatter((index_t{1} << wires.size()) - 1, wires, n); }

std::vector<Pauli> repeat(Pauli p, size_t k) { return std::vector<Pauli>(k, p); }

}  // namespace

Mat pauli(Pauli p) {
  switch (p) {
    case Pauli::I: return mat2(1, 0, 0, 1);
    case Pauli::X: return mat2(0, 1, 1, 0);
    case Pauli::Y: return mat2(0, -kI, kI, 0);
    case Pauli::Z: return mat2(1, 0, 0, -1);
  }
  fail("bad Pauli");
}

Mat kron(const Mat& a, const Mat& b) {
  Mat m(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) m.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return m;
}

Mat pauli_word(const std::vector<Pauli>& word) {
  Mat m = Mat::Identity(1, 1);
  for (Pauli p : word) m = kron(m, pauli(p));
  return m;
}

std::vector<std::vector<Pauli>> pauli_words(int k) {
  // Counting in base 4 with the first letter as the most significant digit is product order.
  std::vector<std::vector<Pauli>> out;
  const index_t count = index_t{1} << (2 * k);
  for (index_t c = 1; c < count; ++c) {
    std::vector<Pauli> w(static_cast<size_t>(k));
    for (int t = 0; t < k; ++t) w[static_cast<size_t>(t)] = static_cast<Pauli>((c >> (2 * (k - 1 - t))) & 3);
    out.push_back(std::move(w));
  }
  return out;
}

Mat identity(int k) { return Mat::Identity(index_t{1} << k, index_t{1} << k); }

Mat controlled(const Mat& u, int n_controls) {
  const index_t d = u.rows(), full = d << n_controls;
  Mat m = Mat::Identity(full, full);
  m.bottomRightCorner(d, d) = u;  // controls are the leading bits: all ones = the last block
  return m;
}

Mat expand(const Mat& local, const std::vector<int>& wires, int n) {
  const int k = static_cast<int>(wires.size());
  if (local.rows() != (index_t{1} << k) || local.cols() != local.rows()) fail("expand: matrix size");
  std::vector<int> order = wires;
  for (int q = 0; q < n; ++q) {
    bool used = false;
    for (int w : wires) used |= (w == q);
    if (!used) order.push_back(q);
  }
  const Mat kr = kron(local, identity(n - k));
  // Position t of the Kronecker order is wire order[t]; map each Kronecker index to the standard one.
  const index_t dim = index_t{1} << n;
  std::vector<index_t> to_std(static_cast<size_t>(dim));
  for (index_t j = 0; j < dim; ++j) to_std[static_cast<size_t>(j)] = scatter(j, order, n);
  Mat full = Mat::Zero(dim, dim);
  for (index_t r = 0; r < dim; ++r)
    for (index_t c = 0; c < dim; ++c) full(to_std[static_cast<size_t>(r)], to_std[static_cast<size_t>(c)]) = kr(r, c);
  return full;
}

Mat expm(const Mat& a) { return a.exp(); }

Mat pauli_rotation(const std::vector<Pauli>& word, double theta) {
  const Mat p = pauli_word(word);
  return std::cos(theta / 2) * Mat::Identity(p.rows(), p.cols()) - kI * std::sin(theta / 2) * p;
}

Mat special_unitary(const double* omega, int k) {
  const auto words = pauli_words(k);
  Mat a = Mat::Zero(index_t{1} << k, index_t{1} << k);
  for (size_t j = 0; j < words.size(); ++j) a += omega[j] * pauli_word(words[j]);
  return expm(kI * a);
}

Mat evolution(const double* m, int k, double t) {
  const index_t d = index_t{1} << k;
  Mat h(d, d);
  for (index_t r = 0; r < d; ++r)
    for (index_t c = 0; c < d; ++c) h(r, c) = 0.5 * (m[r * d + c] + m[c * d + r]);
  return expm(cdouble(0.0, -t / 2) * h);
}

Mat from_row_major(const std::vector<cdouble>& v, int dim) {
  if (static_cast<index_t>(v.size()) != index_t{dim} * dim) fail("from_row_major: size");
  Mat m(dim, dim);
  for (int r = 0; r < dim; ++r)
    for (int c = 0; c < dim; ++c) m(r, c) = v[static_cast<size_t>(r * dim + c)];
  return m;
}

std::vector<cdouble> to_row_major(const Mat& m) {
  std::vector<cdouble> v;
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) v.push_back(m(r, c));
  return v;
}

double unitarity_error(const Mat& u) {
  return (u.adjoint() * u - Mat::Identity(u.rows(), u.cols())).cwiseAbs().maxCoeff();
}

double hermiticity_error(const Mat& h) { return (h - h.adjoint()).cwiseAbs().maxCoeff(); }

Mat op_matrix(const Op& op, const double* w, const double* x) {
  auto angle = [&](size_t i) { return op.angles.at(i).eval(w, x); };
  const double r = 1.0 / std::sqrt(2.0);
  auto rz = [](double t) { return pauli_rotation({Pauli::Z}, t); };
  auto ry = [](double t) { return pauli_rotation({Pauli::Y}, t); };
  auto rot = [&] { return Mat(rz(angle(2)) * ry(angle(1)) * rz(angle(0))); };
  const size_t nw = op.wires.size();
  switch (op.gate) {
    case Gate::I: return identity(1);
    case Gate::X: return pauli(Pauli::X);
    case Gate::Y: return pauli(Pauli::Y);
    case Gate::Z: return pauli(Pauli::Z);
    case Gate::H: return mat2(r, r, r, -r);
    case Gate::S: return diag({1.0, kI});
    case Gate::Sdg: return diag({1.0, -kI});
    case Gate::T: return diag({1.0, std::polar(1.0, M_PI / 4)});
    case Gate::Tdg: return diag({1.0, std::polar(1.0, -M_PI / 4)});
    case Gate::SX: return 0.5 * mat2({1, 1}, {1, -1}, {1, -1}, {1, 1});
    case Gate::CNOT: return controlled(pauli(Pauli::X), 1);
    case Gate::CZ: return controlled(pauli(Pauli::Z), 1);
    case Gate::CY: return controlled(pauli(Pauli::Y), 1);
    case Gate::SWAP: return swap_matrix();
    case Gate::ISWAP: {
      Mat m = Mat::Zero(4, 4);
      m(0, 0) = m(3, 3) = 1.0;
      m(1, 2) = m(2, 1) = kI;
      return m;
    }
    case Gate::Toffoli: return controlled(pauli(Pauli::X), 2);
    case Gate::CSWAP: return controlled(swap_matrix(), 1);
    // Named rotations take their letter from the definition, not from op.word.
    case Gate::RX: return pauli_rotation({Pauli::X}, angle(0));
    case Gate::RY: return pauli_rotation({Pauli::Y}, angle(0));
    case Gate::RZ: return pauli_rotation({Pauli::Z}, angle(0));
    case Gate::RXX: return pauli_rotation(repeat(Pauli::X, 2), angle(0));
    case Gate::RYY: return pauli_rotation(repeat(Pauli::Y, 2), angle(0));
    case Gate::RZZ: return pauli_rotation(repeat(Pauli::Z, 2), angle(0));
    case Gate::MultiRZ: return pauli_rotation(repeat(Pauli::Z, nw), angle(0));
    case Gate::PauliRot:
      if (op.word.size() != nw) fail("PauliRot word size");
      return pauli_rotation(op.word, angle(0));
    case Gate::CRX: return controlled(pauli_rotation({Pauli::X}, angle(0)), 1);
    case Gate::CRY: return controlled(pauli_rotation({Pauli::Y}, angle(0)), 1);
    case Gate::CRZ: return controlled(pauli_rotation({Pauli::Z}, angle(0)), 1);
    case Gate::PhaseShift: return diag({1.0, std::polar(1.0, angle(0))});
    case Gate::ControlledPhaseShift: return diag({1.0, 1.0, 1.0, std::polar(1.0, angle(0))});
    case Gate::Rot: return rot();
    case Gate::U3: {
      const double th = angle(0), ph = angle(1), la = angle(2);
      return mat2(std::cos(th / 2), -std::polar(1.0, la) * std::sin(th / 2), std::polar(1.0, ph) * std::sin(th / 2),
                  std::polar(1.0, ph + la) * std::cos(th / 2));
    }
    case Gate::CRot: return controlled(rot(), 1);
    case Gate::Unitary: return from_row_major(op.matrix, 1 << nw);
    case Gate::SpecialUnitary: {
      if (op.block.size() != (index_t{1} << (2 * nw)) - 1) fail("SpecialUnitary block size");
      // Trained weights, or (an input block) a different unitary for each sample.
      const double* p = op.block.kind() == ParamKind::Weight ? w : x;
      return special_unitary(p + op.block.offset(), static_cast<int>(nw));
    }
    case Gate::Evolution: {
      if (op.block.size() != index_t{1} << (2 * nw)) fail("Evolution block size");
      return evolution(x + op.block.offset(), static_cast<int>(nw), angle(0));
    }
    case Gate::AmplitudeEmbedding:
    case Gate::StatePreparation:
    default: break;  // channels: see density.hpp
  }
  fail("op_matrix: no matrix for gate " + std::string(gate_info(op.gate).name));
}

Vec prepared_state(const Op& op, int n, const double* x) {
  const int k = static_cast<int>(op.wires.size());
  const index_t d = index_t{1} << k;
  Vec local(d);
  if (op.gate == Gate::StatePreparation) {
    for (index_t j = 0; j < d; ++j) local(j) = op.matrix.at(static_cast<size_t>(j));
  } else if (op.gate == Gate::AmplitudeEmbedding) {
    for (index_t j = 0; j < d; ++j) local(j) = j < op.block.size() ? x[op.block.offset() + j] : op.pad;
    if (op.normalize) local /= local.norm();
  } else {
    fail("prepared_state: not a state preparation");
  }
  // |local> on the wires (x) |0...0> on the rest.
  Vec psi = Vec::Zero(index_t{1} << n);
  for (index_t j = 0; j < d; ++j) psi(scatter(j, op.wires, n)) = local(j);
  return psi;
}

Vec apply(const Mat& local, const std::vector<int>& wires, const Vec& psi, int n) {
  const index_t dim = index_t{1} << n, d = local.rows();
  const index_t mask = wire_mask(wires, n);
  std::vector<index_t> offs(static_cast<size_t>(d));
  for (index_t l = 0; l < d; ++l) offs[static_cast<size_t>(l)] = scatter(l, wires, n);
  Vec out(dim);
  for (index_t i = 0; i < dim; ++i) {
    const index_t rest = i & ~mask, li = local_index(i, wires, n);
    cdouble s = 0.0;
    for (index_t l = 0; l < d; ++l) s += local(li, l) * psi(rest | offs[static_cast<size_t>(l)]);
    out(i) = s;
  }
  return out;
}

Vec simulate(const Circuit& c, const double* x, const double* w, Mode mode) {
  const int n = c.n_qubits();
  const bool kron_mode = mode == Mode::Kronecker || (mode == Mode::Auto && n <= 5);
  Vec psi = Vec::Zero(index_t{1} << n);
  psi(0) = 1.0;
  for (size_t i = 0; i < c.ops().size(); ++i) {
    const Op& op = c.ops()[i];
    const GateFamily fam = gate_info(op.gate).family;
    if (fam == GateFamily::StatePrep) {
      if (i != 0) fail("state preparation not first");
      psi = prepared_state(op, n, x);
      continue;
    }
    const Mat m = op_matrix(op, w, x);
    psi = kron_mode ? Vec(expand(m, op.wires, n) * psi) : apply(m, op.wires, psi, n);
  }
  return psi;
}

Mat pauli_sum_matrix(const PauliSum& h, int n) {
  const index_t dim = index_t{1} << n;
  Mat m = Mat::Zero(dim, dim);
  for (const PauliTerm& t : h.terms()) {
    Mat p = identity(n);
    for (const auto& [wire, letter] : t.factors) p = expand(pauli(letter), {wire}, n) * p;
    m += t.coef * p;
  }
  return m;
}

double expval(const PauliSum& h, const Vec& psi, int n) {
  double s = 0.0;
  for (const PauliTerm& t : h.terms()) {
    Vec v = psi;
    for (const auto& [wire, letter] : t.factors) v = apply(pauli(letter), {wire}, v, n);
    s += t.coef * psi.dot(v).real();  // dot conjugates its first argument
  }
  return s;
}

std::vector<double> readout(const Readout& r, const Vec& psi, int n) {
  switch (r.kind()) {
    case Readout::Kind::Expval: return {expval(r.observable(), psi, n)};
    case Readout::Kind::Probs:
    case Readout::Kind::Projector: {
      std::vector<double> p(static_cast<size_t>(index_t{1} << r.wires().size()), 0.0);
      for (index_t i = 0; i < psi.size(); ++i) p[static_cast<size_t>(local_index(i, r.wires(), n))] += std::norm(psi(i));
      if (r.kind() == Readout::Kind::Probs) return p;
      return {p.at(static_cast<size_t>(r.basis_state()))};
    }
    case Readout::Kind::Hermitian: {
      const Mat h = from_row_major(r.matrix(), 1 << r.wires().size());
      return {psi.dot(apply(h, r.wires(), psi, n)).real()};
    }
  }
  fail("bad readout kind");
}

index_t n_outputs(const std::vector<Readout>& readouts) {
  index_t s = 0;
  for (const Readout& r : readouts) s += r.n_outputs();
  return s;
}

namespace {
std::vector<double> sample_outputs(const Circuit& c, const std::vector<Readout>& readouts, const double* x,
                                   const double* w) {
  const Vec psi = simulate(c, x, w);
  std::vector<double> y;
  for (const Readout& r : readouts) {
    const auto v = readout(r, psi, c.n_qubits());
    y.insert(y.end(), v.begin(), v.end());
  }
  return y;
}
}  // namespace

std::vector<double> forward(const Circuit& c, const std::vector<Readout>& readouts, const std::vector<double>& inputs,
                            index_t batch, const std::vector<double>& weights) {
  std::vector<double> y;
  for (index_t b = 0; b < batch; ++b) {
    const auto v = sample_outputs(c, readouts, inputs.data() + b * c.n_inputs(), weights.data());
    y.insert(y.end(), v.begin(), v.end());
  }
  return y;
}

std::vector<cdouble> states(const Circuit& c, const std::vector<double>& inputs, index_t batch,
                            const std::vector<double>& weights) {
  std::vector<cdouble> out;
  for (index_t b = 0; b < batch; ++b) {
    const Vec psi = simulate(c, inputs.data() + b * c.n_inputs(), weights.data());
    out.insert(out.end(), psi.data(), psi.data() + psi.size());
  }
  return out;
}

namespace {

// The weights and inputs an op reads: so differences re-run only the ops after the first one
// that reads the perturbed parameter, and rebuild only the matrices that read it.
struct OpDeps {
  std::vector<index_t> weights, inputs;
  bool uses(bool weight, index_t k) const {
    const auto& v = weight ? weights : inputs;
    return std::find(v.begin(), v.end(), k) != v.end();
  }
};

OpDeps op_deps(const Op& op) {
  OpDeps d;
  for (const Expr& e : op.angles)
    for (const Term& t : e.terms()) {
      if (t.weight >= 0) d.weights.push_back(t.weight);
      if (t.input >= 0) d.inputs.push_back(t.input);
      if (t.input2 >= 0) d.inputs.push_back(t.input2);
    }
  auto& dst = op.block.kind() == ParamKind::Weight ? d.weights : d.inputs;
  for (index_t i = 0; i < op.block.size(); ++i) dst.push_back(op.block.offset() + i);
  return d;
}

}  // namespace

Jacobian fd_jacobian(const Circuit& c, const std::vector<Readout>& readouts, const std::vector<double>& inputs,
                     index_t batch, const std::vector<double>& weights, double h) {
  const int n = c.n_qubits();
  const index_t n_out = n_outputs(readouts), n_w = c.n_weights(), n_in = c.n_inputs();
  const std::vector<Op>& ops = c.ops();
  std::vector<OpDeps> deps;
  for (const Op& op : ops) deps.push_back(op_deps(op));
  Jacobian j;
  j.outputs = forward(c, readouts, inputs, batch, weights);
  j.d_weights.assign(static_cast<size_t>(batch * n_out * n_w), 0.0);
  j.d_inputs.assign(static_cast<size_t>(batch * n_out * n_in), 0.0);
  static constexpr double kCoef[4] = {4.0 / 5.0, -1.0 / 5.0, 4.0 / 105.0, -1.0 / 280.0};
  for (index_t b = 0; b < batch; ++b) {
    std::vector<double> x(inputs.begin() + b * n_in, inputs.begin() + (b + 1) * n_in), w = weights;
    // Unperturbed matrices, and the state before each op.
    std::vector<Mat> mats(ops.size());
    std::vector<Vec> before(ops.size() + 1);
    before[0] = Vec::Zero(index_t{1} << n);
    before[0](0) = 1.0;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (gate_info(ops[i].gate).family == GateFamily::StatePrep) {
        before[i + 1] = prepared_state(ops[i], n, x.data());
        continue;
      }
      mats[i] = op_matrix(ops[i], w.data(), x.data());
      before[i + 1] = apply(mats[i], ops[i].wires, before[i], n);
    }
    auto outputs_from = [&](size_t first, bool weight, index_t k) {
      Vec psi = before[first];
      for (size_t i = first; i < ops.size(); ++i) {
        if (gate_info(ops[i].gate).family == GateFamily::StatePrep) {
          psi = prepared_state(ops[i], n, x.data());
        } else {
          psi = apply(deps[i].uses(weight, k) ? op_matrix(ops[i], w.data(), x.data()) : mats[i], ops[i].wires, psi, n);
        }
      }
      std::vector<double> y;
      for (const Readout& r : readouts) {
        const auto v = readout(r, psi, n);
        y.insert(y.end(), v.begin(), v.end());
      }
      return y;
    };
    // d/dp of every output of sample b: sum_k coef_k (y(p + k h) - y(p - k h)) / h.
    auto derive = [&](bool weight, index_t index, std::vector<double>& dst, index_t n_par) {
      double& p = weight ? w[static_cast<size_t>(index)] : x[static_cast<size_t>(index)];
      size_t first = 0;
      while (first < ops.size() && !deps[first].uses(weight, index)) ++first;
      if (first == ops.size()) return;  // unused: derivative zero
      const double p0 = p;
      for (int k = 0; k < 4; ++k) {
        p = p0 + (k + 1) * h;
        const auto plus = outputs_from(first, weight, index);
        p = p0 - (k + 1) * h;
        const auto minus = outputs_from(first, weight, index);
        for (index_t o = 0; o < n_out; ++o)
          dst[static_cast<size_t>((b * n_out + o) * n_par + index)] +=
              kCoef[k] * (plus[static_cast<size_t>(o)] - minus[static_cast<size_t>(o)]) / h;
      }
      p = p0;
    };
    for (index_t k = 0; k < n_w; ++k) derive(true, k, j.d_weights, n_w);
    for (index_t m = 0; m < n_in; ++m) derive(false, m, j.d_inputs, n_in);
  }
  return j;
}

Vjp contract(const Jacobian& j, const std::vector<double>& g, index_t batch, index_t n_out, index_t n_w,
             index_t n_in) {
  Vjp v;
  v.d_weights.assign(static_cast<size_t>(n_w), 0.0);
  v.d_inputs.assign(static_cast<size_t>(batch * n_in), 0.0);
  for (index_t b = 0; b < batch; ++b)
    for (index_t o = 0; o < n_out; ++o) {
      const double go = g[static_cast<size_t>(b * n_out + o)];
      for (index_t k = 0; k < n_w; ++k)
        v.d_weights[static_cast<size_t>(k)] += go * j.d_weights[static_cast<size_t>((b * n_out + o) * n_w + k)];
      for (index_t m = 0; m < n_in; ++m)
        v.d_inputs[static_cast<size_t>(b * n_in + m)] += go * j.d_inputs[static_cast<size_t>((b * n_out + o) * n_in + m)];
    }
  return v;
}

}  // namespace tangle::ref
