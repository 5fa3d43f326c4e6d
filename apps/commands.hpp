// The CLI's jobs other than bench: train, eval, models, draw.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace tangle::cli {

/// A validator for numbers >= low (integers when `integer`), with messages naming the bad text.
CLI::Validator number_at_least(double low, bool integer);

/// Adds the subcommands to `app`; returns a function that runs whichever was parsed (or -1).
std::function<int()> add_commands(CLI::App& app, int argc, char** argv);

}  // namespace tangle::cli
