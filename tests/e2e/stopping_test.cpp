// End-to-end tests of SPEC.md "Stopping: signals and timeouts", with real
// signals sent to the real binary: graceful close, hard stop, SIGTERM,
// --timeout on input that never ends, SIGUSR1 snapshots, a closed stdout, and
// resuming a stopped run so that the two halves equal one uninterrupted run.
//
// Waits here only guard against hangs (generous bounds); nothing asserts speed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/child.h"
#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

// The summary's accounting, and that the results file has exactly `records` whole lines.
void expect_accounting(const JsonLine& sum, const std::string& results) {
  ASSERT_TRUE(sum.ok()) << sum.text();
  const auto& d = sum.doc();
  std::uint64_t records = d["records"].GetUint64();
  EXPECT_EQ(records, d["completedOrders"].GetUint64() + d["rejectedOrders"].GetUint64() +
                         d["reversedOrders"].GetUint64() + d["cancelledOrders"].GetUint64());
  EXPECT_TRUE(results.empty() || results.back() == '\n') << "a partial last line";
  std::vector<std::string> ls = lines(results);
  EXPECT_EQ(ls.size(), records);
  for (std::size_t i = 0; i < ls.size(); ++i) {
    JsonLine l(ls[i]);
    ASSERT_TRUE(l.ok()) << "line " << i + 1 << ": " << ls[i];
    EXPECT_EQ(l.num("seq"), std::to_string(i + 1)) << ls[i];
  }
}

class GracefulClose : public ::testing::TestWithParam<std::size_t> {};

// Feed part of a stream through a pipe that then stays open (as `sleep 1000 |`
// would), send SIGINT: the run applies everything accepted, says where to
// resume, and a second run from there completes the picture exactly.
TEST_P(GracefulClose, SigintStopsIntakeAndTheResumedRunCompletesThePicture) {
  const std::size_t cut = GetParam();
  TempDir dir;
  Stream s = make_stream(dir, 40000, 11);

  // One uninterrupted run, through stdin as well, for reference.
  RunResult full = run_with_input({"process", "-c", s.catalog, "-q", "--stock-out", dir.file("full-stock.csv")}, s.bytes);
  ASSERT_EQ(full.exit_code, 0) << full.err;

  Child c({{"process", "-c", s.catalog, "-q", "-o", dir.file("part1.ndjson"), "--summary", dir.file("s1.json"),
            "--stock-out", dir.file("stock1.csv")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, cut));
  ASSERT_TRUE(wait_for_lines(dir.file("part1.ndjson"), cut)) << "the accepted records were never written";
  c.signal(SIGINT);
  EXPECT_EQ(c.finish(), 130) << c.err();
  EXPECT_FALSE(c.timed_out);

  JsonLine sum(read_file(dir.file("s1.json")));
  std::string part1 = read_file(dir.file("part1.ndjson"));
  expect_accounting(sum, part1);
  EXPECT_EQ(sum.str("stopped"), "interrupted");
  EXPECT_EQ(sum.doc()["records"].GetUint64(), cut);
  EXPECT_EQ(sum.doc()["cancelledOrders"].GetUint64(), 0u) << "a graceful close applies everything accepted";
  ASSERT_TRUE(sum.doc()["resume"].IsObject()) << sum.text();
  const auto& resume = sum.doc()["resume"];
  EXPECT_EQ(std::string(resume["file"].GetString()), "-");
  EXPECT_EQ(resume["line"].GetUint64(), cut + 1);
  EXPECT_EQ(resume["seq"].GetUint64(), cut + 1);

  EXPECT_EQ(resume["offset"].GetUint64(), first_lines(s, cut).size());
  RunResult rest = run_with_input({"process", "--resume", dir.file("s1.json"), "-c", dir.file("stock1.csv"), "-q",
                                   "--stock-out", dir.file("stock2.csv")},
                                  s.bytes);
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_TRUE(testing::same_text(part1 + rest.out, full.out)) << "the two halves differ from one uninterrupted run";
  EXPECT_TRUE(testing::same_text(read_file(dir.file("stock2.csv")), read_file(dir.file("full-stock.csv"))));
}

INSTANTIATE_TEST_SUITE_P(Cuts, GracefulClose, ::testing::Values(1, 1500, 22222));

TEST(Stopping, SigtermIsAGracefulCloseWithExit143) {
  TempDir dir;
  Stream s = make_stream(dir, 3000, 5);
  Child c({{"process", "-c", s.catalog, "-q", "-o", dir.file("r.ndjson"), "--summary", dir.file("s.json")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, 1000));
  ASSERT_TRUE(wait_for_lines(dir.file("r.ndjson"), 1000));
  c.signal(SIGTERM);
  EXPECT_EQ(c.finish(), 143) << c.err();
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, read_file(dir.file("r.ndjson")));
  EXPECT_EQ(sum.str("stopped"), "terminated");
  EXPECT_EQ(sum.doc()["records"].GetUint64(), 1000u);
}

TEST(Stopping, ManyCloseRequestsCloseOnce) {
  // Two SIGTERMs with nothing left to apply: the second is a hard stop with
  // nothing to cancel; the run still ends cleanly with every record counted.
  TempDir dir;
  Stream s = make_stream(dir, 500, 6);
  Child c({{"process", "-c", s.catalog, "-q", "-o", dir.file("r.ndjson"), "--summary", dir.file("s.json")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, 500));
  ASSERT_TRUE(wait_for_lines(dir.file("r.ndjson"), 500));
  c.signal(SIGTERM);
  // Signals pending together are delivered lowest number first, whatever the
  // order they were sent in; give the first one time to arrive on its own.
  std::this_thread::sleep_for(100ms);
  c.signal(SIGTERM);
  c.signal(SIGINT);
  EXPECT_EQ(c.finish(), 143) << c.err();
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, read_file(dir.file("r.ndjson")));
  EXPECT_EQ(sum.doc()["records"].GetUint64(), 500u);
  EXPECT_EQ(sum.str("stopped"), "terminated") << "the first request names the cause";
}

// Reads /proc/PID/io's rchar: the bytes the process has read so far.
long long rchar_of(pid_t pid) {
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  long long value = -1;
  while (io >> key >> value)
    if (key == "rchar:") return value;
  return -1;
}

// With nobody reading the results, the pipeline fills up and stops reading;
// then two SIGINTs: the batches not yet handed to the appliers are Cancelled
// (interrupted) — how many depends on where the stuck pipeline holds its
// batches, possibly none — as a contiguous tail, and every record still gets
// its result line.
TEST(Stopping, SecondSigintCancelsWhatWasNotAppliedAndStillWritesEveryResult) {
  TempDir dir;
  Stream s = make_stream(dir, 150000, 7);
  write_file(dir.file("in.ndjson"), s.bytes);
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog, "-q", "--summary", dir.file("s.json"), "--batch",
            "256", "--buffer", "4"}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  // Wait until the reader is stuck behind the full pipeline (it stops reading).
  long long last = -2;
  for (auto until = std::chrono::steady_clock::now() + kHangGuard; std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(200ms);
    long long now = rchar_of(c.pid());
    if (now == last && now > 0) break;
    last = now;
  }
  c.signal(SIGINT);
  std::this_thread::sleep_for(100ms);
  c.signal(SIGINT);
  EXPECT_EQ(c.finish(), 130) << c.err();
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, c.out());
  EXPECT_EQ(sum.str("stopped"), "interrupted");
  EXPECT_LT(sum.doc()["records"].GetUint64(), 150000u);
  ASSERT_TRUE(sum.doc()["resume"].IsObject());
  // resume is the first record not applied: the first Cancelled one (a contiguous tail).
  EXPECT_EQ(sum.doc()["resume"]["seq"].GetUint64(),
            sum.doc()["records"].GetUint64() - sum.doc()["cancelledOrders"].GetUint64() + 1);
  bool in_tail = false;
  for (const std::string& l : lines(c.out())) {
    JsonLine j(l);
    if (j.str("status") == "Cancelled") {
      in_tail = true;
      EXPECT_EQ(j.str("reason"), "interrupted") << l;
    } else {
      EXPECT_FALSE(in_tail) << "applied after a Cancelled record: " << l;
    }
  }
}

TEST(Stopping, TimeoutOnAFifoThatNeverEndsExits124WithACorrectSummary) {
  TempDir dir;
  std::string fifo = dir.file("orders.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int hold = ::open(fifo.c_str(), O_RDWR);  // keeps the FIFO open: it never ends
  ASSERT_GE(hold, 0);
  std::string some = first_lines(make_stream(dir, 10, 3), 10);
  ASSERT_EQ(::write(hold, some.data(), some.size()), static_cast<ssize_t>(some.size()));
  RunResult r = run({"process", fifo, "--timeout", "200ms", "-q", "--summary", dir.file("s.json")});
  ::close(hold);
  EXPECT_EQ(r.exit_code, 124) << r.err;
  EXPECT_FALSE(r.timed_out);
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, r.out);
  EXPECT_EQ(sum.str("stopped"), "deadline");
  EXPECT_EQ(sum.doc()["records"].GetUint64(), 10u);
  ASSERT_TRUE(sum.doc()["resume"].IsObject());
  EXPECT_EQ(std::string(sum.doc()["resume"]["file"].GetString()), fifo);
  EXPECT_EQ(sum.doc()["resume"]["line"].GetUint64(), 11u);
  EXPECT_EQ(sum.doc()["resume"]["seq"].GetUint64(), 11u);
}

TEST(Stopping, TimeoutOnStdinThatNeverSendsAnything) {
  TempDir dir;
  Child c({{"process", "--timeout", "150ms", "-q", "--summary", dir.file("s.json")}});
  EXPECT_EQ(c.finish(), 124) << c.err();
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, c.out());
  EXPECT_EQ(sum.doc()["records"].GetUint64(), 0u);
  EXPECT_EQ(sum.str("stopped"), "deadline");
}

TEST(Stopping, TimeoutThatNeverFiresChangesNothing) {
  RunResult r = run({"process", source_path("data/samples/orders.ndjson"), "--timeout", "1h", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 17u);
}

TEST(Stopping, BadTimeoutIsAUsageError) {
  RunResult r = run({"process", "--timeout", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a duration"), std::string::npos) << r.err;
}

TEST(Stopping, Sigusr1PrintsASnapshotAndTheRunGoesOn) {
  TempDir dir;
  Stream s = make_stream(dir, 1200, 9);
  Child c({{"process", "-c", s.catalog, "-q", "-o", dir.file("r.ndjson"), "--summary", dir.file("s.json")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, 700));
  ASSERT_TRUE(wait_for_lines(dir.file("r.ndjson"), 700));
  c.signal(SIGUSR1);
  JsonLine snap(c.read_err_line());
  ASSERT_TRUE(snap.ok()) << snap.text();
  EXPECT_TRUE(snap.doc()["snapshot"].GetBool());
  EXPECT_EQ(snap.doc()["records"].GetUint64(), 700u);
  EXPECT_EQ(snap.doc()["records"].GetUint64(),
            snap.doc()["completedOrders"].GetUint64() + snap.doc()["rejectedOrders"].GetUint64() +
                snap.doc()["reversedOrders"].GetUint64() + snap.doc()["cancelledOrders"].GetUint64());
  c.feed(first_lines(s, 1200).substr(first_lines(s, 700).size()));
  c.close_stdin();
  EXPECT_EQ(c.finish(), 0) << c.err();
  JsonLine sum(read_file(dir.file("s.json")));
  expect_accounting(sum, read_file(dir.file("r.ndjson")));
  EXPECT_EQ(sum.doc()["records"].GetUint64(), 1200u);
  EXPECT_TRUE(sum.is_null("stopped"));
  EXPECT_TRUE(sum.is_null("resume"));
}

TEST(Stopping, ClosedStdoutStopsQuietly) {
  TempDir dir;
  Stream s = make_stream(dir, 200000, 4);
  write_file(dir.file("in.ndjson"), s.bytes);
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog}, false, true});
  std::string first = c.read_out_line();  // like `| head -1`
  EXPECT_TRUE(JsonLine(first).ok()) << first;
  c.close_stdout();
  EXPECT_EQ(c.finish(), 141);
  EXPECT_FALSE(c.timed_out);
  EXPECT_EQ(c.err(), "") << "no error text for a reader that went away";
}

}  // namespace
}  // namespace orderflow::testing

namespace orderflow::testing {
namespace {

// --progress draws a progress line on stderr (records, records/s, and the
// share of input read when its size is known), clears it at the end, and
// never writes it to stdout; --no-progress never draws it.
TEST(Progress, ForcedProgressLineIsOnStderrOnlyAndIsClearedAtTheEnd) {
  TempDir dir;
  Stream s = make_stream(dir, 2000, 12);
  write_file(dir.file("in.ndjson"), s.bytes);
  // A pipe that stays open a while keeps the run alive long enough for a few ticks.
  Child c({{"process", "-c", s.catalog, "--progress", "-o", dir.file("r.ndjson")}});
  ASSERT_TRUE(c.wait_until_signals_blocked());
  c.feed(first_lines(s, 1000));
  ASSERT_TRUE(wait_for_lines(dir.file("r.ndjson"), 1000));
  std::this_thread::sleep_for(300ms);  // at most 10 updates a second: some must have come
  c.feed(s.bytes.substr(first_lines(s, 1000).size()));
  c.close_stdin();
  EXPECT_EQ(c.finish(), 0) << c.err();
  const std::string& err = c.err();
  std::size_t first = err.find("\rorderflow: ");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_NE(err.find(" records, ", first), std::string::npos) << err;
  EXPECT_NE(err.find(" records/s", first), std::string::npos) << err;
  // Every redraw erases the rest of the line ("\r" text "\033[K"), and the
  // line is erased ("\r\033[K") before the summary, which starts a line of its own.
  EXPECT_NE(err.find("\033[K", first), std::string::npos) << err;
  std::size_t summary = err.find("orderflow: 2000 records in ");
  ASSERT_NE(summary, std::string::npos) << err;
  ASSERT_GE(summary, 4u);
  EXPECT_EQ(err.substr(summary - 4, 4), "\r\033[K") << "the progress line was not cleared";
  EXPECT_EQ(count_lines(dir.file("r.ndjson")), 2000u);
  EXPECT_EQ(c.out(), "");
}

TEST(Progress, ShowsTheShareReadWhenEveryInputIsARegularFile) {
  TempDir dir;
  Stream s = make_stream(dir, 300, 15);
  write_file(dir.file("a.ndjson"), s.bytes);
  RunResult r = run({"process", dir.file("a.ndjson"), "-c", s.catalog, "--progress", "-q", "-o", "none"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("% read"), std::string::npos) << r.err;
}

TEST(Progress, NoShareForInputsOfUnknownSize) {
  TempDir dir;
  std::string fifo = dir.file("slow.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Stream s = make_stream(dir, 100, 13);
  write_file(dir.file("a.ndjson"), s.bytes);
  // A regular file, then a FIFO held open: the run waits on the FIFO, showing progress.
  int hold = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(hold, 0);
  RunResult r = run({"process", dir.file("a.ndjson"), fifo, "-c", s.catalog, "--progress", "-q", "-o", "none",
                     "--timeout", "400ms"});
  ::close(hold);
  EXPECT_EQ(r.exit_code, 124) << r.err;
  // A FIFO has no known size, so no share is shown; the counts are.
  EXPECT_NE(r.err.find("100 records, "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("% read"), std::string::npos) << r.err;
}

TEST(Progress, NoProgressNeverDrawsIt) {
  TempDir dir;
  Stream s = make_stream(dir, 500, 14);
  RunResult r = run_with_input({"process", "-c", s.catalog, "--no-progress", "-o", "none"}, s.bytes);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  RunResult both = run({"process", "--progress", "--no-progress"});
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

}  // namespace
}  // namespace orderflow::testing

namespace orderflow::testing {
namespace {

// A reader of the results that stops reading leaves the writer blocked, so even
// a hard stop cannot finish writing; a third signal, a second later, makes the
// writer give up on that reader, and the summary is still written.
TEST(Stopping, ThirdSignalGivesUpOnAStuckResultsReaderAndStillWritesTheSummary) {
  TempDir dir;
  Stream s = make_stream(dir, 100000, 8);
  write_file(dir.file("in.ndjson"), s.bytes);
  const std::string summary = dir.file("s.json");
  Child c({{"process", dir.file("in.ndjson"), "-c", s.catalog, "-q", "--summary", summary}});  // stdout: a pipe nobody reads
  ASSERT_TRUE(c.wait_until_signals_blocked());
  std::this_thread::sleep_for(300ms);
  c.signal(SIGINT);
  std::this_thread::sleep_for(100ms);
  c.signal(SIGINT);
  std::this_thread::sleep_for(1200ms);
  c.signal(SIGINT);
  // The writer gives up once the reader took nothing for a second; then the summary comes.
  const auto until = std::chrono::steady_clock::now() + kHangGuard;
  while (!file_exists(summary) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(file_exists(summary));
  c.close_stdout();
  EXPECT_EQ(c.finish(), 130);
  EXPECT_FALSE(c.timed_out);
  EXPECT_NE(c.err().find("results were cut short"), std::string::npos) << c.err();
  EXPECT_EQ(JsonLine(read_file(summary)).str("stopped"), "interrupted");
}

}  // namespace
}  // namespace orderflow::testing
