#include "cli/net_signals.h"

#include <signal.h>

#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/signals.h"

namespace orderflow {

StopRequest SignalStop::poll() {
  for (int signo; (signo = take_stop_signal()) != 0;) {
    if (signo != SIGINT && signo != SIGTERM) continue;  // SIGUSR1: nothing to report here
    if (cause_ == StopCause::kNone) cause_ = signo == SIGINT ? StopCause::kInterrupted : StopCause::kTerminated;
    ++requests_;
  }
  return requests_ == 0 ? StopRequest::kNone : requests_ == 1 ? StopRequest::kGraceful : StopRequest::kHard;
}

int SignalStop::exit_code(int otherwise) const {
  switch (cause_) {
    case StopCause::kInterrupted: return to_int(ExitCode::kInterrupted);
    case StopCause::kTerminated: return to_int(ExitCode::kTerminated);
    default: return otherwise;
  }
}

NetHooks net_hooks(SignalStop& signals, bool quiet_warnings) {
  NetHooks h;
  if (!quiet_warnings) h.warn = [](const std::string& line) { print_warning(line); };
  h.stop = [&signals] { return signals.poll(); };
  return h;
}

}  // namespace orderflow
