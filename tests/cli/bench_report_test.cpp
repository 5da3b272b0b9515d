// How `bench` shows its report (cli/bench_report.h, cli/svg_chart.h), on a
// report built by hand: exact table, CSV and JSON, and a well-formed chart.
#include "cli/bench_report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

#include "cli/svg_chart.h"
#include "tests/e2e/xml_check.h"
#include "tests/test_util.h"

namespace orderflow {
namespace {

using testing::XmlCheck;

BenchReport two_cells() {
  BenchReport r;
  r.options.stores = {StoreKind::kAtomic, StoreKind::kCheckThenAct};
  r.options.workers = {2};
  r.options.dists = {Distribution{Distribution::Kind::kHot, 0.99}};
  r.options.count = 1000;
  r.options.products = 2;
  r.options.repeat = 1;
  r.stock = 4000;
  r.cpus = 2;
  BenchCell a{StoreKind::kAtomic, 2, r.options.dists[0], {}, {2'000'000.0}, {}, {}};
  a.median.seconds = 0.0005;
  a.median.completed = 990;
  a.median.rejected = 10;
  a.median.latency_p50_ns = 31;
  a.median.latency_p99_ns = 1250;
  a.median.latency_max_ns = 90'000;
  a.median.latency_samples = 63;
  const std::vector<std::int64_t> initial{4000, 4000};
  a.median.audit = audit_stock(initial, std::vector<std::int64_t>{3990, 10}, std::vector<std::int64_t>{10, 3990});
  BenchCell c{StoreKind::kCheckThenAct, 2, r.options.dists[0], {}, {4'000'000.0}, {}, {}};
  c.median.seconds = 0.00025;
  c.median.completed = 1000;
  c.median.latency_p50_ns = 20;
  c.median.latency_p99_ns = 300;
  c.median.latency_max_ns = 5000;
  c.median.latency_samples = 63;
  c.median.audit = audit_stock(initial, std::vector<std::int64_t>{4100, 12}, std::vector<std::int64_t>{7, 3988});
  r.cells = {a, c};
  return r;
}

TEST(BenchReport, Nanos) {
  EXPECT_EQ(format_nanos(0), "0ns");
  EXPECT_EQ(format_nanos(999), "999ns");
  EXPECT_EQ(format_nanos(1000), "1.00us");
  EXPECT_EQ(format_nanos(1250), "1.25us");
  EXPECT_EQ(format_nanos(12'500), "12.5us");
  EXPECT_EQ(format_nanos(999'499), "999us");
  EXPECT_EQ(format_nanos(999'500), "1.00ms");
  EXPECT_EQ(format_nanos(2'000'000), "2.00ms");
  EXPECT_EQ(format_nanos(3'000'000'000), "3.00s");
}

TEST(BenchReport, Thousands) {
  EXPECT_EQ(group_thousands(0), "0");
  EXPECT_EQ(group_thousands(999), "999");
  EXPECT_EQ(group_thousands(1000), "1,000");
  EXPECT_EQ(group_thousands(12'345'678), "12,345,678");
}

TEST(BenchReport, Table) {
  EXPECT_EQ(format_bench_table(two_cells()),
            "orderflow bench: 1,000 orders per cell, 2 products with 4,000 units each, amounts 1..15, on 2 CPUs\n"
            "median of 1 run per cell, seed 1, work 0, order timeout none, latency of 1 order in 16\n"
            "\n"
            "dist      store           workers   orders/s   p50     p99  completed  rejected  cancelled  oversold  conserved\n"
            "hot:0.99  atomic                2  2,000,000  31ns  1.25us        990        10          0         0  yes\n"
            "\n"
            "hot:0.99  check-then-act        2  4,000,000  20ns   300ns      1,000         0          0       100  no (+107)\n"
            "\n" + bench_table_legend());
}

TEST(BenchReport, TheLegendExplainsEveryColumnAfterP99) {
  for (const char* column : {"p50, p99", "completed, rejected, cancelled", "oversold", "conserved"})
    EXPECT_NE(bench_table_legend().find(std::string("\n") + column), std::string::npos) << column;
  EXPECT_EQ(bench_table_legend().rfind("orders/s", 0), 0u);
  EXPECT_NE(bench_table_legend().find("drift"), std::string::npos);
}

TEST(BenchReport, ShortCells) {
  BenchReport r = two_cells();  // the medians took 0.5 ms and 0.25 ms
  EXPECT_EQ(bench_short_cells(r, 0.010).size(), 2u);
  EXPECT_EQ(bench_short_cells(r, 0.0003).size(), 1u);
  EXPECT_EQ(bench_short_cells(r, 0.0001).size(), 0u);
}

TEST(BenchReport, TableNamesWorkAndDeadline) {
  BenchReport r = two_cells();
  r.options.work = {std::chrono::nanoseconds(0), std::chrono::milliseconds(2)};
  r.options.order_timeout = std::chrono::microseconds(1500);
  EXPECT_EQ(testing::lines(format_bench_table(r))[1],
            "median of 1 run per cell, seed 1, work 0-2.00ms, order timeout 1.50ms, latency of every order");
  r.options.work = {std::chrono::microseconds(50), std::chrono::microseconds(50)};
  EXPECT_EQ(testing::lines(format_bench_table(r))[1],
            "median of 1 run per cell, seed 1, work 50.0us, order timeout 1.50ms, latency of every order");
}

TEST(BenchReport, Csv) {
  const std::vector<std::string> rows = testing::lines(format_bench_csv(two_cells()));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            "store,dist,workers,orders_per_second,seconds,latency_p50_ns,latency_p99_ns,latency_max_ns,latency_samples,"
            "completed,rejected,cancelled,initial_stock,units_sold,stock_left,oversold,drift,conserved");
  EXPECT_EQ(rows[1], "atomic,hot:0.99,2,2000000.0,0.000500,31,1250,90000,63,990,10,0,8000,4000,4000,0,0,true");
  EXPECT_EQ(rows[2],
            "check-then-act,hot:0.99,2,4000000.0,0.000250,20,300,5000,63,1000,0,0,8000,4112,3995,100,107,false");
}

TEST(BenchReport, Json) {
  const std::string text = format_bench_json(two_cells());
  rapidjson::Document d;
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_EQ(d["orders"].GetUint64(), 1000u);
  EXPECT_EQ(d["stock"].GetInt64(), 4000);
  EXPECT_TRUE(d["orderTimeoutNs"].IsNull());
  EXPECT_EQ(d["latencySampleEvery"].GetUint64(), 16u);
  ASSERT_EQ(d["cells"].Size(), 2u);
  const rapidjson::Value& c = d["cells"][1];
  EXPECT_STREQ(c["store"].GetString(), "check-then-act");
  EXPECT_STREQ(c["dist"].GetString(), "hot:0.99");
  EXPECT_EQ(c["workers"].GetUint64(), 2u);
  EXPECT_DOUBLE_EQ(c["ordersPerSecond"].GetDouble(), 4'000'000.0);
  EXPECT_EQ(c["oversold"].GetInt64(), 100);
  EXPECT_EQ(c["drift"].GetInt64(), 107);
  EXPECT_FALSE(c["conserved"].GetBool());
  EXPECT_EQ(c["runsOrdersPerSecond"].Size(), 1u);
}

TEST(SvgChart, NumbersAndEscapes) {
  EXPECT_EQ(si_number(0), "0");
  EXPECT_EQ(si_number(8), "8");
  EXPECT_EQ(si_number(950), "950");
  EXPECT_EQ(si_number(1500), "1.5k");
  EXPECT_EQ(si_number(12'000'000), "12M");
  EXPECT_EQ(si_number(2'250'000'000), "2.25G");
  EXPECT_EQ(si_number(999'700), "1M");
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

TEST(SvgChart, WellFormedWithAwkwardText) {
  LineChart c;
  c.title = "<throughput> & \"friends\"";
  c.x_label = "workers";
  c.y_label = "orders/s";
  c.x_categories = {1, 2, 4};
  c.series.push_back({"a & b", "#123456", "", {{1, 10}, {2, 30}, {4, 25}, {3, 99}}});  // x=3 is no category
  c.series.push_back({"<c>", "red", "4 2", {}});
  const std::string svg = render_svg(c);
  XmlCheck x(svg);
  ASSERT_TRUE(x.ok()) << x.error() << "\n" << svg;
  EXPECT_EQ(x.root(), "svg");
  EXPECT_EQ(x.count("polyline"), 1u);  // the empty series draws no line
  EXPECT_NE(svg.find("&lt;throughput&gt; &amp; &quot;friends&quot;"), std::string::npos);
}

TEST(SvgChart, BenchChartHasALinePerStoreAndDistribution) {
  XmlCheck x(bench_chart_svg(two_cells()));
  ASSERT_TRUE(x.ok()) << x.error();
  EXPECT_EQ(x.count("polyline"), 2u);
}

// --baskets: the singles' figures, the ratio and the votes, in every format.
BenchReport with_baskets() {
  BenchReport r = two_cells();
  r.options.baskets = 0.1;
  r.options.basket_items = 3;
  r.cells[0].singles = r.cells[0].median;
  r.cells[0].singles.seconds = 0.0004;  // 2.5M orders/s
  r.cells[0].singles_runs_orders_per_second = {2'500'000.0};
  r.cells[0].median.votes = 0;
  r.cells[1].singles = r.cells[1].median;
  r.cells[1].singles.seconds = 0.000125;  // 8M orders/s
  r.cells[1].singles_runs_orders_per_second = {8'000'000.0};
  r.cells[1].median.votes = 75;
  return r;
}

TEST(BenchReport, BasketsAddTheSinglesAndTheRatio) {
  const BenchReport r = with_baskets();
  EXPECT_DOUBLE_EQ(r.cells[0].ratio_to_singles(), 0.8);
  EXPECT_DOUBLE_EQ(two_cells().cells[0].ratio_to_singles(), 0) << "no singles: no ratio";
  const std::vector<std::string> table = testing::lines(format_bench_table(r));
  EXPECT_EQ(table[2],
            "baskets: 10% of the orders, 3 items each; singles: the same orders with each basket cut to its first item, "
            "run alternating");
  EXPECT_EQ(table[4],
            "dist      store           workers   orders/s  singles/s  x singles  votes   p50     p99  completed  rejected"
            "  cancelled  oversold  conserved");
  EXPECT_EQ(table[5],
            "hot:0.99  atomic                2  2,000,000  2,500,000      0.80x      0  31ns  1.25us        990        10"
            "          0         0  yes");
  EXPECT_EQ(table[7].rfind("hot:0.99  check-then-act        2  4,000,000  8,000,000      0.50x     75  ", 0), 0u)
      << table[7];
  EXPECT_NE(format_bench_table(r).find("\nx singles  "), std::string::npos) << "the legend names the new columns";

  const std::vector<std::string> csv = testing::lines(format_bench_csv(r));
  auto ends_with = [](const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  EXPECT_TRUE(ends_with(csv[0], ",conserved,singles_orders_per_second,ratio_to_singles,votes")) << csv[0];
  EXPECT_TRUE(ends_with(csv[1], ",true,2500000.0,0.800,0")) << csv[1];
  EXPECT_TRUE(ends_with(csv[2], ",false,8000000.0,0.500,75")) << csv[2];

  rapidjson::Document d;
  d.Parse(format_bench_json(r).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_DOUBLE_EQ(d["baskets"].GetDouble(), 0.1);
  EXPECT_EQ(d["basketItems"].GetUint(), 3u);
  const rapidjson::Value& c = d["cells"][1];
  EXPECT_DOUBLE_EQ(c["singlesOrdersPerSecond"].GetDouble(), 8'000'000.0);
  EXPECT_DOUBLE_EQ(c["ratioToSingles"].GetDouble(), 0.5);
  EXPECT_EQ(c["votes"].GetUint64(), 75u);
  EXPECT_EQ(c["singlesRunsOrdersPerSecond"].Size(), 1u);

  rapidjson::Document plain;
  plain.Parse(format_bench_json(two_cells()).c_str());
  EXPECT_FALSE(plain["cells"][0].HasMember("ratioToSingles")) << "without baskets, nothing new per cell";
  EXPECT_EQ(testing::lines(format_bench_csv(two_cells()))[0].find("singles"), std::string::npos);
}

TEST(SvgChart, WithBasketsTheSinglesAreADottedLineOfTheSameColour) {
  const std::string svg = bench_chart_svg(with_baskets());
  XmlCheck x(svg);
  ASSERT_TRUE(x.ok()) << x.error();
  EXPECT_EQ(x.count("polyline"), 4u);
  EXPECT_NE(svg.find("atomic  hot:0.99  baskets"), std::string::npos);
  EXPECT_NE(svg.find("atomic  hot:0.99  singles"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray=\"1 3\""), std::string::npos);
  EXPECT_NE(svg.find("10% baskets of 3, dotted: the same orders as singles"), std::string::npos);
}

// bench -f's table: each name round-trips, no name twice, and each format
// prints what its own function prints.
TEST(BenchFormatTable, RoundTripsAndDispatches) {
  const BenchReport r = two_cells();
  std::set<std::string_view> names;
  for (const auto& row : kBenchFormats) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_EQ(enum_value(kBenchFormats, row.name), row.value);
    EXPECT_EQ(enum_name(kBenchFormats, row.value), row.name);
  }
  EXPECT_EQ(std::size(kBenchFormats), 3u);
  EXPECT_EQ(format_bench(r, BenchFormat::kTable), format_bench_table(r));
  EXPECT_EQ(format_bench(r, BenchFormat::kCsv), format_bench_csv(r));
  EXPECT_EQ(format_bench(r, BenchFormat::kJson), format_bench_json(r));
}

// The chart colours each store by its row (data/store/product_store.h).
TEST(BenchFormatTable, ChartColoursComeFromTheStoreTable) {
  const std::string svg = bench_chart_svg(two_cells());
  for (StoreKind k : {StoreKind::kAtomic, StoreKind::kCheckThenAct}) {
    for (const StoreKindRow& row : kStoreKinds) {
      if (row.value == k) {
        EXPECT_NE(svg.find(std::string(row.chart_color)), std::string::npos) << row.name;
      }
    }
  }
}

}  // namespace
}  // namespace orderflow
