#include "tangle/ir/channel.hpp"

#include <algorithm>
#include <cmath>

#include "tangle/core/error.hpp"

namespace tangle {

namespace {

using Mat = std::vector<cdouble>;  // 2^k x 2^k row-major

// superop += f * (A (x) conj(B)) on k wires: entry ((i, j), (m, l)) = A_im conj(B_jl).
void add_term(cdouble* s, int k, const Mat& a, const Mat& b, double f) {
  if (f == 0.0) return;
  const size_t d = size_t{1} << k, dd = d * d;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j)
      for (size_t m = 0; m < d; ++m) {
        const cdouble aim = a[i * d + m];
        if (aim == 0.0) continue;
        for (size_t l = 0; l < d; ++l) s[(i * d + j) * dd + m * d + l] += f * aim * std::conj(b[j * d + l]);
      }
}

Mat unit(int r, int c) {  // |r><c| on one qubit
  Mat m(4, 0.0);
  m[static_cast<size_t>(r * 2 + c)] = 1.0;
  return m;
}

Mat pauli_word_matrix(unsigned word, int k) {
  static const cdouble p[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, cdouble(0, -1), cdouble(0, 1), 0}, {1, 0, 0, -1}};
  Mat m{1.0};
  for (int q = 0; q < k; ++q) {
    const unsigned letter = (word >> (2 * (k - 1 - q))) & 3u;
    const size_t d = size_t{1} << q;
    Mat out(d * 2 * d * 2, 0.0);
    for (size_t r = 0; r < d; ++r)
      for (size_t c = 0; c < d; ++c)
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b)
            out[(r * 2 + static_cast<size_t>(a)) * (2 * d) + c * 2 + static_cast<size_t>(b)] =
                m[r * d + c] * p[letter][a * 2 + b];
    m = std::move(out);
  }
  return m;
}

std::string_view name_of(Gate g) { return gate_info(g).name; }

void check_probability(Gate g, const char* what, double v) {
  TANGLE_CHECK(std::isfinite(v), name_of(g), ": ", what, " = ", v, " is not finite");
  TANGLE_CHECK(v >= 0.0 && v <= 1.0, name_of(g), ": ", what, " = ", v, " is outside [0, 1]");
}

// Thermal relaxation to |0>: population transfer p_r = 1 - exp(-tg/t1), coherence factor exp(-tg/t2).
void thermal_terms(const double* s, cdouble* out, int which) {
  // which = -1: S; 0, 1, 2: dS/dt1, dS/dt2, dS/dtg.
  const double t1 = s[0], t2 = s[1], tg = s[2];
  const double e1 = std::exp(-tg / t1), e2 = std::exp(-tg / t2);
  double f_keep0 = 1.0, f_pr = 1.0 - e1, f_keep1 = e1, f_coh = e2;
  if (which == 0) f_keep0 = 0.0, f_pr = -e1 * tg / (t1 * t1), f_keep1 = e1 * tg / (t1 * t1), f_coh = 0.0;
  if (which == 1) f_keep0 = 0.0, f_pr = 0.0, f_keep1 = 0.0, f_coh = e2 * tg / (t2 * t2);
  if (which == 2) f_keep0 = 0.0, f_pr = e1 / t1, f_keep1 = -e1 / t1, f_coh = -e2 / t2;
  add_term(out, 1, unit(0, 0), unit(0, 0), f_keep0);
  add_term(out, 1, unit(0, 1), unit(0, 1), f_pr);
  add_term(out, 1, unit(1, 1), unit(1, 1), f_keep1);
  add_term(out, 1, unit(0, 0), unit(1, 1), f_coh);
  add_term(out, 1, unit(1, 1), unit(0, 0), f_coh);
}

// Amplitude damping towards |t> (t = 0 or 1) with rate g, scaled by w; dg: d/dg instead.
void damping_terms(cdouble* out, int t, double g, double w, bool dg) {
  const int u = 1 - t;
  const double root = std::sqrt(1.0 - g);
  const double f_root = dg ? -0.5 / root : root;
  add_term(out, 1, unit(t, t), unit(t, t), dg ? 0.0 : w);
  add_term(out, 1, unit(t, t), unit(u, u), w * f_root);
  add_term(out, 1, unit(u, u), unit(t, t), w * f_root);
  add_term(out, 1, unit(u, u), unit(u, u), w * (dg ? -1.0 : 1.0 - g));
  add_term(out, 1, unit(t, u), unit(t, u), w * (dg ? 1.0 : g));
}

}  // namespace

bool is_channel(Gate g) { return gate_info(g).family == GateFamily::Channel; }

bool is_pauli_mixture(Gate g) {
  switch (g) {
    case Gate::Depolarizing:
    case Gate::TwoQubitDepolarizing:
    case Gate::BitFlip:
    case Gate::PhaseFlip:
    case Gate::PauliChannel:
    case Gate::PhaseDamping: return true;
    default: return false;
  }
}

void check_channel_strengths(Gate g, const double* s) {
  TANGLE_CHECK(is_channel(g), name_of(g), " is not a channel");
  switch (g) {
    case Gate::Depolarizing:
    case Gate::TwoQubitDepolarizing:
    case Gate::BitFlip:
    case Gate::PhaseFlip: check_probability(g, "p", s[0]); break;
    case Gate::PauliChannel:
      check_probability(g, "px", s[0]);
      check_probability(g, "py", s[1]);
      check_probability(g, "pz", s[2]);
      TANGLE_CHECK(s[0] + s[1] + s[2] <= 1.0 + 1e-12, name_of(g), ": px + py + pz = ", s[0] + s[1] + s[2],
                   " exceeds 1");
      break;
    case Gate::AmplitudeDamping:
    case Gate::PhaseDamping: check_probability(g, "gamma", s[0]); break;
    case Gate::GeneralizedAmplitudeDamping:
      check_probability(g, "gamma", s[0]);
      check_probability(g, "p", s[1]);
      break;
    case Gate::ThermalRelaxation:
      for (int j = 0; j < 3; ++j)
        TANGLE_CHECK(std::isfinite(s[j]), name_of(g), ": ", (j == 0 ? "t1" : j == 1 ? "t2" : "t_gate"), " = ", s[j],
                     " is not finite");
      TANGLE_CHECK(s[0] > 0.0, name_of(g), ": t1 = ", s[0], " must be positive");
      TANGLE_CHECK(s[1] > 0.0, name_of(g), ": t2 = ", s[1], " must be positive");
      TANGLE_CHECK(s[1] <= 2.0 * s[0] * (1.0 + 1e-12), name_of(g), ": t2 = ", s[1], " exceeds 2 * t1 = ",
                   2.0 * s[0], " (no physical channel has T2 > 2 T1)");
      TANGLE_CHECK(s[2] >= 0.0, name_of(g), ": t_gate = ", s[2], " is negative");
      break;
    default: break;
  }
}

double kraus_completeness_error(const std::vector<cdouble>& kraus, int k) {
  const size_t d = size_t{1} << k, dd = d * d;
  if (kraus.empty() || kraus.size() % dd != 0) return INFINITY;
  const size_t m = kraus.size() / dd;
  double worst = 0.0;
  for (size_t r = 0; r < d; ++r)
    for (size_t c = 0; c < d; ++c) {
      cdouble s = 0.0;
      for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < d; ++j) s += std::conj(kraus[i * dd + j * d + r]) * kraus[i * dd + j * d + c];
      if (!std::isfinite(s.real()) || !std::isfinite(s.imag())) return INFINITY;
      worst = std::max(worst, std::abs(s - (r == c ? 1.0 : 0.0)));
    }
  return worst;
}

PauliMixture pauli_mixture(Gate g, const double* s) {
  PauliMixture m;
  switch (g) {
    case Gate::Depolarizing:
      m.words = {0, 1, 2, 3};
      m.probs = {1.0 - s[0], s[0] / 3, s[0] / 3, s[0] / 3};
      m.dprobs = {-1.0, 1.0 / 3, 1.0 / 3, 1.0 / 3};
      break;
    case Gate::TwoQubitDepolarizing:
      for (unsigned w = 0; w < 16; ++w) {
        m.words.push_back(w);
        m.probs.push_back(w == 0 ? 1.0 - s[0] : s[0] / 15);
        m.dprobs.push_back(w == 0 ? -1.0 : 1.0 / 15);
      }
      break;
    case Gate::BitFlip:
    case Gate::PhaseFlip:
      m.words = {0, g == Gate::BitFlip ? 1u : 3u};
      m.probs = {1.0 - s[0], s[0]};
      m.dprobs = {-1.0, 1.0};
      break;
    case Gate::PauliChannel:
      m.words = {0, 1, 2, 3};
      m.probs = {1.0 - s[0] - s[1] - s[2], s[0], s[1], s[2]};
      m.dprobs = {-1, 1, 0, 0, -1, 0, 1, 0, -1, 0, 0, 1};
      break;
    case Gate::PhaseDamping: {
      // K0 rho K0^+ + K1 rho K1^+ keeps the populations and scales coherences by sqrt(1-g): a phase
      // flip with 1 - 2p = sqrt(1 - g).
      const double root = std::sqrt(1.0 - s[0]);
      const double p = 0.5 * (1.0 - root);
      const double dp = root > 0.0 ? 0.25 / root : INFINITY;
      m.words = {0, 3};
      m.probs = {1.0 - p, p};
      m.dprobs = {-dp, dp};
      break;
    }
    default: TANGLE_CHECK(false, name_of(g), " is not a mixture of Pauli words");
  }
  for (double& p : m.probs) p = std::max(p, 0.0);  // 1 - p - ... may round below zero
  return m;
}

namespace {

// dst (+)= f * m for 2x2 matrices.
void put(std::vector<cdouble>& dst, size_t at, const Mat& m, double f) {
  for (size_t i = 0; i < m.size(); ++i) dst[at + i] += f * m[i];
}

Mat diag2(double a, double b) { return {a, 0.0, 0.0, b}; }

}  // namespace

std::vector<cdouble> channel_kraus(Gate g, const double* s, const std::vector<cdouble>& kraus, int k,
                                   std::vector<cdouble>* derivatives) {
  TANGLE_CHECK(is_channel(g), name_of(g), " is not a channel");
  const size_t dd = (size_t{1} << k) * (size_t{1} << k);
  const int n_strengths = gate_info(g).n_angles;
  std::vector<cdouble> out;
  auto resize = [&](size_t n_ops) {
    out.assign(n_ops * dd, 0.0);
    if (derivatives != nullptr) derivatives->assign(static_cast<size_t>(n_strengths) * n_ops * dd, 0.0);
  };
  auto dslot = [&](int strength, size_t op) { return (static_cast<size_t>(strength) * (out.size() / dd) + op) * dd; };
  auto inv_root = [](double v) { return v > 0.0 ? 0.5 / std::sqrt(v) : 0.0; };  // d sqrt(v) / dv
  if (is_pauli_mixture(g)) {
    const PauliMixture m = pauli_mixture(g, s);
    const size_t n = m.words.size();
    resize(n);
    for (size_t j = 0; j < n; ++j) {
      const Mat p = pauli_word_matrix(m.words[j], k);
      std::copy(p.begin(), p.end(), out.begin() + static_cast<std::ptrdiff_t>(j * dd));
      for (size_t i = 0; i < dd; ++i) out[j * dd + i] *= std::sqrt(m.probs[j]);
      if (derivatives != nullptr)
        for (int t = 0; t < n_strengths; ++t) {
          const double f = m.dprobs[static_cast<size_t>(t) * n + j] * inv_root(m.probs[j]);
          for (size_t i = 0; i < dd; ++i) (*derivatives)[dslot(t, j) + i] = f * p[i];
        }
    }
    return out;
  }
  switch (g) {
    case Gate::AmplitudeDamping:
    case Gate::GeneralizedAmplitudeDamping: {
      // sqrt(w) [[1,0],[0,sqrt(1-g)]], sqrt(w) [[0,sqrt(g)],[0,0]]; generalized: w = p, then
      // sqrt(1-p) [[sqrt(1-g),0],[0,1]], sqrt(1-p) [[0,0],[sqrt(g),0]].
      const bool gen = g == Gate::GeneralizedAmplitudeDamping;
      const double gamma = s[0], w = gen ? s[1] : 1.0;
      resize(gen ? 4 : 2);
      const double r = std::sqrt(1.0 - gamma), q = std::sqrt(gamma), a = std::sqrt(w), b = std::sqrt(1.0 - w);
      put(out, 0, diag2(a, a * r), 1.0);
      put(out, dd, {0.0, a * q, 0.0, 0.0}, 1.0);
      if (gen) {
        put(out, 2 * dd, diag2(b * r, b), 1.0);
        put(out, 3 * dd, {0.0, 0.0, b * q, 0.0}, 1.0);
      }
      if (derivatives != nullptr) {
        const double dr = -inv_root(1.0 - gamma), dq = inv_root(gamma);
        put(*derivatives, dslot(0, 0), diag2(0.0, a * dr), 1.0);
        put(*derivatives, dslot(0, 1), {0.0, a * dq, 0.0, 0.0}, 1.0);
        if (gen) {
          put(*derivatives, dslot(0, 2), diag2(b * dr, 0.0), 1.0);
          put(*derivatives, dslot(0, 3), {0.0, 0.0, b * dq, 0.0}, 1.0);
          const double da = inv_root(w), db = -inv_root(1.0 - w);
          put(*derivatives, dslot(1, 0), diag2(da, da * r), 1.0);
          put(*derivatives, dslot(1, 1), {0.0, da * q, 0.0, 0.0}, 1.0);
          put(*derivatives, dslot(1, 2), diag2(db * r, db), 1.0);
          put(*derivatives, dslot(1, 3), {0.0, 0.0, db * q, 0.0}, 1.0);
        }
      }
      return out;
    }
    case Gate::ThermalRelaxation: {
      // Damping by gamma = 1 - exp(-tg/t1) keeps coherences at sqrt(1-gamma) = exp(-tg/(2 t1)); a
      // phase flip of q (1 - 2q = exp(u), u = tg/(2 t1) - tg/t2 <= 0 as t2 <= 2 t1) brings them to
      // exp(-tg/t2). Kraus set: sqrt(1-q) K0, sqrt(q) Z K0, K1 (Z K1 = K1 merges two branches).
      const double t1 = s[0], t2 = s[1], tg = s[2];
      const double e1 = std::exp(-tg / t1), gamma = 1.0 - e1;
      const double u = tg / (2.0 * t1) - tg / t2, eu = std::exp(std::min(u, 0.0)), q = 0.5 * (1.0 - eu);
      const double r = std::sqrt(e1), sq = std::sqrt(gamma), a = std::sqrt(1.0 - q), b = std::sqrt(q);
      resize(3);
      put(out, 0, diag2(a, a * r), 1.0);
      put(out, dd, diag2(b, -b * r), 1.0);
      put(out, 2 * dd, {0.0, sq, 0.0, 0.0}, 1.0);
      if (derivatives != nullptr) {
        // d gamma, d u per strength (t1, t2, tg)
        const double dgamma[3] = {-e1 * tg / (t1 * t1), 0.0, e1 / t1};
        const double du[3] = {-tg / (2.0 * t1 * t1), tg / (t2 * t2), 1.0 / (2.0 * t1) - 1.0 / t2};
        for (int j = 0; j < 3; ++j) {
          const double dq = -0.5 * eu * du[j];
          const double dr = -inv_root(1.0 - gamma) * dgamma[j];  // d sqrt(1-gamma)
          const double da = -inv_root(1.0 - q) * dq, db = inv_root(q) * dq;
          put(*derivatives, dslot(j, 0), diag2(da, da * r + a * dr), 1.0);
          put(*derivatives, dslot(j, 1), diag2(db, -(db * r + b * dr)), 1.0);
          put(*derivatives, dslot(j, 2), {0.0, inv_root(gamma) * dgamma[j], 0.0, 0.0}, 1.0);
        }
      }
      return out;
    }
    case Gate::Reset:
      resize(2);
      put(out, 0, unit(0, 0), 1.0);
      put(out, dd, unit(0, 1), 1.0);
      return out;
    case Gate::Kraus:
      out = kraus;
      return out;
    default: TANGLE_CHECK(false, name_of(g), " is not a channel");
  }
  return out;
}

void channel_superoperator(Gate g, const double* s, const std::vector<cdouble>& kraus, int k, cdouble* superop,
                           cdouble* derivatives) {
  const size_t d = size_t{1} << k, block = d * d * d * d;
  const int n_strengths = gate_info(g).n_angles;
  std::fill(superop, superop + block, cdouble(0.0));
  if (derivatives != nullptr) std::fill(derivatives, derivatives + block * static_cast<size_t>(n_strengths), cdouble(0.0));
  if (is_pauli_mixture(g)) {
    const PauliMixture m = pauli_mixture(g, s);
    const size_t n = m.words.size();
    for (size_t j = 0; j < n; ++j) {
      const Mat p = pauli_word_matrix(m.words[j], k);
      add_term(superop, k, p, p, m.probs[j]);
      if (derivatives != nullptr)
        for (int t = 0; t < n_strengths; ++t)
          add_term(derivatives + block * static_cast<size_t>(t), k, p, p, m.dprobs[static_cast<size_t>(t) * n + j]);
    }
    return;
  }
  switch (g) {
    case Gate::AmplitudeDamping:
      damping_terms(superop, 0, s[0], 1.0, false);
      if (derivatives != nullptr) damping_terms(derivatives, 0, s[0], 1.0, true);
      break;
    case Gate::GeneralizedAmplitudeDamping:
      damping_terms(superop, 0, s[0], s[1], false);
      damping_terms(superop, 1, s[0], 1.0 - s[1], false);
      if (derivatives != nullptr) {
        damping_terms(derivatives, 0, s[0], s[1], true);
        damping_terms(derivatives, 1, s[0], 1.0 - s[1], true);
        damping_terms(derivatives + block, 0, s[0], 1.0, false);
        damping_terms(derivatives + block, 1, s[0], -1.0, false);
      }
      break;
    case Gate::ThermalRelaxation:
      thermal_terms(s, superop, -1);
      if (derivatives != nullptr)
        for (int t = 0; t < 3; ++t) thermal_terms(s, derivatives + block * static_cast<size_t>(t), t);
      break;
    case Gate::Reset:
      add_term(superop, 1, unit(0, 0), unit(0, 0), 1.0);
      add_term(superop, 1, unit(0, 1), unit(0, 1), 1.0);
      break;
    case Gate::Kraus: {
      const size_t dd = d * d, m = kraus.size() / dd;
      for (size_t i = 0; i < m; ++i) {
        const Mat ki(kraus.begin() + static_cast<std::ptrdiff_t>(i * dd), kraus.begin() + static_cast<std::ptrdiff_t>((i + 1) * dd));
        add_term(superop, k, ki, ki, 1.0);
      }
      break;
    }
    default: TANGLE_CHECK(false, name_of(g), " is not a channel");
  }
}

}  // namespace tangle
