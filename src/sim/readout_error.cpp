#include "readout_error.hpp"

#include <cmath>

#include "tangle/core/kronecker.hpp"
#include "tangle/core/error.hpp"

namespace tangle::detail {

namespace {

// The observable a misreading measurement estimates: each factor P_q on a wire with readout error
// becomes a_q + c_q P_q (readout_error.hpp).
PauliSum with_readout_error(const PauliSum& h, const std::vector<ReadoutConfusion>& error) {
  PauliSum out;
  for (const PauliTerm& t : h.terms()) {
    PauliSum term(t.coef);
    for (const auto& [wire, letter] : t.factors) {
      const ReadoutConfusion& c = error[static_cast<size_t>(wire)];
      const PauliSum p = PauliSum::single(letter, wire);
      term = term * (c.is_identity() ? p : PauliSum(c.p01() - c.p10()) + (1.0 - c.p01() - c.p10()) * p);
    }
    out = out + term;
  }
  return out;
}

std::vector<ReadoutConfusion> confusion_of(const std::vector<int>& wires, const std::vector<ReadoutConfusion>& error) {
  std::vector<ReadoutConfusion> c;
  bool any = false;
  for (int w : wires) {
    c.push_back(error[static_cast<size_t>(w)]);
    any = any || !c.back().is_identity();
  }
  if (!any) c.clear();
  return c;
}

MeasuredProgram build_measured(const LoweredProgram& program) {
  MeasuredProgram m;
  m.program = program;  // its caches start empty (LazySlot), and fill for the measured readouts
  m.program.readout_error.clear();
  m.program.readouts.clear();
  const std::vector<ReadoutConfusion>& error = program.readout_error;
  index_t raw = 0, out = 0;
  for (const Readout& r : program.readouts) {
    ReadoutBlock b;
    b.raw = raw;
    b.out = out;
    b.n_out = r.n_outputs();
    switch (r.kind()) {
      case Readout::Kind::Expval: m.program.readouts.push_back(Readout::expval(with_readout_error(r.observable(), error))); break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector:
        b.confusion = confusion_of(r.wires(), error);
        if (b.confusion.empty()) {
          m.program.readouts.push_back(r);
          break;
        }
        m.program.readouts.push_back(Readout::probs(r.wires()));
        if (r.kind() == Readout::Kind::Projector) b.pick = r.basis_state();
        break;
      case Readout::Kind::Hermitian: m.program.readouts.push_back(r); break;
    }
    b.n_raw = m.program.readouts.back().n_outputs();
    raw += b.n_raw;
    out += b.n_out;
    m.blocks.push_back(std::move(b));
  }
  m.program.n_outputs = raw;
  return m;
}

enum class Use : std::uint8_t { Matrix, Transpose, Squares };

// v (2^k values, wires[0] the most significant bit) <- (A_0 (x) ... (x) A_(k-1)) v, A_i wire i's
// confusion matrix, its transpose (cotangents) or its entrywise square (variances).
void apply_confusion(std::vector<double>& v, const std::vector<ReadoutConfusion>& confusion, Use use) {
  std::vector<Matrix2> a(confusion.size());
  for (size_t i = 0; i < confusion.size(); ++i)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) {
        const double x = use == Use::Transpose ? confusion[i].p[c][r] : confusion[i].p[r][c];
        a[i][r][c] = use == Use::Squares ? x * x : x;
      }
  apply_kronecker2(v, a);
}

// One sample's outputs from its measured outputs: y = M r (Use::Matrix), or for variances
// y = (M o M) r (Use::Squares; entrywise square of M).
void map_forward(const MeasuredProgram& m, const double* raw, double* y, Use use, std::vector<double>& tmp) {
  for (const ReadoutBlock& b : m.blocks) {
    if (b.confusion.empty()) {
      std::copy(raw + b.raw, raw + b.raw + b.n_out, y + b.out);
      continue;
    }
    tmp.assign(raw + b.raw, raw + b.raw + b.n_raw);
    apply_confusion(tmp, b.confusion, use);
    if (b.pick >= 0) {
      y[b.out] = tmp[static_cast<size_t>(b.pick)];
    } else {
      std::copy(tmp.begin(), tmp.end(), y + b.out);
    }
  }
}

// One sample's measured cotangent from its output cotangent: M^T g.
void map_cotangent(const MeasuredProgram& m, const double* g, double* raw, std::vector<double>& tmp) {
  for (const ReadoutBlock& b : m.blocks) {
    if (b.confusion.empty()) {
      std::copy(g + b.out, g + b.out + b.n_out, raw + b.raw);
      continue;
    }
    if (b.pick >= 0) {
      tmp.assign(static_cast<size_t>(b.n_raw), 0.0);
      tmp[static_cast<size_t>(b.pick)] = g[b.out];
    } else {
      tmp.assign(g + b.out, g + b.out + b.n_out);
    }
    apply_confusion(tmp, b.confusion, Use::Transpose);
    std::copy(tmp.begin(), tmp.end(), raw + b.raw);
  }
}

}  // namespace

void check_readout_error(const std::vector<Readout>& readouts, const std::vector<ReadoutConfusion>& error) {
  if (error.empty()) return;
  for (const Readout& r : readouts) {
    if (r.kind() != Readout::Kind::Hermitian) continue;
    for (int w : r.wires())
      TANGLE_CHECK(error[static_cast<size_t>(w)].is_identity(), r.to_string(), " reads wire ", w,
                   ", which has a readout error: a Hermitian matrix has no per-wire measurement to misread "
                   "(read a Pauli sum, probabilities or projectors there instead)");
  }
}

const MeasuredProgram& measured_program(const LoweredProgram& program) {
  std::lock_guard<std::mutex> lock(program.measured.mutex);
  if (!program.measured.value) program.measured.value = std::make_shared<const MeasuredProgram>(build_measured(program));
  return *program.measured.value;
}

void execute_with_readout_error(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request) {
  const MeasuredProgram& m = measured_program(program);
  const index_t batch = request.batch, n_out = program.n_outputs, n_raw = m.program.n_outputs;
  ExecRequest raw = request;
  std::vector<double> y, g, tmp;
  if (request.outputs != nullptr) {
    y.assign(static_cast<size_t>(batch * n_raw), 0.0);
    raw.outputs = y.data();
  }
  if (request.cotangent != nullptr) {
    g.assign(static_cast<size_t>(batch * n_raw), 0.0);
    for (index_t b = 0; b < batch; ++b) {
      const double* gb = request.cotangent + b * n_out;
      for (index_t o = 0; o < n_out; ++o)
        TANGLE_CHECK(std::isfinite(gb[o]), "cotangent[", b, ", ", o, "] = ", gb[o], " is not finite");
      map_cotangent(m, gb, g.data() + b * n_raw, tmp);
    }
    raw.cotangent = g.data();
  }
  if (request.info != nullptr) request.info->std_errors.clear();
  execute(m.program, options, raw);
  if (request.outputs != nullptr)
    for (index_t b = 0; b < batch; ++b) map_forward(m, y.data() + b * n_raw, request.outputs + b * n_out, Use::Matrix, tmp);
  if (request.info != nullptr && request.info->std_errors.size() == static_cast<size_t>(batch * n_raw)) {
    // Each output's variance is sum_r M_or^2 se_r^2 (the measured estimates taken as independent).
    std::vector<double> var = std::move(request.info->std_errors);
    for (double& v : var) v *= v;
    std::vector<double>& se = request.info->std_errors;
    se.assign(static_cast<size_t>(batch * n_out), 0.0);
    for (index_t b = 0; b < batch; ++b) map_forward(m, var.data() + b * n_raw, se.data() + b * n_out, Use::Squares, tmp);
    for (double& v : se) v = std::sqrt(v);
  }
}

}  // namespace tangle::detail
