// OutcomeSignal: a waiter that read the epoch before an outcome was written
// is woken by the publish after it (no lost wake-up), whether the publish
// comes before or after it blocks; failed() follows the run's flag.
#include "engine/outcome_signal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/watchdog.h"

namespace orderflow {
namespace {

TEST(OutcomeSignal, AWaitAfterThePublishReturnsAtOnce) {
  testing::Watchdog dog;
  std::atomic<bool> failed{false};
  OutcomeSignal s(failed);
  const std::uint32_t seen = s.epoch();
  s.publish();
  s.wait(seen);  // would block for ever if the publish were lost
  EXPECT_NE(s.epoch(), seen);
}

TEST(OutcomeSignal, AWaiterSeesTheOutcomeWrittenBeforeThePublishThatWokeIt) {
  testing::Watchdog dog;
  std::atomic<bool> failed{false};
  OutcomeSignal s(failed);
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> outcome{0};
    std::thread waiter([&] {
      for (;;) {  // the applier's loop: epoch, look, block
        const std::uint32_t seen = s.epoch();
        if (outcome.load(std::memory_order_relaxed) == round + 1) return;
        s.wait(seen);
      }
    });
    outcome.store(round + 1, std::memory_order_relaxed);
    s.publish();
    waiter.join();  // the watchdog fails the test if a wake-up was lost
  }
}

TEST(OutcomeSignal, FailedIsTheRunsFlag) {
  std::atomic<bool> failed{false};
  OutcomeSignal s(failed);
  EXPECT_FALSE(s.failed());
  failed.store(true);
  EXPECT_TRUE(s.failed());
}

}  // namespace
}  // namespace orderflow
