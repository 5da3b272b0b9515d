// RunMonitor (cli/run_monitor.h): what each stop signal means in each phase,
// the first cause winning, SIGUSR1's statistics line, and the progress line
// drawn and erased on stderr. The signals are real (kill() on this process),
// blocked in every thread as main() does, and read through the signalfd.
#include "cli/run_monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cli/signals.h"
#include "tests/test_util.h"
#include "tests/wait_until.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

using namespace std::chrono_literals;

using testing::wait_until;

class RunMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As main() does, before any thread starts (threads inherit the mask).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, &old_mask_), 0);
    ASSERT_GE(stop_signal_fd(), 0);
    while (take_stop_signal() != 0) {
    }
    dog_ = std::make_unique<testing::Watchdog>();
    // stderr into a file, to read what the monitor printed.
    err_path_ = dir_.file("stderr");
    const int fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    saved_err_ = ::dup(2);
    ::dup2(fd, 2);
    ::close(fd);
  }
  void TearDown() override {
    monitor_.reset();
    if (saved_err_ >= 0) {
      ::dup2(saved_err_, 2);
      ::close(saved_err_);
    }
    dog_.reset();
    while (take_stop_signal() != 0) {  // none may be left pending when the mask goes
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  RunMonitor& start(RunMonitor::Phase phase, RunMonitor::Options options = {}, Context run = Context::background()) {
    RunMonitor::Stops stops{std::move(run), close_intake_, hard_stop_, abandon_output_};
    monitor_ = std::make_unique<RunMonitor>(std::move(stops), options);
    monitor_->set_phase(phase);
    monitor_->start();
    return *monitor_;
  }
  static void send(int signo) { ::kill(::getpid(), signo); }
  std::string err() const { return testing::read_file(err_path_); }
  std::size_t snapshots() const {
    std::size_t n = 0;
    for (const std::string& l : testing::lines(err())) n += l.find("\"snapshot\":true") != std::string::npos;
    return n;
  }
  // Sends `signo` and then SIGUSR1, and waits for SIGUSR1's line: signals are
  // read lowest number first, so by then `signo` (SIGINT, SIGTERM) was handled.
  bool send_and_settle(int signo) {
    const std::size_t before = snapshots();
    send(signo);
    send(SIGUSR1);
    return wait_until([&] { return snapshots() > before; });
  }

  testing::TempDir dir_;
  CancellableContext intake_ = with_cancel(Context::background());
  CancellableContext hard_ = with_cancel(Context::background());
  CancellableContext abandon_ = with_cancel(Context::background());
  CancelFunc close_intake_ = intake_.cancel, hard_stop_ = hard_.cancel, abandon_output_ = abandon_.cancel;
  std::unique_ptr<RunMonitor> monitor_;

 private:
  sigset_t old_mask_{};
  std::unique_ptr<testing::Watchdog> dog_;
  std::string err_path_;
  int saved_err_ = -1;
};

TEST_F(RunMonitorTest, NoSignalNoCause) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  EXPECT_EQ(m.cause(), StopCause::kNone);
  m.stop();
  m.stop();  // idempotent
  EXPECT_FALSE(intake_.ctx.done());
  EXPECT_FALSE(hard_.ctx.done());
  EXPECT_EQ(err(), "");  // no progress asked for: nothing printed
}

TEST_F(RunMonitorTest, RunningFirstSignalClosesIntakeTheSecondStopsHard) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  send(SIGINT);
  ASSERT_TRUE(wait_until([&] { return intake_.ctx.done(); }));
  EXPECT_EQ(m.cause(), StopCause::kInterrupted);
  ASSERT_TRUE(send_and_settle(SIGTERM));
  EXPECT_TRUE(hard_.ctx.done()) << "the second signal did not stop hard";
  EXPECT_EQ(m.cause(), StopCause::kInterrupted) << "the first cause wins";
  EXPECT_FALSE(abandon_.ctx.done());
}

TEST_F(RunMonitorTest, OneSignalIsAGracefulCloseOnly) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  ASSERT_TRUE(send_and_settle(SIGTERM));
  EXPECT_TRUE(intake_.ctx.done());
  EXPECT_FALSE(hard_.ctx.done()) << "one signal must let accepted records finish";
  EXPECT_EQ(m.cause(), StopCause::kTerminated);
}

TEST_F(RunMonitorTest, StartingFirstSignalStopsBeforeAnyRecordIsRead) {
  RunMonitor& m = start(RunMonitor::Phase::kStarting);
  ASSERT_TRUE(send_and_settle(SIGTERM));
  EXPECT_TRUE(intake_.ctx.done());
  EXPECT_TRUE(hard_.ctx.done());
  EXPECT_EQ(m.cause(), StopCause::kTerminated);
}

TEST_F(RunMonitorTest, FinishingSignalsAreNotedAndIgnored) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  m.set_phase(RunMonitor::Phase::kFinishing);
  ASSERT_TRUE(send_and_settle(SIGINT));
  ASSERT_TRUE(send_and_settle(SIGTERM));
  EXPECT_FALSE(intake_.ctx.done());
  EXPECT_FALSE(hard_.ctx.done());
  EXPECT_EQ(m.cause(), StopCause::kNone);
}

TEST_F(RunMonitorTest, ASignalAfterThePassedDeadlineLeavesTheCauseDeadline) {
  auto [run, cancel] = with_timeout(Context::background(), 1ms);
  ASSERT_TRUE(wait_until([&, run = run] { return run.err() == ContextError::kDeadlineExceeded; }));
  RunMonitor& m = start(RunMonitor::Phase::kRunning, {}, run);
  ASSERT_TRUE(send_and_settle(SIGINT));
  EXPECT_EQ(m.cause(), StopCause::kDeadline);
  EXPECT_TRUE(intake_.ctx.done());  // still a graceful close
}

TEST_F(RunMonitorTest, NoteCauseKeepsTheFirst) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  m.note_cause(StopCause::kOutputClosed);
  m.note_cause(StopCause::kFailed);
  EXPECT_EQ(m.cause(), StopCause::kOutputClosed);
  ASSERT_TRUE(send_and_settle(SIGINT));
  EXPECT_EQ(m.cause(), StopCause::kOutputClosed);
}

TEST_F(RunMonitorTest, AThirdSignalASecondAfterTheHardStopAbandonsTheOutput) {
  RunMonitor& m = start(RunMonitor::Phase::kRunning);
  ASSERT_TRUE(send_and_settle(SIGINT));
  const auto hard_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_and_settle(SIGINT));
  ASSERT_TRUE(hard_.ctx.done());
  ASSERT_TRUE(send_and_settle(SIGINT));
  // Too soon after the hard stop: ignored (checked only when the test itself
  // was quick enough to know it was too soon).
  if (std::chrono::steady_clock::now() - hard_at < 500ms) {
    EXPECT_FALSE(abandon_.ctx.done());
  }
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE(send_and_settle(SIGTERM));
  EXPECT_TRUE(abandon_.ctx.done()) << "a signal a second after the hard stop must abandon the output";
  EXPECT_EQ(m.cause(), StopCause::kInterrupted);
}

TEST_F(RunMonitorTest, Sigusr1PrintsOneJsonStatisticsLineInEveryPhaseAndStopsNothing) {
  RunMonitor& m = start(RunMonitor::Phase::kStarting);
  for (RunMonitor::Phase phase : {RunMonitor::Phase::kStarting, RunMonitor::Phase::kRunning, RunMonitor::Phase::kFinishing}) {
    m.set_phase(phase);
    const std::size_t before = snapshots();
    send(SIGUSR1);
    ASSERT_TRUE(wait_until([&] { return snapshots() == before + 1; }));
  }
  m.stop();
  const std::vector<std::string> got = testing::lines(err());
  ASSERT_EQ(got.size(), 3u) << err();
  for (const std::string& l : got) {
    rapidjson::Document d;
    d.Parse(l.data(), l.size());
    ASSERT_FALSE(d.HasParseError()) << l;
    EXPECT_TRUE(d["snapshot"].GetBool());
    EXPECT_EQ(d["records"].GetUint64(), 0u);  // no pipeline yet
  }
  EXPECT_FALSE(intake_.ctx.done());
  EXPECT_FALSE(hard_.ctx.done());
  EXPECT_EQ(m.cause(), StopCause::kNone);
}

TEST_F(RunMonitorTest, TheProgressLineIsRedrawnInPlaceAndErasedOnStop) {
  RunMonitor::Options o;
  o.progress = true;
  o.total_bytes = 1000;
  RunMonitor& m = start(RunMonitor::Phase::kRunning, o);
  ASSERT_TRUE(wait_until([&] { return err().find("% read") != std::string::npos; }));
  m.stop();
  const std::string text = err();
  EXPECT_EQ(text.rfind("\rorderflow: 0 records, 0 records/s, 0.", 0), 0u) << text;
  EXPECT_NE(text.find("s, 0% read\033[K"), std::string::npos) << text;  // no ETA without bytes read
  EXPECT_EQ(text.find('\n'), std::string::npos) << "the progress line is redrawn, never scrolled";
  ASSERT_GE(text.size(), 4u);
  EXPECT_EQ(text.substr(text.size() - 4), "\r\033[K") << "stop() erases the line";
}

TEST_F(RunMonitorTest, TheProgressLineIsErasedBeforeTheStatisticsLineAndRedrawnAfter) {
  RunMonitor::Options o;
  o.progress = true;
  RunMonitor& m = start(RunMonitor::Phase::kRunning, o);
  ASSERT_TRUE(wait_until([&] { return err().find("records/s") != std::string::npos; }));
  send(SIGUSR1);
  ASSERT_TRUE(wait_until([&] { return snapshots() == 1; }));
  m.stop();
  const std::string text = err();
  const std::size_t at = text.find("{\"snapshot\"");
  ASSERT_NE(at, std::string::npos) << text;
  ASSERT_GE(at, 4u);
  EXPECT_EQ(text.substr(at - 4, 4), "\r\033[K") << "the statistics line must start on an erased line";
  EXPECT_NE(text.find("\rorderflow: ", at), std::string::npos) << "the progress line comes back after it";
}

}  // namespace
}  // namespace orderflow
