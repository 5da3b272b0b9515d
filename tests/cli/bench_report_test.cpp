// How `bench` shows its report (cli/bench_report.h, cli/svg_chart.h), on a
// report built by hand: exact table, CSV and JSON, and a well-formed chart.
#include "cli/bench_report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

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
  BenchCell a{StoreKind::kAtomic, 2, r.options.dists[0], {}, {2'000'000.0}};
  a.median.seconds = 0.0005;
  a.median.completed = 990;
  a.median.rejected = 10;
  a.median.latency_p50_ns = 31;
  a.median.latency_p99_ns = 1250;
  a.median.latency_max_ns = 90'000;
  a.median.latency_samples = 63;
  const std::vector<std::int64_t> initial{4000, 4000};
  a.median.audit = audit_stock(initial, std::vector<std::int64_t>{3990, 10}, std::vector<std::int64_t>{10, 3990});
  BenchCell c{StoreKind::kCheckThenAct, 2, r.options.dists[0], {}, {4'000'000.0}};
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

}  // namespace
}  // namespace orderflow
