// One Program shared by several threads (Python threads, DataLoader workers, a server): every
// call gives the result it gives alone, to the bit, including the first calls, which fill the
// program's lazily built parts (the optimized program, dense exponentials, the measured program
// of readout errors) concurrently. The ThreadSanitizer build (make test-tsan) runs this test.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "reference/random.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

struct Results {
  std::vector<double> pure, pure_two_threads, mixed, trajectories;
  VjpResult grad;
};

struct Problem {
  Circuit circuit{6};
  std::vector<Readout> readouts;
  NoiseModel noise;
  index_t batch = 24;
  std::vector<double> x, w, g;
};

Problem make_problem() {
  test::Rng rng(77);
  test::CircuitSpec spec;
  spec.n_qubits = 6;
  spec.depth = 30;
  spec.max_dense = 3;
  Problem p;
  p.circuit = test::random_circuit(rng, spec);
  // Readouts a readout error applies to (a Hermitian matrix readout has no per-wire measurement).
  p.readouts = {Readout::probs({0, 1}), Readout::expval(pauli_z(3)), Readout::expval(pauli_z(4))};
  p.noise = NoiseModel::from_json(R"({"rules": [{"channel": "depolarizing", "strengths": [0.02]}],
                                      "readout": [{"confusion": [[0.97, 0.05], [0.03, 0.95]]}]})");
  p.x = test::random_inputs(rng, p.circuit, p.batch);
  p.w = test::random_weights(rng, p.circuit);
  index_t outs = 0;
  for (const Readout& r : p.readouts) outs += r.n_outputs();
  p.g = test::random_vector(rng, static_cast<size_t>(p.batch * outs), -1.0, 1.0);
  return p;
}

Results run(const Problem& pr, const Program& pure, const Program& noisy) {
  RunOptions one, two, dm, traj;
  one.threads = 1;
  two.threads = 2;
  dm.threads = 1;
  dm.backend = Backend::DensityMatrix;
  traj.threads = 1;
  traj.backend = Backend::Trajectories;
  traj.trajectories = 16;
  traj.seed = 5;
  Results r;
  r.pure = forward(pure, pr.x, pr.batch, pr.w, one);
  r.pure_two_threads = forward(pure, pr.x, pr.batch, pr.w, two);
  r.grad = vjp(pure, pr.x, pr.batch, pr.w, pr.g, one);
  r.mixed = forward(noisy, pr.x, pr.batch, pr.w, dm);
  r.trajectories = forward(noisy, pr.x, pr.batch, pr.w, traj);
  return r;
}

TEST(Concurrency, ProgramsSharedByThreadsGiveTheResultsOfOneThread) {
  const Problem pr = make_problem();
  // The reference from programs of their own, called from this thread only.
  const Results want = run(pr, Program(pr.circuit, pr.readouts), Program(pr.circuit, pr.readouts, pr.noise));
  ASSERT_TRUE(test::bit_identical(want.pure, want.pure_two_threads, "1 and 2 engine threads"));

  const Program pure(pr.circuit, pr.readouts), noisy(pr.circuit, pr.readouts, pr.noise);
  constexpr int kCallers = 4, kRounds = 2;
  std::vector<Results> got(kCallers * kRounds);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&, t] {
      for (int k = 0; k < kRounds; ++k) got[static_cast<size_t>(t * kRounds + k)] = run(pr, pure, noisy);
    });
  for (std::thread& c : callers) c.join();
  for (size_t i = 0; i < got.size(); ++i) {
    const std::string label = test::str("caller ", i / kRounds, " round ", i % kRounds);
    EXPECT_TRUE(test::bit_identical(got[i].pure, want.pure, label + " forward"));
    EXPECT_TRUE(test::bit_identical(got[i].pure_two_threads, want.pure, label + " forward, 2 threads"));
    EXPECT_TRUE(test::bit_identical(got[i].grad.d_weights, want.grad.d_weights, label + " d_weights"));
    EXPECT_TRUE(test::bit_identical(got[i].grad.d_inputs, want.grad.d_inputs, label + " d_inputs"));
    EXPECT_TRUE(test::bit_identical(got[i].mixed, want.mixed, label + " density matrix"));
    EXPECT_TRUE(test::bit_identical(got[i].trajectories, want.trajectories, label + " trajectories"));
  }
}

}  // namespace
}  // namespace tangle
