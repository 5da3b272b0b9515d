// The randomized stop drill (issue 12): a real run stopped at random moments
// by SIGINT, two SIGINTs, SIGTERM, SIGINT then SIGTERM, or --timeout, with
// the sharded and the mutex stores, ordered and --unordered. Every time:
//   - the exit code and the summary's "stopped" agree;
//   - the Cancelled records are a contiguous tail (every record before the
//     first Cancelled one was applied);
//   - `resume` is the first record not applied, with its line and byte offset;
//   - `--resume SUMMARY.json` with the first part's --stock-out as catalog
//     continues exactly: (sharded) part 1 without its Cancelled lines, then
//     part 2, is one uninterrupted run byte for byte (sorted by seq when
//     --unordered), with the same final stock; (mutex) every record gets
//     exactly one result across the two parts.
// The moments are random (a fixed seed, printed, so a failure can be replayed);
// the waits only choose moments and guard against hangs: nothing asserts speed.
// The stream has no reversals: a rerun starts a new order index, so a reverse
// in part 2 of an order placed in part 1 is unknown_order there (the ledger,
// --ledger, carries orders across runs).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/e2e/child.h"
#include "tests/e2e/json_line.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

enum class Stop { kSigint, kTwoSigints, kSigterm, kSigintThenSigterm, kTimeout };
const char* name(Stop s) {
  switch (s) {
    case Stop::kSigint: return "SIGINT";
    case Stop::kTwoSigints: return "two SIGINTs";
    case Stop::kSigterm: return "SIGTERM";
    case Stop::kSigintThenSigterm: return "SIGINT then SIGTERM";
    case Stop::kTimeout: return "--timeout";
  }
  return "?";
}

struct Drill {
  TempDir dir;
  std::string input, catalog;
  std::vector<std::size_t> line_offset;  // of line i+1 (one record per line)
  std::string full;                      // results of one uninterrupted run (sharded)
  std::string full_stock;
  double full_ms = 0;
};

std::uint64_t seq_of(const std::string& line) {
  return std::stoull(line.substr(7, line.find(',') - 7));  // {"seq":N,...
}

std::string sorted_by_seq(const std::string& text) {
  std::vector<std::string> ls = lines(text);
  std::sort(ls.begin(), ls.end(), [](const std::string& a, const std::string& b) { return seq_of(a) < seq_of(b); });
  std::string out;
  for (const std::string& l : ls) out += l + "\n";
  return out;
}

TEST(StopDrill, RandomStopsCancelAContiguousTailAndResumeExactly) {
  const std::size_t n = kSanitized ? 20000 : 200000;
  const int rounds = kSanitized ? 10 : 32;  // each round is two runs; a sanitized run starts slowly
  Drill d;
  d.input = d.dir.file("in.ndjson");
  d.catalog = d.dir.file("cat.csv");
  RunResult g = run({"generate", "-n", std::to_string(n), "--products", "16", "--stock", std::to_string(n / 4),
                     "--catalog-out", d.catalog, "--invalid", "0.01", "--seed", "7"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  write_file(d.input, g.out);
  for (std::size_t at = 0, i = 0; i < n; ++i) {
    d.line_offset.push_back(at);
    at = g.out.find('\n', at) + 1;
  }
  RunResult full = run({"process", d.input, "-c", d.catalog, "-q", "--stock-out", d.dir.file("full-stock.csv"),
                        "--summary", d.dir.file("full.json")});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  d.full = full.out;
  d.full_stock = read_file(d.dir.file("full-stock.csv"));
  d.full_ms = 1000 * std::stod(JsonLine(read_file(d.dir.file("full.json"))).num("elapsedSeconds"));

  const unsigned seed = 20261201;
  std::mt19937 rng(seed);
  int stopped_runs = 0, cancelled_runs = 0;
  for (int round = 0; round < rounds; ++round) {
    const Stop stop = static_cast<Stop>(round % 5);
    const bool sharded = round % 2 == 0;
    const bool unordered = round % 3 == 1;
    // A moment in the run (input is read ahead of the work: a graceful close
    // late in the run comes after the last record was read).
    const int at_ms = std::uniform_int_distribution<int>(0, static_cast<int>(d.full_ms * 0.8) + 2)(rng);
    const int gap_ms = std::uniform_int_distribution<int>(0, 20)(rng);
    SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " round " + std::to_string(round) + ": " + name(stop) +
                 " at " + std::to_string(at_ms) + " ms (+" + std::to_string(gap_ms) + "), " +
                 (sharded ? "sharded" : "mutex") + (unordered ? ", --unordered" : ""));
    const std::string p1 = d.dir.file("p1.ndjson"), s1 = d.dir.file("s1.json"), st1 = d.dir.file("st1.csv");
    std::vector<std::string> args = {"process", d.input, "-c", d.catalog, "-q", "-o", p1, "--summary", s1,
                                     "--stock-out", st1, "--store", sharded ? "sharded" : "mutex", "--batch", "512"};
    if (unordered) args.push_back("--unordered");
    if (stop == Stop::kTimeout) {
      args.push_back("--timeout");
      args.push_back(std::to_string(at_ms + 1) + "ms");
    }
    Child c({args, false, false});
    ASSERT_TRUE(c.wait_until_signals_blocked());
    if (stop != Stop::kTimeout) {
      std::this_thread::sleep_for(std::chrono::milliseconds(at_ms));
      c.signal(stop == Stop::kSigterm ? SIGTERM : SIGINT);
      if (stop == Stop::kTwoSigints || stop == Stop::kSigintThenSigterm) {
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
        c.signal(stop == Stop::kTwoSigints ? SIGINT : SIGTERM);
      }
    }
    const int code = c.finish();
    ASSERT_FALSE(c.timed_out);
    ASSERT_EQ(c.term_signal, 0);
    JsonLine sum(read_file(s1));
    ASSERT_TRUE(sum.ok()) << sum.text();
    const std::string expect_stop = stop == Stop::kTimeout ? "deadline" : stop == Stop::kSigterm ? "terminated" : "interrupted";
    const int expect_code = stop == Stop::kTimeout ? 124 : stop == Stop::kSigterm ? 143 : 130;
    if (sum.is_null("stopped")) {
      EXPECT_EQ(code, 0) << c.err();  // the run was done before the stop came
    } else {
      EXPECT_EQ(sum.str("stopped"), expect_stop);
      EXPECT_EQ(code, expect_code) << c.err();
    }

    // The Cancelled records are a contiguous tail; resume is the first record not applied.
    std::string part1 = read_file(p1);
    std::string ordered1 = unordered ? sorted_by_seq(part1) : part1;
    std::vector<std::string> ls = lines(ordered1);
    ASSERT_EQ(ls.size(), sum.doc()["records"].GetUint64());
    std::uint64_t first_cancelled = 0;
    std::string applied;
    for (std::size_t i = 0; i < ls.size(); ++i) {
      ASSERT_EQ(seq_of(ls[i]), i + 1);
      const bool cancelled = ls[i].find("\"status\":\"Cancelled\"") != std::string::npos;
      if (cancelled && first_cancelled == 0) first_cancelled = i + 1;
      ASSERT_TRUE(cancelled || first_cancelled == 0) << "seq " << i + 1 << " applied after Cancelled seq " << first_cancelled;
      if (!cancelled) applied += ls[i] + "\n";
    }
    const std::uint64_t next = first_cancelled ? first_cancelled : ls.size() + 1;
    if (next > n) {
      EXPECT_TRUE(sum.is_null("resume")) << sum.text();
      continue;
    }
    ++stopped_runs;
    if (first_cancelled) ++cancelled_runs;
    ASSERT_TRUE(sum.doc()["resume"].IsObject()) << sum.text();
    const auto& r = sum.doc()["resume"];
    EXPECT_EQ(r["seq"].GetUint64(), next);
    EXPECT_EQ(r["line"].GetUint64(), next);
    EXPECT_EQ(r["offset"].GetUint64(), d.line_offset[next - 1]);

    // Part 2 continues exactly.
    std::vector<std::string> args2 = {"process", d.input, "-c", st1, "-q", "--resume", s1, "--store",
                                      sharded ? "sharded" : "mutex", "--stock-out", d.dir.file("st2.csv")};
    if (unordered) args2.push_back("--unordered");
    RunResult part2 = run(args2);
    ASSERT_EQ(part2.exit_code, 0) << part2.err;
    std::string ordered2 = unordered ? sorted_by_seq(part2.out) : part2.out;
    if (sharded) {
      EXPECT_TRUE(applied + ordered2 == d.full) << "the two parts differ from one uninterrupted run";
      EXPECT_TRUE(testing::same_text(read_file(d.dir.file("st2.csv")), d.full_stock));
    } else {
      std::vector<std::string> rest = lines(ordered2);
      ASSERT_EQ(next - 1 + rest.size(), n);
      for (std::size_t i = 0; i < rest.size(); ++i) ASSERT_EQ(seq_of(rest[i]), next + i);
    }
  }
  // The moments are spread over the run: most rounds stopped it part-way.
  std::printf("stop drill: %d of %d rounds stopped part-way, %d with a Cancelled tail\n", stopped_runs, rounds,
              cancelled_runs);
}

// Item 1: --timeout gave a block of Cancelled records, but `resume` pointed
// past them, so the README's recipe dropped them for good. A pipeline held up
// by a results reader that stops reading (results that are large: a long
// unknown productId is echoed) keeps batches that were read but not yet handed
// to the appliers: at the deadline they are the Cancelled tail, and `resume`
// is its first record.
TEST(StopCut, AtTheDeadlineTheBatchesNotHandedOnAreTheCancelledTailAndResumeIsItsStart) {
  TempDir dir;
  std::string input;
  const std::string fat = "{\"productId\":\"" + std::string(1500, 'P') + "\",\"amount\":1}\n";
  for (int i = 0; i < 20000; ++i) input += fat;
  write_file(dir.file("fat.ndjson"), input);
  const std::string summary = dir.file("s.json");
  Child c({{"process", dir.file("fat.ndjson"), "-q", "--workers", "1", "--buffer", "2", "--batch", "256", "--timeout",
            "300ms", "--summary", summary}});  // stdout: a pipe read only at the end
  const auto until = std::chrono::steady_clock::now() + kHangGuard;
  while (!file_exists(summary) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(file_exists(summary));
  c.close_stdout();
  EXPECT_EQ(c.finish(), 124) << c.err();
  JsonLine sum(read_file(summary));
  EXPECT_EQ(sum.str("stopped"), "deadline");
  const std::uint64_t records = sum.doc()["records"].GetUint64(), cancelled = sum.doc()["cancelledOrders"].GetUint64();
  EXPECT_GT(cancelled, 0u) << sum.text();
  EXPECT_EQ(sum.doc()["cancellations"]["deadline"].GetUint64(), cancelled);
  ASSERT_TRUE(sum.doc()["resume"].IsObject()) << sum.text();
  const std::uint64_t first_cancelled = records - cancelled + 1;
  EXPECT_EQ(sum.doc()["resume"]["seq"].GetUint64(), first_cancelled);
  EXPECT_EQ(sum.doc()["resume"]["line"].GetUint64(), first_cancelled);
  EXPECT_EQ(sum.doc()["resume"]["offset"].GetUint64(), (first_cancelled - 1) * fat.size());
}

}  // namespace
}  // namespace orderflow::testing
