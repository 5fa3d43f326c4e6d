#include "report_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace tangle::cli {
namespace {

// Geometry of every chart, in SVG user units (the page scales the whole drawing).
constexpr double kWidth = 560, kLeft = 64, kRight = 16, kTop = 40, kPlotHeight = 260, kBelow = 48;
constexpr double kLegendRow = 18;
constexpr std::size_t kMaxLabel = 64;  // longer legend labels are cut; the full name shows on hover
constexpr std::size_t kMaxDots = 40;   // lines with this many points or fewer also get dots

struct Axis {
  double lo = 0, hi = 1, step = 1;
};

// 1, 2 or 5 times a power of ten, near span / target.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * magnitude;
}

// Values: the range widened to whole ticks, so the curves never touch the frame.
Axis value_axis(double lo, double hi) {
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) {
    const double pad = lo == 0.0 ? 1.0 : 0.05 * std::abs(lo);
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(hi - lo, 5);
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

// Epochs and iterations: the exact range (a curve starts at the left edge), whole-number ticks.
Axis count_axis(double lo, double hi) {
  if (hi <= lo) {
    lo -= 1.0;
    hi += 1.0;
  }
  return {lo, hi, std::max(1.0, nice_step(hi - lo, 6))};
}

std::vector<double> ticks(const Axis& a) {
  std::vector<double> out;
  const double first = std::ceil(a.lo / a.step - 1e-9) * a.step;
  for (int k = 0; first + k * a.step <= a.hi + 1e-9 * a.step; ++k) out.push_back(first + k * a.step);
  return out;
}

// As many decimals as the tick step needs, and never "-0".
std::string tick_label(double v, double step) {
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (std::abs(v) < 1e-9 * step) v = 0.0;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

// At most kMaxLabel bytes, cut before a UTF-8 continuation byte, with an ellipsis.
std::string shorten(const std::string& s) {
  if (s.size() <= kMaxLabel) return s;
  std::size_t n = kMaxLabel - 1;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "\u2026";
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_chart(const Chart& c) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const ChartLine& l : c.lines) {
    for (std::size_t i = 0; i < l.points.x.size(); ++i) {
      x_lo = std::min(x_lo, l.points.x[i]);
      x_hi = std::max(x_hi, l.points.x[i]);
      y_lo = std::min(y_lo, l.points.y[i]);
      y_hi = std::max(y_hi, l.points.y[i]);
    }
  }
  if (!(x_lo <= x_hi)) x_lo = x_hi = y_lo = y_hi = 0.0;  // no points at all: an empty frame
  const Axis xa = c.integer_x ? count_axis(x_lo, x_hi) : value_axis(x_lo, x_hi);
  const Axis ya = value_axis(y_lo, y_hi);
  const double plot_w = kWidth - kLeft - kRight, bottom = kTop + kPlotHeight;
  const double height = bottom + kBelow + kLegendRow * static_cast<double>(c.legend.size()) + 8;
  auto px = [&](double x) { return kLeft + (x - xa.lo) / (xa.hi - xa.lo) * plot_w; };
  auto py = [&](double y) { return bottom - (y - ya.lo) / (ya.hi - ya.lo) * kPlotHeight; };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" << escape_html(c.id) << "\" class=\"chart\" viewBox=\"0 0 "
    << num(kWidth) << ' ' << num(height) << "\" width=\"" << num(kWidth) << "\" height=\"" << num(height)
    << "\" role=\"img\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">\n";
  s << "<title>" << escape_html(c.title) << "</title>\n";
  s << "<text x=\"" << num(kLeft) << "\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << escape_html(c.title)
    << "</text>\n";
  if (!c.style_key.empty())
    s << "<text x=\"" << num(kWidth - kRight) << "\" y=\"20\" text-anchor=\"end\" fill=\"#555\">"
      << escape_html(c.style_key) << "</text>\n";
  for (const double v : ticks(ya)) {
    s << "<line x1=\"" << num(kLeft) << "\" x2=\"" << num(kLeft + plot_w) << "\" y1=\"" << num(py(v)) << "\" y2=\""
      << num(py(v)) << "\" stroke=\"#e3e3e3\"/><text x=\"" << num(kLeft - 6) << "\" y=\"" << num(py(v) + 4)
      << "\" text-anchor=\"end\">" << tick_label(v, ya.step) << "</text>\n";
  }
  for (const double v : ticks(xa)) {
    s << "<line x1=\"" << num(px(v)) << "\" x2=\"" << num(px(v)) << "\" y1=\"" << num(bottom) << "\" y2=\""
      << num(bottom + 5) << "\" stroke=\"#333\"/><text x=\"" << num(px(v)) << "\" y=\"" << num(bottom + 18)
      << "\" text-anchor=\"middle\">" << tick_label(v, xa.step) << "</text>\n";
  }
  s << "<line x1=\"" << num(kLeft) << "\" x2=\"" << num(kLeft + plot_w) << "\" y1=\"" << num(bottom) << "\" y2=\""
    << num(bottom) << "\" stroke=\"#333\"/>\n<line x1=\"" << num(kLeft) << "\" x2=\"" << num(kLeft) << "\" y1=\""
    << num(kTop) << "\" y2=\"" << num(bottom) << "\" stroke=\"#333\"/>\n";
  s << "<text x=\"" << num(kLeft + plot_w / 2) << "\" y=\"" << num(bottom + 36) << "\" text-anchor=\"middle\">"
    << escape_html(c.x_label) << "</text>\n";
  const double mid_y = kTop + kPlotHeight / 2;
  s << "<text x=\"14\" y=\"" << num(mid_y) << "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " << num(mid_y)
    << ")\">" << escape_html(c.y_label) << "</text>\n";

  for (const ChartLine& l : c.lines) {
    if (l.points.x.empty()) continue;
    const std::string colour = escape_html(l.colour);
    s << "<path class=\"curve\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\"";
    if (!l.dash.empty()) s << " stroke-dasharray=\"" << escape_html(l.dash) << '"';
    s << " d=\"";
    for (std::size_t i = 0; i < l.points.x.size(); ++i)
      s << (i ? " L" : "M") << num(px(l.points.x[i])) << ' ' << num(py(l.points.y[i]));
    s << "\"><title>" << escape_html(l.label) << "</title></path>\n";
    if (l.dots && l.points.x.size() <= kMaxDots) {  // hollow dots on dashed lines; a lone point still shows
      const std::string paint = l.dash.empty() ? "fill=\"" + colour + "\"" : "fill=\"#fff\" stroke=\"" + colour + "\"";
      for (std::size_t i = 0; i < l.points.x.size(); ++i)
        s << "<circle cx=\"" << num(px(l.points.x[i])) << "\" cy=\"" << num(py(l.points.y[i])) << "\" r=\"2.5\" "
          << paint << "/>";
      s << '\n';
    }
  }

  for (std::size_t i = 0; i < c.legend.size(); ++i) {
    const double y = bottom + kBelow + kLegendRow * static_cast<double>(i) + 4;
    s << "<g class=\"legend\"><title>" << escape_html(c.legend[i].label) << "</title><line x1=\"" << num(kLeft)
      << "\" x2=\"" << num(kLeft + 24) << "\" y1=\"" << num(y) << "\" y2=\"" << num(y) << "\" stroke=\""
      << escape_html(c.legend[i].colour) << "\" stroke-width=\"3\"/><text x=\"" << num(kLeft + 32) << "\" y=\""
      << num(y + 4) << "\">" << escape_html(shorten(c.legend[i].label)) << "</text></g>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace tangle::cli
