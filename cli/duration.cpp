#include "cli/duration.h"

#include <cmath>

namespace orderflow {

std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text) {
  std::size_t i = 0;
  double whole = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) whole = whole * 10 + (text[i] - '0');
  double frac = 0, scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      scale /= 10;
      frac += (text[i] - '0') * scale;
    }
  }
  if (digits == 0) return std::nullopt;
  const double value = whole + frac;
  const std::string unit = text.substr(i);
  double ns_per_unit;
  if (unit == "us") ns_per_unit = 1e3;
  else if (unit == "ms") ns_per_unit = 1e6;
  else if (unit == "s") ns_per_unit = 1e9;
  else if (unit == "m") ns_per_unit = 60e9;
  else if (unit == "h") ns_per_unit = 3600e9;
  else if (unit.empty() && value == 0) ns_per_unit = 0;
  else return std::nullopt;
  const double ns = value * ns_per_unit;
  if (!std::isfinite(ns) || ns > 1e18) return std::nullopt;  // about 31 years
  return std::chrono::nanoseconds(static_cast<long long>(std::llround(ns)));
}

CLI::Validator DurationValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (parse_duration(text)) return "";
        return "'" + text + "' is not a duration (use a number and a unit: 250ms, 5s, 2m, 1h)";
      },
      "DURATION");
}

}  // namespace orderflow
