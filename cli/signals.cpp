#include "cli/signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/exit_code.h"

namespace orderflow {

namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

int g_fd = -1;

void exit_handler(int signo) { ::_exit(to_int(signo == SIGTERM ? ExitCode::kTerminated : ExitCode::kInterrupted)); }

void unblock() {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

void block_stop_signals() noexcept {
  sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int stop_signal_fd() noexcept {
  if (g_fd < 0) {
    sigset_t set = stop_set();
    g_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  return g_fd;
}

int take_stop_signal() noexcept {
  int fd = stop_signal_fd();
  if (fd < 0) return 0;
  signalfd_siginfo info;
  if (::read(fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return 0;
  return static_cast<int>(info.ssi_signo);
}

void default_stop_signals() noexcept {
  ::signal(SIGUSR1, SIG_IGN);  // before unblocking: a pending SIGUSR1 is dropped, not fatal
  unblock();
}

void exit_on_stop_signals() noexcept {
  struct sigaction sa {};
  sa.sa_handler = exit_handler;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGUSR1, SIG_IGN);
  unblock();
}

}  // namespace orderflow
