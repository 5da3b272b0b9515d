#include "cli/svg_chart.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace orderflow {

namespace {

// Fixed-point text without locale: num(12.345, 1) == "12.3".
std::string num(double v, int decimals = 1) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  std::string s(buf, r.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// A round step (1, 2, 2.5 or 5 times a power of ten) giving about 5 ticks up to max.
double nice_step(double max) {
  if (!(max > 0)) return 0.25;
  const double raw = max / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return step * mag;
}

struct Frame {
  double left, right, top, bottom;  // the plot area, in pixels
  double y_max;                     // the value at the top
  std::vector<double> xs;           // pixel x of each category

  double y_of(double v) const { return bottom - (v / y_max) * (bottom - top); }
  // Pixel x of category value v, or -1 when v is not a category.
  double x_of(const std::vector<double>& categories, double v) const {
    for (std::size_t i = 0; i < categories.size(); ++i)
      if (categories[i] == v) return xs[i];
    return -1;
  }
};

void text(std::string& out, double x, double y, const std::string& s, const std::string& attrs) {
  out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attrs + ">" + xml_escape(s) + "</text>\n";
}

void line(std::string& out, double x1, double y1, double x2, double y2, const std::string& attrs) {
  out += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" " +
         attrs + "/>\n";
}

std::string stroke(const ChartSeries& s) {
  std::string a = "stroke=\"" + xml_escape(s.color) + "\"";
  if (!s.dash.empty()) a += " stroke-dasharray=\"" + xml_escape(s.dash) + "\"";
  return a;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string si_number(double v) {
  static const char* const kSuffix[] = {"", "k", "M", "G", "T", "P"};
  std::size_t i = 0;
  while (std::fabs(v) >= 999.5 && i + 1 < std::size(kSuffix)) {
    v /= 1000;
    ++i;
  }
  const double a = std::fabs(v);
  return num(v, a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2) + kSuffix[i];
}

std::string render_svg(const LineChart& c) {
  const double w = std::max(c.width, 320), h = std::max(c.height, 240);
  double y_max = 0;
  for (const ChartSeries& s : c.series)
    for (const ChartPoint& p : s.points)
      if (std::isfinite(p.y)) y_max = std::max(y_max, p.y);
  const double step = nice_step(y_max);
  Frame f{84, w - 250, c.subtitle.empty() ? 56.0 : 72.0, h - 64, 0, {}};
  f.y_max = std::max(step, std::ceil(y_max / step) * step);
  const std::size_t n = c.x_categories.size();
  const double pad = 36;
  for (std::size_t i = 0; i < n; ++i)
    f.xs.push_back(n == 1 ? (f.left + f.right) / 2
                          : f.left + pad + (f.right - f.left - 2 * pad) * static_cast<double>(i) / (n - 1));

  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w) + "\" height=\"" + num(h) +
         "\" viewBox=\"0 0 " + num(w) + " " + num(h) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  out += "<title>" + xml_escape(c.title) + "</title>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"#ffffff\"/>\n";
  text(out, f.left, 28, c.title, "font-size=\"18\" font-weight=\"bold\" fill=\"#222\"");
  if (!c.subtitle.empty()) text(out, f.left, 48, c.subtitle, "font-size=\"12\" fill=\"#555\"");

  // Grid and y ticks.
  out += "<g font-size=\"12\" fill=\"#444\">\n";
  for (double v = 0; v <= f.y_max + step / 2; v += step) {
    const double y = f.y_of(v);
    line(out, f.left, y, f.right, y, "stroke=\"#e6e6e6\" stroke-width=\"1\"");
    text(out, f.left - 8, y + 4, si_number(v), "text-anchor=\"end\"");
  }
  for (std::size_t i = 0; i < n; ++i) {
    line(out, f.xs[i], f.top, f.xs[i], f.bottom, "stroke=\"#f0f0f0\" stroke-width=\"1\"");
    line(out, f.xs[i], f.bottom, f.xs[i], f.bottom + 5, "stroke=\"#333\" stroke-width=\"1\"");
    text(out, f.xs[i], f.bottom + 20, si_number(c.x_categories[i]), "text-anchor=\"middle\"");
  }
  out += "</g>\n";

  // Axes and their labels.
  line(out, f.left, f.top, f.left, f.bottom, "stroke=\"#333\" stroke-width=\"1.5\"");
  line(out, f.left, f.bottom, f.right, f.bottom, "stroke=\"#333\" stroke-width=\"1.5\"");
  text(out, (f.left + f.right) / 2, h - 18, c.x_label, "font-size=\"13\" text-anchor=\"middle\" fill=\"#222\"");
  const double mid = (f.top + f.bottom) / 2;
  out += "<text x=\"22\" y=\"" + num(mid) + "\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\" " +
         "transform=\"rotate(-90 22 " + num(mid) + ")\">" + xml_escape(c.y_label) + "</text>\n";

  // Series.
  for (const ChartSeries& s : c.series) {
    std::string pts;
    std::string marks;
    for (const ChartPoint& p : s.points) {
      const double x = f.x_of(c.x_categories, p.x);
      if (x < 0 || !std::isfinite(p.y)) continue;
      const double y = f.y_of(std::max(0.0, p.y));
      if (!pts.empty()) pts += ' ';
      pts += num(x) + "," + num(y);
      marks += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\" fill=\"" + xml_escape(s.color) +
               "\"/>\n";
    }
    out += "<g>\n<title>" + xml_escape(s.name) + "</title>\n";
    if (!pts.empty())
      out += "<polyline points=\"" + pts + "\" fill=\"none\" " + stroke(s) +
             " stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
    out += marks + "</g>\n";
  }

  // Legend, right of the plot.
  out += "<g font-size=\"12\" fill=\"#222\">\n";
  const double lx = f.right + 24;
  double ly = f.top + 6;
  for (const ChartSeries& s : c.series) {
    line(out, lx, ly, lx + 28, ly, stroke(s) + " stroke-width=\"2\"");
    out += "<circle cx=\"" + num(lx + 14) + "\" cy=\"" + num(ly) + "\" r=\"3.5\" fill=\"" + xml_escape(s.color) +
           "\"/>\n";
    text(out, lx + 36, ly + 4, s.name, "");
    ly += 20;
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace orderflow
