// End-to-end tests of `--resume SUMMARY.json` (issue 12, items 1-3): a run
// stopped part-way and continued from its summary's resume point gives
// exactly the results and stock of one uninterrupted run, for NDJSON, CSV
// (whose header is read again), JSON arrays pretty or on one line, a stop
// while the rest of an over-long line is being skipped, and NDJSON with
// baskets over two owners (and their reversals) on both sides of the stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "tests/e2e/child.h"
#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const char kCatalog[] = "ID,ProductName,Stock,Variety,Price\nA,Apple,300,Red,1.25\nB,Banana,200,Yellow,0.40\n";

struct Layout {
  const char* name;
  std::string (*make)(int n);
};

std::string ndjson(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i)
    s += "{\"id\":\"o" + std::to_string(i) + "\",\"productId\":\"" + (i % 3 ? "A" : "B") + "\",\"amount\":" +
         std::to_string(i % 7 + 1) + "}\n";
  return s;
}
std::string csv(int n) {
  std::string s = "amount,productId,id\n";
  for (int i = 1; i <= n; ++i) s += std::to_string(i % 7 + 1) + "," + (i % 3 ? "A" : "B") + ",o" + std::to_string(i) + "\n";
  return s;
}
std::string json_pretty(int n) {
  std::string s = "[\n";
  std::string lines = ndjson(n);
  for (std::size_t at = 0; at < lines.size();) {
    std::size_t nl = lines.find('\n', at);
    s += "  " + lines.substr(at, nl - at) + (nl + 1 < lines.size() ? ",\n" : "\n");
    at = nl + 1;
  }
  return s + "]\n";
}
std::string json_one_line(int n) {
  std::string s = json_pretty(n);
  s.erase(std::remove(s.begin(), s.end(), '\n'), s.end());
  return s;
}
// NDJSON with an over-long line in the middle (--max-record-bytes 200).
std::string with_long_line(int n) {
  std::string s = ndjson(n / 2);
  s += "{\"id\":\"long\",\"productId\":\"A\",\"amount\":1,\"pad\":\"" + std::string(20000, 'x') + "\"}\n";
  std::string rest = ndjson(n);
  return s + rest.substr(ndjson(n / 2).size());
}

// NDJSON with baskets over both products (A and B: two owners of the sharded
// store, so each is decided by a vote), some short of stock, and reversals
// of baskets three records back; none within 60 records of the middle, where
// the test stops the run (the order index does not carry over a resume:
// docs/stopping.md).
std::string with_baskets(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    const bool quiet = std::abs(i - n / 2) < 60;
    if (i % 5 == 0) {
      s += "{\"id\":\"o" + std::to_string(i) + "\",\"items\":[{\"productId\":\"A\",\"amount\":" +
           std::to_string(i % 3 + 1) + "},{\"productId\":\"B\",\"amount\":" + std::to_string(i % 4 + 1) +
           "},{\"productId\":\"A\",\"amount\":1}]}\n";
    } else if (i % 5 == 3 && i > 5 && !quiet) {
      s += "{\"id\":\"o" + std::to_string(i - 3) + "\",\"op\":\"reverse\"}\n";
    } else {
      s += "{\"id\":\"o" + std::to_string(i) + "\",\"productId\":\"" + (i % 3 ? "A" : "B") + "\",\"amount\":" +
           std::to_string(i % 7 + 1) + "}\n";
    }
  }
  return s;
}

class Resume : public ::testing::TestWithParam<Layout> {};

// Feeds the input through a pipe up to `cut` bytes (inside a record), stops
// the run there with SIGINT, then continues it from its summary.
TEST_P(Resume, AStoppedRunContinuedFromItsSummaryIsOneUninterruptedRun) {
  const Layout& layout = GetParam();
  TempDir dir;
  write_file(dir.file("cat.csv"), kCatalog);
  const int n = 3000;
  const std::string input = layout.make(n);
  const std::vector<std::string> common = {"-c", dir.file("cat.csv"), "-q", "--max-record-bytes", "200"};
  auto with = [&](std::vector<std::string> a) {
    a.insert(a.end(), common.begin(), common.end());
    return a;
  };
  RunResult full = run_with_input(with({"process", "--stock-out", dir.file("full.csv")}), input);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(lines(full.out).size(), static_cast<std::size_t>(n) + (layout.make == with_long_line ? 1 : 0));
  if (layout.make == with_baskets) {  // the input does what it is meant to
    for (const char* want : {"\"items\":[", "\"status\":\"Reversed\"", "\"reason\":\"insufficient_stock\",\"item\":"})
      EXPECT_NE(full.out.find(want), std::string::npos) << want;
  }

  // Stop in the middle of the input (for the long line: in the middle of it).
  std::size_t cut = input.size() / 2;
  if (layout.make == with_long_line) cut = input.find("xxxxx") + 10000;
  Child c({with({"process", "-o", dir.file("p1.ndjson"), "--summary", dir.file("s1.json"), "--stock-out",
                 dir.file("st1.csv")})});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(input.substr(0, cut));
  // Every record wholly before the cut (but the last, which may wait for
  // what follows it) is accepted and written before the stop.
  const std::string prefix = input.substr(0, cut);
  std::size_t complete = 0;
  if (layout.make == json_one_line || layout.make == json_pretty) complete = static_cast<std::size_t>(std::count(prefix.begin(), prefix.end(), '}'));
  else complete = static_cast<std::size_t>(std::count(prefix.begin(), prefix.end(), '\n')) - (layout.make == csv ? 1 : 0);
  ASSERT_TRUE(wait_for_lines(dir.file("p1.ndjson"), complete - 1));
  c.signal(SIGINT);
  ASSERT_EQ(c.finish(), 130) << c.err();
  JsonLine s1(read_file(dir.file("s1.json")));
  ASSERT_TRUE(s1.doc()["resume"].IsObject()) << s1.text();
  const std::uint64_t offset = s1.doc()["resume"]["offset"].GetUint64();
  EXPECT_LE(offset, cut);
  if (layout.make == with_long_line) {
    EXPECT_EQ(offset, input.find("{\"id\":\"long\"")) << "resume at the over-long line";
  }

  RunResult part2 = run_with_input({"process", "-c", dir.file("st1.csv"), "-q", "--max-record-bytes", "200",
                                    "--resume", dir.file("s1.json"), "--stock-out", dir.file("st2.csv")},
                                   input);
  ASSERT_EQ(part2.exit_code, 0) << part2.err;
  EXPECT_TRUE(testing::same_text(read_file(dir.file("p1.ndjson")) + part2.out, full.out)) << "the two parts differ from one run";
  EXPECT_TRUE(testing::same_text(read_file(dir.file("st2.csv")), read_file(dir.file("full.csv"))));
}

INSTANTIATE_TEST_SUITE_P(Layouts, Resume,
                         ::testing::Values(Layout{"ndjson", ndjson}, Layout{"csv", csv}, Layout{"json_pretty", json_pretty},
                                           Layout{"json_one_line", json_one_line},
                                           Layout{"over_long_line", with_long_line}, Layout{"baskets", with_baskets}),
                         [](const ::testing::TestParamInfo<Layout>& i) { return std::string(i.param.name); });

// --resume refuses what it cannot continue exactly.
TEST(Resume, ASummaryThatDoesNotFitTheInputsIsRefused) {
  TempDir dir;
  write_file(dir.file("a.ndjson"), ndjson(10));
  write_file(dir.file("done.json"), "{\"stopped\":null,\"resume\":null}");
  RunResult done = run_in(dir, {"process", "a.ndjson", "--resume", "done.json"});
  EXPECT_EQ(done.exit_code, 2) << done.err;
  EXPECT_NE(done.err.find("nothing to continue"), std::string::npos) << done.err;
  write_file(dir.file("other.json"), "{\"resume\":{\"file\":\"b.ndjson\",\"line\":3,\"seq\":3,\"offset\":90}}");
  EXPECT_EQ(run_in(dir, {"process", "a.ndjson", "--resume", "other.json"}).exit_code, 2);
  // An offset inside a record: not the input the summary came from.
  write_file(dir.file("inside.json"), "{\"resume\":{\"file\":\"a.ndjson\",\"line\":2,\"seq\":2,\"offset\":50}}");
  RunResult inside = run_in(dir, {"process", "a.ndjson", "--resume", "inside.json", "-o", "none"});
  EXPECT_EQ(inside.exit_code, 1) << inside.err;
  EXPECT_NE(inside.err.find("not the input the resume point came from"), std::string::npos) << inside.err;
}

}  // namespace
}  // namespace orderflow::testing
