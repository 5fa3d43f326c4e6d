#include "report_html.hpp"

#include <array>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include "report_chart.hpp"

namespace tangle::cli {
namespace {

// Tableau's ten colours: distinct for most readers, also in print. Runs past ten repeat them.
constexpr std::array<const char*, 10> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string colour_of(std::size_t run) { return kPalette[run % kPalette.size()]; }

struct Cell {
  std::string text;            // empty: the run has no such value
  std::optional<double> sort;  // the number a click on the header sorts by
  std::string hover;
};

struct Column {
  const char* header;
  bool numeric;
  std::function<Cell(const RunRecord&)> cell;
};

std::string format(const char* pattern, double v) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, v);
  return text;
}

Cell number_cell(const std::optional<double>& v, const char* pattern, double scale = 1.0) {
  if (!v) return {};
  return {format(pattern, *v * scale), *v, ""};
}

// 4357 -> "4,357".
Cell count_cell(const std::optional<long long>& v) {
  if (!v) return {};
  std::string digits = std::to_string(*v < 0 ? -*v : *v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return {(*v < 0 ? "-" : "") + out, static_cast<double>(*v), ""};
}

Cell integer_cell(const std::optional<long long>& v) {
  if (!v) return {};
  return {std::to_string(*v), static_cast<double>(*v), ""};
}

Cell duration_cell(const std::optional<double>& seconds) {
  if (!seconds) return {};
  const double s = *seconds;
  const std::string text = s < 60     ? format("%.1f s", s)
                           : s < 3600 ? format("%.1f min", s / 60)
                                      : format("%.1f h", s / 3600);
  return {text, s, ""};
}

Cell text_cell(const std::string& text, const std::string& hover = "") { return {text, std::nullopt, hover}; }

std::vector<Column> columns() {
  return {
      {"Model", false, [](const RunRecord& r) { return text_cell(r.model); }},
      {"Data", false, [](const RunRecord& r) { return text_cell(r.data, r.hamiltonian); }},
      {"Seed", true, [](const RunRecord& r) { return integer_cell(r.seed); }},
      {"Parameters", true, [](const RunRecord& r) { return count_cell(r.parameters); }},
      {"Best val. accuracy", true, [](const RunRecord& r) { return number_cell(r.best_val_accuracy, "%.2f %%", 100); }},
      {"Test accuracy", true, [](const RunRecord& r) { return number_cell(r.test_accuracy, "%.2f %%", 100); }},
      {"Test loss", true,
       [](const RunRecord& r) { return number_cell(r.test_loss, r.loss == "mse" ? "%.4g (MSE)" : "%.4g"); }},
      {"Energy", true, [](const RunRecord& r) { return number_cell(r.energy, "%.6f"); }},
      {"Exact energy", true, [](const RunRecord& r) { return number_cell(r.exact_energy, "%.6f"); }},
      {"Error", true, [](const RunRecord& r) { return number_cell(r.energy_error, "%.2e"); }},
      {"Mitigated energy", true, [](const RunRecord& r) { return number_cell(r.mitigated_energy, "%.6f"); }},
      {"Epochs", true, [](const RunRecord& r) { return count_cell(r.epochs); }},
      {"Iterations", true, [](const RunRecord& r) { return count_cell(r.iterations); }},
      {"Wall time", true, [](const RunRecord& r) { return duration_cell(r.wall_seconds); }},
  };
}

std::string cell_html(const Cell& c, bool numeric) {
  if (c.text.empty()) return "<td class=\"none\">&#8212;</td>";
  std::string out = "<td";
  if (numeric) out += " class=\"num\"";
  if (c.sort) out += " data-v=\"" + format("%.17g", *c.sort) + "\"";
  if (!c.hover.empty()) out += " title=\"" + escape_html(c.hover) + "\"";
  return out + ">" + escape_html(c.text) + "</td>";
}

std::string runs_table(const std::vector<RunRecord>& runs) {
  std::vector<Column> shown;  // columns no run has a value for are left out
  for (Column& c : columns()) {
    bool any = c.header == std::string("Model") || c.header == std::string("Data");
    for (const RunRecord& r : runs) any = any || !c.cell(r).text.empty();
    if (any) shown.push_back(std::move(c));
  }
  std::ostringstream s;
  s << "<div class=\"scroll\"><table id=\"runs\">\n<thead><tr><th tabindex=\"0\">Run</th>";
  for (const Column& c : shown)
    s << "<th tabindex=\"0\"" << (c.numeric ? " class=\"num\"" : "") << ">" << c.header << "</th>";
  s << "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& r = runs[i];
    s << "<tr class=\"run\"><td data-name=\"" << escape_html(r.name) << "\"><span class=\"swatch\" style=\"background:"
      << colour_of(i) << "\"></span>" << escape_html(r.name)
      << (r.finished ? "" : " <span class=\"tag\" title=\"no summary.json yet\">unfinished</span>")
      << "</td>";
    for (const Column& c : shown) s << cell_html(c.cell(r), c.numeric);
    s << "</tr>\n";
  }
  s << "</tbody>\n</table></div>\n";
  return s.str();
}

Series scaled(const Series& s, double factor) {
  Series out = s;
  for (double& y : out.y) y *= factor;
  return out;
}

// Train (solid) and validation (dashed) curves of every run, one colour per run.
Chart learning_chart(const std::vector<RunRecord>& runs, const std::string& what, const std::string& y_label,
                     double factor) {
  Chart c{"chart-" + what, what == "loss" ? "Loss per epoch" : "Accuracy per epoch", "epoch", y_label,
          "solid: train, dashed: validation", true, {}, {}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    bool drawn = false;
    for (const auto& [split, dash] : {std::pair<std::string, std::string>{"train", ""}, {"val", "6 4"}}) {
      const auto it = runs[i].curves.find(split + "_" + what);
      if (it == runs[i].curves.end() || it->second.x.empty()) continue;
      c.lines.push_back({runs[i].name + (split == "train" ? " (train)" : " (validation)"), colour_of(i), dash,
                         scaled(it->second, factor)});
      drawn = true;
    }
    if (drawn) c.legend.push_back({runs[i].name, colour_of(i)});
  }
  return c;
}

// VQE energies per iteration, with each run's exact ground energy as a dotted line.
Chart energy_chart(const std::vector<RunRecord>& runs) {
  Chart c{"chart-energy", "Energy per iteration", "iteration", "energy", "", true, {}, {}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto it = runs[i].curves.find("energy");
    if (it == runs[i].curves.end() || it->second.x.empty()) continue;
    const Series& e = it->second;
    c.lines.push_back({runs[i].name, colour_of(i), "", e});
    if (runs[i].exact_energy) {
      const double exact = *runs[i].exact_energy;
      c.lines.push_back(
          {runs[i].name + " (exact)", colour_of(i), "2 4", {{e.x.front(), e.x.back()}, {exact, exact}}, false});
      c.style_key = "dotted: exact ground energy";
    }
    c.legend.push_back({runs[i].name, colour_of(i)});
  }
  return c;
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #222;
  margin: 24px auto; max-width: 1240px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
p.meta { color: #666; margin: 0 0 16px; }
.scroll { overflow-x: auto; margin-bottom: 24px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 10px; text-align: left; white-space: nowrap; }
th { background: #f4f4f4; cursor: pointer; user-select: none; }
th:hover { background: #e8e8e8; }
th[aria-sort="ascending"]::after { content: " \25B2"; font-size: 10px; }
th[aria-sort="descending"]::after { content: " \25BC"; font-size: 10px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.none { color: #aaa; text-align: center; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.tag { font-size: 11px; color: #8a5a00; background: #fff3d6; border-radius: 3px; padding: 1px 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg.chart { max-width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; background: #fff; }
#skipped li { font-size: 13px; color: #8a1c1c; }
)";

// Sorts the rows by a clicked header; numbers by their data-v, text by name; empty cells last.
constexpr const char* kScript = R"(
document.querySelectorAll('#runs th').forEach((th, col) => {
  const sort = () => {
    const body = th.closest('table').tBodies[0];
    const up = th.getAttribute('aria-sort') !== 'ascending';
    th.parentNode.querySelectorAll('th').forEach(h => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
    const key = td => td.classList.contains('none') ? null
        : td.dataset.v !== undefined ? parseFloat(td.dataset.v) : (td.dataset.name || td.textContent);
    const rows = [...body.rows].sort((a, b) => {
      const x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null || y === null) return (x === null) - (y === null);
      const c = typeof x === 'number' ? x - y : x.localeCompare(y, undefined, {numeric: true});
      return up ? c : -c;
    });
    rows.forEach(r => body.appendChild(r));
  };
  th.addEventListener('click', sort);
  th.addEventListener('keydown', e => { if (e.key === 'Enter') sort(); });
});
)";

}  // namespace

std::string render_report(const std::string& title, const ReadRuns& in) {
  const std::vector<RunRecord>& runs = in.runs;
  std::vector<Chart> charts = {learning_chart(runs, "loss", "loss", 1.0),
                               learning_chart(runs, "accuracy", "accuracy (%)", 100.0), energy_chart(runs)};
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta name=\"generator\" content=\"tangle report\">\n<title>" << escape_html(title) << "</title>\n<style>"
    << kStyle << "</style>\n</head>\n<body>\n<h1>" << escape_html(title) << "</h1>\n";
  s << "<p class=\"meta\">" << runs.size() << (runs.size() == 1 ? " run" : " runs");
  if (!in.skipped.empty()) s << ", " << in.skipped.size() << " skipped (listed below)";
  s << ". Click a column header to sort.</p>\n";
  s << runs_table(runs);
  s << "<section class=\"charts\">\n";
  bool any = false;
  for (const Chart& c : charts) {
    if (c.lines.empty()) continue;
    s << svg_chart(c);
    any = true;
  }
  if (!any) s << "<p>No learning curves: these runs have no metrics.jsonl rows.</p>\n";
  s << "</section>\n";
  if (!in.skipped.empty()) {
    s << "<section id=\"skipped\">\n<h2>Skipped</h2>\n<ul>\n";
    for (const Skipped& k : in.skipped)
      s << "<li><code>" << escape_html(k.path) << "</code>: " << escape_html(k.reason) << "</li>\n";
    s << "</ul>\n</section>\n";
  }
  s << "<script>" << kScript << "</script>\n</body>\n</html>\n";
  return s.str();
}

}  // namespace tangle::cli
