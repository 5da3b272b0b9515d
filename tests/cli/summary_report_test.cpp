// The end-of-run summary's JSON, text and SIGUSR1 snapshot (cli/summary_report.h)
// on statistics built by hand, and --resume reading a summary back.
#include "cli/summary_report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace orderflow {
namespace {

// Three records on the built-in catalog: one completed (3 of product 0 for
// 5.37), one rejected for stock, one cancelled by a deadline.
Stats three_records(const Catalog& catalog) {
  Stats s(catalog.size());
  s.records = 3;
  s.completed = 1;
  s.rejected = 1;
  s.cancelled = 1;
  s.reasons[static_cast<std::size_t>(Reason::kInsufficientStock)] = 1;
  s.reasons[static_cast<std::size_t>(Reason::kDeadline)] = 1;
  s.revenue = 537;
  s.products[0].sold = 3;
  return s;
}

std::vector<std::int64_t> stock_of(const Catalog& catalog) {
  std::vector<std::int64_t> v;
  for (const Product& p : catalog.products()) v.push_back(p.stock);
  return v;
}

RunFacts stopped_by_deadline() {
  RunFacts f;
  f.stopped = StopCause::kDeadline;
  f.resume = ResumePoint{"in.ndjson", 12, 3, 345};
  f.elapsed_seconds = 2;
  f.workers = 2;
  f.cpu.decode = 0.25;
  return f;
}

TEST(SummaryReport, JsonCountsReasonsStopAndProducts) {
  const Catalog catalog = Catalog::builtin();
  const std::string json = summary_json(three_records(catalog), catalog, stock_of(catalog), stopped_by_deadline());
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  ASSERT_FALSE(d.HasParseError()) << json;
  EXPECT_EQ(d["records"].GetUint64(), 3u);
  EXPECT_EQ(d["completedOrders"].GetUint64(), 1u);
  EXPECT_EQ(d["rejectedOrders"].GetUint64(), 1u);
  EXPECT_EQ(d["cancelledOrders"].GetUint64(), 1u);
  EXPECT_NE(json.find("\"revenue\":5.37,"), std::string::npos) << json;  // money as a plain number
  // Rejections and cancellations are apart, and zero counts are left out.
  EXPECT_EQ(d["rejections"].MemberCount(), 1u);
  EXPECT_EQ(d["rejections"]["insufficient_stock"].GetUint64(), 1u);
  EXPECT_EQ(d["cancellations"].MemberCount(), 1u);
  EXPECT_EQ(d["cancellations"]["deadline"].GetUint64(), 1u);
  EXPECT_EQ(std::string(d["stopped"].GetString()), "deadline");
  EXPECT_FALSE(d.HasMember("error"));  // only when it failed
  EXPECT_EQ(std::string(d["resume"]["file"].GetString()), "in.ndjson");
  EXPECT_EQ(d["resume"]["offset"].GetUint64(), 345u);
  EXPECT_NE(json.find("\"ordersPerSecond\":1.5,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"decode\":0.250"), std::string::npos) << json;
  EXPECT_EQ(d["workers"].GetUint64(), 2u);
  // Every product, sorted by id, with its stock, units sold and revenue.
  const auto& products = d["products"];
  ASSERT_EQ(products.Size(), catalog.size());
  for (rapidjson::SizeType i = 1; i < products.Size(); ++i)
    EXPECT_LT(std::string(products[i - 1]["id"].GetString()), std::string(products[i]["id"].GetString()));
  bool seen_sold = false;
  for (const auto& p : products.GetArray()) {
    if (std::string(p["id"].GetString()) != catalog.product(0).id) continue;
    seen_sold = true;
    EXPECT_EQ(p["sold"].GetInt64(), 3);
    EXPECT_EQ(p["stock"].GetInt64(), catalog.product(0).stock);
  }
  EXPECT_TRUE(seen_sold);
}

TEST(SummaryReport, AFinishedRunHasNullStopAndResumeAndAFailedOneItsError) {
  const Catalog catalog = Catalog::builtin();
  RunFacts done;
  std::string json = summary_json(Stats(catalog.size()), catalog, stock_of(catalog), done);
  EXPECT_NE(json.find("\"stopped\":null,\"resume\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ordersPerSecond\":0.0"), std::string::npos) << json;  // no time: no rate, no NaN

  RunFacts failed;
  failed.stopped = StopCause::kFailed;
  failed.error = "in.ndjson: \"bad\"";
  json = summary_json(Stats(catalog.size()), catalog, stock_of(catalog), failed);
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  ASSERT_FALSE(d.HasParseError()) << json;
  EXPECT_EQ(std::string(d["error"].GetString()), "in.ndjson: \"bad\"");  // escaped, read back whole
}

TEST(SummaryReport, ResumeReadsBackWhatTheSummaryWrote) {
  const Catalog catalog = Catalog::builtin();
  const RunFacts f = stopped_by_deadline();
  Result<std::optional<ResumePoint>> r =
      parse_resume(summary_json(three_records(catalog), catalog, stock_of(catalog), f), "s.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r.value().has_value());
  EXPECT_EQ(r.value()->file, "in.ndjson");
  EXPECT_EQ(r.value()->line, 12u);
  EXPECT_EQ(r.value()->seq, 3u);
  EXPECT_EQ(r.value()->offset, 345u);

  r = parse_resume(summary_json(Stats(catalog.size()), catalog, stock_of(catalog), RunFacts{}), "s.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r.value().has_value());  // finished: nothing to continue
}

TEST(SummaryReport, ResumeRefusesWhatIsNotASummary) {
  for (const char* text : {"", "[]", "{}", "{\"resume\":1}", "{\"resume\":{\"file\":\"a\",\"line\":1,\"seq\":1}}",
                           "{\"resume\":{\"file\":\"a\",\"line\":1,\"seq\":0,\"offset\":0}}",
                           "{\"resume\":{\"file\":2,\"line\":1,\"seq\":1,\"offset\":0}}"}) {
    Result<std::optional<ResumePoint>> r = parse_resume(text, "s.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().message().rfind("s.json: ", 0), 0u) << r.status().message();
  }
}

TEST(SummaryReport, TextNamesCountsReasonsAndWhereToResume) {
  const Catalog catalog = Catalog::builtin();
  EXPECT_EQ(summary_text(three_records(catalog), stopped_by_deadline()),
            "orderflow: 3 records in 2.000 s (2 records/s): 1 completed, 1 rejected, 0 reversed, 1 cancelled; "
            "revenue 5.37\n"
            "  by reason: insufficient_stock 1, deadline 1\n"
            "  stopped: deadline; resume at in.ndjson:12 (seq 3, byte 345)\n");
  EXPECT_EQ(summary_text(Stats(catalog.size()), RunFacts{}),
            "orderflow: 0 records in 0.000 s (0 records/s): 0 completed, 0 rejected, 0 reversed, 0 cancelled; "
            "revenue 0.00\n");
}

TEST(SummaryReport, SnapshotIsOneShortLine) {
  const Catalog catalog = Catalog::builtin();
  const std::string line = snapshot_json(three_records(catalog), 0.5, 4096);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  ASSERT_FALSE(d.HasParseError()) << line;
  EXPECT_TRUE(d["snapshot"].GetBool());
  EXPECT_EQ(d["records"].GetUint64(), 3u);
  EXPECT_EQ(d["bytesRead"].GetUint64(), 4096u);
  EXPECT_NE(line.find("\"ordersPerSecond\":6.0"), std::string::npos) << line;
  EXPECT_FALSE(d.HasMember("products"));  // stays short however large the catalog
}

}  // namespace
}  // namespace orderflow
