// OpenQASM import of what real files end with: final measurements become the readout (in the
// classical registers' bit order), resets become the reset channel, mid-circuit measurements are
// refused with the line of the measurement, and includes may precede the header.
#include <gtest/gtest.h>

#include "error_message.hpp"
#include "tangle/core/error.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/sim/program.hpp"

namespace tangle {
namespace {

using test::error_of;
using test::has;

const std::string kHead = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

// Probabilities of the measured qubits, index = classical value.
std::vector<double> counts(const QasmCircuit& q) {
  return forward(Program(q.circuit, {Readout::probs(q.measured)}), {}, 1, {});
}

TEST(QasmMeasure, WholeRegisterReadsOutInQiskitsBitOrder) {
  // x on q[0] and q[2]: c = 0b101 = 5 (c[0] is the least significant bit).
  const QasmCircuit q = read_qasm(kHead + "qreg q[3];\ncreg c[3];\nx q[0];\nx q[2];\nbarrier q;\nmeasure q -> c;\n");
  EXPECT_EQ(q.measured, (std::vector<int>{2, 1, 0}));
  const std::vector<double> p = counts(q);
  ASSERT_EQ(p.size(), 8u);
  EXPECT_NEAR(p[5], 1.0, 1e-12);
  EXPECT_EQ(q.circuit.ops().size(), 2u);  // the measurements are not ops
}

TEST(QasmMeasure, PermutedAndPartialMeasurementsAcrossRegisters) {
  // c[0] <- q[2] (1), c[1] <- q[0] (0), d[0] <- q[1] (1); q[3] unmeasured. Bits: c[0], c[1], d[0].
  const QasmCircuit q = read_qasm(kHead +
                                  "qreg q[4];\ncreg c[2];\ncreg d[1];\nx q[2];\nx q[1];\nh q[3];\n"
                                  "measure q[2] -> c[0];\nmeasure q[0] -> c[1];\nmeasure q[1] -> d[0];\n");
  EXPECT_EQ(q.measured, (std::vector<int>{1, 0, 2}));  // d[0], c[1], c[0]
  const std::vector<double> p = counts(q);
  EXPECT_NEAR(p[0b101], 1.0, 1e-12);
}

TEST(QasmMeasure, SuperpositionsGiveTheirDistribution) {
  const QasmCircuit q = read_qasm(kHead + "qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n");
  const std::vector<double> p = counts(q);
  EXPECT_NEAR(p[0], 0.5, 1e-12);
  EXPECT_NEAR(p[3], 0.5, 1e-12);
  // Measuring the same qubit again, or a barrier after it, changes nothing.
  EXPECT_NO_THROW(read_qasm(kHead + "qreg q[1];\ncreg c[1];\nh q[0];\nmeasure q[0] -> c[0];\nbarrier q;\n"
                                    "measure q[0] -> c[0];\n"));
  EXPECT_TRUE(read_qasm(kHead + "qreg q[1];\nh q[0];\n").measured.empty());
}

TEST(QasmMeasure, ResetIsTheResetChannel) {
  const QasmCircuit q = read_qasm(kHead + "qreg q[2];\ncreg c[2];\nx q;\nreset q[0];\nmeasure q -> c;\n");
  ASSERT_EQ(q.circuit.ops().back().gate, Gate::Reset);
  const std::vector<double> p = counts(q);  // c[0] <- q[0] = 0, c[1] <- q[1] = 1
  EXPECT_NEAR(p[0b10], 1.0, 1e-12);
  EXPECT_EQ(read_qasm(kHead + "qreg q[3];\nreset q;\n").circuit.ops().size(), 3u);
  // Exported as OpenQASM 2.0's reset (the fuzz target's round trip found it written as a comment).
  const std::string text = to_qasm(q.circuit, {}, {});
  EXPECT_TRUE(has(text, "\nreset q[0];\n")) << text;
  EXPECT_EQ(read_qasm(text).circuit.ops().back().gate, Gate::Reset);
}

TEST(QasmMeasure, MidCircuitMeasurementsAndBadTargetsAreRefused) {
  const std::string h = kHead + "qreg q[2];\ncreg c[2];\n";  // lines 1-4
  auto err = [](const std::string& text) { return error_of<ValueError>([&] { read_qasm(text); }); };
  EXPECT_TRUE(has(err(h + "measure q[0] -> c[0];\nx q[0];\n"), "line 6, column 1: 'x' acts on q[0] after its "
                                                               "measurement on line 5"));
  EXPECT_TRUE(has(err(h + "measure q -> c;\ncx q[1],q[0];\n"), "'cx' acts on q[1]"));
  EXPECT_TRUE(has(err(h + "measure q[1] -> c[1];\nreset q;\n"), "'reset' acts on q[1]"));
  EXPECT_TRUE(has(err(h + "creg d[3];\nmeasure q -> d;\n"), "2 qubits into 3 bits"));
  EXPECT_TRUE(has(err(h + "measure q -> c[0];\n"), "2 qubits into one bit"));
  EXPECT_TRUE(has(err(h + "measure q[0] -> e[0];\n"), "classical register 'e' is not declared"));
  EXPECT_TRUE(has(err(h + "measure q[0] -> q[1];\n"), "'q' is a quantum register"));
  EXPECT_TRUE(has(err(h + "measure q[0] -> c[2];\n"), "index 2 is out of range for creg c[2]"));
  EXPECT_TRUE(has(err(h + "measure q[0] c[0];\n"), "expected '->'"));
  EXPECT_TRUE(has(err(h + "gate g a { measure a; }\n"), "cannot appear inside a gate definition"));
}

TEST(QasmMeasure, IncludesMayComeBeforeTheHeader) {
  const QasmCircuit q = read_qasm("include \"qelib1.inc\";\nOPENQASM 2.0;\nqreg q[1];\nx q[0];\n");
  EXPECT_EQ(q.circuit.ops().size(), 1u);
  EXPECT_TRUE(has(error_of<ValueError>([] { read_qasm("include \"qelib1.inc\";\nqreg q[1];\n"); }),
                  "expected 'OPENQASM 2.0;'"));
}

}  // namespace
}  // namespace tangle
