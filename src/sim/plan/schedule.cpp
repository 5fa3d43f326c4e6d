#include "schedule.hpp"

#include <bit>

namespace tangle::detail {

namespace {

// How far back a new op looks for a segment to join (keeps scheduling linear in the op count).
constexpr size_t kLookBack = 16;

struct Shape {
  std::uint64_t support = 0;  // every wire the op touches
  std::uint64_t x = 0, z = 0;  // uncontrolled Pauli rotation: its word
  bool pauli = false;
  bool diagonal = false;
};

Shape shape_of(const LoweredOp& op) {
  Shape s;
  for (int q : op.targets) s.support |= std::uint64_t{1} << q;
  for (int q : op.controls) s.support |= std::uint64_t{1} << q;
  s.diagonal = is_diagonal(op);
  if (op.kind == LoweredOp::Kind::PauliRotation && op.controls.empty()) {
    s.pauli = true;
    for (size_t t = 0; t < op.targets.size(); ++t) {
      const std::uint64_t bit = std::uint64_t{1} << op.targets[t];
      if (op.word[t] == Pauli::X || op.word[t] == Pauli::Y) s.x |= bit;
      if (op.word[t] == Pauli::Z || op.word[t] == Pauli::Y) s.z |= bit;
    }
  }
  return s;
}

bool movable(const LoweredOp& op) {
  return op.kind == LoweredOp::Kind::Matrix || op.kind == LoweredOp::Kind::PauliRotation ||
         op.kind == LoweredOp::Kind::Phase;
}

bool commute(const Shape& a, const Shape& b) {
  if ((a.support & b.support) == 0) return true;
  if (a.diagonal && b.diagonal) return true;
  if (a.pauli && b.pauli) return (std::popcount((a.x & b.z) ^ (a.z & b.x)) & 1) == 0;
  return false;
}

Shape pauli_shape(std::uint64_t x, std::uint64_t z) {
  Shape s;
  s.support = x | z;
  s.x = x;
  s.z = z;
  s.pauli = true;
  s.diagonal = x == 0;
  return s;
}

// What an op must commute with to leave a readout unchanged: the Pauli terms of an observable;
// the Z on each wire of probabilities and projectors (they generate its projectors); the wires
// of a Hermitian matrix.
void add_readout_shapes(const Readout& r, std::vector<Shape>& out) {
  switch (r.kind()) {
    case Readout::Kind::Expval:
      for (const PauliTerm& t : r.observable().terms()) {
        std::uint64_t x = 0, z = 0;
        for (const auto& [q, p] : t.factors) {
          if (p == Pauli::X || p == Pauli::Y) x |= std::uint64_t{1} << q;
          if (p == Pauli::Z || p == Pauli::Y) z |= std::uint64_t{1} << q;
        }
        out.push_back(pauli_shape(x, z));
      }
      return;
    case Readout::Kind::Probs:
    case Readout::Kind::Projector:
      for (int q : r.wires()) out.push_back(pauli_shape(0, std::uint64_t{1} << q));
      return;
    case Readout::Kind::Hermitian: {
      Shape s;
      for (int q : r.wires()) s.support |= std::uint64_t{1} << q;
      out.push_back(s);
      return;
    }
  }
}

}  // namespace

bool is_diagonal(const LoweredOp& op) {
  switch (op.kind) {
    case LoweredOp::Kind::Phase: return true;
    case LoweredOp::Kind::PauliRotation:
      for (Pauli p : op.word)
        if (p != Pauli::Z) return false;
      return true;
    case LoweredOp::Kind::Matrix: {
      const size_t dim = size_t{1} << op.targets.size();
      for (size_t r = 0; r < dim; ++r)
        for (size_t c = 0; c < dim; ++c)
          if (r != c && op.matrix[r * dim + c] != 0.0) return false;
      return true;
    }
    default: return false;
  }
}

LoweredProgram schedule_commuting(const LoweredProgram& program) {
  struct Segment {
    std::vector<LoweredOp> ops;
    std::vector<Shape> shapes;
    bool open = true;  // false after an op that nothing may move past
  };
  std::vector<Segment> segments;
  for (const LoweredOp& op : program.ops) {
    const Shape s = shape_of(op);
    if (!movable(op)) {
      segments.push_back({{op}, {s}, false});
      continue;
    }
    // The earliest segment such that the op commutes with it and everything after it.
    size_t target = segments.size();
    for (size_t k = segments.size(); k-- > 0 && segments.size() - k <= kLookBack;) {
      const Segment& seg = segments[k];
      if (!seg.open) break;
      bool ok = true;
      for (const Shape& t : seg.shapes) ok = ok && commute(s, t);
      if (!ok) break;
      target = k;
    }
    if (target == segments.size()) {
      segments.push_back({{op}, {s}, true});
      continue;
    }
    Segment& seg = segments[target];
    // A rotation about a word already rotated about in this segment adds to its angle.
    bool merged = false;
    if (s.pauli) {
      for (size_t i = 0; i < seg.ops.size() && !merged; ++i) {
        if (seg.shapes[i].pauli && seg.shapes[i].x == s.x && seg.shapes[i].z == s.z) {
          seg.ops[i].angle = seg.ops[i].angle + op.angle;
          merged = true;
        }
      }
    }
    if (!merged) {
      seg.ops.push_back(op);
      seg.shapes.push_back(s);
    }
  }
  LoweredProgram out = program;
  out.ops.clear();
  out.segment_ends.clear();
  for (Segment& seg : segments) {
    for (LoweredOp& op : seg.ops) out.ops.push_back(std::move(op));
    out.segment_ends.push_back(out.ops.size());
  }
  return out;
}

LoweredProgram drop_unobserved(const LoweredProgram& program) {
  // Heisenberg picture, from the end: an op that commutes with every readout and every op kept
  // after it can be moved to the end and leaves every output as it is. Kept ops join what the
  // ones before them must commute with; past kMaxObserved of those, the rest is kept as it is.
  constexpr size_t kMaxObserved = 256;
  std::vector<Shape> observed;
  for (const Readout& r : program.readouts) add_readout_shapes(r, observed);
  std::vector<bool> keep(program.ops.size(), true);
  for (size_t i = program.ops.size(); i-- > 0 && observed.size() <= kMaxObserved;) {
    const LoweredOp& op = program.ops[i];
    const Shape s = shape_of(op);
    bool free = movable(op);
    for (size_t k = 0; k < observed.size() && free; ++k) free = commute(s, observed[k]);
    if (free) {
      keep[i] = false;
    } else {
      observed.push_back(s);
    }
  }
  LoweredProgram out = program;
  out.ops.clear();
  out.segment_ends.clear();
  size_t start = 0;
  const std::vector<size_t> ends =
      program.segment_ends.empty() ? std::vector<size_t>{program.ops.size()} : program.segment_ends;
  for (size_t end : ends) {
    for (size_t i = start; i < end; ++i)
      if (keep[i]) out.ops.push_back(program.ops[i]);
    // A program without segments (one op per segment) keeps that form.
    if (!program.segment_ends.empty() && (out.segment_ends.empty() ? 0 : out.segment_ends.back()) < out.ops.size())
      out.segment_ends.push_back(out.ops.size());
    start = end;
  }
  return out;
}

}  // namespace tangle::detail
