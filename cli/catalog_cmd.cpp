// `orderflow catalog`: print the catalog sorted by id .
#include <cerrno>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "data/catalog/catalog.h"
#include "data/base/file_io.h"

namespace orderflow {

namespace {

struct CatalogOptions {
  std::string catalog;
  std::string format{to_string(CatalogFormat::kJson)};
};

int run_catalog(const CatalogOptions& o) {
  Result<Catalog> loaded = load_catalog(o.catalog);
  if (!loaded.ok()) {
    print_error(loaded.status().message());
    return to_int(ExitCode::kFailure);
  }
  const Catalog catalog = std::move(loaded).value();
  std::string text = catalog.listing(*parse_catalog_format(o.format));
  if (!write_all(1, text)) {
    if (errno == EPIPE) return to_int(ExitCode::kOutputClosed);  // a reader that went away (| head): stop quietly
    print_error("cannot write to standard output: " + errno_text(errno));
    return to_int(ExitCode::kFailure);
  }
  return to_int(ExitCode::kOk);
}

}  // namespace

CommandRun setup_catalog(CLI::App& sub) {
  auto o = std::make_shared<CatalogOptions>();
  sub.add_option("-c,--catalog", o->catalog, "product catalog, CSV or JSON (default: built-in)");
  sub.add_option("-f,--format", o->format, "output format")
      ->check(CLI::IsMember(enum_names(kCatalogFormats)))
      ->capture_default_str();
  return [o] { return run_catalog(*o); };
}

}  // namespace orderflow
