// `tangle report`'s reader and page: the input is a run directory's three files (config.json,
// summary.json, metrics.jsonl, separated by NUL bytes; an empty or missing part leaves its file
// out), read as a run and as a folder of runs, then rendered. Reading never throws (a bad run is
// skipped with its reason), the page carries exactly the one script it brings, and no coordinate
// of a chart is NaN or infinite.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

#include "fuzz_target.hpp"
#include "report_html.hpp"
#include "report_runs.hpp"

namespace {

namespace fs = std::filesystem;

std::size_t count_ci(const std::string& text, std::string_view needle) {
  std::string lower(text.size(), ' ');
  std::transform(text.begin(), text.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t n = 0;
  for (auto at = lower.find(needle); at != std::string::npos; at = lower.find(needle, at + 1)) ++n;
  return n;
}

// The numeric attributes the charts write: their values hold digits, signs, dots, spaces, commas
// and path commands (M, L), never "nan" or "inf".
bool finite_geometry(const std::string& page) {
  static const char* const kAttributes[] = {" d=\"",  " x=\"",  " y=\"",  " cx=\"", " cy=\"", " x1=\"",
                                            " x2=\"", " y1=\"", " y2=\"", " width=\"", " height=\"", " viewBox=\""};
  for (const char* attribute : kAttributes) {
    const std::string_view a(attribute);
    for (auto at = page.find(a); at != std::string::npos; at = page.find(a, at + 1)) {
      const auto end = page.find('"', at + a.size());
      if (end == std::string::npos) return false;
      for (auto i = at + a.size(); i < end; ++i) {
        const char c = page[i];
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ' ' || c == ',' ||
              c == 'M' || c == 'L' || c == 'e' || c == '+'))
          return false;
      }
    }
  }
  return true;
}

}  // namespace

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  const std::string_view input = fuzz::as_text(data, size);
  const char* const kFiles[] = {"config.json", "summary.json", "metrics.jsonl"};
  const fs::path folder = fs::path(fuzz::scratch_file("runs/.keep", "")).parent_path(), dir = folder / "run";
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  fs::create_directories(dir);
  std::size_t start = 0;
  for (const char* file : kFiles) {
    if (start > input.size()) break;
    const auto end = std::min(input.find('\0', start), input.size());
    if (end > start) fuzz::scratch_file("runs/run/" + std::string(file), input.substr(start, end - start));
    start = end + 1;
  }
  const cli::ReadRuns read = cli::read_runs({dir.string(), folder.string()});
  // The run directory, named twice (itself, and inside its folder), is read or skipped once; a
  // directory without config.json or summary.json is no run, and then its folder is skipped too.
  std::error_code ec;
  const bool a_run = fs::exists(dir / "config.json", ec) || fs::exists(dir / "summary.json", ec);
  fuzz::require(read.runs.size() + read.skipped.size() == (a_run ? 1u : 2u), "each path is read or skipped once");
  for (const cli::Skipped& s : read.skipped) fuzz::require(!s.reason.empty(), "a skipped path says why");
  if (read.runs.empty()) return 0;
  const std::string page = cli::render_report("fuzz <script>", read);
  fuzz::require(count_ci(page, "<script") == 1, "the page's only script is its own");
  fuzz::require(finite_geometry(page), "chart coordinates are finite numbers");
  return 0;
}
