#include "cli/run_monitor.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/console.h"

namespace orderflow {

static_assert(sizeof(sigset_t) <= 128, "SignalBlock::old_mask_ too small");

SignalBlock::SignalBlock() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, reinterpret_cast<sigset_t*>(old_mask_));
  fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

SignalBlock::~SignalBlock() {
  if (fd_ >= 0) ::close(fd_);
  pthread_sigmask(SIG_SETMASK, reinterpret_cast<sigset_t*>(old_mask_), nullptr);
}

RunMonitor::RunMonitor(const Pipeline& pipeline, const SignalBlock& signals, CancelFunc close_intake,
                       CancelFunc hard_stop, Options options)
    : pipeline_(pipeline),
      signals_(signals),
      close_intake_(std::move(close_intake)),
      hard_stop_(std::move(hard_stop)),
      options_(options) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

RunMonitor::~RunMonitor() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void RunMonitor::start() {
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { loop(); });
}

void RunMonitor::stop() {
  if (!thread_.joinable()) return;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  clear_progress();
}

void RunMonitor::loop() {
  constexpr int kTickMs = 100;  // at most 10 progress updates a second
  if (options_.progress) draw_progress(false);  // something to see at once
  for (;;) {
    pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, options_.progress ? kTickMs : -1);
    if (rc < 0 && errno != EINTR) return;
    if (rc > 0 && (fds[1].revents & POLLIN)) return;
    if (rc > 0 && (fds[0].revents & POLLIN)) {
      signalfd_siginfo info;
      while (::read(signals_.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
        handle(static_cast<int>(info.ssi_signo));
    }
    if (options_.progress) draw_progress(false);
  }
}

void RunMonitor::handle(int signo) {
  if (signo == SIGUSR1) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    bool shown = progress_shown_;
    clear_progress();
    write_all(2, snapshot_json(pipeline_.snapshot(), elapsed, pipeline_.bytes_read()) + "\n");
    if (shown) draw_progress(true);
    return;
  }
  if (++requests_ == 1) {
    std::uint8_t none = 0;
    cause_.compare_exchange_strong(none, static_cast<std::uint8_t>(
                                             signo == SIGTERM ? StopCause::kTerminated : StopCause::kInterrupted));
    close_intake_();  // graceful: finish what was accepted
  } else if (requests_ == 2) {
    hard_stop_();     // the rest becomes Cancelled
    hard_stop_at_ = std::chrono::steady_clock::now();
  } else if (std::chrono::steady_clock::now() - hard_stop_at_ >= std::chrono::seconds(1)) {
    // Still running a second after a hard stop: something outside is stuck
    // (typically a reader of the results that stopped reading). Leave now.
    clear_progress();
    write_all(2, "orderflow: stopped at once on a third signal; results and summary may be incomplete\n");
    ::_exit(cause() == StopCause::kTerminated ? 143 : 130);
  }
}

void RunMonitor::draw_progress(bool force) {
  (void)force;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::uint64_t done = pipeline_.records_done();
  char line[160];
  int n = std::snprintf(line, sizeof line, "\rorderflow: %llu records, %.0f records/s",
                        static_cast<unsigned long long>(done), elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0);
  if (options_.total_bytes > 0 && n > 0 && static_cast<std::size_t>(n) < sizeof line) {
    double pct = 100.0 * static_cast<double>(pipeline_.bytes_read()) / static_cast<double>(options_.total_bytes);
    n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), ", %.0f%% read", pct > 100 ? 100.0 : pct);
  }
  write_all(2, std::string_view(line, static_cast<std::size_t>(n)));
  progress_shown_ = true;
}

void RunMonitor::clear_progress() {
  if (!progress_shown_) return;
  write_all(2, "\r" + std::string(78, ' ') + "\r");
  progress_shown_ = false;
}

}  // namespace orderflow
