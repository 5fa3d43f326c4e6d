// `tangle report`: line charts as inline SVG (axes, ticks, labels, legend), so the page shows its
// curves without JavaScript and without anything fetched at view time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report_runs.hpp"

namespace tangle::cli {

/// `text` with & < > " ' replaced by entities: safe in HTML and SVG text and attribute values.
std::string escape_html(std::string_view text);

struct ChartLine {
  std::string label;   // shown on hover
  std::string colour;  // CSS colour
  std::string dash;    // SVG stroke-dasharray: "" solid
  Series points;
  bool dots = true;    // mark the points (when there are few); not on reference lines
};

struct LegendEntry {
  std::string label, colour;
};

struct Chart {
  std::string id, title, x_label, y_label;
  std::string style_key;   // e.g. "solid: train, dashed: validation"
  bool integer_x = true;   // epochs and iterations: whole-number ticks
  std::vector<ChartLine> lines;
  std::vector<LegendEntry> legend;
};

/// One <svg> element: a path per line (class "curve"), dots where a line has few points.
std::string svg_chart(const Chart& chart);

}  // namespace tangle::cli
