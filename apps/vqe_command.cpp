// `tangle vqe`: Hamiltonian (text, file or built-in model), ansatz, optimizer, noise and
// mitigation in; config.json, metrics.jsonl, checkpoint.json, summary.json and energy.png out.
#include "vqe_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/vqe.hpp"
#include "tangle/core/error.hpp"
#include "tangle/torch/neural_extrapolator.hpp"
#include "tangle/train/trainer.hpp"

namespace tangle::cli {
namespace {

namespace fs = std::filesystem;
using train::Json;

struct VqeArgs {
  std::string hamiltonian, model, ansatz = "ry-rz", optimizer = "cobyla", out, noise, mitigate = "none",
                                   gradient = "adjoint", backend = "auto", extrapolation = "richardson",
                                   scaling = "folding";
  int qubits = 0, layers = 2, iterations = 200, threads = 0;
  double bond = 0.74, step = 0.0;
  long long shots = 0, seed = 0;
  std::vector<double> scales = {1.0, 3.0, 5.0};
  std::vector<std::string> set;
  bool quiet = false;
};

PauliSum read_hamiltonian(const VqeArgs& a, int* n_qubits) {
  PauliSum h;
  if (!a.model.empty()) {
    TANGLE_CHECK(a.hamiltonian.empty(), "--hamiltonian and --model exclude each other");
    const int n = a.model == "h2" ? 4 : a.qubits;
    TANGLE_CHECK(n >= 1, "--model ", a.model, " needs --qubits");
    h = algo::builtin_hamiltonian(a.model, n, a.bond);
    *n_qubits = n;
    return h;
  }
  TANGLE_CHECK(!a.hamiltonian.empty(), "give --hamiltonian TEXT|FILE or --model NAME");
  h = fs::exists(a.hamiltonian) ? algo::read_pauli_sum(a.hamiltonian) : algo::parse_pauli_sum(a.hamiltonian);
  *n_qubits = std::max(a.qubits, h.max_wire() + 1);
  return h;
}

std::string default_out(const std::string& what) {
  const std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/vqe-" + what + "-" + stamp;
}

int run_vqe(VqeArgs a) {
  int n = 0;
  const PauliSum h = read_hamiltonian(a, &n);
  Json noise_json = Json::object();
  if (!a.noise.empty()) {
    std::ifstream in(a.noise);
    TANGLE_CHECK(in.good(), "--noise ", a.noise, ": cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    noise_json = Json::parse(text.str(), nullptr, false);
    TANGLE_CHECK(!noise_json.is_discarded(), "--noise ", a.noise, ": not JSON");
  }
  for (const std::string& item : a.set) {
    const auto eq = item.find('=');
    TANGLE_CHECK(eq != std::string::npos && item.rfind("noise.", 0) == 0, "--set ", item,
                 ": expected noise.depolarizing=P or noise.readout=P");
    noise_json[item.substr(6, eq - 6)] = Json::parse(item.substr(eq + 1), nullptr, false);
    TANGLE_CHECK(!noise_json[item.substr(6, eq - 6)].is_discarded(), "--set ", item, ": the value is not a number");
  }
  const NoiseModel noise = train::noise_from_config(noise_json);
  TANGLE_CHECK(a.mitigate == "none" || a.mitigate == "zne", "--mitigate ", a.mitigate, ": expected none or zne");
  TANGLE_CHECK(a.mitigate == "none" || !noise.empty(), "--mitigate zne needs noise (--noise or --set noise.*)");

  const Circuit ansatz = algo::vqe_ansatz(a.ansatz, n, a.layers);
  algo::VqeOptions o;
  o.optimizer.method = a.optimizer;
  o.optimizer.max_iterations = a.iterations;
  o.optimizer.step = a.step;
  o.optimizer.seed = static_cast<std::uint64_t>(a.seed);
  o.gradient = algo::gradient_method_from_name(a.gradient);
  o.shots = a.shots;
  o.seed = static_cast<std::uint64_t>(a.seed);
  o.noise = noise;
  o.run.backend = backend_from_name(a.backend);
  o.run.threads = a.threads;
  if (a.mitigate == "zne") {
    algo::ZneOptions z;
    z.scales = a.scales;
    z.extrapolation = a.extrapolation == "nn" ? tangle::torch::neural_extrapolation()
                                              : algo::Extrapolation::from_name(a.extrapolation);
    z.scaling = a.scaling == "strength" ? algo::NoiseScaling::NoiseStrength : algo::NoiseScaling::Folding;
    TANGLE_CHECK(a.scaling == "strength" || a.scaling == "folding", "--scaling ", a.scaling,
                 ": expected folding or strength");
    o.zne = z;
  }
  // Checked before any work: names of the optimizer and options.
  const auto names = algo::optimizer_names();
  TANGLE_CHECK(std::find(names.begin(), names.end(), a.optimizer) != names.end(), "unknown optimizer '", a.optimizer,
               "' (known: ", detail::join(names), ")");
  const bool exact_known = n <= 20;
  const double exact = exact_known ? algo::ground_energy(h, n) : NAN;

  const std::string dir = a.out.empty() ? default_out(a.model.empty() ? "custom" : a.model) : a.out;
  TANGLE_CHECK(!fs::exists(dir + "/summary.json"), "--out ", dir, " already holds a finished run; choose a new directory");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw RuntimeError(detail::concat("--out ", dir, ": cannot create the run directory: ", ec.message()));
  Json config = {{"command", "vqe"},
                 {"hamiltonian", h.to_string()},
                 {"model", a.model},
                 {"qubits", n},
                 {"bond_angstrom", a.model == "h2" ? Json(a.bond) : Json(nullptr)},
                 {"ansatz", a.ansatz},
                 {"layers", a.layers},
                 {"optimizer", a.optimizer},
                 {"iterations", a.iterations},
                 {"step", a.step},
                 {"gradient", a.gradient},
                 {"shots", a.shots},
                 {"seed", a.seed},
                 {"backend", a.backend},
                 {"noise", Json::parse(noise.to_json())},
                 {"mitigate", a.mitigate},
                 {"zne", {{"scales", a.scales}, {"extrapolation", a.extrapolation}, {"scaling", a.scaling}}}};
  train::atomic_write(dir + "/config.json", config.dump(2) + "\n");

  std::ofstream metrics(dir + "/metrics.jsonl");
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const algo::VqeResult r =
      algo::vqe(ansatz, h, ansatz.initial_weights(static_cast<std::uint64_t>(a.seed)), o,
                [&](int it, double energy, long long executions) {
                  metrics << Json{{"iteration", it}, {"energy", energy}, {"circuit_executions", executions},
                                  {"seconds", seconds()}}.dump()
                          << "\n";
                  if (!a.quiet && (it % 25 == 0 || it == 1))
                    std::printf("iteration %d  energy %.8f  (%lld circuits, %.1f s)\n", it, energy, executions, seconds());
                  return true;
                });
  metrics.close();
  train::atomic_write(dir + "/checkpoint.json", Json{{"weights", r.weights}, {"energy", r.energy}}.dump(2) + "\n");
  Json summary = {{"energy", r.energy},
                  {"exact_energy", exact_known ? Json(exact) : Json(nullptr)},
                  {"error", exact_known ? Json(r.energy - exact) : Json(nullptr)},
                  {"evaluations", r.optimizer.evaluations},
                  {"gradient_evaluations", r.optimizer.gradient_evaluations},
                  {"iterations", r.optimizer.iterations},
                  {"circuit_executions", r.circuit_executions},
                  {"optimizer_message", r.optimizer.message},
                  {"seconds", seconds()}};
  if (!noise.empty()) {
    summary["unmitigated_energy"] = r.energy;
    if (r.mitigated_energy) summary["mitigated_energy"] = *r.mitigated_energy;
  }
  train::atomic_write(dir + "/summary.json", summary.dump(2) + "\n");
  std::printf("energy %.8f", r.energy);
  if (exact_known) std::printf("  exact %.8f  error %.2e", exact, r.energy - exact);
  if (r.mitigated_energy) std::printf("  mitigated %.8f", *r.mitigated_energy);
  std::printf("\n%d iterations, %lld circuits, %.1f s\nrun directory: %s\n", r.optimizer.iterations,
              r.circuit_executions, seconds(), dir.c_str());
  std::printf("%s\n", train::make_plots(dir, "energy.png").c_str());
  return 0;
}

}  // namespace

std::function<int()> add_vqe_command(CLI::App& app) {
  auto a = std::make_shared<VqeArgs>();
  CLI::App* cmd = app.add_subcommand("vqe", "Find a Hamiltonian's ground energy with the variational eigensolver");
  cmd->add_option("--hamiltonian", a->hamiltonian, "Pauli sum text (\"0.5 Z0 Z1 + 0.3 X0\") or a file of it");
  cmd->add_option("--model", a->model, "Built-in Hamiltonian: tfim, xxz, h2, zstring");
  cmd->add_option("--qubits", a->qubits, "Qubits (built-in chains; at least the Hamiltonian's wires)")
      ->check(number_at_least(1, true));
  cmd->add_option("--bond", a->bond, "H2 bond length in angstrom (default 0.74)");
  cmd->add_option("--ansatz", a->ansatz, "ry-rz, efficient-su2, hardware-efficient, real-amplitudes");
  cmd->add_option("--layers", a->layers, "Ansatz layers (reps)")->check(number_at_least(0, true));
  cmd->add_option("--optimizer", a->optimizer, "cobyla, nelder-mead, bobyqa, powell, spsa, aqgd, qng, gd, adam");
  cmd->add_option("--iterations", a->iterations, "Iterations (evaluations for the NLopt methods)")
      ->check(number_at_least(1, true));
  cmd->add_option("--step", a->step, "Learning rate or initial step (0: the optimizer's default)")
      ->check(number_at_least(0, false));
  cmd->add_option("--gradient", a->gradient, "adjoint or parameter-shift");
  cmd->add_option("--shots", a->shots, "Measurements per energy (0: exact)")->check(number_at_least(0, true));
  cmd->add_option("--seed", a->seed, "Seed of the initial weights, shots and SPSA")->check(number_at_least(0, true));
  cmd->add_option("--backend", a->backend, "auto, statevector, density_matrix, trajectories");
  cmd->add_option("--threads", a->threads, "Threads (0 = every core)")->check(number_at_least(0, true));
  cmd->add_option("--noise", a->noise, "Noise model file (JSON)");
  cmd->add_option("--set", a->set, "noise.depolarizing=P or noise.readout=P");
  cmd->add_option("--mitigate", a->mitigate, "none or zne");
  cmd->add_option("--scales", a->scales, "ZNE noise scales (default 1 3 5)");
  cmd->add_option("--extrapolation", a->extrapolation, "ZNE: linear, richardson, polyN, exp, polyexpN, nn (a trained network)");
  cmd->add_option("--scaling", a->scaling, "ZNE: folding (global) or strength (the noise model's)");
  cmd->add_option("--out", a->out, "New run directory (default runs/vqe-MODEL-TIME)");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  return [a, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    // Options that would change nothing are refused rather than ignored: the run's config.json
    // would record a setting that never applied.
    if (a->mitigate != "zne")
      for (const char* name : {"--scales", "--extrapolation", "--scaling"})
        TANGLE_CHECK(cmd->get_option(name)->count() == 0, name, " applies to zero-noise extrapolation; add --mitigate zne");
    TANGLE_CHECK(cmd->get_option("--bond")->count() == 0 || a->model == "h2", "--bond is the H2 bond length; --model ",
                 a->model.empty() ? "(none)" : a->model, " has no bond");
    TANGLE_CHECK(cmd->get_option("--qubits")->count() == 0 || a->model != "h2",
                 "--qubits: --model h2 is a 4-qubit Hamiltonian; leave --qubits out");
    return run_vqe(*a);
  };
}

}  // namespace tangle::cli
