// `tangle vqe`: the variational eigensolver as a run directory.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace tangle::cli {

/// Adds `vqe` to `app`; returns a function that runs it when it was parsed (or returns -1).
std::function<int()> add_vqe_command(CLI::App& app);

}  // namespace tangle::cli
