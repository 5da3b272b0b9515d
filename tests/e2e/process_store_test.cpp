// End-to-end: `orderflow process --store X` for every store, on a generated
// stream with a hot product that runs out, reversals and malformed records,
// with several workers. Every record gets exactly one result, the summary's
// counts add up and match the results, no stock is below zero, and every store
// but check-then-act conserves stock (units sold + stock left = initial).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

constexpr int kRecords = 12'000;
constexpr long long kStock = 2'000;

std::string store_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

class ProcessStore : public ::testing::TestWithParam<std::string> {};

TEST_P(ProcessStore, EveryRecordOneResultAndStockAddsUp) {
  const std::string store = GetParam();
  TempDir dir;
  RunOptions in_dir;
  in_dir.cwd = dir.path();
  RunResult gen = run({"generate", "-n", std::to_string(kRecords), "--products", "4", "--stock",
                       std::to_string(kStock), "--catalog-out", "cat.csv", "--dist", "hot:0.8", "--reversals", "0.1",
                       "--invalid", "0.01", "--seed", "11"},
                      in_dir);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  write_file(dir.file("orders.ndjson"), gen.out);

  RunResult r = run({"process", "orders.ndjson", "-c", "cat.csv", "--store", store, "--workers", "4", "--batch",
                     "64", "--summary", "summary.json", "-q"},
                    in_dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Every record exactly one result, in seq order.
  const std::vector<std::string> results = lines(r.out);
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kRecords));
  std::map<std::string, long long> status_count;
  std::map<std::string, long long> net_units;  // completed minus reversed, by product id
  for (std::size_t i = 0; i < results.size(); ++i) {
    JsonLine j(results[i]);
    ASSERT_TRUE(j.ok()) << results[i];
    ASSERT_EQ(j.num("seq"), std::to_string(i + 1)) << results[i];
    const std::string status = j.str("status");
    ++status_count[status];
    if (status == "Completed") net_units[j.str("productId")] += std::stoll(j.num("amount"));
    if (status == "Reversed") net_units[j.str("productId")] -= std::stoll(j.num("amount"));
  }
  EXPECT_GT(status_count["Completed"], 0);
  EXPECT_GT(status_count["Reversed"], 0);
  EXPECT_GT(status_count["Rejected"], 0);
  for (const auto& [status, n] : status_count)  // nothing but Completed, Rejected, Reversed
    EXPECT_TRUE(status == "Completed" || status == "Rejected" || status == "Reversed") << status << " " << n;

  // The summary agrees with the results, and its counts add up.
  JsonLine s(read_file(dir.file("summary.json")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.str("store"), store);
  EXPECT_EQ(s.num("records"), std::to_string(kRecords));
  const long long completed = std::stoll(s.num("completedOrders")), rejected = std::stoll(s.num("rejectedOrders")),
                  reversed = std::stoll(s.num("reversedOrders")), cancelled = std::stoll(s.num("cancelledOrders"));
  EXPECT_EQ(completed + rejected + reversed + cancelled, kRecords);
  EXPECT_EQ(completed, status_count["Completed"]);
  EXPECT_EQ(rejected, status_count["Rejected"]);
  EXPECT_EQ(reversed, status_count["Reversed"]);

  // Stock: never below zero; conserved by every store but check-then-act.
  const rapidjson::Value& products = s.doc()["products"];
  ASSERT_TRUE(products.IsArray());
  ASSERT_EQ(products.Size(), 4u);
  for (const rapidjson::Value& p : products.GetArray()) {
    const std::string id = p["id"].GetString();
    const long long stock = p["stock"].GetInt64(), sold = p["sold"].GetInt64();
    SCOPED_TRACE(id);
    EXPECT_GE(stock, 0);
    EXPECT_EQ(sold, net_units[id]);  // the summary counts what the results say
    if (store != "check-then-act") {
      EXPECT_EQ(sold + stock, kStock);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, ProcessStore,
                         ::testing::Values("sharded", "mutex", "striped", "atomic", "check-then-act"), store_name);

}  // namespace
}  // namespace orderflow::testing
