#pragma once
// RunMonitor: watches a running pipeline from a thread of its own.
//
// Signals never run code here: SignalBlock blocks SIGINT, SIGTERM and SIGUSR1
// in every thread (it must exist before any thread starts, so they inherit the
// mask) and delivers them through a signalfd, which the monitor thread polls.
//   first SIGINT/SIGTERM   graceful close: intake stops (close_intake)
//   second (either)        hard stop: accepted records not yet applied are cancelled
//   a third, a second or more after the hard stop
//                          leave at once (something outside is stuck, e.g. a
//                          reader of the results that stopped reading)
//   SIGUSR1                one JSON statistics line on stderr; the run goes on
// It also draws the progress line (at most 10 updates a second) and clears it.
//
// Thread-safety: start/stop/cause are called by the thread that owns it.
#include <atomic>
#include <cstdint>
#include <thread>

#include "data/model/summary.h"
#include "engine/context.h"
#include "engine/pipeline.h"

namespace orderflow {

class SignalBlock {
 public:
  SignalBlock();   // blocks the signals in this thread and opens the signalfd
  ~SignalBlock();  // closes it and restores the old mask
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  unsigned char old_mask_[128];  // sigset_t, kept opaque here
};

class RunMonitor {
 public:
  struct Options {
    bool progress = false;
    std::uint64_t total_bytes = 0;  // input size when known (regular files), else 0
  };
  RunMonitor(const Pipeline& pipeline, const SignalBlock& signals, CancelFunc close_intake, CancelFunc hard_stop,
             Options options);
  ~RunMonitor();

  void start();
  // Stops the thread and clears the progress line.
  void stop();
  // The first stop request received, or kNone.
  StopCause cause() const { return static_cast<StopCause>(cause_.load()); }

 private:
  void loop();
  void handle(int signo);
  void draw_progress(bool force);
  void clear_progress();

  const Pipeline& pipeline_;
  const SignalBlock& signals_;
  CancelFunc close_intake_;
  CancelFunc hard_stop_;
  Options options_;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<std::uint8_t> cause_{0};
  int requests_ = 0;
  std::chrono::steady_clock::time_point hard_stop_at_;
  bool progress_shown_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace orderflow
