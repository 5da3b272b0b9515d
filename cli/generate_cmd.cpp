// `orderflow generate`: write a reproducible synthetic order stream to stdout.
// Thin: validate options at the edge, pick the catalog, then let the
// Generator (data/gen/generator.h) fill big chunks that engine/chunk_writer.h
// writes on a thread of its own.

#include <algorithm>
#include <charconv>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "data/base/file_io.h"
#include "data/gen/generator.h"
#include "engine/chunk_writer.h"

namespace orderflow {

namespace {

struct GenerateOptions {
  GeneratorOptions gen;
  std::string dist = "uniform";
  std::string format{to_string(StreamFormat::kNdjson)};
  std::string catalog;
  std::uint32_t products = 0;  // 0: no synthetic catalog
  std::int64_t stock = 1000;
  std::string catalog_out;
};

// Checks that span options, after CLI11 has checked each one on its own.
void finish_options(GenerateOptions& o) {
  o.gen.dist = parse_distribution(o.dist).value();  // the validator accepted it
  o.gen.format = *parse_stream_format(o.format);  // IsMember checked it
  if (Status s = validate(o.gen); !s.ok()) throw CLI::ValidationError(s.message());
}

Result<Catalog> choose_catalog(const GenerateOptions& o) {
  if (o.products == 0) return load_catalog(o.catalog);
  std::string csv = synthetic_catalog_csv(o.products, o.stock, o.gen.seed);
  Result<Catalog> catalog = Catalog::parse(csv, "synthetic catalog");
  // Written before the stream, so a reader started after this run sees it whole.
  if (catalog.ok() && !o.catalog_out.empty())
    if (Status s = write_file_atomically(o.catalog_out, csv); !s.ok()) return s;
  return catalog;
}

int run_generate(const GenerateOptions& o) {
  // A stream cut short by SIGINT/SIGTERM exits 130/143, never 0 as if it were
  // complete; SIGUSR1 (meant for a `process` it feeds) is ignored.
  exit_on_stop_signals();
  Result<Catalog> catalog = choose_catalog(o);
  if (!catalog.ok()) {
    print_error(catalog.status().message());
    return to_int(ExitCode::kFailure);
  }
  Result<Generator> gen = Generator::create(catalog.value(), o.gen);
  if (!gen.ok()) {
    print_error(gen.status().message());
    return to_int(ExitCode::kFailure);
  }
  // Filling one chunk while the last one is written: the write(2) copying is
  // about half of generate's time, and it runs on the other core.
  ChunkWriter out(1, "standard output", "orders", std::max(kGenerateChunkBytes, 2 * gen->record_bytes_max()));
  ChunkWriter::Chunk chunk;
  while (!gen->done() && out.acquire(chunk)) {
    chunk.size = gen->fill(chunk.data.get(), out.chunk_bytes());
    if (!out.submit(std::move(chunk))) break;
  }
  out.finish();
  if (out.closed()) return to_int(ExitCode::kOutputClosed);  // | head: stop quietly
  if (!out.status().ok()) {
    print_error(out.status().message());
    return to_int(ExitCode::kFailure);
  }
  return to_int(ExitCode::kOk);
}

}  // namespace

CommandRun setup_generate(CLI::App& sub) {
  auto o = std::make_shared<GenerateOptions>();
  sub.add_option("-n,--count", o->gen.count, "records to write")
      ->check(CLI::Range(std::uint64_t{0}, kGenerateCountMax))
      ->capture_default_str();
  CLI::Option* catalog = sub.add_option("-c,--catalog", o->catalog,
                                        "draw product ids from this catalog, CSV or JSON (default: built-in)");
  CLI::Option* products = sub.add_option("--products", o->products,
                                         "instead, a synthetic catalog of N products (P000001...)")
                              ->check(CLI::Range(std::uint32_t{1}, kSyntheticProductsMax))
                              ->excludes(catalog);
  sub.add_option("--catalog-out", o->catalog_out, "write the synthetic catalog to FILE, atomically")
      ->needs(products);
  sub.add_option("--stock", o->stock, "stock of each synthetic product")
      ->check(CLI::Range(std::int64_t{0}, kStockMax))
      ->needs(products)
      ->capture_default_str();
  sub.add_option("--dist", o->dist, "uniform, hot:SHARE (that share to the first product) or zipf:S")
      ->check(distribution_validator())
      ->capture_default_str();
  sub.add_option("--max-amount", o->gen.max_amount, "amounts uniform in 1..N")
      ->check(CLI::Range(kAmountMin, kAmountMax))
      ->capture_default_str();
  sub.add_option("--reversals", o->gen.reversals, "share of records that reverse an earlier placed id")
      ->check(share_validator())
      ->capture_default_str();
  sub.add_option("--invalid", o->gen.invalid, "share of deliberately malformed records")
      ->check(share_validator())
      ->capture_default_str();
  sub.add_option("--baskets", o->gen.baskets, "share of place records that are baskets of several items")
      ->check(share_validator())
      ->capture_default_str();
  sub.add_option("--min-items", o->gen.min_items, "items per basket at least N")
      ->check(CLI::Range(std::uint32_t{1}, static_cast<std::uint32_t>(kItemsMax)))
      ->capture_default_str();
  sub.add_option("--max-items", o->gen.max_items, "items per basket at most K (uniform in --min-items..K)")
      ->type_name("K")
      ->check(CLI::Range(std::uint32_t{1}, static_cast<std::uint32_t>(kItemsMax)))
      ->capture_default_str();
  sub.add_flag("--ids,!--no-ids", o->gen.ids, "give each order an id o<seq> (default: on)");
  sub.add_option("-f,--format", o->format, "output format")
      ->check(CLI::IsMember(enum_names(kStreamFormats)))
      ->capture_default_str();
  sub.add_option("--seed", o->gen.seed, "random seed, 0..2^64-1")
      ->check(seed_validator())
      ->capture_default_str();
  sub.callback([o] { finish_options(*o); });
  return [o] { return run_generate(*o); };
}

}  // namespace orderflow
