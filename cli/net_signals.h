#pragma once
// SignalStop: turns SIGINT/SIGTERM into the stop requests that submit, serve
// and results poll (net/net_common.h): the first is a graceful stop, a second
// a hard one. SIGUSR1 is read and ignored. The signals are blocked in every
// thread from main() on (cli/signals.h); these commands are SignalUse::kWatched.
//
// Not thread-safe: polled by the thread that made it.
#include <cstdint>

#include "data/model/summary.h"
#include "net/net_common.h"

namespace orderflow {

class SignalStop {
 public:
  SignalStop() = default;
  // Reads any signals that arrived; the current request.
  StopRequest poll();
  StopCause cause() const { return cause_; }
  // 130 / 143 for the first signal's cause, else `otherwise`.
  int exit_code(int otherwise) const;

 private:
  StopCause cause_ = StopCause::kNone;
  int requests_ = 0;
};

// Hooks for a net command: warnings on stderr as "orderflow: warning: ...",
// stop requests from `signals`.
NetHooks net_hooks(SignalStop& signals, bool quiet_warnings = false);

}  // namespace orderflow
