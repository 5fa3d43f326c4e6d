// Text drawings of circuits in the style of PennyLane's qml.draw:
//
//   0: ──H──╭●──┤  ╭Probs
//   1: ─────╰X──┤  ╰Probs
//
// Each op takes the wires from its lowest to its highest as a span; it goes in the first column
// after every op whose span meets its own, so a vertical connector never crosses another op.
// Readouts are packed into columns right of the circuit by the same rule.
#include "tangle/io/draw.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "tangle/core/error.hpp"

namespace tangle {

namespace {

struct Glyphs {
  const char* wire;
  const char* vertical;
  const char* top;
  const char* middle;
  const char* bottom;
  const char* control;
  const char* end;
  const char* more;  // a wrapped line continues
};

constexpr Glyphs kUnicode = {"─", "│", "╭", "├", "╰", "●", "┤", "···"};
constexpr Glyphs kAscii = {"-", "|", "+", "+", "+", "*", "|", "..."};

// Display width: one column per code point (every glyph used here is single-width).
int width(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string repeat(const char* s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string angle_text(const Expr& e, int decimals) {
  if (!e.is_constant()) return e.to_string();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, e.constant());
  std::string s(buf);
  // "-0.00" says nothing the reader needs.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

// The text on an op's target wires, without its angles.
std::string_view target_name(Gate g) {
  switch (g) {
    case Gate::CNOT:
    case Gate::Toffoli: return "X";
    case Gate::CZ: return "Z";
    case Gate::CY: return "Y";
    case Gate::CSWAP: return "SWAP";
    case Gate::CRX: return "RX";
    case Gate::CRY: return "RY";
    case Gate::CRZ: return "RZ";
    case Gate::CRot: return "Rot";
    case Gate::ControlledPhaseShift: return "PhaseShift";
    case Gate::PauliRot: return "R";  // followed by the word
    case Gate::Unitary: return "U";
    case Gate::SpecialUnitary: return "SU";
    case Gate::AmplitudeEmbedding: return "AmpEmbed";
    case Gate::StatePreparation: return "StatePrep";
    default: return gate_info(g).name;
  }
}

std::string target_label(const Op& op, int decimals) {
  std::string name(target_name(op.gate));
  if (op.gate == Gate::PauliRot)
    for (Pauli p : op.word) name += pauli_letter(p);
  if (!op.angles.empty()) {
    name += '(';
    for (size_t i = 0; i < op.angles.size(); ++i) {
      if (i) name += ',';
      name += angle_text(op.angles[i], decimals);
    }
    name += ')';
  }
  return name;
}

// One drawn item (an op or a readout): its text on each wire it touches.
struct Item {
  std::vector<std::pair<int, std::string>> marks;  // (wire, text)
};

// Packs items into columns; cells[c][w] is the text of column c on wire w ("" = bare wire).
// Wires strictly inside an item's span that it does not touch get the vertical connector.
std::vector<std::vector<std::string>> pack(const std::vector<Item>& items, int n_wires, const Glyphs& g) {
  std::vector<std::vector<std::string>> cols;
  std::vector<int> next_free(static_cast<size_t>(n_wires), 0);
  for (const Item& it : items) {
    int lo = n_wires, hi = -1;
    for (const auto& [w, text] : it.marks) {
      lo = std::min(lo, w);
      hi = std::max(hi, w);
    }
    if (hi < 0) continue;
    int col = 0;
    for (int w = lo; w <= hi; ++w) col = std::max(col, next_free[static_cast<size_t>(w)]);
    for (int w = lo; w <= hi; ++w) next_free[static_cast<size_t>(w)] = col + 1;
    if (static_cast<int>(cols.size()) <= col)
      cols.resize(static_cast<size_t>(col) + 1, std::vector<std::string>(static_cast<size_t>(n_wires)));
    std::vector<std::string>& cells = cols[static_cast<size_t>(col)];
    if (lo == hi) {
      cells[static_cast<size_t>(lo)] = it.marks[0].second;
      continue;
    }
    for (int w = lo + 1; w < hi; ++w) cells[static_cast<size_t>(w)] = g.vertical;
    for (const auto& [w, text] : it.marks) {
      std::string& cell = cells[static_cast<size_t>(w)];
      cell = w == lo ? g.top : w == hi ? g.bottom : g.middle;
      cell += text;
    }
  }
  return cols;
}

Item op_item(const Op& op, const Glyphs& g, int decimals) {
  Item it;
  const std::string label = target_label(op, decimals);
  const int nc = op.n_controls();
  for (size_t i = 0; i < op.wires.size(); ++i)
    it.marks.emplace_back(op.wires[i], static_cast<int>(i) < nc ? std::string(g.control) : label);
  return it;
}

Item readout_item(const Readout& r, int n_wires) {
  Item it;
  auto on = [&](const std::vector<int>& wires, const std::string& label) {
    for (int w : wires) it.marks.emplace_back(w, label);
  };
  switch (r.kind()) {
    case Readout::Kind::Expval: {
      const std::vector<PauliTerm>& terms = r.observable().terms();
      if (terms.size() == 1 && terms[0].coef == 1.0 && !terms[0].factors.empty()) {
        std::string label = "<";
        std::vector<int> wires;
        for (size_t f = 0; f < terms[0].factors.size(); ++f) {
          if (f) label += '@';
          label += pauli_letter(terms[0].factors[f].second);
          wires.push_back(terms[0].factors[f].first);
        }
        on(wires, label + ">");
        break;
      }
      // Anything else (several terms, a coefficient): one <H> on every wire it reads (all wires
      // for a constant).
      std::vector<int> wires;
      for (const PauliTerm& t : terms)
        for (const auto& f : t.factors) wires.push_back(f.first);
      std::sort(wires.begin(), wires.end());
      wires.erase(std::unique(wires.begin(), wires.end()), wires.end());
      if (wires.empty())
        for (int w = 0; w < n_wires; ++w) wires.push_back(w);
      on(wires, "<H>");
      break;
    }
    case Readout::Kind::Probs: on(r.wires(), "Probs"); break;
    case Readout::Kind::Projector: {
      std::string bits;
      const size_t k = r.wires().size();
      for (size_t i = 0; i < k; ++i) bits += ((r.basis_state() >> (k - 1 - i)) & 1) ? '1' : '0';
      on(r.wires(), "|" + bits + "><" + bits + "|");
      break;
    }
    case Readout::Kind::Hermitian: on(r.wires(), "<H>"); break;
  }
  return it;
}

std::vector<int> column_widths(const std::vector<std::vector<std::string>>& cols) {
  std::vector<int> out;
  for (const auto& c : cols) {
    int m = 0;
    for (const std::string& s : c) m = std::max(m, width(s));
    out.push_back(m);
  }
  return out;
}

}  // namespace

std::string draw(const Circuit& circuit, const std::vector<Readout>& readouts, const DrawOptions& options) {
  TANGLE_CHECK(options.max_width >= 0, "draw: max_width ", options.max_width, " is negative (0 = no wrapping)");
  TANGLE_CHECK(options.decimals >= 0 && options.decimals <= 17, "draw: decimals ", options.decimals,
               " is out of range [0, 17]");
  const int n = circuit.n_qubits();
  for (const Readout& r : readouts) r.check(n);
  const Glyphs& g = options.unicode ? kUnicode : kAscii;

  std::vector<Item> op_items, ro_items;
  for (const Op& op : circuit.ops()) op_items.push_back(op_item(op, g, options.decimals));
  for (const Readout& r : readouts) ro_items.push_back(readout_item(r, n));
  const auto cols = pack(op_items, n, g);
  const auto ro_cols = pack(ro_items, n, g);
  const std::vector<int> widths = column_widths(cols), ro_widths = column_widths(ro_cols);

  std::vector<std::string> labels;
  const int label_digits = static_cast<int>(std::to_string(std::max(n - 1, 0)).size());
  for (int w = 0; w < n; ++w) {
    std::string s = std::to_string(w);
    s.insert(0, static_cast<size_t>(label_digits) - s.size(), ' ');
    s += ": ";
    labels.push_back(std::move(s));
  }
  const int label_w = label_digits + 2, more_w = width(g.more);
  int ro_w = 0;
  for (int wr : ro_widths) ro_w += 2 + wr;

  // Blocks of columns [begin, end); the last one carries the readouts. Every block takes at
  // least one column, so a column wider than max_width overflows rather than loops.
  struct Block {
    size_t begin, end;
  };
  std::vector<Block> blocks;
  const size_t n_cols = cols.size();
  for (size_t i = 0;;) {
    const int base = label_w + (i > 0 ? more_w : 0) + 2;
    int rest = 1 + ro_w;
    for (size_t c = i; c < n_cols; ++c) rest += widths[c] + 2;
    if (options.max_width == 0 || i == n_cols || base + rest <= options.max_width) {
      blocks.push_back({i, n_cols});
      break;
    }
    size_t j = i;
    int used = base + more_w;
    while (j < n_cols && (j == i || used + widths[j] + 2 <= options.max_width)) used += widths[j++] + 2;
    blocks.push_back({i, j});
    i = j;
  }

  std::string out;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (b > 0) out += '\n';
    const bool last = b + 1 == blocks.size();
    for (int w = 0; w < n; ++w) {
      const size_t sw = static_cast<size_t>(w);
      std::string line = labels[sw];
      if (b > 0) line += g.more;
      line += repeat(g.wire, 2);
      for (size_t c = blocks[b].begin; c < blocks[b].end; ++c) {
        const std::string& cell = cols[c][sw];
        line += cell;
        line += repeat(g.wire, widths[c] - width(cell) + 2);
      }
      if (!last) {
        line += g.more;
      } else {
        line += g.end;
        for (size_t c = 0; c < ro_cols.size(); ++c) {
          const std::string& cell = ro_cols[c][sw];
          line += "  ";
          line += cell;
          line += std::string(static_cast<size_t>(ro_widths[c] - width(cell)), ' ');
        }
        line.erase(line.find_last_not_of(' ') + 1);
      }
      out += line;
      out += '\n';
    }
  }
  return out;
}

}  // namespace tangle
