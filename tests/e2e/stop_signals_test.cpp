// End-to-end tests of SPEC.md "Stopping" and "Exit status" for the moments the
// first campaign missed (issue 12, items 9-11, 13): the first stop cause wins,
// signals in every phase of a run (catalog load, summary and --stock-out
// writing), waits that only the run's context may end (FIFOs without a peer,
// a results reader that stops reading), generate's signals, the progress line.
// Real signals to the real binary; waits only guard against hangs.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>

#include "tests/e2e/child.h"
#include "tests/e2e/json_line.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

constexpr auto kSummaryGuard = 20s;  // a run that should end at its deadline

bool wait_for_file(const std::string& path, std::chrono::seconds guard) {
  const auto until = std::chrono::steady_clock::now() + guard;
  while (!file_exists(path) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  return file_exists(path);
}

// A catalog of `n` products P000001..., each with plenty of stock.
std::string big_catalog(std::size_t n) {
  std::string csv = "ID,ProductName,Stock,Variety,Price\n";
  char row[64];
  for (std::size_t i = 1; i <= n; ++i) {
    std::snprintf(row, sizeof row, "P%06zu,Product,1000,V,1.00\n", i);
    csv += row;
  }
  return csv;
}

// Sends `sig` every millisecond until stopped (the run's every phase gets some).
class SignalStorm {
 public:
  SignalStorm(pid_t pid, int sig) : thread_([this, pid, sig] {
      while (!stop_.load()) {
        ::kill(pid, sig);
        std::this_thread::sleep_for(1ms);
      }
    }) {}
  ~SignalStorm() { halt(); }
  void halt() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Item 9: the deadline passed, then a SIGINT came while results still drained
// to a stalled reader: exit 130 and "interrupted" (the first cause was the deadline).
TEST(FirstCause, ADeadlineThenASigintIsADeadline) {
  TempDir dir;
  Stream s = make_stream(dir, 100000, 21);
  write_file(dir.file("in.ndjson"), s.bytes);
  const std::string summary = dir.file("s.json");
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog, "-q", "--timeout", "300ms", "--summary", summary}});
  std::this_thread::sleep_for(700ms);  // past the deadline (a clock, not a speed)
  c.signal(SIGINT);
  ASSERT_TRUE(wait_for_file(summary, kSummaryGuard)) << "the stalled reader kept the run from ending";
  c.close_stdout();
  EXPECT_EQ(c.finish(), 124) << c.err();
  EXPECT_EQ(JsonLine(read_file(summary)).str("stopped"), "deadline");
}

// Item 11: a results reader that stays alive but stops reading blocked the
// writer for ever after the deadline, and no summary was written.
TEST(NoBlocking, AStalledResultsReaderEndsAtTheDeadlineWithTheSummaryWritten) {
  TempDir dir;
  Stream s = make_stream(dir, 100000, 22);
  write_file(dir.file("in.ndjson"), s.bytes);
  const std::string summary = dir.file("s.json");
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog, "-q", "--timeout", "200ms", "--summary", summary}});
  ASSERT_TRUE(wait_for_file(summary, kSummaryGuard)) << "the stalled reader kept the run from ending";
  c.close_stdout();
  EXPECT_EQ(c.finish(), 124) << c.err();
  EXPECT_NE(c.err().find("results were cut short"), std::string::npos) << c.err();
  JsonLine sum(read_file(summary));
  EXPECT_EQ(sum.str("stopped"), "deadline");
}

// Item 11: a FIFO input without a writer (also as the second input), and
// -o / --summary naming a FIFO without a reader, blocked in open() before the
// deadline existed: --timeout never fired.
TEST(NoBlocking, FifosWithoutAPeerWaitOnlyUntilTheDeadline) {
  TempDir dir;
  const std::string in_fifo = dir.file("in.fifo"), out_fifo = dir.file("out.fifo");
  ASSERT_EQ(::mkfifo(in_fifo.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(out_fifo.c_str(), 0600), 0);
  write_file(dir.file("a.ndjson"), "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  RunOptions guard;
  guard.timeout_seconds = 20;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"process", in_fifo},
        std::vector<std::string>{"process", dir.file("a.ndjson"), in_fifo},
        std::vector<std::string>{"process", dir.file("a.ndjson"), "-o", out_fifo}}) {
    std::vector<std::string> a = args;
    for (const char* extra : {"-q", "--timeout", "300ms", "--summary", "s.json"}) a.push_back(extra);
    guard.cwd = dir.path();
    RunResult r = run(a, guard);
    EXPECT_FALSE(r.timed_out) << a[2];
    EXPECT_EQ(r.exit_code, 124) << a[2] << ": " << r.err;
    JsonLine sum(read_file(dir.file("s.json")));
    EXPECT_EQ(sum.str("stopped"), "deadline") << a[2];
    ::unlink(dir.file("s.json").c_str());
  }
  RunResult r = run({"process", dir.file("a.ndjson"), "-q", "-o", "none", "--summary", out_fifo, "--timeout", "300ms"},
                    guard);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the summary could not be written
  EXPECT_NE(r.err.find("a FIFO without a reader"), std::string::npos) << r.err;
  // A SIGINT ends such a wait too.
  Child c({{"process", in_fifo, "-q", "--summary", dir.file("i.json")}, false, true});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  std::this_thread::sleep_for(100ms);
  c.signal(SIGINT);
  EXPECT_EQ(c.finish(), 130) << c.err();
  EXPECT_FALSE(c.timed_out);
  EXPECT_EQ(JsonLine(read_file(dir.file("i.json"))).str("stopped"), "interrupted");
}

// Items 9 and 11: a SIGINT while the summary or a large --stock-out is written
// killed the process (its summary said "stopped":null, the stock was replaced);
// SIGUSR1 while a large catalog loaded killed it. Signals at every moment of
// a run: it always exits by itself, with a code that agrees with its summary.
TEST(SignalsInEveryPhase, AStormOfSigintsNeverKillsAndTheExitCodeAgreesWithTheSummary) {
  TempDir dir;
  const std::size_t products = kSanitized ? 20000 : 200000;
  write_file(dir.file("cat.csv"), big_catalog(products));
  write_file(dir.file("in.ndjson"), "{\"productId\":\"P000001\",\"amount\":1}\n");
  for (int round = 0; round < 3; ++round) {
    Child c({{"process", dir.file("in.ndjson"), "-q", "-o", "none", "-c", dir.file("cat.csv"), "--stock-out",
              dir.file("cat.csv"), "--summary", dir.file("s.json")},
             false, false});
    ASSERT_TRUE(c.wait_until_signals_blocked());
    SignalStorm storm(c.pid(), SIGINT);
    int code = c.finish();
    storm.halt();
    EXPECT_EQ(c.term_signal, 0) << "killed by a signal in round " << round;
    ASSERT_TRUE(file_exists(dir.file("s.json")));
    JsonLine sum(read_file(dir.file("s.json")));
    EXPECT_EQ(sum.str("stopped"), "interrupted") << sum.text();
    EXPECT_EQ(code, 130) << c.err();
    // The stock file is whole: every product, once.
    EXPECT_EQ(lines(read_file(dir.file("cat.csv"))).size(), products + 1);
    ::unlink(dir.file("s.json").c_str());
  }
}

TEST(SignalsInEveryPhase, SigusrOneWhileTheCatalogLoadsPrintsASnapshotAndGoesOn) {
  TempDir dir;
  const std::size_t products = kSanitized ? 20000 : 200000;
  write_file(dir.file("cat.csv"), big_catalog(products));
  Child c({{"process", "-q", "-o", "none", "-c", dir.file("cat.csv")}, false, false});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  SignalStorm storm(c.pid(), SIGUSR1);
  int code = c.finish();
  storm.halt();
  EXPECT_EQ(c.term_signal, 0);
  EXPECT_EQ(code, 0) << c.err();
  EXPECT_NE(c.err().find("{\"snapshot\":true"), std::string::npos);
}

// Item 10: generate stopped by SIGINT exited as if complete, and the README's
// `kill -USR1 $(pidof orderflow)` killed it in a `generate | process` pipe.
TEST(GenerateSignals, SigintAndSigtermExit130And143AndSigusrOneIsHarmless) {
  for (auto [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    Child c({{"generate", "-n", "100000000"}, false, true});
    EXPECT_FALSE(c.read_out_line().empty());
    c.signal(sig);
    EXPECT_EQ(c.finish(), code);
    EXPECT_EQ(c.term_signal, 0) << "killed by the signal instead of exiting " << code;
  }
  Child c({{"generate", "-n", "200000"}, false, true});
  EXPECT_FALSE(c.read_out_line().empty());
  for (int i = 0; i < 5; ++i) c.signal(SIGUSR1);
  EXPECT_EQ(c.finish(), 0) << c.err();
  EXPECT_EQ(c.term_signal, 0);
  EXPECT_EQ(lines(c.out()).size(), 200000u - 1u);  // the first line was read above
}

// Item 13: the rate was the run's average, so it kept showing thousands of
// records/s while input idled; the line also shows the elapsed time.
TEST(ProgressLine, TheRateIsRecentAndTheElapsedTimeIsShown) {
  TempDir dir;
  Stream s = make_stream(dir, 2000, 23);
  Child c({{"process", "-c", s.catalog, "--progress", "-q", "-o", dir.file("r.ndjson")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, 2000));
  ASSERT_TRUE(wait_for_lines(dir.file("r.ndjson"), 2000));
  std::this_thread::sleep_for(3500ms);  // longer than the rate's window: nothing arrived in it
  c.signal(SIGUSR1);                    // marks the moment in stderr
  std::this_thread::sleep_for(300ms);
  c.close_stdin();
  EXPECT_EQ(c.finish(), 0) << c.err();
  const std::string& err = c.err();
  std::size_t mark = err.find("{\"snapshot\"");
  ASSERT_NE(mark, std::string::npos) << err;
  std::size_t line = err.rfind("\rorderflow: ", mark);
  ASSERT_NE(line, std::string::npos) << err;
  std::string text = err.substr(line + 1, err.find("\033[K", line) - line - 1);
  EXPECT_NE(text.find("2000 records, 0 records/s, "), std::string::npos) << text;
  EXPECT_NE(text.find_first_of("0123456789", text.find("records/s, ")), std::string::npos) << text;
  EXPECT_EQ(text.back(), 's') << text;  // "..., 3.9s"
}

// With the input's size known, the line shows the share read and an ETA.
TEST(ProgressLine, AnEtaWhenTheInputSizeIsKnown) {
  TempDir dir;
  Stream s = make_stream(dir, kSanitized ? 50000 : 200000, 24);
  write_file(dir.file("in.ndjson"), s.bytes);
  // Results go to a pipe read late: the run is held part-way, with progress ticking.
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog, "--progress", "-q", "--buffer", "1"}});
  // Take the results a little at a time, so the run goes on part-way until a line with an ETA shows.
  bool seen = false;
  for (const auto until = std::chrono::steady_clock::now() + kHangGuard; !seen && std::chrono::steady_clock::now() < until;) {
    for (int i = 0; i < 200; ++i) c.read_out_line();
    seen = c.wait_for_err("% read, ETA ", 20ms);
  }
  EXPECT_TRUE(seen) << c.err();
  EXPECT_EQ(c.finish(), 0) << c.err();
}

}  // namespace
}  // namespace orderflow::testing
