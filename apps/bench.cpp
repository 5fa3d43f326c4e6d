#include "bench.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "tangle/core/memory.hpp"
#include "tangle/core/parallel.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::cli {

namespace {
double seconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double median_seconds(int repeats, const std::function<void()>& f) {
  f();  // warm-up: page faults, first-touch, caches
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) t.push_back(seconds(f));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

namespace {

// W10 / W16: RY(x_i) on qubit i; 4 layers of [RY(w), RZ(w) on every qubit; CNOT(i, i+1 mod n)]; <Z_0>.
// N10 / N16T (noise > 0): the same with a depolarizing channel of p = noise after every gate on
// each wire it touches.
Program layered_workload(int n, double noise = 0.0) {
  Circuit c(n);
  const ParamBlock x = c.inputs(n);
  const ParamBlock w = c.weights(8 * n);
  auto noisy = [&](std::initializer_list<int> wires) {
    if (noise > 0.0)
      for (int q : wires) c.depolarizing(noise, q);
  };
  for (int i = 0; i < n; ++i) {
    c.ry(x[i], i);
    noisy({i});
  }
  index_t k = 0;
  for (int layer = 0; layer < 4; ++layer) {
    for (int i = 0; i < n; ++i) {
      c.ry(w[k++], i);
      noisy({i});
      c.rz(w[k++], i);
      noisy({i});
    }
    for (int i = 0; i < n; ++i) {
      c.cnot(i, (i + 1) % n);
      noisy({i, (i + 1) % n});
    }
  }
  return Program(std::move(c), {Readout::expval(pauli_z(0))});
}

// D7: creep's re-uploading linear layer. From |+>^7, ten times an Evolution of the sample's
// 128 x 128 Hamiltonian (its 16,384 features) then a trainable SU(128); the 128 probabilities.
Program dense_workload() {
  const int n = 7;
  Circuit c(n);
  const ParamBlock x = c.inputs(index_t{1} << (2 * n));
  std::vector<int> wires(n);
  for (int q = 0; q < n; ++q) {
    wires[static_cast<size_t>(q)] = q;
    c.h(q);
  }
  for (int r = 0; r < 10; ++r) {
    c.evolution(x, Expr(-0.2), wires);
    c.special_unitary(wires);
  }
  return Program(std::move(c), {Readout::probs(wires)});
}

// G: one dense (complex) one-qubit gate on each qubit in turn, `sweeps` times, after a dense
// two-qubit gate: without it the state would stay a product of one-qubit states, which the
// engine writes without sweeping (and G would time nothing). The readout, Z on every qubit,
// sees every gate: none can be dropped as unobservable.
Program gate_workload(int n, int sweeps) {
  const double a = 0.3, b = 1.1, g = -0.7;  // a generic U3, written as a dense matrix
  const std::vector<cdouble> u = {std::cos(a / 2), -std::polar(1.0, g) * std::sin(a / 2),
                                  std::polar(1.0, b) * std::sin(a / 2), std::polar(1.0, b + g) * std::cos(a / 2)};
  std::vector<cdouble> uu(16);  // u (x) u, then a controlled phase: entangling, not Clifford
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) uu[static_cast<size_t>(4 * r + c)] = u[static_cast<size_t>(2 * (r >> 1) + (c >> 1))] * u[static_cast<size_t>(2 * (r & 1) + (c & 1))];
  for (int c = 0; c < 4; ++c) uu[static_cast<size_t>(12 + c)] *= std::polar(1.0, 0.4);
  Circuit c(n);
  if (n >= 2) c.unitary(uu, {0, 1});
  for (int s = 0; s < sweeps; ++s)
    for (int q = 0; q < n; ++q) c.unitary(u, {q});
  PauliSum all_z = pauli_z(0);
  for (int q = 1; q < n; ++q) all_z = all_z * pauli_z(q);
  return Program(std::move(c), {Readout::expval(all_z)});
}

struct Row {
  std::string workload;
  int qubits = 0;
  index_t batch = 0;
  int threads = 0;
  Precision precision = Precision::F64;
  double forward = 0, gradient = 0, gb_per_s = 0, bandwidth = 0;
  double per_gate_gb_per_s = 0;  // G with fusion off: one sweep of the state per gate
  int trajectories = 0;           // trajectories per sample: rates count trajectories
};

// Forward and forward + gradient (weights and inputs) samples/s of a batch of `x`.
// Forward and forward + gradient (weights and inputs) samples/s of a batch of `x` (trajectories:
// trajectories/s, every trajectory of every sample counted).
Row run_program(const char* name, const Program& p, const std::vector<double>& x, index_t batch, int threads,
                Precision precision, int repeats, Backend backend = Backend::Auto, int trajectories = 0) {
  const int n = p.circuit().n_qubits();
  const std::vector<double> g(static_cast<size_t>(batch * p.n_outputs()), 1.0);
  const std::vector<double> w = p.circuit().initial_weights(11);
  std::vector<double> y(g.size()), dw(w.size()), dx(x.size());
  RunOptions o;
  o.threads = threads;
  o.precision = precision;
  o.backend = backend;
  if (trajectories > 0) o.trajectories = trajectories;
  const double count = static_cast<double>(batch) * (trajectories > 0 ? trajectories : 1);
  Row r{name, n, batch, threads, precision};
  r.trajectories = trajectories;
  r.forward = count / median_seconds(repeats, [&] { forward<double>(p, x.data(), batch, w.data(), y.data(), o); });
  r.gradient = count / median_seconds(repeats, [&] {
                 vjp<double>(p, x.data(), batch, w.data(), g.data(), y.data(), dw.data(), dx.data(), o);
               });
  return r;
}

Row run_layered(const char* name, int n, index_t batch, int threads, Precision precision, int repeats,
                double noise = 0.0, Backend backend = Backend::Auto, int trajectories = 0) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-M_PI, M_PI);
  std::vector<double> x(static_cast<size_t>(batch * n));
  for (double& v : x) v = u(rng);
  return run_program(name, layered_workload(n, noise), x, batch, threads, precision, repeats, backend, trajectories);
}

Row run_dense(index_t batch, int threads, Precision precision, int repeats) {
  const Program p = dense_workload();
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 0.1);
  std::vector<double> x(static_cast<size_t>(batch * p.n_inputs()));
  for (double& v : x) v = normal(rng);
  return run_program("D7", p, x, batch, threads, precision, repeats);
}

// In-place sweep x = a x + b over an array far larger than the last-level cache: the access
// pattern of a gate on a large state (every byte read once and written once).
double inplace_bandwidth(int threads, int repeats) {
  const size_t n = size_t{1} << 26;  // 512 MiB of doubles
  AlignedBuffer<double> x(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) x[i] = 1.0;  // first touch by the threads that sweep
  const double t = median_seconds(repeats, [&] {
    double* d = x.data();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) d[i] = 0.999 * d[i] + 0.001;
  });
  return 2.0 * static_cast<double>(n * sizeof(double)) / t / 1e9;
}

Row run_gate(int n, int threads, Precision precision, int repeats) {
  const size_t amp = precision == Precision::F32 ? 8 : 16;
  check_allocation((std::uint64_t{1} << n) * amp * 2, 0, "the G workload");
  RunOptions o;
  o.threads = threads;
  o.precision = precision;
  // Time 1 and 1 + k sweeps; the difference is k n gates without the state's set-up and readout.
  // Small registers get more sweeps so that the difference stays well above timer noise.
  const int k = std::max(1, 1 << std::max(0, 26 - n));
  const Program one = gate_workload(n, 1), more = gate_workload(n, 1 + k);
  const double bytes = 2.0 * k * n * static_cast<double>(std::uint64_t{1} << n) * static_cast<double>(amp);
  // The headline runs the default (fused) path, which moves several gates per sweep of memory, so
  // its effective rate can exceed the bandwidth; the per-gate rate shows the kernels against it.
  auto rate = [&](bool fuse) {
    o.fuse = fuse;
    double y = 0;
    const double t1 = median_seconds(repeats, [&] { forward<double>(one, nullptr, 1, nullptr, &y, o); });
    const double t2 = median_seconds(repeats, [&] { forward<double>(more, nullptr, 1, nullptr, &y, o); });
    return bytes / std::max(t2 - t1, 1e-9) / 1e9;
  };
  Row r{"G", n, 1, threads, precision};
  r.gb_per_s = rate(true);
  r.per_gate_gb_per_s = rate(false);
  // The machine's bandwidth is measured right before, so that both see the same conditions
  // (on shared virtual machines it can change between runs).
  r.bandwidth = inplace_bandwidth(threads, repeats);
  return r;
}

void print(const Row& r, bool json) {
  if (json) {
    nlohmann::json j;
    j["workload"] = r.workload;
    j["qubits"] = r.qubits;
    if (r.workload == "G") {
      j["threads"] = r.threads;
      j["precision"] = std::string(precision_name(r.precision));
      j["gb_per_s"] = std::round(r.gb_per_s * 100) / 100;
      j["bandwidth_gb_per_s"] = std::round(r.bandwidth * 100) / 100;
      j["fraction_of_bandwidth"] = std::round(r.gb_per_s / r.bandwidth * 1000) / 1000;
      j["per_gate_gb_per_s"] = std::round(r.per_gate_gb_per_s * 100) / 100;
      j["per_gate_fraction_of_bandwidth"] = std::round(r.per_gate_gb_per_s / r.bandwidth * 1000) / 1000;
    } else {
      j["batch"] = r.batch;
      j["threads"] = r.threads;
      j["precision"] = std::string(precision_name(r.precision));
      const char* unit = r.trajectories > 0 ? "trajectories" : "samples";
      if (r.trajectories > 0) j["trajectories"] = r.trajectories;
      j[std::string("forward_") + unit + "_per_s"] = std::round(r.forward);
      j[std::string("gradient_") + unit + "_per_s"] = std::round(r.gradient);
    }
    std::printf("%s\n", j.dump().c_str());
  } else if (r.workload == "G") {
    std::printf("%-8s %6d %7d %7d %9s %9.1f GB/s %5.0f %%   per gate %5.1f GB/s %4.0f %%   (of %.1f GB/s, in-place sweep)\n",
                r.workload.c_str(), r.qubits, 1, r.threads, std::string(precision_name(r.precision)).c_str(), r.gb_per_s,
                100.0 * r.gb_per_s / r.bandwidth, r.per_gate_gb_per_s, 100.0 * r.per_gate_gb_per_s / r.bandwidth, r.bandwidth);
  } else {
    std::printf("%-8s %6d %7lld %7d %9s %14.0f %20.0f%s\n", r.workload.c_str(), r.qubits, static_cast<long long>(r.batch),
                r.threads, std::string(precision_name(r.precision)).c_str(), r.forward, r.gradient,
                r.trajectories > 0 ? "  (trajectories/s)" : "");
  }
  std::fflush(stdout);
}

}  // namespace

int run_bench(const BenchOptions& options) {
  const int threads = resolve_threads(options.threads);
  const bool all = options.workload == "all";
  if (!options.json) {
    std::printf("tangle bench: %d thread%s, %s kernels, medians of %d runs (samples/s; G: effective GB/s read + written)\n",
                threads, threads == 1 ? "" : "s", kernel_isa(), options.repeats);
    std::printf("%-8s %6s %7s %7s %9s %14s %20s\n", "workload", "qubits", "batch", "threads", "precision",
                "forward/s", "forward+gradient/s");
  }
  for (Precision p : options.precisions) {
    if (all || options.workload == "W10") print(run_layered("W10", 10, 1000, threads, p, options.repeats), options.json);
    if (all || options.workload == "W16") print(run_layered("W16", 16, 100, threads, p, options.repeats), options.json);
    if (all || options.workload == "D7") print(run_dense(20, threads, p, options.repeats), options.json);
    // N10: density matrices (each sample its own tile at 10 qubits, so the rate does not depend
    // on the batch beyond a few samples); N16T: 1,000 trajectories of one sample.
    if (all || options.workload == "N10")
      print(run_layered("N10", 10, options.n10_batch, threads, p, options.repeats, 0.01, Backend::DensityMatrix), options.json);
    if (all || options.workload == "N16T")
      print(run_layered("N16T", 16, 1, threads, p, options.repeats, 0.01, Backend::Trajectories, 1000), options.json);
  }
  if (all || options.workload == "G") {
    for (Precision p : options.precisions)
      for (int n : options.g_qubits) print(run_gate(n, threads, p, options.repeats), options.json);
  }
  if (all || options.workload == "QKAN") run_qkan_bench(options, threads);
  return 0;
}

}  // namespace tangle::cli
