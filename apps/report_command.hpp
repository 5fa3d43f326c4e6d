// `tangle report RUN... [-o report.html] [--title TEXT]`: the runs side by side in one HTML page.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace tangle::cli {

/// Adds `report` to `app`; returns a function that runs it when it was parsed (or returns -1).
std::function<int()> add_report_command(CLI::App& app);

}  // namespace tangle::cli
