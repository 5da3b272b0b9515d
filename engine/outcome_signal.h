#pragma once
// OutcomeSignal: how an applier waits for an outcome another applier will
// publish (a reverse's order applied on another thread, a basket vote decided
// by its last voter) without spinning: it blocks until the next publish().
//
//   const std::uint32_t seen = signal.epoch();   // 1. before looking
//   if (!known(...) && !signal.failed()) signal.wait(seen);   // 2. look, 3. block
//
// An outcome written before publish() (release) is seen by whoever read
// epoch() after it (acquire); one written after a waiter read epoch() is
// followed by a publish() that wakes it. So no wake-up is lost, and a waiter
// re-checks after every wake-up (several outcomes share one signal). A
// failed run must publish() once after setting `failed` (the pipeline does
// it from RunControl::on_fail), so that nobody waits for a peer that will
// never come.
//
// Cost: publish() is one atomic increment and, only when someone waits, a
// futex wake (C++20 std::atomic::notify_all); wait() blocks in the kernel.
// Thread-safe.
#include <atomic>
#include <cstdint>

namespace orderflow {

class OutcomeSignal {
 public:
  // `failed`: the run's "a stage failed" flag; must outlive the signal.
  explicit OutcomeSignal(const std::atomic<bool>& failed) : failed_(failed) {}
  OutcomeSignal(const OutcomeSignal&) = delete;
  OutcomeSignal& operator=(const OutcomeSignal&) = delete;

  std::uint32_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Some outcome became known (or the run failed): wakes every waiter.
  void publish() {
    epoch_.fetch_add(1, std::memory_order_acq_rel);
    epoch_.notify_all();
  }
  // Blocks until epoch() != seen (at once if it already is).
  void wait(std::uint32_t seen) const { epoch_.wait(seen, std::memory_order_acquire); }

 private:
  const std::atomic<bool>& failed_;
  alignas(64) std::atomic<std::uint32_t> epoch_{0};
};

}  // namespace orderflow
