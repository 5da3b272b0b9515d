// lower_this_thread_priority: lowers the calling thread only, relative to its
// nice now, and never above 19.
#include <gtest/gtest.h>

#include <thread>

#include "engine/thread_priority.h"

namespace orderflow {
namespace {

TEST(ThreadPriority, LowersTheCallingThreadOnlyByTheStepsGiven) {
  const int before = this_thread_nice();
  int in_thread = -100, after_zero = -100, capped = -100;
  std::thread t([&] {
    lower_this_thread_priority(0);
    after_zero = this_thread_nice();
    lower_this_thread_priority(3);
    in_thread = this_thread_nice();
    lower_this_thread_priority(40);
    capped = this_thread_nice();
  });
  t.join();
  EXPECT_EQ(after_zero, before);
  EXPECT_EQ(in_thread, std::min(before + 3, 19));
  EXPECT_EQ(capped, 19);
  EXPECT_EQ(this_thread_nice(), before);  // the caller's own thread is untouched
}

}  // namespace
}  // namespace orderflow
