#include "cli/options.h"

#include <charconv>
#include <cstdint>

#include "data/gen/distribution.h"

namespace orderflow {

CLI::Validator seed_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
          return "'" + text + "' is not a seed (an integer from 0 to 18446744073709551615)";
        return "";
      },
      "SEED");
}

CLI::Validator distribution_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        Result<Distribution> d = parse_distribution(text);
        return d.ok() ? "" : d.status().message();
      },
      "DIST");
}

Result<Catalog> load_catalog(const std::string& path) {
  if (path.empty()) return Catalog::builtin();
  return Catalog::load(path);
}

}  // namespace orderflow
