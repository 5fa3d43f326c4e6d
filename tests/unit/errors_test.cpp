// Every bad input of DESIGN.md "Errors" throws a tangle::Error whose message names the bad value.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/program.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Runs f; passes if it throws a tangle::Error whose message contains every one of `needles`.
template <typename F>
::testing::AssertionResult throws_naming(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.message();
    // Also reachable as a standard exception.
    if (dynamic_cast<const std::exception*>(&e) == nullptr)
      return ::testing::AssertionFailure() << "tangle::Error \"" << msg << "\" is not a std::exception";
    for (const std::string& n : needles)
      if (msg.find(n) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << msg << "\" does not contain \"" << n << "\"";
    return ::testing::AssertionSuccess() << msg;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-tangle exception: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw something that is not an exception";
  }
  return ::testing::AssertionFailure() << "did not throw";
}

Program bell() {
  Circuit c(2);
  c.h(0).cnot(0, 1);
  return Program(c, {Readout::expval(pauli_z(0))});
}

TEST(Errors, QubitOutOfRange) {
  Circuit c(3);
  EXPECT_TRUE(throws_naming([&] { c.h(5); }, {"wire 5"}));
  EXPECT_TRUE(throws_naming([&] { c.cnot(0, 3); }, {"wire 3"}));
  EXPECT_TRUE(throws_naming([&] { c.rx(0.1, -1); }, {"wire -1"}));
  EXPECT_TRUE(throws_naming([&] { c.toffoli(0, 1, 7); }, {"wire 7"}));
  EXPECT_TRUE(throws_naming([&] { c.unitary({1, 0, 0, 1}, {4}); }, {"wire 4"}));
  EXPECT_TRUE(throws_naming([&] { c.special_unitary({0, 6}); }, {"wire 6"}));
  EXPECT_EQ(c.ops().size(), 0u) << "a failed call must not append";
  EXPECT_EQ(c.n_weights(), 0) << "a failed special_unitary must not declare weights";
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::probs({0, 4})}); }, {"wire 4"}));
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::projector({3}, 0)}); }, {"wire 3"}));
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::hermitian({1, 0, 0, 1}, {9})}); }, {"wire 9"}));
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::expval(pauli_z(0) + pauli_x(7))}); }, {"wire 7"}));
  EXPECT_TRUE(throws_naming([] { Circuit(0); }, {"0"}));
  EXPECT_TRUE(throws_naming([] { Circuit(41); }, {"41"}));
}

TEST(Errors, RepeatedWire) {
  Circuit c(3);
  EXPECT_TRUE(throws_naming([&] { c.cnot(1, 1); }, {"wire 1"}));
  EXPECT_TRUE(throws_naming([&] { c.toffoli(0, 2, 0); }, {"wire 0"}));
  EXPECT_TRUE(throws_naming([&] { c.multirz(0.3, {2, 0, 2}); }, {"wire 2"}));
  EXPECT_TRUE(throws_naming([&] { c.special_unitary({1, 1}); }, {"wire 1"}));
  EXPECT_TRUE(throws_naming([&] { c.state_preparation({1, 0, 0, 0}, {2, 2}); }, {"wire 2"}));
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::probs({1, 1})}); }, {"wire 1"}));
  EXPECT_TRUE(throws_naming([&] { Program(c, {Readout::hermitian(std::vector<cdouble>(16, 0.0), {0, 0})}); }, {"wire 0"}));
  EXPECT_TRUE(throws_naming([] { return pauli_z(1) * pauli_x(1); }, {"wire 1"}));
}

TEST(Errors, NonFiniteAnglesAndConstants) {
  Circuit c(2);
  const ParamBlock x = c.inputs(2);
  EXPECT_TRUE(throws_naming([&] { c.rx(kNaN, 0); }, {"nan"}));
  EXPECT_TRUE(throws_naming([&] { c.ry(kInf, 1); }, {"inf"}));
  EXPECT_TRUE(throws_naming([&] { c.rz(kInf * x[0], 0); }, {"inf"}));
  EXPECT_TRUE(throws_naming([&] { c.u3(0.1, kNaN, 0.2, 0); }, {"nan"}));
  EXPECT_TRUE(throws_naming([&] { c.amplitude_embedding(x, {0}, kNaN); }, {"nan"}));
  EXPECT_TRUE(throws_naming([&] { c.state_preparation({kNaN, 1.0}, {0}); }, {"nan"}));
  EXPECT_TRUE(throws_naming([&] { c.unitary({1, 0, 0, kInf}, {0}); }, {"finite"}));
  EXPECT_TRUE(throws_naming([] { return kNaN * pauli_z(0); }, {"nan"}));
  EXPECT_TRUE(throws_naming([] { return PauliSum(kInf); }, {"inf"}));
  EXPECT_TRUE(throws_naming([] { return Readout::hermitian({1, kNaN, kNaN, 1}, {0}); }, {"finite"}));
}

TEST(Errors, NonFiniteRunValues) {
  Circuit c(2);
  const ParamBlock x = c.inputs(2), w = c.weights(2);
  c.rx(x[0] * w[0], 0).ry(x[1] + w[1], 1);
  const Program p(c, {Readout::expval(pauli_z(0))});
  const std::vector<double> xs = {0.1, 0.2, 0.3, kInf}, ws = {0.5, 0.6};
  EXPECT_TRUE(throws_naming([&] { forward(p, xs, 2, ws); }, {"inf", "input"}));
  EXPECT_TRUE(throws_naming([&] { forward(p, {0.1, 0.2}, 1, {0.5, kNaN}); }, {"nan", "weight"}));
  EXPECT_TRUE(throws_naming([&] { vjp(p, {0.1, 0.2}, 1, ws, {kNaN}); }, {"nan", "cotangent"}));
  EXPECT_TRUE(throws_naming([&] { jacobian(p, {kNaN, 0.2}, 1, ws); }, {"nan", "input"}));
  EXPECT_TRUE(throws_naming([&] { states(p, {0.1, kNaN}, 1, ws); }, {"nan", "input"}));
  // Finite inputs and weights whose angle overflows.
  EXPECT_TRUE(throws_naming([&] { forward(p, {1e300, 0.2}, 1, {1e300, 0.0}); }, {"inf"}));
}

TEST(Errors, WrongInputWidth) {
  Circuit c(2);
  const ParamBlock x = c.inputs(3), w = c.weights(2);
  c.rx(x[0] + w[0], 0).ry(x[2] * w[1], 1);
  const Program p(c, {Readout::expval(pauli_z(0)), Readout::probs({1})});
  const std::vector<double> x6(6, 0.1), w2(2, 0.2);
  EXPECT_TRUE(throws_naming([&] { forward(p, std::vector<double>(5, 0.1), 2, w2); }, {"inputs", "5", "6"}));
  EXPECT_TRUE(throws_naming([&] { forward(p, x6, 2, std::vector<double>(3, 0.2)); }, {"weights", "3", "2"}));
  EXPECT_TRUE(throws_naming([&] { states(p, std::vector<double>(7, 0.1), 2, w2); }, {"inputs", "7"}));
  EXPECT_TRUE(throws_naming([&] { vjp(p, x6, 2, w2, std::vector<double>(5, 1.0)); }, {"cotangent", "5", "6"}));
  EXPECT_TRUE(throws_naming([&] { vjp(p, std::vector<double>(4, 0.1), 2, w2, std::vector<double>(6, 1.0)); },
                            {"inputs", "4"}));
  EXPECT_TRUE(throws_naming([&] { jacobian(p, std::vector<double>(8, 0.1), 2, w2); }, {"inputs", "8"}));
  EXPECT_TRUE(throws_naming([&] { jacobian(p, x6, 2, std::vector<double>(1, 0.2)); }, {"weights", "1"}));
  EXPECT_TRUE(throws_naming([&] { forward(p, {}, 0, w2); }, {"batch", "0"}));
  EXPECT_TRUE(throws_naming([&] { jacobian(p, {}, 0, w2); }, {"batch", "0"}));
  EXPECT_TRUE(throws_naming([&] { memory_estimate(p, -3); }, {"batch", "-3"}));
}

TEST(Errors, UnknownGateName) {
  // gate_by_name reports an unknown name by an empty optional (case-sensitive); every table name
  // round-trips.
  EXPECT_FALSE(gate_by_name("Foo").has_value());
  EXPECT_FALSE(gate_by_name("cnot").has_value());
  EXPECT_FALSE(gate_by_name("").has_value());
  for (const GateInfo& info : kGates) {
    const auto g = gate_by_name(info.name);
    ASSERT_TRUE(g.has_value()) << info.name;
    EXPECT_EQ(*g, info.gate) << info.name;
  }
}

// An Op whose gate is outside the table must be refused by append, naming the value. Run in a
// child process: an unchecked table lookup would read out of bounds and may crash.
TEST(ErrorsDeathTest, UnknownGateValueInAppend) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Circuit c(2);
        Op op;
        op.gate = static_cast<Gate>(200);
        op.wires = {0};
        const bool ok = throws_naming([&] { c.append(op); }, {"200"});
        std::fprintf(stderr, "%s\n", ok ? "refused" : "not refused with a message naming 200");
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "refused");
}

TEST(Errors, MatricesThatAreNotUnitaryOrHermitian) {
  Circuit c(2);
  EXPECT_TRUE(throws_naming([&] { c.unitary({1, 0, 0, 2}, {0}); }, {"not unitary"}));
  EXPECT_TRUE(throws_naming([&] { c.unitary({1, 0, 0}, {0}); }, {"3"}));
  EXPECT_TRUE(throws_naming([&] { c.unitary(std::vector<cdouble>(4, 0.5), {0, 1}); }, {"16", "4"}));
  EXPECT_TRUE(throws_naming([] { return Readout::hermitian({1, 1, 0, 1}, {0}); }, {"not Hermitian"}));
  EXPECT_TRUE(throws_naming([] { return Readout::hermitian({1, cdouble(0, 1), cdouble(0, 1), 1}, {0}); },
                            {"not Hermitian"}));
  EXPECT_TRUE(throws_naming([] { return Readout::hermitian({1, 0, 0, 1, 0}, {0}); }, {"5"}));
  EXPECT_TRUE(throws_naming([] { return Readout::hermitian({}, {}); }, {"0"}));
}

TEST(Errors, DenseBlockSizes) {
  Circuit c(3);
  const ParamBlock w2 = c.weights(2), w15 = c.weights(15), x4 = c.inputs(4), x16 = c.inputs(16);
  EXPECT_TRUE(throws_naming([&] { c.special_unitary(w2, {0}); }, {"3", "2"}));
  EXPECT_TRUE(throws_naming([&] { c.special_unitary(w15, {0, 1, 2}); }, {"63", "15"}));
  EXPECT_TRUE(throws_naming([&] { c.special_unitary(x16, {0, 1}); }, {"15", "16"}));  // an input block, one too many
  EXPECT_TRUE(throws_naming([&] { c.evolution(x4, 1.0, {0, 1}); }, {"16", "4"}));
  EXPECT_TRUE(throws_naming([&] { c.evolution(x16, 1.0, {0}); }, {"4", "16"}));
  EXPECT_TRUE(throws_naming([&] { c.evolution(w15, 1.0, {0, 1}); }, {"input"}));
  EXPECT_TRUE(throws_naming([&] { Circuit(12).special_unitary({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}); }, {"11"}));
  EXPECT_EQ(c.ops().size(), 0u);
}

TEST(Errors, StatePreparations) {
  Circuit c(2);
  const ParamBlock x = c.inputs(2), x5 = c.inputs(5);
  EXPECT_TRUE(throws_naming([&] { c.amplitude_embedding(x5, {0, 1}); }, {"5"}));
  EXPECT_TRUE(throws_naming([&] { c.amplitude_embedding(c.weights(2), {0}); }, {"input"}));
  EXPECT_TRUE(throws_naming([&] { c.state_preparation({1, 0, 0}, {0, 1}); }, {"3", "4"}));
  EXPECT_TRUE(throws_naming([&] { c.state_preparation({1, 1}, {0}); }, {"norm", "2"}));
  c.h(0);
  EXPECT_TRUE(throws_naming([&] { c.amplitude_embedding(x, {1}); }, {"first"}));
  EXPECT_TRUE(throws_naming([&] { c.state_preparation({1, 0}, {1}); }, {"first"}));
  // Zero norm is a property of a sample: refused at run time, naming the sample.
  Circuit d(1);
  const ParamBlock f = d.inputs(2);
  d.amplitude_embedding(f, {0});
  const Program p(d, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(throws_naming([&] { forward(p, {0.3, 0.4, 0.0, 0.0}, 2, {}); }, {"norm", "sample 1"}));
  Circuit e(1);
  e.amplitude_embedding(e.inputs(2), {0}, 0.0, false);
  const Program q(e, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(throws_naming([&] { forward(q, {0.3, 0.4}, 1, {}); }, {"norm", "0.25"}));
}

TEST(Errors, BadPauliWords) {
  Circuit c(3);
  EXPECT_TRUE(throws_naming([&] { c.pauli_rot(0.1, "XQ", {0, 1}); }, {"'Q'", "1"}));
  EXPECT_TRUE(throws_naming([&] { c.pauli_rot(0.1, "xz", {0, 1}); }, {"'x'"}));
  EXPECT_TRUE(throws_naming([&] { c.pauli_rot(0.1, "XY", {0, 1, 2}); }, {"XY", "3"}));
  EXPECT_TRUE(throws_naming([] { parse_pauli_word("IXA"); }, {"'A'", "2"}));
}

TEST(Errors, AnglesThatAreNotAffine) {
  Circuit c(2);
  const ParamBlock w = c.weights(2), x = c.inputs(3);
  EXPECT_TRUE(throws_naming([&] { return w[0] * w[1]; }, {"w[0]", "w[1]"}));
  EXPECT_TRUE(throws_naming([&] { return (x[0] + w[0]) * (x[1] + w[1]); }, {"w[0]", "w[1]"}));
  EXPECT_TRUE(throws_naming([&] { return x[0] * x[1] * x[2]; }, {"x[2]"}));
  EXPECT_TRUE(throws_naming([&] { c.rx(Expr::weight(5), 0); }, {"w[5]"}));
  EXPECT_TRUE(throws_naming([&] { c.ry(Expr::input(7), 0); }, {"x[7]"}));
  EXPECT_TRUE(throws_naming([&] { return x[0] / 0.0; }, {"0"}));
  EXPECT_TRUE(throws_naming([&] { return w[2]; }, {"2"}));
}

TEST(Errors, ThreadsAndMemory) {
  const Program p = bell();
  RunOptions o;
  o.threads = -1;
  EXPECT_TRUE(throws_naming([&] { forward(p, {}, 1, {}, o); }, {"thread", "-1"}));
  o.threads = -4;
  EXPECT_TRUE(throws_naming([&] { vjp(p, {}, 1, {}, {1.0}, o); }, {"-4"}));
  // A limit below the estimate is refused with the bytes the run needs.
  for (Precision prec : {Precision::F32, Precision::F64}) {
    RunOptions m;
    m.precision = prec;
    m.memory_limit = 1;
    const std::uint64_t need = memory_estimate(p, 64, m);
    // MemoryError (Python's MemoryError), with the rounded estimate, the limit and the qubits.
    EXPECT_THROW(forward(p, {}, 64, {}, m), MemoryError);
    EXPECT_TRUE(throws_naming([&] { forward(p, {}, 64, {}, m); },
                              {format_bytes(need), "the memory limit is 1 B", "2 qubits", "64 samples"}));
    // Forward fits, the gradient (which needs more) does not.
    m.memory_limit = need;
    EXPECT_NO_THROW(forward(p, {}, 64, {}, m));
    const std::uint64_t need_grad = memory_estimate(p, 64, m, true);
    ASSERT_GT(need_grad, need);
    EXPECT_TRUE(throws_naming([&] { vjp(p, {}, 64, {}, std::vector<double>(64, 1.0), m); },
                              {format_bytes(need_grad), format_bytes(need), "2 qubits"}));
  }
}

TEST(Errors, ReadoutsAndPrograms) {
  Circuit c(3);
  c.h(0);
  EXPECT_TRUE(throws_naming([&] { Program(c, {}); }, {"readout"}));
  EXPECT_TRUE(throws_naming([] { return Readout::projector({0, 1}, 4); }, {"4"}));
  EXPECT_TRUE(throws_naming([] { return Readout::projector({0}, -1); }, {"-1"}));
  EXPECT_TRUE(throws_naming([] { return Readout::probs({}); }, {"wire"}));
  EXPECT_TRUE(throws_naming([] { return PauliSum::single(Pauli::X, -2); }, {"-2"}));
  const Program big(Circuit(31), {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(throws_naming([&] { states(big, {}, 1, {}); }, {"31"}));
}

}  // namespace
}  // namespace tangle
