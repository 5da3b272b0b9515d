#pragma once
// RunControl: how a pipeline run stops, shared by all of its stages.
//
//   run()     ends on the caller's hard stop or deadline, or on a failure here.
//             Records accepted but not yet applied when it ends are cancelled.
//   intake()  ends when run() ends, when the caller closes intake, or when a
//             stage calls close_intake() (--strict); only the reader watches it.
//
// The first failure of any stage is kept (the others are dropped). fail()
// also closes every channel registered with on_fail(), so that no stage waits
// for one that has died; stop() only ends run() (the writer keeps draining
// after its output went away).
//
// Thread-safety: begin(), on_fail() and end() from the thread that runs the
// job, before its stages start / after they are joined; everything else from
// any stage's thread.
#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "data/base/status.h"
#include "data/model/order.h"
#include "engine/context.h"
#include "engine/thread_annotations.h"

namespace orderflow {

class RunControl {
 public:
  RunControl() = default;
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  // Derives run() from `run` and intake() from `intake`; a failure here (which
  // ends run()) also ends intake(). REQUIRES: `intake` ends whenever `run` ends.
  void begin(const Context& run, const Context& intake);
  // Registers what fail() must close (a channel's close()). Before the stages start.
  void on_fail(std::function<void()> close) { closers_.push_back(std::move(close)); }
  // Ends run() and intake(); call once the stages are joined.
  void end();

  const Context& run() const { return run_; }
  const Context& intake() const { return intake_; }
  void close_intake() { cancel_intake_(); }

  // The reason a record cancelled now gets: deadline or interrupted.
  Reason cancel_reason() const {
    return run_.err() == ContextError::kDeadlineExceeded ? Reason::kDeadline : Reason::kInterrupted;
  }

  // Keeps `s` if it is the first failure (an ok `s` keeps nothing), ends run().
  void stop(Status s);
  // stop(s), then closes every registered channel.
  void fail(Status s);
  // Runs a stage body; an exception becomes a failure (fail()), not a crash.
  template <class F>
  void guarded(F&& body) {
    try {
      body();
    } catch (...) {
      fail(status_from_exception(std::current_exception(), "internal error"));
    }
  }

  // The first failure, or ok. Read it after the stages are joined.
  Status failure() const;
  // True once fail() was called: a stage failed and nothing is exact any more
  // (appliers stop applying). stop() does not set it.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // The flag failed() reads, for a wait that polls it (engine/basket_vote.h vote()).
  const std::atomic<bool>& failed_flag() const { return failed_; }

 private:
  Context run_;
  CancelFunc cancel_run_;
  Context intake_;
  CancelFunc cancel_intake_;
  DoneRegistration run_closes_intake_;
  std::vector<std::function<void()>> closers_;
  mutable Mutex mu_;
  Status failure_ GUARDED_BY(mu_);
  std::atomic<bool> failed_{false};
};

}  // namespace orderflow
