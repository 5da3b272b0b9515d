#include "cli/options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
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

CLI::Validator share_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !(v >= 0 && v <= 1))
          return "'" + text + "' is not a share between 0 and 1 (e.g. 0.05)";
        return "";
      },
      "SHARE");
}

CLI::Validator distribution_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        Result<Distribution> d = parse_distribution(text);
        return d.ok() ? "" : d.status().message();
      },
      "DIST");
}

namespace {

// True when the start of `path` reads like orders rather than a catalog: a
// "productId" field or column (catalogs have ID and ProductName instead).
bool looks_like_orders(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  char head[4096];
  ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  if (n <= 0) return false;
  std::string text(head, static_cast<std::size_t>(n));
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("productid") != std::string::npos;
}

}  // namespace

Result<Catalog> load_catalog(const std::string& path) {
  if (path.empty()) return Catalog::builtin();
  Result<Catalog> catalog = Catalog::load(path);
  if (catalog.ok() || catalog.status().code() != Status::Code::kCorruption) return catalog;
  // "catalog FILE:LINE: ...": say which input the line is in.
  std::string message = "catalog " + catalog.status().message();
  if (looks_like_orders(path))
    message += "\nhint: " + path +
               " looks like orders, not a catalog. -c takes the products (CSV with ID,ProductName,Stock,"
               "Variety,Price, or a JSON array); orders go after the command: orderflow process " + path;
  return Status::Corruption(message);
}

std::string catalog_name(const std::string& path) { return path.empty() ? "the built-in catalog" : "catalog " + path; }

}  // namespace orderflow
