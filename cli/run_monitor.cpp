#include "cli/run_monitor.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "cli/console.h"
#include "cli/signals.h"
#include "cli/summary_report.h"

namespace orderflow {

namespace {

constexpr int kTickMs = 100;                               // at most 10 progress updates a second
constexpr auto kRateWindow = std::chrono::seconds(3);      // the progress line's "recent" rate
constexpr auto kAbandonAfter = std::chrono::seconds(1);    // third signal this long after the hard stop

// "1h02m03s", "2m05s", "7.4s".
std::string duration_text(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else {
    auto s = static_cast<long long>(seconds);
    if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
  }
  return buf;
}

}  // namespace

RunMonitor::RunMonitor(Stops stops, Options options) : stops_(std::move(stops)), options_(options) {}

RunMonitor::~RunMonitor() { stop(); }

void RunMonitor::start() {
  started_ = std::chrono::steady_clock::now();
  samples_.push_back({started_, 0, 0});  // the first rate counts from the start
  thread_ = std::thread([this] { loop(); });
}

void RunMonitor::stop() {
  if (!thread_.joinable()) return;
  wake_.wake();
  thread_.join();
  clear_progress();
}

void RunMonitor::set_pipeline(const Pipeline* pipeline) { pipeline_.store(pipeline); }

void RunMonitor::note_cause(StopCause c) {
  std::uint8_t none = 0;
  cause_.compare_exchange_strong(none, static_cast<std::uint8_t>(c));
}

void RunMonitor::loop() {
  const int sig_fd = stop_signal_fd();
  for (;;) {
    if (options_.progress) draw_progress();
    pollfd fds[2] = {{sig_fd, POLLIN, 0}, {wake_.fd(), POLLIN, 0}};
    int rc = ::poll(fds, 2, options_.progress ? kTickMs : -1);
    if (rc < 0 && errno != EINTR) return;
    if (rc > 0 && (fds[1].revents & POLLIN)) return;
    if (rc > 0 && (fds[0].revents & POLLIN))
      for (int signo; (signo = take_stop_signal()) != 0;) handle(signo);
  }
}

void RunMonitor::handle(int signo) {
  if (signo == SIGUSR1) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const Pipeline* p = pipeline_.load();
    bool shown = progress_shown_;
    clear_progress();
    write_all(2, (p ? snapshot_json(p->snapshot(), elapsed, p->bytes_read()) : snapshot_json(Stats(0), elapsed, 0)) +
                     "\n");
    if (shown) draw_progress();
    return;
  }
  const auto phase = static_cast<Phase>(phase_.load());
  if (phase == Phase::kFinishing) return;  // the outcome is decided; the files are being written whole
  // The first cause wins: a deadline that already passed was first.
  if (stops_.run.err() == ContextError::kDeadlineExceeded) note_cause(StopCause::kDeadline);
  note_cause(signo == SIGTERM ? StopCause::kTerminated : StopCause::kInterrupted);
  ++requests_;
  if (phase == Phase::kStarting || requests_ == 1) {
    stops_.close_intake();  // graceful: finish what was accepted (before the run: nothing is)
    if (phase == Phase::kStarting) stops_.hard_stop();
  } else if (requests_ == 2) {
    stops_.hard_stop();  // what was not applied becomes Cancelled
    hard_stop_at_ = std::chrono::steady_clock::now();
  } else if (std::chrono::steady_clock::now() - hard_stop_at_ >= kAbandonAfter) {
    // Still running a second after a hard stop: typically a reader of the
    // results that stopped reading. Stop waiting for it; the summary is still written.
    stops_.abandon_output();
  }
}

std::string RunMonitor::progress_text() {
  const Pipeline* p = pipeline_.load();
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const std::uint64_t done = p ? p->records_done() : 0;
  const std::uint64_t bytes = p ? p->bytes_read() : 0;
  samples_.push_back({now, done, bytes});
  while (samples_.size() > 2 && now - samples_[1].at >= kRateWindow) samples_.pop_front();
  const Sample& old = samples_.front();
  const double span = std::chrono::duration<double>(now - old.at).count();
  const double rate = span > 0 ? static_cast<double>(done - old.records) / span : 0.0;
  const double byte_rate = span > 0 ? static_cast<double>(bytes - old.bytes) / span : 0.0;
  char line[200];
  int n = std::snprintf(line, sizeof line, "orderflow: %llu records, %.0f records/s, %s",
                        static_cast<unsigned long long>(done), rate, duration_text(elapsed).c_str());
  std::string text(line, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (options_.total_bytes > 0) {
    double share = static_cast<double>(bytes) / static_cast<double>(options_.total_bytes);
    if (share > 1) share = 1;
    std::snprintf(line, sizeof line, ", %.0f%% read", 100.0 * share);
    text += line;
    if (byte_rate > 0 && bytes < options_.total_bytes)
      text += ", ETA " + duration_text(static_cast<double>(options_.total_bytes - bytes) / byte_rate);
  }
  return text;
}

void RunMonitor::draw_progress() {
  // "\r" then the line then "erase to the end of the line": a shorter line
  // never leaves the tail of a longer one behind.
  std::string line = "\r";
  line += progress_text();
  line += "\033[K";
  write_all(2, line);
  progress_shown_ = true;
}

void RunMonitor::clear_progress() {
  if (!progress_shown_) return;
  write_all(2, "\r\033[K");
  progress_shown_ = false;
}

}  // namespace orderflow
