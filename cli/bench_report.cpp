#include "cli/bench_report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "cli/svg_chart.h"

namespace orderflow {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  return std::string(buf, r.ptr);
}

std::string work_text(const WorkTime& w) {
  if (w.none()) return "0";
  const auto lo = static_cast<std::uint64_t>(w.min.count()), hi = static_cast<std::uint64_t>(w.max.count());
  if (lo == hi) return format_nanos(lo);
  return (lo == 0 ? std::string("0") : format_nanos(lo)) + "-" + format_nanos(hi);
}

// "10%", "2.5%", "100%".
std::string percent(double share) {
  const double v = share * 100;
  return fixed(v, v == std::floor(v) ? 0 : v * 10 == std::floor(v * 10) ? 1 : 2) + "%";
}

std::string conserved_text(const StockAudit& a) {
  if (a.conserved()) return "yes";
  return std::string("no (") + (a.drift >= 0 ? "+" : "") + std::to_string(a.drift) + ")";
}

// Left-aligned text columns first, then right-aligned numbers, then `conserved`.
struct Table {
  std::vector<std::string> header;
  std::vector<bool> left;  // left-aligned?
  std::vector<std::vector<std::string>> rows;  // an empty row is a blank line

  std::string render() const {
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& r : rows)
      for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    std::string out;
    auto emit = [&](const std::vector<std::string>& r) {
      std::string line;
      for (std::size_t c = 0; c < r.size(); ++c) {
        if (c > 0) line += "  ";
        const std::string pad(width[c] - r[c].size(), ' ');
        line += left[c] ? r[c] + pad : pad + r[c];
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    };
    emit(header);
    for (const auto& r : rows) {
      if (r.empty()) {
        out += "\n";
      } else {
        emit(r);
      }
    }
    return out;
  }
};

// The store's colour is a column of its row (data/store/product_store.h).
std::string_view store_color(StoreKind k) {
  for (const StoreKindRow& row : kStoreKinds)
    if (row.value == k) return row.chart_color;
  return "#7f7f7f";
}

const char* dist_dash(std::size_t i) {
  static const char* const kDash[] = {"", "7 4", "2 3", "10 3 2 3"};
  return kDash[i % std::size(kDash)];
}

}  // namespace

std::string format_bench(const BenchReport& report, BenchFormat f) {
  switch (f) {
    case BenchFormat::kCsv: return format_bench_csv(report);
    case BenchFormat::kJson: return format_bench_json(report);
    case BenchFormat::kTable: break;
  }
  return format_bench_table(report);
}

std::string format_nanos(std::uint64_t ns) {
  const double v = static_cast<double>(ns);
  auto three = [](double x) { return fixed(x, x >= 99.95 ? 0 : x >= 9.995 ? 1 : 2); };
  if (ns < 1000) return std::to_string(ns) + "ns";
  if (ns < 999'500) return three(v / 1e3) + "us";
  if (ns < 999'500'000) return three(v / 1e6) + "ms";
  return three(v / 1e9) + "s";
}

std::string group_thousands(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_bench_table(const BenchReport& r) {
  const BenchOptions& o = r.options;
  std::string out = "orderflow bench: " + group_thousands(o.count) + " orders per cell, " +
                    std::to_string(o.products) + (o.products == 1 ? " product" : " products") + " with " +
                    group_thousands(static_cast<std::uint64_t>(r.stock)) + " units each, amounts 1.." +
                    std::to_string(kBenchAmountMax) + ", on " + std::to_string(r.cpus) +
                    (r.cpus == 1 ? " CPU" : " CPUs") + "\n";
  const std::uint64_t every = bench_latency_sample_every(o);
  out += "median of " + std::to_string(o.repeat) + (o.repeat == 1 ? " run" : " runs") + " per cell, seed " +
         std::to_string(o.seed) + ", work " + work_text(o.work) + ", order timeout " +
         (o.order_timeout ? format_nanos(static_cast<std::uint64_t>(o.order_timeout->count())) : "none") +
         ", latency of " + (every == 1 ? std::string("every order") : "1 order in " + std::to_string(every)) + "\n";
  const bool baskets = o.baskets > 0;
  if (baskets)
    out += "baskets: " + percent(o.baskets) + " of the orders, " + std::to_string(o.basket_items) +
           (o.basket_items == 1 ? " item" : " items") +
           " each; singles: the same orders with each basket cut to its first item, run alternating\n";
  out += "\n";
  Table t;
  t.header = {"dist",      "store",    "workers",   "orders/s", "p50",      "p99",
              "completed", "rejected", "cancelled", "oversold", "conserved"};
  t.left = {true, true, false, false, false, false, false, false, false, false, true};
  if (baskets) {  // after orders/s
    t.header.insert(t.header.begin() + 4, {"singles/s", "x singles", "votes"});
    t.left.insert(t.left.begin() + 4, {false, false, false});
  }
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    const BenchCell& c = r.cells[i];
    if (i > 0 && (c.store != r.cells[i - 1].store || to_string(c.dist) != to_string(r.cells[i - 1].dist)))
      t.rows.emplace_back();
    const BenchRun& m = c.median;
    std::vector<std::string> row = {
        to_string(c.dist), std::string(to_string(c.store)), std::to_string(c.workers),
        group_thousands(static_cast<std::uint64_t>(std::llround(m.orders_per_second()))),
        format_nanos(m.latency_p50_ns), format_nanos(m.latency_p99_ns), group_thousands(m.completed),
        group_thousands(m.rejected), group_thousands(m.cancelled),
        group_thousands(static_cast<std::uint64_t>(m.audit.oversold)), conserved_text(m.audit)};
    if (baskets)
      row.insert(row.begin() + 4,
                 {group_thousands(static_cast<std::uint64_t>(std::llround(c.singles.orders_per_second()))),
                  fixed(c.ratio_to_singles(), 2) + "x", group_thousands(m.votes)});
    t.rows.push_back(std::move(row));
  }
  return out + t.render() + "\n" + bench_table_legend() + (baskets ? bench_baskets_legend() : "");
}

std::string bench_table_legend() {
  return "orders/s   orders applied per second, in the median run of the cell\n"
         "p50, p99   per-order apply latency (a clock read costs about 20ns of it)\n"
         "completed, rejected, cancelled\n"
         "           order outcomes (rejected: not enough stock left; cancelled: past --order-timeout)\n"
         "oversold   units sold beyond the initial stock; only check-then-act, which is unsafe, can oversell\n"
         "conserved  whether units sold + stock left = initial stock, per product; \"no (+N)\" means lost\n"
         "           updates created N phantom units (the drift)\n";
}

std::string bench_baskets_legend() {
  return "singles/s  the same orders with each basket cut to its first item, in the median of its runs\n"
         "x singles  orders/s over singles/s: what all-or-nothing costs, with the sharded store the\n"
         "           coordination of owners too\n"
         "votes      baskets whose items belong to several owners (sharded): decided by their owners' vote\n";
}

std::vector<const BenchCell*> bench_short_cells(const BenchReport& r, double seconds_min) {
  std::vector<const BenchCell*> out;
  for (const BenchCell& c : r.cells)
    if (c.median.seconds < seconds_min) out.push_back(&c);
  return out;
}

std::string format_bench_csv(const BenchReport& r) {
  std::string out =
      "store,dist,workers,orders_per_second,seconds,latency_p50_ns,latency_p99_ns,latency_max_ns,latency_samples,"
      "completed,rejected,cancelled,initial_stock,units_sold,stock_left,oversold,drift,conserved";
  const bool baskets = r.options.baskets > 0;
  out += baskets ? ",singles_orders_per_second,ratio_to_singles,votes\n" : "\n";
  for (const BenchCell& c : r.cells) {
    const BenchRun& m = c.median;
    // No field can hold a comma, a quote or a newline: store and dist names are fixed spellings.
    out += std::string(to_string(c.store)) + "," + to_string(c.dist) + "," + std::to_string(c.workers) + "," +
           fixed(m.orders_per_second(), 1) + "," + fixed(m.seconds, 6) + "," + std::to_string(m.latency_p50_ns) +
           "," + std::to_string(m.latency_p99_ns) + "," + std::to_string(m.latency_max_ns) + "," +
           std::to_string(m.latency_samples) + "," + std::to_string(m.completed) + "," +
           std::to_string(m.rejected) + "," + std::to_string(m.cancelled) + "," + std::to_string(m.audit.initial) +
           "," + std::to_string(m.audit.sold) + "," + std::to_string(m.audit.left) + "," +
           std::to_string(m.audit.oversold) + "," + std::to_string(m.audit.drift) + "," +
           (m.audit.conserved() ? "true" : "false");
    if (baskets) {
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive)
      // on `"," + std::string&&` here.
      out += ',';
      out += fixed(c.singles.orders_per_second(), 1);
      out += ',';
      out += fixed(c.ratio_to_singles(), 3);
      out += ',';
      out += std::to_string(m.votes);
    }
    out += "\n";
  }
  return out;
}

std::string format_bench_json(const BenchReport& r) {
  const BenchOptions& o = r.options;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  auto key = [&w](const char* k) { w.Key(k); };
  auto str = [&w](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  key("orders");
  w.Uint64(o.count);
  key("products");
  w.Uint(o.products);
  key("stock");
  w.Int64(r.stock);
  key("amountMax");
  w.Uint(kBenchAmountMax);
  key("repeat");
  w.Uint(o.repeat);
  key("seed");
  w.Uint64(o.seed);
  key("workTimeMinNs");
  w.Int64(o.work.min.count());
  key("workTimeMaxNs");
  w.Int64(o.work.max.count());
  key("orderTimeoutNs");
  if (o.order_timeout) {
    w.Int64(o.order_timeout->count());
  } else {
    w.Null();
  }
  key("cpus");
  w.Uint(r.cpus);
  key("latencySampleEvery");
  w.Uint64(bench_latency_sample_every(o));
  key("baskets");
  w.Double(o.baskets);
  key("basketItems");
  w.Uint(o.basket_items);
  key("cells");
  w.StartArray();
  for (const BenchCell& c : r.cells) {
    const BenchRun& m = c.median;
    w.StartObject();
    key("store");
    str(std::string(to_string(c.store)));
    key("dist");
    str(to_string(c.dist));
    key("workers");
    w.Uint64(c.workers);
    key("ordersPerSecond");
    w.Double(std::round(m.orders_per_second() * 10) / 10);
    key("seconds");
    w.Double(m.seconds);
    key("latencyP50Ns");
    w.Uint64(m.latency_p50_ns);
    key("latencyP99Ns");
    w.Uint64(m.latency_p99_ns);
    key("latencyMaxNs");
    w.Uint64(m.latency_max_ns);
    key("latencySamples");
    w.Uint64(m.latency_samples);
    key("completed");
    w.Uint64(m.completed);
    key("rejected");
    w.Uint64(m.rejected);
    key("cancelled");
    w.Uint64(m.cancelled);
    key("initialStock");
    w.Int64(m.audit.initial);
    key("unitsSold");
    w.Int64(m.audit.sold);
    key("stockLeft");
    w.Int64(m.audit.left);
    key("oversold");
    w.Int64(m.audit.oversold);
    key("drift");
    w.Int64(m.audit.drift);
    key("conserved");
    w.Bool(m.audit.conserved());
    key("runsOrdersPerSecond");
    w.StartArray();
    for (double v : c.runs_orders_per_second) w.Double(std::round(v * 10) / 10);
    w.EndArray();
    if (o.baskets > 0) {
      key("singlesOrdersPerSecond");
      w.Double(std::round(c.singles.orders_per_second() * 10) / 10);
      key("ratioToSingles");
      w.Double(std::round(c.ratio_to_singles() * 1000) / 1000);
      key("votes");
      w.Uint64(m.votes);
      key("singlesRunsOrdersPerSecond");
      w.StartArray();
      for (double v : c.singles_runs_orders_per_second) w.Double(std::round(v * 10) / 10);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string bench_chart_svg(const BenchReport& r) {
  const BenchOptions& o = r.options;
  LineChart chart;
  chart.title = "orderflow bench: throughput against workers";
  chart.subtitle = group_thousands(o.count) + " orders per cell, " + std::to_string(o.products) + " products, " +
                   "work " + work_text(o.work) + ", median of " + std::to_string(o.repeat) +
                   (o.repeat == 1 ? " run" : " runs") + ", " + std::to_string(r.cpus) +
                   (r.cpus == 1 ? " CPU" : " CPUs");
  const bool baskets = o.baskets > 0;
  if (baskets)
    chart.subtitle += "; " + percent(o.baskets) + " baskets of " + std::to_string(o.basket_items) +
                      ", dotted: the same orders as singles";
  if (std::find(o.stores.begin(), o.stores.end(), StoreKind::kCheckThenAct) != o.stores.end())
    chart.subtitle += "; check-then-act is unsafe: its lost updates oversell stock";
  chart.x_label = "workers";
  chart.y_label = "orders per second";
  for (std::size_t w : o.workers) chart.x_categories.push_back(static_cast<double>(w));
  for (std::size_t di = 0; di < o.dists.size(); ++di) {
    for (StoreKind s : o.stores) {
      ChartSeries series;
      series.name = std::string(to_string(s)) + "  " + to_string(o.dists[di]);
      // The race it shows makes its throughput meaningless: say so on the chart.
      if (s == StoreKind::kCheckThenAct) series.name += "  (UNSAFE: oversells)";
      series.color = store_color(s);
      series.dash = dist_dash(di);
      ChartSeries singles;
      if (baskets) {
        series.name += "  baskets";
        singles.name = std::string(to_string(s)) + "  " + to_string(o.dists[di]) + "  singles";
        singles.color = series.color;
        singles.dash = "1 3";
      }
      for (const BenchCell& c : r.cells) {
        if (c.store != s || to_string(c.dist) != to_string(o.dists[di])) continue;
        series.points.push_back({static_cast<double>(c.workers), c.median.orders_per_second()});
        singles.points.push_back({static_cast<double>(c.workers), c.singles.orders_per_second()});
      }
      chart.series.push_back(std::move(series));
      if (baskets) chart.series.push_back(std::move(singles));
    }
  }
  return render_svg(chart);
}

}  // namespace orderflow
