// Text drawings: exact expected strings for small circuits, and wrapping properties.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/io/draw.hpp"

using namespace tangle;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Display width of a UTF-8 line (every glyph of the drawings is one column wide).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(Draw, BellCircuit) {
  Circuit c(2);
  c.h(0).cnot(0, 1);
  EXPECT_EQ(draw(c, {Readout::probs({0, 1})}),
            "0: ──H──╭●──┤  ╭Probs\n"
            "1: ─────╰X──┤  ╰Probs\n");
}

TEST(Draw, AsciiFallback) {
  Circuit c(3);
  c.h(0).cnot(0, 2).rz(0.5, 1);
  DrawOptions o;
  o.unicode = false;
  const std::string s = draw(c, {Readout::probs({0, 1}), Readout::expval(pauli_z(2))}, o);
  EXPECT_EQ(s,
            "0: --H--+*------------|  +Probs\n"
            "1: -----|---RZ(0.50)--|  +Probs\n"
            "2: -----+X------------|  <Z>\n");
  for (unsigned char ch : s) EXPECT_LT(ch, 0x80) << "non-ASCII byte in:\n" << s;
}

TEST(Draw, ControlledRotationWithFormulaAngles) {
  Circuit c(2);
  auto w = c.weights(1);
  auto x = c.inputs(2);
  c.crx(w[0], 1, 0).rz(Expr(0.5) * x[1], 1).ry(0.123456, 0);
  EXPECT_EQ(draw(c, {Readout::expval(pauli_z(0))}),
            "0: ──╭RX(w[0])──RY(0.12)──────┤  <Z>\n"
            "1: ──╰●─────────RZ(0.5*x[1])──┤\n");
  DrawOptions o;
  o.decimals = 3;
  EXPECT_EQ(draw(c, {}, o),
            "0: ──╭RX(w[0])──RY(0.123)─────┤\n"
            "1: ──╰●─────────RZ(0.5*x[1])──┤\n");
}

TEST(Draw, GatesBlockTheWiresTheySpan) {
  // cnot(0, 2) spans wire 1, so h(1) goes in the next column; x(0) joins it there. Toffoli on
  // wires 0, 3 -> 1 passes over the untouched wire 2, so swap(2, 3) must wait for it.
  Circuit c(4);
  c.cnot(0, 2).h(1).x(0).toffoli(0, 3, 1).swap(2, 3);
  EXPECT_EQ(draw(c),
            "0: ──╭●──X──╭●─────────┤\n"
            "1: ──│───H──├X─────────┤\n"
            "2: ──╰X─────│───╭SWAP──┤\n"
            "3: ─────────╰●──╰SWAP──┤\n");
}

TEST(Draw, DisjointOpsShareAColumn) {
  Circuit c(3);
  c.rx(1.0, 0).rx(2.0, 2).cnot(1, 2).ry(3.0, 0);
  EXPECT_EQ(draw(c),
            "0: ──RX(1.00)──RY(3.00)──┤\n"
            "1: ────────────╭●────────┤\n"
            "2: ──RX(2.00)──╰X────────┤\n");
}

TEST(Draw, Readouts) {
  Circuit c(3);
  c.h(0);
  const std::vector<Readout> r = {Readout::expval(pauli_z(0)),
                                  Readout::expval(pauli_z(0) * pauli_x(2)),
                                  Readout::probs({1}),
                                  Readout::projector({0, 1}, 1),
                                  Readout::expval(0.5 * pauli_z(0) + pauli_x(1)),
                                  Readout::hermitian({1, 0, 0, -1}, {2})};
  EXPECT_EQ(draw(c, r),
            "0: ──H──┤  <Z>  ╭<Z@X>         ╭|01><01|  ╭<H>\n"
            "1: ─────┤       │       Probs  ╰|01><01|  ╰<H>\n"
            "2: ─────┤       ╰<Z@X>  <H>\n");
}

TEST(Draw, DenseBlocksAndNamedOps) {
  Circuit c(3);
  auto a = c.inputs(8);
  c.amplitude_embedding(a, {0, 1, 2});
  auto su = c.special_unitary({0, 2});
  auto m = c.inputs(16);
  c.evolution(m, Expr(2.0) * a[0], {1, 2}).unitary({0, 1, 1, 0}, {1});
  c.pauli_rot(0.5, "XIZ", {2, 0, 1}).multirz(-0.25, {0, 1}).u3(0.1, 0.2, 0.3, 2);
  (void)su;
  EXPECT_EQ(draw(c),
            "0: ──╭AmpEmbed──╭SU─────────────────────────╭RXIZ(0.50)──╭MultiRZ(-0.25)─────┤\n"
            "1: ──├AmpEmbed──│────╭Evolution(2*x[0])──U──├RXIZ(0.50)──╰MultiRZ(-0.25)─────┤\n"
            "2: ──╰AmpEmbed──╰SU──╰Evolution(2*x[0])─────╰RXIZ(0.50)──U3(0.10,0.20,0.30)──┤\n");
}

TEST(Draw, ControlledFamiliesAndNegativeZero) {
  Circuit c(3);
  c.crot(0.1, 0.2, 0.3, 2, 0).controlled_phase_shift(-0.001, 0, 1).cswap(1, 0, 2).cy(1, 2).cz(2, 1).sdg(0);
  EXPECT_EQ(draw(c),
            "0: ──╭Rot(0.10,0.20,0.30)──╭●─────────────────╭SWAP──Sdg──────┤\n"
            "1: ──│─────────────────────╰PhaseShift(0.00)──├●─────╭●───╭Z──┤\n"
            "2: ──╰●───────────────────────────────────────╰SWAP──╰Y───╰●──┤\n");
}

TEST(Draw, WrapsAtMaxWidth) {
  Circuit c(3);
  auto w = c.weights(12);
  for (int l = 0; l < 4; ++l) {
    for (int q = 0; q < 3; ++q) c.ry(w[3 * l + q], q);
    c.cnot(0, 1).cnot(1, 2);
  }
  const std::vector<Readout> r = {Readout::expval(pauli_z(2))};
  DrawOptions o;
  o.max_width = 50;
  EXPECT_EQ(draw(c, r, o),
            "0: ──RY(w[0])──╭●──RY(w[3])────────────╭●──···\n"
            "1: ──RY(w[1])──╰X──╭●────────RY(w[4])──╰X──···\n"
            "2: ──RY(w[2])──────╰X────────RY(w[5])──────···\n"
            "\n"
            "0: ···──RY(w[6])────────────╭●──RY(w[9])──···\n"
            "1: ···──╭●────────RY(w[7])──╰X──╭●────────···\n"
            "2: ···──╰X────────RY(w[8])──────╰X────────···\n"
            "\n"
            "0: ···─────────────╭●──────┤\n"
            "1: ···──RY(w[10])──╰X──╭●──┤\n"
            "2: ···──RY(w[11])──────╰X──┤  <Z>\n");

  // Any width: lines fit, nothing is lost, and the unwrapped drawing is one block.
  const std::string whole = draw(c, r);
  EXPECT_EQ(lines_of(whole).size(), 3u);
  for (int width = 30; width <= 200; width += 7) {
    o.max_width = width;
    const std::string s = draw(c, r, o);
    for (const std::string& line : lines_of(s)) EXPECT_LE(display_width(line), static_cast<size_t>(width)) << line;
    EXPECT_EQ(count(s, "RY("), 12u) << width;
    EXPECT_EQ(count(s, "╭●"), 8u) << width;
    EXPECT_EQ(count(s, "<Z>"), 1u) << width;
    if (width >= static_cast<int>(display_width(lines_of(whole)[2]))) {
      EXPECT_EQ(s, whole) << width;
    }
  }
  // Too narrow for even one column: each of the 12 columns gets a block, and the readouts
  // one more; never an endless loop.
  o.max_width = 5;
  EXPECT_EQ(count(draw(c, r, o), "\n\n"), 12u);
}

TEST(Draw, LabelsAlignForTenOrMoreWires) {
  Circuit c(11);
  c.cnot(10, 0);
  const std::vector<std::string> lines = lines_of(draw(c));
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[0], " 0: ──╭X──┤");
  EXPECT_EQ(lines[5], " 5: ──│───┤");
  EXPECT_EQ(lines[10], "10: ──╰●──┤");
}

TEST(Draw, EmptyCircuit) {
  EXPECT_EQ(draw(Circuit(2)), "0: ──┤\n1: ──┤\n");
  EXPECT_EQ(draw(Circuit(1), {Readout::expval(pauli_x(0))}), "0: ──┤  <X>\n");
}

TEST(Draw, RejectsBadOptionsAndReadouts) {
  Circuit c(2);
  c.h(0);
  DrawOptions o;
  o.max_width = -1;
  EXPECT_THROW(draw(c, {}, o), ValueError);
  o = DrawOptions();
  o.decimals = -1;
  EXPECT_THROW(draw(c, {}, o), ValueError);
  EXPECT_THROW(draw(c, {Readout::probs({0, 2})}), ValueError);
  EXPECT_THROW(draw(c, {Readout::expval(pauli_z(5))}), ValueError);
}
