#pragma once
// A small line chart rendered as a standalone SVG document (no script, no
// external fonts or styles): a title, axes with ticks and grid lines, one
// polyline with point markers per series, and a legend. Used by
// `orderflow bench --plot` (throughput against workers); generic otherwise.
//
// The x axis is categorical: the given x values are spaced evenly in the order
// given (1, 2, 4, 8 workers read best that way); a point whose x is not one of
// them is left out. The y axis runs from 0 to a round number above the largest
// y, with 4 to 8 round ticks labelled with SI suffixes (250k, 1.5M).
//
// Pure: returns the document as a string. All text is XML-escaped, numbers are
// written without locale. Thread-compatible.
#include <string>
#include <vector>

namespace orderflow {

struct ChartPoint {
  double x;
  double y;
};

struct ChartSeries {
  std::string name;                 // legend text
  std::string color;                // an SVG colour, e.g. "#1f77b4"
  std::string dash;                 // an SVG stroke-dasharray, "" for a solid line
  std::vector<ChartPoint> points;   // drawn in this order
};

struct LineChart {
  std::string title;
  std::string subtitle;             // a second, smaller line under the title ("" for none)
  std::string x_label;
  std::string y_label;
  std::vector<double> x_categories; // the x values, left to right
  std::vector<ChartSeries> series;
  int width = 960;                  // pixels
  int height = 540;
};

std::string render_svg(const LineChart& chart);

// "&amp;" for '&', and so on for < > " '.
std::string xml_escape(const std::string& text);

// A number with an SI suffix and at most 3 significant digits: 950, 1.5k,
// 12M, 2.25G. For axis labels.
std::string si_number(double v);

}  // namespace orderflow
