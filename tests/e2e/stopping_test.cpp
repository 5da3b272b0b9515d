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

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;
constexpr auto kHangGuard = 60s;

// A child orderflow that the test steers while it runs: feeds its stdin,
// signals it, and reads what it wrote.
class Child {
 public:
  struct Spec {
    std::vector<std::string> args;
    bool stdin_pipe = true;    // else /dev/null
    bool stdout_pipe = true;   // else /dev/null (use -o FILE for results)
  };

  explicit Child(const Spec& spec) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(spec.stdin_pipe ? in[0] : devnull, 0);
      ::dup2(spec.stdout_pipe ? out[1] : devnull, 1);
      ::dup2(err[1], 2);
      std::vector<char*> argv{const_cast<char*>(binary())};
      for (const std::string& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(binary(), argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    if (!spec.stdin_pipe) close_stdin();
  }

  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    close_stdin();
    close_stdout();
    if (err_ >= 0) ::close(err_);
  }

  pid_t pid() const { return pid_; }

  void feed(const std::string& bytes) {
    struct sigaction ign {}, old {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      ssize_t w = ::write(in_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    ::sigaction(SIGPIPE, &old, nullptr);
  }
  void close_stdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  void close_stdout() {
    if (out_ >= 0) ::close(out_);
    out_ = -1;
  }

  // The child handles SIGINT itself only once it has blocked it (its signal
  // thread reads a signalfd); before that, SIGINT would simply kill it.
  bool wait_until_signals_blocked() {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("SigBlk:", 0) != 0) continue;
        unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
        if (mask & (1ull << (SIGINT - 1))) return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Reads one line of stderr / stdout (blocking up to the hang guard).
  std::string read_err_line() { return read_line(err_, err_buf_); }
  std::string read_out_line() { return read_line(out_, out_buf_); }

  // Drains stdout and stderr to their ends and waits for the exit status
  // (128 + signal if it was killed). Kills the child after the hang guard.
  int finish() {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    bool out_open = out_ >= 0, err_open = err_ >= 0;
    char buf[65536];
    while (out_open || err_open) {
      if (std::chrono::steady_clock::now() > until) {
        timed_out = true;
        ::kill(pid_, SIGKILL);
        break;
      }
      pollfd fds[2] = {{out_open ? out_ : -1, POLLIN, 0}, {err_open ? err_ : -1, POLLIN, 0}};
      if (::poll(fds, 2, 200) <= 0) continue;
      if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::read(out_, buf, sizeof buf);
        if (n > 0) out_buf_.append(buf, static_cast<std::size_t>(n));
        else out_open = false;
      }
      if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::read(err_, buf, sizeof buf);
        if (n > 0) err_buf_.append(buf, static_cast<std::size_t>(n));
        else err_open = false;
      }
    }
    int st = 0;
    ::waitpid(pid_, &st, 0);
    reaped_ = true;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  const std::string& out() const { return out_buf_; }
  static std::string read_line(int fd, std::string& buffered) {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    while (buffered.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      buffered.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t nl = buffered.find('\n');
    if (nl == std::string::npos) return "";
    std::string line = buffered.substr(0, nl);
    buffered.erase(0, nl + 1);
    return line;
  }
  const std::string& err() const { return err_buf_; }
  bool timed_out = false;

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
  std::string out_buf_, err_buf_;
};

std::size_t count_lines(const std::string& path) {
  if (!file_exists(path)) return 0;
  std::string text = read_file(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits until the file holds at least `n` lines (the results of a run in progress).
bool wait_for_lines(const std::string& path, std::size_t n) {
  const auto until = std::chrono::steady_clock::now() + kHangGuard;
  while (std::chrono::steady_clock::now() < until) {
    if (count_lines(path) >= n) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// A generated stream without reversals (so nothing reaches across a cut), with
// a few malformed records, and a catalog whose stock runs out along the way.
struct Stream {
  std::string catalog;
  std::string bytes;
  std::vector<std::string> lines;
};

Stream make_stream(const TempDir& dir, int count, int seed) {
  Stream s;
  s.catalog = dir.file("catalog.csv");
  write_file(s.catalog,
             "ID,ProductName,Stock,Variety,Price\n"
             "A,Apple,40000,Red,1.25\nB,Banana,60000,Yellow,0.40\nC,Cherry,5000,Dark,9.99\n");
  RunResult g = run({"generate", "-n", std::to_string(count), "-c", s.catalog, "--invalid", "0.01", "--seed",
                     std::to_string(seed)});
  if (g.exit_code != 0) throw std::runtime_error("generate failed: " + g.err);
  s.bytes = g.out;
  s.lines = lines(g.out);
  return s;
}

std::string first_lines(const Stream& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < s.lines.size(); ++i) out += s.lines[i] + "\n";
  return out;
}

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

  RunResult rest = run_with_input({"process", "--resume-at", std::to_string(cut + 1), "--first-seq",
                                   std::to_string(cut + 1), "-c", dir.file("stock1.csv"), "-q", "--stock-out",
                                   dir.file("stock2.csv")},
                                  s.bytes);
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_TRUE(part1 + rest.out == full.out) << "the two halves differ from one uninterrupted run";
  EXPECT_EQ(read_file(dir.file("stock2.csv")), read_file(dir.file("full-stock.csv")));
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
// then two SIGINTs: the records accepted but not yet applied are Cancelled
// (interrupted), yet every one of them still gets its result line.
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
  EXPECT_GT(sum.doc()["cancelledOrders"].GetUint64(), 0u) << sum.text();
  EXPECT_LT(sum.doc()["records"].GetUint64(), 150000u);
  ASSERT_TRUE(sum.doc()["resume"].IsObject());
  EXPECT_EQ(sum.doc()["resume"]["seq"].GetUint64(), sum.doc()["records"].GetUint64() + 1);
  bool saw_cancelled = false;
  for (const std::string& l : lines(c.out())) {
    JsonLine j(l);
    if (j.str("status") == "Cancelled") {
      saw_cancelled = true;
      EXPECT_EQ(j.str("reason"), "interrupted") << l;
    }
  }
  EXPECT_TRUE(saw_cancelled);
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
