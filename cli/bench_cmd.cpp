// `orderflow bench`: the in-memory stock-contention benchmark (SPEC.md
// "bench"). Thin: validate options at the edge, run the engine
// (engine/bench.h), print the report (cli/bench_report.h) and write the chart.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/bench_report.h"
#include "cli/command.h"
#include "cli/options.h"
#include "cli/console.h"
#include "cli/duration.h"
#include "cli/exit_code.h"
#include "data/base/file_io.h"
#include "data/model/order.h"
#include "engine/bench.h"

namespace orderflow {

namespace {

struct BenchCmdOptions {
  std::vector<std::string> stores;
  std::vector<std::size_t> workers{1, 2, 4, 8};
  std::vector<std::string> dists{"uniform", "hot:0.99"};
  std::uint64_t count = 2'000'000;
  std::uint32_t products = 8;
  std::int64_t stock = -1;  // -1: the default
  std::uint32_t repeat = 3;
  std::string work_time = "0";
  std::string order_timeout;
  std::string format{enum_name(kBenchFormats, BenchFormat::kTable)};
  std::string plot;
  std::uint64_t seed = 1;
  double baskets = 0;
  std::uint32_t basket_items = 3;
  BenchOptions bench;  // filled by finish_options
};

// "0", "50us", or a range "LOW-HIGH" ("0-2ms"; a bare LOW takes HIGH's unit: "1-2ms").
std::optional<WorkTime> parse_work_time(const std::string& text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string::npos) {
    auto d = parse_duration(text);
    if (!d) return std::nullopt;
    return WorkTime{*d, *d};
  }
  std::string lo = text.substr(0, dash);
  const std::string hi = text.substr(dash + 1);
  auto h = parse_duration(hi);
  if (!h) return std::nullopt;
  if (!lo.empty() && lo.find_first_not_of("0123456789.") == std::string::npos && lo != "0") {
    const std::size_t unit = hi.find_first_not_of("0123456789.");
    if (unit != std::string::npos) lo += hi.substr(unit);
  }
  auto l = parse_duration(lo);
  if (!l || *l > *h) return std::nullopt;
  return WorkTime{*l, *h};
}

CLI::Validator work_time_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto w = parse_work_time(text);
        if (!w) return "'" + text + "' is not a work time (0, 50us, or a range LOW-HIGH such as 0-2ms)";
        if (w->max > kBenchWorkTimeMax) return "'" + text + "': work time is at most 10s per order";
        return "";
      },
      "D|LOW-HIGH");
}



template <class T>
void refuse_duplicates(const std::vector<T>& items, const char* option) {
  std::set<T> seen;
  for (const T& v : items) {
    if (!seen.insert(v).second) {
      std::string text;
      if constexpr (std::is_same_v<T, std::string>) {
        text = v;
      } else {
        text = std::to_string(v);
      }
      throw CLI::ValidationError(option, text + " is given twice");
    }
  }
}

// Checks that span options, after CLI11 has checked each one on its own.
void finish_options(BenchCmdOptions& o) {
  BenchOptions& b = o.bench;
  if (o.stores.empty()) {
    b.stores.assign(std::begin(kAllStoreKinds), std::end(kAllStoreKinds));
  } else {
    refuse_duplicates(o.stores, "--store");
    b.stores.clear();
    for (const std::string& s : o.stores) b.stores.push_back(*parse_store_kind(s));
  }
  refuse_duplicates(o.workers, "--workers");
  b.workers = o.workers;
  b.dists.clear();
  std::vector<std::string> canonical;
  for (const std::string& d : o.dists) {
    b.dists.push_back(parse_distribution(d).value());  // the validator accepted it
    canonical.push_back(to_string(b.dists.back()));     // hot:0.990 and hot:0.99 are one distribution
  }
  refuse_duplicates(canonical, "--dist");
  b.count = o.count;
  b.products = o.products;
  if (o.stock >= 0) b.stock = o.stock;
  b.repeat = o.repeat;
  b.work = *parse_work_time(o.work_time);
  if (!o.order_timeout.empty()) b.order_timeout = *parse_duration(o.order_timeout);
  b.seed = o.seed;
  b.baskets = o.baskets;
  b.basket_items = o.basket_items;
  if (Status s = validate(b); !s.ok()) throw CLI::ValidationError(s.message());
}

// A progress line on stderr between runs, when stderr is a terminal.
BenchProgress progress_line() {
  if (!::isatty(2)) return {};
  return [](std::size_t done, std::size_t total, const BenchCell& c) {
    std::string line = "\rorderflow bench: run " + std::to_string(done) + "/" + std::to_string(total) + " (" +
                       std::string(to_string(c.store)) + ", " + to_string(c.dist) + ", " +
                       std::to_string(c.workers) + " workers)\x1b[K";
    if (done == total) line = "\r\x1b[K";
    write_all(2, line);
  };
}

// Cells that ran for a few milliseconds are mostly start-up and scheduling
// noise (they vary 2x between repeats): say so, and how to fix it.
constexpr double kCellSecondsMin = 0.010;

void warn_about_short_cells(const BenchReport& r) {
  std::vector<const BenchCell*> short_cells = bench_short_cells(r, kCellSecondsMin);
  if (short_cells.empty()) return;
  double fastest = short_cells.front()->median.seconds;
  for (const BenchCell* c : short_cells) fastest = std::min(fastest, c->median.seconds);
  print_warning(std::to_string(short_cells.size()) + " of " + std::to_string(r.cells.size()) +
                " cells ran under 10 ms (the shortest " + format_nanos(static_cast<std::uint64_t>(fastest * 1e9)) +
                "); their figures are mostly noise: use a larger -n (orders per cell)");
}

int run_bench_cmd(const BenchCmdOptions& o) {
  Result<BenchReport> report = run_bench(o.bench, progress_line());
  if (!report.ok()) {
    print_error(report.status().message());
    return to_int(ExitCode::kFailure);
  }
  // The chart first: a write error there is reported before stdout is used.
  if (!o.plot.empty()) {
    if (Status s = write_file_atomically(o.plot, bench_chart_svg(report.value())); !s.ok()) {
      print_error(s.message());
      return to_int(ExitCode::kFailure);
    }
  }
  warn_about_short_cells(report.value());
  const std::string text = format_bench(report.value(), *enum_value(kBenchFormats, o.format));  // IsMember checked it
  if (!write_all(1, text)) {
    if (errno == EPIPE) return to_int(ExitCode::kOutputClosed);  // | head: stop quietly
    print_error("cannot write to standard output: " + errno_text(errno));
    return to_int(ExitCode::kFailure);
  }
  return to_int(ExitCode::kOk);
}

}  // namespace

CommandRun setup_bench(CLI::App& sub) {
  auto o = std::make_shared<BenchCmdOptions>();
  sub.add_option("--store", o->stores, "stores to compare, comma-separated (default: all five)")
      ->delimiter(',')
      ->check(CLI::IsMember(enum_names(kStoreKinds)));
  sub.add_option("--workers", o->workers, "worker counts, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, kBenchWorkersMax))
      ->capture_default_str();
  sub.add_option("--dist", o->dists, "distributions, comma-separated: uniform, hot:SHARE, zipf:S")
      ->delimiter(',')
      ->check(distribution_validator())
      ->capture_default_str();
  sub.add_option("-n,--count", o->count, "orders per cell")
      ->check(CLI::Range(std::uint64_t{1}, kBenchCountMax))
      ->capture_default_str();
  sub.add_option("--products", o->products, "products in the synthetic catalog")
      ->check(CLI::Range(std::uint32_t{1}, kBenchProductsMax))
      ->capture_default_str();
  sub.add_option("--stock", o->stock,
                 "initial stock of each product (default: 90% of the expected demand of all orders "
                 "together, so most orders complete even when one product gets nearly all of them)")
      ->check(CLI::Range(std::int64_t{0}, kStockMax));
  sub.add_option("--repeat", o->repeat, "runs per cell; the median is reported")
      ->check(CLI::Range(std::uint32_t{1}, kBenchRepeatMax))
      ->capture_default_str();
  sub.add_option("--work-time", o->work_time,
                 "simulated work per order while its context is live: 0, 50us, or a range 0-2ms")
      ->check(work_time_validator())
      ->capture_default_str();
  sub.add_option("--order-timeout", o->order_timeout,
                 "each order's context deadline; an order whose work overruns it is Cancelled and takes no stock")
      ->check(DurationValidator());
  sub.add_option("--baskets", o->baskets,
                 "share of orders that are baskets (all items or none); each cell also runs the same orders "
                 "as singles, alternating, and reports the ratio")
      ->check(share_validator())
      ->capture_default_str();
  sub.add_option("--basket-items", o->basket_items, "items per basket")
      ->check(CLI::Range(std::uint32_t{1}, kBenchBasketItemsMax))
      ->capture_default_str();
  sub.add_option("-f,--format", o->format, "output format")
      ->check(CLI::IsMember(enum_names(kBenchFormats)))
      ->capture_default_str();
  sub.add_option("--plot", o->plot, "write a chart of throughput against workers to FILE.svg")
      ->type_name("FILE.svg")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            std::size_t n = name.size();
            bool svg = n > 4 && (name.compare(n - 4, 4, ".svg") == 0 || name.compare(n - 4, 4, ".SVG") == 0);
            return svg ? "" : "'" + name + "' does not end in .svg: the chart is an SVG document";
          },
          ""));
  sub.add_option("--seed", o->seed, "random seed, 0..2^64-1")->check(seed_validator())->capture_default_str();
  sub.callback([o] { finish_options(*o); });
  return [o] { return run_bench_cmd(*o); };
}

}  // namespace orderflow
