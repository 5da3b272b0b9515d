#pragma once
// RunMonitor: turns the stop signals into stop requests and draws the
// progress line, from a thread of its own, for the whole of a `process` run.
//
// Signals never run code here: they are blocked from main's first instruction
// (cli/signals.h) and arrive through the signalfd, which the monitor polls.
// One meaning per phase:
//   kStarting   (lock wait, catalog, opening files) first SIGINT/SIGTERM: the
//               run stops before reading a record (intake and the hard stop end)
//   kRunning    first SIGINT/SIGTERM: graceful close (intake stops);
//               second: hard stop (what was not applied yet becomes Cancelled);
//               a third, a second or more after the hard stop: the results
//               writer gives up on a reader that stopped reading
//               (abandon_output), so the summary can still be written
//   kFinishing  (summary, --stock-out) noted and otherwise ignored: the run's
//               outcome is decided and its files are being written whole
// SIGUSR1 prints one JSON statistics line on stderr in every phase.
//
// The first cause wins: a signal that arrives after the run's deadline passed
// leaves the cause kDeadline.
//
// Progress (when asked for): one line on stderr, redrawn at most 10 times a
// second and erased before anything else is printed: records, a recent rate
// (the last few seconds, not the run's average), elapsed time, and with a
// known input size the share read and an ETA.
//
// Thread-safety: start/stop/set_phase/set_pipeline/cause are called by the
// thread that owns it; cause() may also be read from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>

#include "data/model/summary.h"
#include "engine/context.h"
#include "engine/pipeline.h"
#include "engine/wake_fd.h"

namespace orderflow {

class RunMonitor {
 public:
  enum class Phase : std::uint8_t { kStarting, kRunning, kFinishing };

  struct Stops {
    Context run;                // its deadline (if any) is the run's deadline
    CancelFunc close_intake;    // graceful close
    CancelFunc hard_stop;       // cancel what was not applied
    CancelFunc abandon_output;  // stop waiting for a stalled results reader
  };
  struct Options {
    bool progress = false;
    std::uint64_t total_bytes = 0;  // input size when known (regular files), else 0
  };

  RunMonitor(Stops stops, Options options);
  ~RunMonitor();
  RunMonitor(const RunMonitor&) = delete;
  RunMonitor& operator=(const RunMonitor&) = delete;

  void start();
  // Stops the thread and erases the progress line.
  void stop();
  // The pipeline to report on from now on (kRunning), or null. It must stay
  // alive until stop() or the next set_pipeline.
  void set_pipeline(const Pipeline* pipeline);
  void set_phase(Phase phase) { phase_.store(static_cast<std::uint8_t>(phase)); }
  // The first stop request received, or kNone.
  StopCause cause() const { return static_cast<StopCause>(cause_.load()); }
  // Records `c` as the cause unless one was recorded first.
  void note_cause(StopCause c);

 private:
  void loop();
  void handle(int signo);
  void draw_progress();
  void clear_progress();
  std::string progress_text();

  Stops stops_;
  Options options_;
  WakeFd wake_;  // stop() wakes the thread
  std::thread thread_;
  std::atomic<std::uint8_t> cause_{0};
  std::atomic<std::uint8_t> phase_{0};
  std::atomic<const Pipeline*> pipeline_{nullptr};
  int requests_ = 0;
  std::chrono::steady_clock::time_point hard_stop_at_;
  bool progress_shown_ = false;
  std::chrono::steady_clock::time_point started_;
  // (time, records done, bytes read) of the last few seconds, for the recent rate.
  struct Sample {
    std::chrono::steady_clock::time_point at;
    std::uint64_t records = 0, bytes = 0;
  };
  std::deque<Sample> samples_;
};

}  // namespace orderflow
