// `tangle report`: reads run directories (report_runs), renders the page (report_html) and writes
// it atomically, so an open or earlier report is never left half written.
#include "report_command.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "report_html.hpp"
#include "report_runs.hpp"
#include "tangle/core/error.hpp"
#include "tangle/train/trainer.hpp"

namespace tangle::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> paths;
  std::string output = "report.html";
  std::string title = "tangle runs";
};

// Control characters (a newline in a file name) would break the one-line-per-problem promise.
std::string one_line(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return text;
}

int run_report(const ReportArgs& a) {
  const ReadRuns runs = read_runs(a.paths);
  for (const Skipped& k : runs.skipped)
    std::fprintf(stderr, "tangle report: skipping %s: %s\n", one_line(k.path).c_str(), one_line(k.reason).c_str());
  if (runs.runs.empty()) {
    std::fprintf(stderr, "tangle report: no runs to report (every path was skipped); %s not written\n",
                 one_line(a.output).c_str());
    return 1;
  }
  const std::filesystem::path folder = std::filesystem::path(a.output).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    std::fprintf(stderr, "tangle report: cannot write %s: folder %s does not exist\n", one_line(a.output).c_str(),
                 one_line(folder.string()).c_str());
    return 1;
  }
  // A report replaces only a page: an existing file of another kind (a run's config.json, a
  // checkpoint) is the user's, and a mistyped --output must not overwrite it.
  if (std::filesystem::is_regular_file(a.output, ec)) {
    std::ifstream in(a.output, std::ios::binary);
    std::string head(15, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head != "<!doctype html>") {
      std::fprintf(stderr, "tangle report: %s exists and is not an HTML page; not overwritten (choose another --output)\n",
                   one_line(a.output).c_str());
      return 1;
    }
  }
  try {
    train::atomic_write(a.output, render_report(a.title, runs));
  } catch (const RuntimeError& e) {
    std::fprintf(stderr, "tangle report: %s\n", one_line(e.what()).c_str());
    return 1;
  }
  std::printf("report: %s (%zu run%s", a.output.c_str(), runs.runs.size(), runs.runs.size() == 1 ? "" : "s");
  if (!runs.skipped.empty()) std::printf(", %zu skipped", runs.skipped.size());
  std::printf(")\n");
  return 0;
}

}  // namespace

std::function<int()> add_report_command(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Compare runs (train or vqe) in one self-contained HTML page");
  cmd->add_option("runs", a->paths, "Run directories, or folders of them (e.g. runs/)")->required();
  cmd->add_option("-o,--output", a->output, "The page to write (default report.html)");
  cmd->add_option("--title", a->title, "The page's title");
  return [a, cmd]() -> int { return cmd->parsed() ? run_report(*a) : -1; };
}

}  // namespace tangle::cli
