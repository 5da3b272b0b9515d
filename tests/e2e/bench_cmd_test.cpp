// End-to-end tests of `orderflow bench`: the built binary on small runs. JSON
// holds every cell and parses; CSV and the table have a row per cell; --plot
// writes a well-formed SVG; --order-timeout shorter than --work-time cancels
// orders and takes no stock; bad options are usage errors. Nothing here
// depends on how fast anything runs.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/e2e/xml_check.h"
#include "cli/bench_report.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const std::vector<std::string> kStores{"sharded", "mutex", "striped", "atomic", "check-then-act"};

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << rapidjson::GetParseError_En(d.GetParseError()) << "\n" << text;
  EXPECT_TRUE(d.IsObject());
  return d;
}

TEST(BenchE2E, JsonHoldsEveryCellOfASmallRun) {
  RunResult r = run({"bench", "-n", "20000", "--repeat", "1", "--workers", "1,2", "--dist", "uniform,hot:0.9",
                     "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // No progress line when stderr is not a terminal (only the short-cell warning).
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  rapidjson::Document d = parse_json(r.out);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["orders"].GetUint64(), 20000u);
  EXPECT_EQ(d["products"].GetUint(), 8u);
  EXPECT_EQ(d["stock"].GetInt64(), 144000);  // the default: 90% of 20,000 x 8
  EXPECT_EQ(d["repeat"].GetUint(), 1u);
  ASSERT_TRUE(d["cells"].IsArray());
  ASSERT_EQ(d["cells"].Size(), 20u);  // 5 stores x 2 worker counts x 2 distributions

  std::set<std::tuple<std::string, std::string, std::uint64_t>> seen;
  for (const rapidjson::Value& c : d["cells"].GetArray()) {
    const std::string store = c["store"].GetString(), dist = c["dist"].GetString();
    const std::uint64_t workers = c["workers"].GetUint64();
    EXPECT_TRUE(seen.insert({store, dist, workers}).second) << store << " " << dist << " " << workers;
    SCOPED_TRACE(store + " " + dist + " " + std::to_string(workers));
    EXPECT_EQ(c["completed"].GetUint64() + c["rejected"].GetUint64() + c["cancelled"].GetUint64(), 20000u);
    EXPECT_EQ(c["cancelled"].GetUint64(), 0u);
    EXPECT_GT(c["ordersPerSecond"].GetDouble(), 0);
    EXPECT_LE(c["latencyP50Ns"].GetUint64(), c["latencyP99Ns"].GetUint64());
    EXPECT_EQ(c["latencySamples"].GetUint64(), 1250u);  // 1 order in 16
    EXPECT_EQ(c["initialStock"].GetInt64(), 8 * 144000);
    EXPECT_GE(c["stockLeft"].GetInt64(), 0);
    ASSERT_EQ(c["runsOrdersPerSecond"].Size(), 1u);
    const std::int64_t sold = c["unitsSold"].GetInt64(), left = c["stockLeft"].GetInt64();
    const std::int64_t initial = c["initialStock"].GetInt64();
    EXPECT_EQ(c["drift"].GetInt64(), sold + left - initial);
    if (store != "check-then-act" || workers == 1) {
      EXPECT_TRUE(c["conserved"].GetBool());
      EXPECT_EQ(sold + left, initial);
      EXPECT_EQ(c["oversold"].GetInt64(), 0);
    }
  }
  for (const std::string& s : kStores)
    for (const char* dist : {"uniform", "hot:0.9"})
      for (std::uint64_t w : {1, 2}) EXPECT_TRUE(seen.count({s, dist, w})) << s << " " << dist << " " << w;
}

TEST(BenchE2E, CsvAndTableHaveARowPerCell) {
  const std::vector<std::string> common{"bench", "-n", "5000", "--repeat", "2", "--store", "mutex,atomic",
                                        "--workers", "1,3", "--dist", "zipf:1.1"};
  std::vector<std::string> args = common;
  args.insert(args.end(), {"--format", "csv"});
  RunResult csv = run(args);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::vector<std::string> rows = lines(csv.out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].rfind("store,dist,workers,orders_per_second,", 0), 0u);
  EXPECT_EQ(rows[1].rfind("mutex,zipf:1.1,1,", 0), 0u);
  EXPECT_EQ(rows[2].rfind("mutex,zipf:1.1,3,", 0), 0u);
  EXPECT_EQ(rows[3].rfind("atomic,zipf:1.1,1,", 0), 0u);
  EXPECT_EQ(rows[4].rfind("atomic,zipf:1.1,3,", 0), 0u);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].substr(rows[i].size() - 5), ",true");

  RunResult table = run(common);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::vector<std::string> t = lines(table.out);
  // 2 header lines, a blank, the column names, 2 + blank + 2 rows, a blank, the legend
  ASSERT_EQ(t.size(), 10u + lines(bench_table_legend()).size()) << table.out;
  EXPECT_EQ(t[9], "");
  EXPECT_EQ(t[10].rfind("orders/s ", 0), 0u) << t[10];
  EXPECT_EQ(t[0].rfind("orderflow bench: 5,000 orders per cell, 8 products with 36,000 units each", 0), 0u);
  EXPECT_NE(t[1].find("median of 2 runs per cell"), std::string::npos);
  EXPECT_EQ(t[2], "");
  EXPECT_EQ(t[3].rfind("dist      store   workers", 0), 0u) << t[3];
  EXPECT_EQ(t[4].rfind("zipf:1.1  mutex         1", 0), 0u) << t[4];
  EXPECT_EQ(t[6], "");
  EXPECT_EQ(t[8].rfind("zipf:1.1  atomic        3", 0), 0u) << t[8];
  EXPECT_EQ(t[8].substr(t[8].size() - 3), "yes");
}

TEST(BenchE2E, PlotWritesAWellFormedSvg) {
  TempDir dir;
  const std::string svg = dir.file("contention.svg");
  RunResult r = run({"bench", "-n", "3000", "--repeat", "1", "--workers", "1,2,4", "--plot", svg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(file_exists(svg));
  const std::string doc = read_file(svg);
  XmlCheck x(doc);
  ASSERT_TRUE(x.ok()) << x.error();
  EXPECT_EQ(x.root(), "svg");
  const XmlElement& root = x.elements().front();
  bool has_ns = false;
  for (const auto& [name, value] : root.attributes)
    has_ns = has_ns || (name == "xmlns" && value == "http://www.w3.org/2000/svg");
  EXPECT_TRUE(has_ns);
  EXPECT_EQ(x.count("polyline"), 10u);  // 5 stores x 2 distributions
  EXPECT_EQ(x.count("circle"), 10u * 3 + 10u);  // a marker per point, and one per legend entry
  // check-then-act's lines are labelled unsafe, the others not.
  EXPECT_NE(doc.find(">check-then-act  hot:0.99  (UNSAFE: oversells)</text>"), std::string::npos);
  EXPECT_NE(doc.find(">atomic  hot:0.99</text>"), std::string::npos);
  EXPECT_NE(doc.find("check-then-act is unsafe"), std::string::npos);
  EXPECT_NE(r.out.find("orders/s"), std::string::npos);  // the table is still printed
}

TEST(BenchE2E, PlotRefusesNamesThatAreNotSvg) {
  TempDir dir;
  for (const char* name : {"chart.png", "chart", "svg", "chart.svg.txt"}) {
    RunResult r = run({"bench", "-n", "100", "--repeat", "1", "--store", "atomic", "--workers", "1", "--plot",
                       dir.file(name)});
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_EQ(r.err.rfind("orderflow: error: --plot: '" + dir.file(name) + "' does not end in .svg", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");  // refused before anything ran
    EXPECT_FALSE(file_exists(dir.file(name)));
  }
}

TEST(BenchE2E, TheTableHasALegendAndShortCellsAreWarnedAbout) {
  RunResult r = run({"bench", "-n", "200", "--repeat", "1", "--store", "atomic", "--workers", "1,2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\noversold   units sold beyond the initial stock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nconserved  "), std::string::npos) << r.out;
  // 200 orders take microseconds, far under 10 ms (a cell preempted on a busy
  // machine may take longer: the count is not checked exactly).
  EXPECT_EQ(r.err.rfind("orderflow: warning: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(" of 4 cells ran under 10 ms (the shortest "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use a larger -n"), std::string::npos) << r.err;
}

TEST(BenchE2E, PlotToAFolderThatDoesNotExistIsARuntimeError) {
  TempDir dir;
  RunResult r = run({"bench", "-n", "100", "--repeat", "1", "--store", "atomic", "--workers", "1", "--plot",
                     dir.file("no/such/dir/chart.svg")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(BenchE2E, OrderTimeoutShorterThanWorkCancelsAndTakesNoStock) {
  RunResult r = run({"bench", "-n", "60", "--repeat", "1", "--store", "sharded,mutex,striped,atomic", "--workers",
                     "1,3", "--dist", "uniform,hot:0.99", "--work-time", "3ms", "--order-timeout", "200us",
                     "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d = parse_json(r.out);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["workTimeMinNs"].GetInt64(), 3'000'000);
  EXPECT_EQ(d["orderTimeoutNs"].GetInt64(), 200'000);
  EXPECT_EQ(d["latencySampleEvery"].GetUint64(), 1u);
  ASSERT_EQ(d["cells"].Size(), 16u);
  for (const rapidjson::Value& c : d["cells"].GetArray()) {
    SCOPED_TRACE(std::string(c["store"].GetString()) + " " + c["dist"].GetString());
    EXPECT_EQ(c["cancelled"].GetUint64(), 60u);
    EXPECT_EQ(c["completed"].GetUint64(), 0u);
    EXPECT_EQ(c["unitsSold"].GetInt64(), 0);
    EXPECT_EQ(c["stockLeft"].GetInt64(), c["initialStock"].GetInt64());
    EXPECT_TRUE(c["conserved"].GetBool());
    EXPECT_EQ(c["latencySamples"].GetUint64(), 60u);
  }
}

TEST(BenchE2E, WorkTimeRangeWithAGenerousDeadlineCompletes) {
  RunResult r = run({"bench", "-n", "50", "--repeat", "1", "--store", "atomic", "--workers", "2", "--dist",
                     "uniform", "--work-time", "0-300us", "--order-timeout", "30s", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d = parse_json(r.out);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["workTimeMinNs"].GetInt64(), 0);
  EXPECT_EQ(d["workTimeMaxNs"].GetInt64(), 300'000);
  const rapidjson::Value& c = d["cells"][0];
  EXPECT_EQ(c["completed"].GetUint64(), 50u);
  EXPECT_EQ(c["cancelled"].GetUint64(), 0u);
}

// --baskets: each cell's orders with baskets and as singles; the sharded
// store's cross-owner baskets are voted on; every safe store conserves stock.
TEST(BenchE2E, BasketsRunEveryCellTwiceAndReportTheRatio) {
  RunResult r = run({"bench", "-n", "20000", "--repeat", "2", "--workers", "1,3", "--dist", "uniform", "--products",
                     "64", "--baskets", "0.2", "--basket-items", "4", "--stock", "3000", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d = parse_json(r.out);
  EXPECT_DOUBLE_EQ(d["baskets"].GetDouble(), 0.2);
  EXPECT_EQ(d["basketItems"].GetUint(), 4u);
  ASSERT_EQ(d["cells"].Size(), 10u);
  std::map<std::string, std::uint64_t> completed;  // sharded, by workers
  for (const rapidjson::Value& c : d["cells"].GetArray()) {
    const std::string store = c["store"].GetString();
    SCOPED_TRACE(store + " " + std::to_string(c["workers"].GetUint64()));
    EXPECT_EQ(c["singlesRunsOrdersPerSecond"].Size(), 2u);
    EXPECT_GT(c["ratioToSingles"].GetDouble(), 0);
    EXPECT_EQ(c["completed"].GetUint64() + c["rejected"].GetUint64(), 20000u);
    EXPECT_GT(c["rejected"].GetUint64(), 0u) << "3000 units a product run short";
    if (store != "check-then-act") {
      EXPECT_TRUE(c["conserved"].GetBool());
    }
    const bool voted = store == "sharded" && c["workers"].GetUint64() == 3;
    EXPECT_EQ(c["votes"].GetUint64() > 0, voted);
    if (store == "sharded") completed[std::to_string(c["workers"].GetUint64())] = c["completed"].GetUint64();
  }
  EXPECT_EQ(completed["3"], completed["1"]) << "the sharded store's votes decide as one owner does";
  RunResult table = run({"bench", "-n", "20000", "--repeat", "1", "--workers", "2", "--dist", "uniform",
                         "--store", "sharded", "--baskets", "0.1"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("x singles"), std::string::npos) << table.out;
}

TEST(BenchE2E, UsageErrors) {
  const std::vector<std::vector<std::string>> bad{
      {"--store", "bogus"},         {"--store", "mutex,mutex"},   {"--workers", "0"},
      {"--workers", "2,2"},         {"--workers", "1,x"},         {"--dist", "hot:2"},
      {"--dist", "uniform,hot:1,uniform"},                        {"-n", "0"},
      {"--repeat", "0"},            {"--products", "0"},          {"--stock", "-1"},
      {"--work-time", "2ms-1ms"},   {"--work-time", "fast"},      {"--work-time", "11s"},
      {"--order-timeout", "soon"},  {"--format", "xml"},          {"--seed", "-1"},
      {"--products", "1000000", "--stock", "4611686018427387904"},
      {"--baskets", "1.5"},         {"--baskets", "nan"},         {"--basket-items", "0"},
      {"--basket-items", "65"},     {"--baskets", "0.1", "--work-time", "10us"},
  };
  for (const std::vector<std::string>& extra : bad) {
    std::vector<std::string> args{"bench"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = run(args);
    std::string joined;
    for (const std::string& a : extra) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << r.err;
    EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << joined << r.err;
    EXPECT_NE(r.err.find("orderflow bench --help"), std::string::npos) << joined << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(BenchE2E, ListedInHelp) {
  RunResult r = run({"--help"});
  EXPECT_NE(r.out.find("bench"), std::string::npos);
  EXPECT_NE(r.out.find("in-memory stock-contention benchmark"), std::string::npos);
  RunResult h = run({"bench", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* opt : {"--store", "--workers", "--dist", "--count", "--products", "--stock", "--repeat",
                          "--work-time", "--order-timeout", "--format", "--plot", "--seed", "--baskets",
                          "--basket-items"})
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace orderflow::testing
