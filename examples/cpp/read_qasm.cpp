// Reading an OpenQASM 2 file as other tools write it: import, draw, run what its final
// measurements measure, and write the circuit back out.
//   read_qasm FILE
#include <cstdio>
#include <fstream>
#include <sstream>

#include <tangle/core/error.hpp>
#include <tangle/io/draw.hpp>
#include <tangle/io/qasm.hpp>
#include <tangle/sim/program.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: read_qasm FILE.qasm\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "read_qasm: cannot open %s\n", argv[1]);
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    // The final measurements name the readout: the measured qubits, highest classical bit
    // first, so that basis state i of their probabilities is the classical value i.
    const tangle::QasmCircuit q = tangle::read_qasm(text.str());
    const tangle::Circuit& c = q.circuit;
    std::vector<int> wires = q.measured;
    if (wires.empty())
      for (int w = 0; w < c.n_qubits(); ++w) wires.push_back(w);  // nothing measured: every wire
    const std::vector<tangle::Readout> readouts = {tangle::Readout::probs(wires)};
    std::printf("%s\n", tangle::draw(c, readouts).c_str());

    // Fixed-angle files have no inputs or weights: a batch of one.
    const std::vector<double> p = tangle::forward(tangle::Program(c, readouts), {}, 1, {});
    for (std::size_t i = 0; i < p.size(); ++i)
      if (p[i] > 1e-12) std::printf("P(c = %zu) = %.6f\n", i, p[i]);
    std::printf("\nwritten back:\n%s", tangle::to_qasm(c, {}, {}).c_str());
  } catch (const tangle::ValueError& e) {
    std::fprintf(stderr, "read_qasm: %s: %s\n", argv[1], e.what());  // names the bad line
    return 1;
  }
  return 0;
}
