// OpenQASM 2.0 import: a lexer and a recursive-descent parser of the language of Cross et al.
// (2017) with qelib1.inc, user gate definitions, and final measurements (which name the readout).
#include "tangle/io/qasm.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "tangle/core/error.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle {

namespace {

enum class Tok { Ident, Int, Real, String, Symbol, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  double value = 0.0;
  int line = 1;
  int col = 1;
};

[[noreturn]] void fail(int line, int col, const std::string& what) {
  throw ValueError(detail::concat("OpenQASM line ", line, ", column ", col, ": ", what));
}

[[noreturn]] void fail(const Token& t, const std::string& what) { fail(t.line, t.col, what); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "end of input";
    case Tok::String: return "\"" + t.text + "\"";
    default: return "'" + t.text + "'";
  }
}

// Tokens on demand, so errors come in reading order.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Token next() {
    skip_space_and_comments();
    Token t;
    t.line = line_;
    t.col = col_;
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    size_t j = i_;
    if (is_alpha(c)) {
      while (j < s_.size() && (is_alpha(s_[j]) || is_digit(s_[j]))) ++j;
      t.kind = Tok::Ident;
    } else if (is_digit(c) || (c == '.' && j + 1 < s_.size() && is_digit(s_[j + 1]))) {
      bool real = false;
      while (j < s_.size() && is_digit(s_[j])) ++j;
      if (j < s_.size() && s_[j] == '.') {
        real = true;
        ++j;
        while (j < s_.size() && is_digit(s_[j])) ++j;
      }
      if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
        size_t e = j + 1;
        if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
        if (e < s_.size() && is_digit(s_[e])) {
          real = true;
          j = e;
          while (j < s_.size() && is_digit(s_[j])) ++j;
        }
      }
      t.kind = real ? Tok::Real : Tok::Int;
      const std::string_view number = s_.substr(i_, j - i_);
      const auto res = std::from_chars(number.data(), number.data() + number.size(), t.value);
      if (res.ec == std::errc::result_out_of_range && number.find('-') != std::string_view::npos) {
        t.value = 0.0;  // below the smallest subnormal
      } else if (res.ec != std::errc()) {
        fail(line_, col_, "number '" + std::string(number) + "' is out of range");
      }
    } else if (c == '"') {
      ++j;
      while (j < s_.size() && s_[j] != '"' && s_[j] != '\n') ++j;
      if (j >= s_.size() || s_[j] != '"') fail(line_, col_, "string is not closed by '\"' on the same line");
      t.kind = Tok::String;
      t.text = std::string(s_.substr(i_ + 1, j - i_ - 1));
      advance(j + 1 - i_);
      return t;
    } else {
      static constexpr std::string_view kSymbols = ";,()[]{}+-*/^";
      t.kind = Tok::Symbol;
      if (s_.substr(i_, 2) == "->" || s_.substr(i_, 2) == "==") {
        j += 2;
      } else if (kSymbols.find(c) != std::string_view::npos) {
        j += 1;
      } else {
        size_t len = 1;  // the whole UTF-8 sequence
        while (i_ + len < s_.size() && (static_cast<unsigned char>(s_[i_ + len]) & 0xC0) == 0x80) ++len;
        fail(line_, col_, "unexpected character '" + std::string(s_.substr(i_, len)) + "'");
      }
    }
    t.text = std::string(s_.substr(i_, j - i_));
    advance(j - i_);
    return t;
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

  void advance(size_t n) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
        ++col_;  // columns count characters, not UTF-8 bytes
      }
    }
  }

  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance(1);
      } else if (s_.substr(i_, 2) == "//") {
        while (i_ < s_.size() && s_[i_] != '\n') advance(1);
      } else {
        return;
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
};

// A parameter expression; `param` indexes the enclosing gate definition's parameters.
struct Node {
  enum Kind : std::uint8_t { Num, Param, Neg, Add, Sub, Mul, Div, Pow, Sin, Cos, Tan, Exp, Ln, Sqrt };
  Kind kind = Num;
  double value = 0.0;
  int param = -1;
  std::vector<Node> kids;

  double eval(const std::vector<double>& params) const {
    switch (kind) {
      case Num: return value;
      case Param: return params[static_cast<size_t>(param)];
      case Neg: return -kids[0].eval(params);
      case Add: return kids[0].eval(params) + kids[1].eval(params);
      case Sub: return kids[0].eval(params) - kids[1].eval(params);
      case Mul: return kids[0].eval(params) * kids[1].eval(params);
      case Div: return kids[0].eval(params) / kids[1].eval(params);
      case Pow: return std::pow(kids[0].eval(params), kids[1].eval(params));
      case Sin: return std::sin(kids[0].eval(params));
      case Cos: return std::cos(kids[0].eval(params));
      case Tan: return std::tan(kids[0].eval(params));
      case Exp: return std::exp(kids[0].eval(params));
      case Ln: return std::log(kids[0].eval(params));
      case Sqrt: return std::sqrt(kids[0].eval(params));
    }
    return 0.0;
  }
};

// A gate application inside a `gate` body: arguments are indices of the definition's qubits.
struct BodyStmt {
  std::string gate;
  std::vector<Node> params;
  std::vector<int> args;
};

struct GateDef {
  int n_params = 0;
  int n_qubits = 0;
  std::vector<BodyStmt> body;
  size_t n_ops = 0;  // tangle ops of one application (saturating)
};

struct Builtin {
  std::string_view name;
  int n_params;
  int n_qubits;
  bool qelib;  // only after include "qelib1.inc"
};

constexpr std::array<Builtin, 40> kBuiltins = {{
    {"U", 3, 1, false},    {"CX", 0, 2, false},   {"u3", 3, 1, true},    {"u2", 2, 1, true},
    {"u1", 1, 1, true},    {"u0", 1, 1, true},    {"u", 3, 1, true},     {"p", 1, 1, true},
    {"id", 0, 1, true},    {"x", 0, 1, true},     {"y", 0, 1, true},     {"z", 0, 1, true},
    {"h", 0, 1, true},     {"s", 0, 1, true},     {"sdg", 0, 1, true},   {"t", 0, 1, true},
    {"tdg", 0, 1, true},   {"sx", 0, 1, true},    {"sxdg", 0, 1, true},  {"rx", 1, 1, true},
    {"ry", 1, 1, true},    {"rz", 1, 1, true},    {"cx", 0, 2, true},    {"cz", 0, 2, true},
    {"cy", 0, 2, true},    {"ch", 0, 2, true},    {"swap", 0, 2, true},  {"crx", 1, 2, true},
    {"cry", 1, 2, true},   {"crz", 1, 2, true},   {"cu1", 1, 2, true},   {"cp", 1, 2, true},
    {"cu3", 3, 2, true},   {"cu", 4, 2, true},    {"csx", 0, 2, true},   {"rxx", 1, 2, true},
    {"rzz", 1, 2, true},   {"ccx", 0, 3, true},   {"cswap", 0, 3, true}, {"iden", 0, 1, true},
}};

const Builtin* find_builtin(std::string_view name) {
  for (const Builtin& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

// How many tangle ops emit_builtin makes for the gate.
size_t builtin_ops(std::string_view g) {
  if (g == "u0") return 0;
  if (g == "ch" || g == "sxdg" || g == "cu" || g == "csx") return 2;
  return 1;
}

Op make_op(Gate g, std::vector<int> wires, std::vector<double> angles = {}) {
  Op op;
  op.gate = g;
  op.wires = std::move(wires);
  for (double a : angles) op.angles.emplace_back(a);
  const GateInfo& info = gate_info(g);
  if (info.family == GateFamily::PauliRotation)
    op.word.assign(op.wires.size() - static_cast<size_t>(info.n_controls), info.generator);
  return op;
}

// qelib1 gates as tangle ops, exact up to a global phase of the whole gate (never a relative one).
void emit_builtin(std::string_view g, const std::vector<double>& p, const std::vector<int>& q, std::vector<Op>& ops) {
  const double pi = M_PI;
  auto add = [&](Gate gate, std::vector<int> w, std::vector<double> a = {}) {
    ops.push_back(make_op(gate, std::move(w), std::move(a)));
  };

  if (g == "U" || g == "u3" || g == "u") return add(Gate::U3, {q[0]}, {p[0], p[1], p[2]});
  if (g == "u2") return add(Gate::U3, {q[0]}, {pi / 2, p[0], p[1]});
  if (g == "u1" || g == "p") return add(Gate::PhaseShift, {q[0]}, {p[0]});
  if (g == "u0") return;
  if (g == "id" || g == "iden") return add(Gate::I, {q[0]});
  if (g == "x") return add(Gate::X, {q[0]});
  if (g == "y") return add(Gate::Y, {q[0]});
  if (g == "z") return add(Gate::Z, {q[0]});
  if (g == "h") return add(Gate::H, {q[0]});
  if (g == "s") return add(Gate::S, {q[0]});
  if (g == "sdg") return add(Gate::Sdg, {q[0]});
  if (g == "t") return add(Gate::T, {q[0]});
  if (g == "tdg") return add(Gate::Tdg, {q[0]});
  if (g == "sx") return add(Gate::SX, {q[0]});
  if (g == "sxdg") {  // SX^dagger = SX^3 = X SX
    add(Gate::SX, {q[0]});
    return add(Gate::X, {q[0]});
  }
  if (g == "rx") return add(Gate::RX, {q[0]}, {p[0]});
  if (g == "ry") return add(Gate::RY, {q[0]}, {p[0]});
  if (g == "rz") return add(Gate::RZ, {q[0]}, {p[0]});
  if (g == "CX" || g == "cx") return add(Gate::CNOT, {q[0], q[1]});
  if (g == "cz") return add(Gate::CZ, {q[0], q[1]});
  if (g == "cy") return add(Gate::CY, {q[0], q[1]});
  if (g == "ch") {  // H = RY(pi/2) Z exactly, so controlled-H = CRY(pi/2) CZ
    add(Gate::CZ, {q[0], q[1]});
    return add(Gate::CRY, {q[0], q[1]}, {pi / 2});
  }
  if (g == "swap") return add(Gate::SWAP, {q[0], q[1]});
  if (g == "crx") return add(Gate::CRX, {q[0], q[1]}, {p[0]});
  if (g == "cry") return add(Gate::CRY, {q[0], q[1]}, {p[0]});
  if (g == "crz") return add(Gate::CRZ, {q[0], q[1]}, {p[0]});
  if (g == "cu1" || g == "cp") return add(Gate::ControlledPhaseShift, {q[0], q[1]}, {p[0]});
  // qelib1's cu3 controls RZ(phi) RY(theta) RZ(lambda) (U3 without its phase): CRot(lambda, theta, phi).
  if (g == "cu3") return add(Gate::CRot, {q[0], q[1]}, {p[2], p[0], p[1]});
  if (g == "cu") {  // Qiskit's cu controls e^{i gamma} U3: the phases go on the control
    add(Gate::CRot, {q[0], q[1]}, {p[2], p[0], p[1]});
    return add(Gate::PhaseShift, {q[0]}, {0.5 * (p[1] + p[2]) + p[3]});
  }
  if (g == "csx") {  // SX = e^{i pi/4} RX(pi/2)
    add(Gate::CRX, {q[0], q[1]}, {pi / 2});
    return add(Gate::PhaseShift, {q[0]}, {pi / 4});
  }
  if (g == "rxx") return add(Gate::RXX, {q[0], q[1]}, {p[0]});
  if (g == "rzz") return add(Gate::RZZ, {q[0], q[1]}, {p[0]});
  if (g == "ccx") return add(Gate::Toffoli, {q[0], q[1], q[2]});
  if (g == "cswap") return add(Gate::CSWAP, {q[0], q[1], q[2]});
  throw RuntimeError(detail::concat("internal: builtin gate ", g, " has no mapping"));
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  QasmCircuit parse() {
    // Includes before the header (seen in real files) mean the same as after it.
    while (peek().kind == Tok::Ident && peek().text == "include") include();
    header();
    while (peek().kind != Tok::End) statement();
    if (n_qubits_ == 0) fail(peek(), "the program declares no qubits (add a 'qreg name[size];')");
    QasmCircuit out{Circuit(n_qubits_), {}};
    for (Op& op : ops_) out.circuit.append(std::move(op));
    // Highest classical bit first: a basis-state index of probs(measured) is the register's value.
    for (auto bit = bit_qubit_.rbegin(); bit != bit_qubit_.rend(); ++bit)
      if (*bit >= 0) out.measured.push_back(*bit);
    return out;
  }

 private:
  struct Register {
    std::string name;
    int offset;
    int size;
  };
  // Classical bits are numbered across cregs in declaration order.
  struct ClassicalRegister {
    int offset;
    int size;
  };
  // A gate argument after resolution: one qubit, or a whole register to broadcast over.
  struct Arg {
    const Register* reg;
    int index;  // -1: the whole register
    Token tok;
  };

  // References to tokens stay valid: a deque does not move its elements when it grows.
  const Token& peek() {
    while (toks_.size() <= pos_) {
      if (!toks_.empty() && toks_.back().kind == Tok::End) return toks_.back();
      toks_.push_back(lexer_.next());
    }
    return toks_[pos_];
  }
  const Token& next() {
    const Token& t = peek();
    if (t.kind != Tok::End) ++pos_;
    return t;
  }
  bool at(std::string_view sym) {
    const Token& t = peek();
    return t.kind == Tok::Symbol && t.text == sym;
  }
  bool accept(std::string_view sym) {
    if (!at(sym)) return false;
    next();
    return true;
  }
  const Token& expect(std::string_view sym, std::string_view context) {
    if (!at(sym)) fail(peek(), detail::concat("expected '", sym, "' ", context, ", found ", describe(peek())));
    return next();
  }
  const Token& expect_ident(std::string_view what) {
    if (peek().kind != Tok::Ident) fail(peek(), detail::concat("expected ", what, ", found ", describe(peek())));
    return next();
  }
  int expect_int(std::string_view what) {
    const Token& t = peek();
    if (t.kind != Tok::Int)
      fail(t, detail::concat("expected ", what, " (a non-negative integer), found ", describe(t)));
    if (t.value > 1e9) fail(t, detail::concat(what, " ", t.text, " is too large"));
    next();
    return static_cast<int>(t.value);
  }

  void header() {
    const Token& t = peek();
    if (t.kind != Tok::Ident || t.text != "OPENQASM")
      fail(t, "expected 'OPENQASM 2.0;' at the start of the program, found " + describe(t));
    next();
    const Token& v = peek();
    if (v.kind != Tok::Real && v.kind != Tok::Int) fail(v, "expected the version number 2.0, found " + describe(v));
    if (v.value != 2.0) fail(v, "OpenQASM version " + v.text + " is not supported (only 2.0)");
    next();
    expect(";", "after the version");
  }

  void statement() {
    const Token& t = peek();
    if (t.kind != Tok::Ident) fail(t, "expected a statement, found " + describe(t));
    const std::string& w = t.text;
    if (w == "include") return include();
    if (w == "qreg" || w == "creg") return reg(w == "qreg");
    if (w == "gate") return gate_definition();
    if (w == "measure") return measure();
    if (w == "reset") return reset();
    if (w == "barrier") {
      next();
      arguments();  // checked, then ignored: barriers do not change the state
      expect(";", "after the barrier's arguments");
      return;
    }
    reject_unsupported(t);
    application();
  }

  static void reject_unsupported(const Token& t) {
    if (t.kind != Tok::Ident) return;
    if (t.text == "if")
      fail(t, "'if' (a gate conditioned on a measured bit) is not supported: tangle reads out final measurements only");
    if (t.text == "measure" || t.text == "reset")
      fail(t, "'" + t.text + "' cannot appear inside a gate definition");
    if (t.text == "opaque") fail(t, "'opaque' gates are not supported: tangle needs every gate's definition");
  }

  void include() {
    next();
    const Token& f = peek();
    if (f.kind != Tok::String) fail(f, "expected a file name in quotes after 'include', found " + describe(f));
    if (f.text != "qelib1.inc")
      fail(f, "cannot include \"" + f.text + "\": only \"qelib1.inc\" is known (files are never read)");
    next();
    expect(";", "after the include");
    qelib_ = true;
  }

  void reg(bool quantum) {
    next();
    const Token& name = expect_ident("a register name");
    if (find_register(name.text) || find_creg(name.text))
      fail(name, "register '" + name.text + "' is already declared");
    expect("[", "after the register name");
    const Token& size_tok = peek();
    const int size = expect_int("the register size");
    if (size < 1) fail(size_tok, "register '" + name.text + "' needs at least one bit");
    expect("]", "after the register size");
    expect(";", "after the register declaration");
    if (!quantum) {
      if (n_bits_ + size > kMaxBits)
        fail(size_tok, detail::concat("creg ", name.text, "[", size, "] brings the total to ", n_bits_ + size,
                                      " classical bits (at most ", kMaxBits, ")"));
      cregs_.insert({name.text, {n_bits_, size}});
      n_bits_ += size;
      bit_qubit_.resize(static_cast<size_t>(n_bits_), -1);
      return;
    }
    if (n_qubits_ + size > kMaxQubits)
      fail(size_tok, detail::concat("qreg ", name.text, "[", size, "] brings the total to ", n_qubits_ + size,
                                    " qubits (at most ", kMaxQubits, ")"));
    qregs_.push_back({name.text, n_qubits_, size});
    n_qubits_ += size;
    measured_at_.resize(static_cast<size_t>(n_qubits_), 0);
  }

  const ClassicalRegister* find_creg(const std::string& name) const {
    const auto it = cregs_.find(name);
    return it == cregs_.end() ? nullptr : &it->second;
  }

  // Qubits of arguments (whole registers broadcast, all of one size): one list per repetition.
  std::vector<std::vector<int>> broadcast(const Token& what, const std::vector<Arg>& args) const {
    int reps = 1;
    const Arg* first_reg = nullptr;
    for (const Arg& a : args) {
      if (a.index >= 0) continue;
      if (first_reg == nullptr) {
        first_reg = &a;
        reps = a.reg->size;
      } else if (a.reg->size != reps) {
        fail(a.tok, detail::concat("register ", a.reg->name, " has ", a.reg->size, " qubits but ", first_reg->reg->name,
                                   " has ", reps, ": broadcast registers must have the same size"));
      }
    }
    std::vector<std::vector<int>> out(static_cast<size_t>(reps));
    for (int r = 0; r < reps; ++r) {
      for (const Arg& a : args) out[static_cast<size_t>(r)].push_back(a.reg->offset + (a.index >= 0 ? a.index : r));
      const std::vector<int>& q = out[static_cast<size_t>(r)];
      for (size_t i = 0; i < q.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (q[i] == q[j])
            fail(args[i].tok, detail::concat("'", what.text, "' uses qubit ", describe_qubit(q[i]), " twice"));
    }
    return out;
  }

  // `measure q[i] -> c[j];` or `measure q -> c;` (equal sizes). Only final measurements: the
  // measured qubits become the readout, and a later gate or reset on one of them is an error.
  void measure() {
    const Token what = next();
    const std::vector<Arg> qubit = {argument()};
    expect("->", "between the measured qubit and its classical bit");
    const Token& name = expect_ident("a classical register");
    const ClassicalRegister* c = find_creg(name.text);
    if (c == nullptr) {
      if (find_register(name.text)) fail(name, "'" + name.text + "' is a quantum register; measure into a creg");
      fail(name, "classical register '" + name.text + "' is not declared (add 'creg " + name.text + "[size];')");
    }
    int bit = -1;
    if (accept("[")) {
      const Token& idx = peek();
      bit = expect_int("a bit index");
      if (bit >= c->size)
        fail(idx, detail::concat("index ", bit, " is out of range for creg ", name.text, "[", c->size, "]"));
      expect("]", "after the bit index");
    }
    expect(";", "after the measurement");
    const std::vector<std::vector<int>> qubits = broadcast(what, qubit);
    const int n_q = static_cast<int>(qubits.size());
    if (bit < 0 && n_q != c->size)
      fail(name, detail::concat("measure ", qubit[0].reg->name, " -> ", name.text, ": ", n_q, " qubits into ", c->size,
                                " bits (the sizes must match)"));
    if (bit >= 0 && n_q != 1)
      fail(name, detail::concat("measure ", qubit[0].reg->name, " -> ", name.text, "[", bit, "]: ", n_q,
                                " qubits into one bit"));
    for (int r = 0; r < n_q; ++r) {
      const int q = qubits[static_cast<size_t>(r)][0];
      bit_qubit_[static_cast<size_t>(c->offset + (bit >= 0 ? bit : r))] = q;
      measured_at_[static_cast<size_t>(q)] = what.line;
    }
  }

  // `reset q[i];` or `reset q;`: the reset channel (the circuit then runs as a mixed state).
  void reset() {
    const Token what = next();
    const std::vector<Arg> qubit = {argument()};
    expect(";", "after the reset's argument");
    for (const std::vector<int>& q : broadcast(what, qubit)) {
      check_not_measured(what, q);
      ops_.push_back(make_op(Gate::Reset, {q[0]}));
    }
  }

  void check_not_measured(const Token& what, const std::vector<int>& qubits) const {
    for (int q : qubits)
      if (const int line = measured_at_[static_cast<size_t>(q)]; line > 0)
        fail(what, detail::concat("'", what.text, "' acts on ", describe_qubit(q), " after its measurement on line ", line,
                                  ": mid-circuit measurements are not supported (tangle reads out final measurements)"));
  }

  const Register* find_register(const std::string& name) const {
    for (const Register& r : qregs_)
      if (r.name == name) return &r;
    return nullptr;
  }

  // Number of parameters and qubits of a gate visible here, or false if there is none.
  bool gate_signature(const Token& name, int& n_params, int& n_qubits) const {
    if (const Builtin* b = find_builtin(name.text); b != nullptr && (!b->qelib || qelib_)) {
      n_params = b->n_params;
      n_qubits = b->n_qubits;
      return true;
    }
    if (auto it = gates_.find(name.text); it != gates_.end()) {
      n_params = it->second.n_params;
      n_qubits = it->second.n_qubits;
      return true;
    }
    return false;
  }

  void resolve_gate(const Token& name, int& n_params, int& n_qubits) const {
    if (gate_signature(name, n_params, n_qubits)) return;
    reject_unsupported(name);
    std::string hint;
    if (!qelib_ && find_builtin(name.text) != nullptr) hint = " (it is in qelib1.inc: add 'include \"qelib1.inc\";')";
    fail(name, "unknown gate '" + name.text + "'" + hint);
  }

  void check_arity(const Token& name, int n_params, int n_qubits, size_t got_params, size_t got_qubits) const {
    if (static_cast<int>(got_params) != n_params)
      fail(name, detail::concat("gate '", name.text, "' takes ", n_params, " parameter", n_params == 1 ? "" : "s",
                                " but ", got_params, " were given"));
    if (static_cast<int>(got_qubits) != n_qubits)
      fail(name, detail::concat("gate '", name.text, "' acts on ", n_qubits, " qubit", n_qubits == 1 ? "" : "s",
                                " but ", got_qubits, " were given"));
  }

  // ---- expressions ----

  std::vector<Node> expression_list(const std::vector<std::string>* names) {
    std::vector<Node> out;
    if (!accept("(")) return out;
    if (accept(")")) return out;
    do {
      out.push_back(expression(names));
    } while (accept(","));
    expect(")", "after the gate parameters");
    return out;
  }

  Node expression(const std::vector<std::string>* names) {
    Node left = term(names);
    while (at("+") || at("-")) {
      const bool add = next().text == "+";
      Node n;
      n.kind = add ? Node::Add : Node::Sub;
      n.kids = {std::move(left), term(names)};
      left = std::move(n);
    }
    return left;
  }

  Node term(const std::vector<std::string>* names) {
    Node left = unary(names);
    while (at("*") || at("/")) {
      const bool mul = next().text == "*";
      Node n;
      n.kind = mul ? Node::Mul : Node::Div;
      n.kids = {std::move(left), unary(names)};
      left = std::move(n);
    }
    return left;
  }

  // Every nesting (parentheses, signs, powers, function calls) passes here: bound it, so no text
  // can exhaust the stack.
  Node unary(const std::vector<std::string>* names) {
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(++depth) {}
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > kMaxDepth) fail(peek(), detail::concat("expression nested more than ", kMaxDepth, " deep"));
    if (accept("+")) return unary(names);
    if (accept("-")) {
      Node n;
      n.kind = Node::Neg;
      n.kids = {unary(names)};
      return n;
    }
    Node base = primary(names);
    if (accept("^")) {
      Node n;
      n.kind = Node::Pow;
      n.kids = {std::move(base), unary(names)};  // right-associative
      return n;
    }
    return base;
  }

  Node primary(const std::vector<std::string>* names) {
    const Token& t = peek();
    Node n;
    if (t.kind == Tok::Int || t.kind == Tok::Real) {
      next();
      n.value = t.value;
      return n;
    }
    if (accept("(")) {
      n = expression(names);
      expect(")", "to close the parenthesis");
      return n;
    }
    if (t.kind != Tok::Ident) fail(t, "expected a number, 'pi', a parameter or '(', found " + describe(t));
    next();
    if (t.text == "pi") {
      n.value = M_PI;
      return n;
    }
    static const std::map<std::string, Node::Kind, std::less<>> kFunctions = {
        {"sin", Node::Sin}, {"cos", Node::Cos}, {"tan", Node::Tan},
        {"exp", Node::Exp}, {"ln", Node::Ln},   {"sqrt", Node::Sqrt}};
    if (auto f = kFunctions.find(t.text); f != kFunctions.end()) {
      expect("(", "after the function name '" + t.text + "'");
      n.kind = f->second;
      n.kids = {expression(names)};
      expect(")", "after the function argument");
      return n;
    }
    if (names != nullptr) {
      for (size_t i = 0; i < names->size(); ++i) {
        if ((*names)[i] == t.text) {
          n.kind = Node::Param;
          n.param = static_cast<int>(i);
          return n;
        }
      }
    }
    fail(t, "unknown identifier '" + t.text + "' in an expression" +
                (names ? std::string(" (not a parameter of this gate)") : std::string(" (only numbers and pi here)")));
  }

  // ---- gate applications ----

  Arg argument() {
    const Token& name = expect_ident("a qubit or register");
    const Register* r = find_register(name.text);
    if (r == nullptr) {
      if (find_creg(name.text)) fail(name, "'" + name.text + "' is a classical register; gates act on qregs");
      fail(name, "register '" + name.text + "' is not declared (add 'qreg " + name.text + "[size];')");
    }
    int index = -1;
    if (accept("[")) {
      const Token& idx = peek();
      index = expect_int("a qubit index");
      if (index >= r->size)
        fail(idx, detail::concat("index ", index, " is out of range for qreg ", r->name, "[", r->size, "]"));
      expect("]", "after the qubit index");
    }
    return {r, index, name};
  }

  std::vector<Arg> arguments() {
    std::vector<Arg> args;
    do {
      args.push_back(argument());
    } while (accept(","));
    return args;
  }

  void application() {
    const Token name = next();
    int n_params = 0, n_qubits = 0;
    resolve_gate(name, n_params, n_qubits);
    std::vector<Node> exprs = expression_list(nullptr);
    const std::vector<Arg> args = arguments();
    expect(";", "after the gate's arguments");
    check_arity(name, n_params, n_qubits, exprs.size(), args.size());
    std::vector<double> params;
    for (const Node& e : exprs) params.push_back(e.eval({}));
    check_finite(name, params);

    // Broadcasting: whole registers (all of one size) are applied index by index.
    const std::vector<std::vector<int>> reps = broadcast(name, args);
    // Nested definitions can double the size per level: refuse before expanding, not after.
    if (ops_.size() + reps.size() * expansion(name.text) > kMaxOps)
      fail(name, detail::concat("the program expands to more than ", kMaxOps, " operations"));
    for (const std::vector<int>& qubits : reps) {
      check_not_measured(name, qubits);
      apply(name, name.text, params, qubits);
    }
  }

  static void check_finite(const Token& name, const std::vector<double>& params) {
    for (size_t i = 0; i < params.size(); ++i)
      if (!std::isfinite(params[i]))
        fail(name, detail::concat("parameter ", i + 1, " of gate '", name.text, "' is ", params[i]));
  }

  std::string describe_qubit(int q) const {
    for (const Register& r : qregs_)
      if (q >= r.offset && q < r.offset + r.size) return detail::concat(r.name, "[", q - r.offset, "]");
    return std::to_string(q);
  }

  // `where` is the top-level application, to which errors inside definitions are reported.
  void apply(const Token& where, const std::string& gate, const std::vector<double>& params,
             const std::vector<int>& qubits) {
    if (auto it = gates_.find(gate); it != gates_.end()) {
      for (const BodyStmt& s : it->second.body) {
        std::vector<double> p;
        for (const Node& e : s.params) p.push_back(e.eval(params));
        for (size_t i = 0; i < p.size(); ++i)
          if (!std::isfinite(p[i]))
            fail(where, detail::concat("gate '", where.text, "': its definition gives gate '", s.gate, "' parameter ",
                                       i + 1, " = ", p[i]));
        std::vector<int> q;
        for (int a : s.args) q.push_back(qubits[static_cast<size_t>(a)]);
        apply(where, s.gate, p, q);
      }
      return;
    }
    emit_builtin(gate, params, qubits, ops_);
  }

  size_t expansion(const std::string& gate) const {
    const auto it = gates_.find(gate);
    return it == gates_.end() ? builtin_ops(gate) : it->second.n_ops;
  }

  // ---- gate definitions ----

  void gate_definition() {
    next();
    const Token name = expect_ident("a gate name");
    int np = 0, nq = 0;
    if (gate_signature(name, np, nq))
      fail(name, "gate '" + name.text + "' is already defined");
    std::vector<std::string> params, qargs;
    auto fresh = [&](const Token& t) {
      if (t.text == "pi" || std::count(params.begin(), params.end(), t.text) ||
          std::count(qargs.begin(), qargs.end(), t.text))
        fail(t, "name '" + t.text + "' is already used in this gate definition");
    };
    if (accept("(")) {
      if (!accept(")")) {
        do {
          const Token& p = expect_ident("a parameter name");
          fresh(p);
          params.push_back(p.text);
        } while (accept(","));
        expect(")", "after the gate's parameter names");
      }
    }
    do {
      const Token& a = expect_ident("a qubit argument name");
      fresh(a);
      qargs.push_back(a.text);
    } while (accept(","));
    expect("{", "to open the gate body");
    GateDef def;
    def.n_params = static_cast<int>(params.size());
    def.n_qubits = static_cast<int>(qargs.size());
    while (!accept("}")) {
      const Token stmt = peek();
      if (stmt.kind == Tok::End)
        fail(stmt, "expected '}' to close the body of gate '" + name.text + "', found end of input");
      if (stmt.kind != Tok::Ident)
        fail(stmt, "expected a gate application in the body of gate '" + name.text + "', found " + describe(stmt));
      reject_unsupported(stmt);
      next();
      const bool barrier = stmt.text == "barrier";
      BodyStmt s;
      s.gate = stmt.text;
      if (!barrier) s.params = expression_list(&params);
      do {
        const Token& a = expect_ident("a qubit argument of gate '" + name.text + "'");
        const auto it = std::find(qargs.begin(), qargs.end(), a.text);
        if (it == qargs.end()) fail(a, "'" + a.text + "' is not a qubit argument of gate '" + name.text + "'");
        if (at("[")) fail(peek(), "qubit arguments inside a gate body cannot be indexed");
        const int idx = static_cast<int>(it - qargs.begin());
        if (std::count(s.args.begin(), s.args.end(), idx)) fail(a, "qubit argument '" + a.text + "' is used twice");
        s.args.push_back(idx);
      } while (accept(","));
      expect(";", "after the gate's arguments");
      if (barrier) continue;
      int n_params = 0, n_qubits = 0;
      resolve_gate(stmt, n_params, n_qubits);
      check_arity(stmt, n_params, n_qubits, s.params.size(), s.args.size());
      def.n_ops = std::min(def.n_ops + expansion(s.gate), kMaxOps + 1);
      def.body.push_back(std::move(s));
    }
    gates_.emplace(name.text, std::move(def));
  }

  static constexpr int kMaxDepth = 200;
  static constexpr int kMaxBits = 1 << 20;
  static constexpr size_t kMaxOps = 10'000'000;

  Lexer lexer_;
  int depth_ = 0;
  std::deque<Token> toks_;
  size_t pos_ = 0;
  std::vector<Register> qregs_;
  std::map<std::string, ClassicalRegister> cregs_;
  int n_bits_ = 0;
  std::vector<int> bit_qubit_;    // per classical bit: the qubit measured into it, or -1
  std::vector<int> measured_at_;  // per qubit: the line of its measurement, or 0
  std::map<std::string, GateDef> gates_;
  bool qelib_ = false;
  int n_qubits_ = 0;
  std::vector<Op> ops_;
};

}  // namespace

QasmCircuit read_qasm(std::string_view text) { return Parser(text).parse(); }

Circuit from_qasm(std::string_view text) { return Parser(text).parse().circuit; }

}  // namespace tangle
