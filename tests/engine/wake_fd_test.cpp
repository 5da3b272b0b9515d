// WakeFd (engine/wake_fd.h): not readable until woken, then readable for
// good; a wake() from another thread ends a poll() that waits forever.
#include "engine/wake_fd.h"

#include <poll.h>

#include <gtest/gtest.h>

#include <thread>

namespace orderflow {
namespace {

bool readable(const WakeFd& w, int timeout_ms) {
  pollfd p = {w.fd(), POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

TEST(WakeFd, ReadableOnlyOnceWokenAndThenForGood) {
  WakeFd w;
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_FALSE(readable(w, 0));
  w.wake();
  EXPECT_TRUE(readable(w, 0));
  EXPECT_TRUE(readable(w, 0));  // sticky: nothing drains it
  w.wake();
  EXPECT_TRUE(readable(w, 0));
}

TEST(WakeFd, AWakeFromAnotherThreadEndsAPollThatWaitsForever) {
  WakeFd w;
  ASSERT_TRUE(w.ok());
  std::thread t([&] { w.wake(); });
  EXPECT_TRUE(readable(w, -1));
  t.join();
}

}  // namespace
}  // namespace orderflow
