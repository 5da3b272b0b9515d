// WorkerPool: threads joined on every path, first exception kept and reported
// once, the given context cancelled. No test asserts speed.
#include "tests/watchdog.h"
#include "engine/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/channel.h"
#include "engine/context.h"

namespace orderflow {
namespace {

using namespace std::chrono_literals;

using testing::Watchdog;

std::string what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "?";
  }
}

TEST(WorkerPoolTest, RunsEveryWorkerOnceWithItsIndex) {
  Watchdog wd;
  constexpr std::size_t kWorkers = 5;
  std::vector<std::atomic<int>> calls(kWorkers);
  std::vector<std::thread::id> ids(kWorkers);
  WorkerPool pool(kWorkers, CancelFunc(), [&](std::size_t i) {
    calls[i].fetch_add(1);
    ids[i] = std::this_thread::get_id();
  });
  EXPECT_EQ(pool.size(), kWorkers);
  EXPECT_EQ(pool.join(), nullptr);
  for (std::size_t i = 0; i < kWorkers; ++i) {
    EXPECT_EQ(calls[i].load(), 1) << i;
    EXPECT_NE(ids[i], std::this_thread::get_id());
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(ids[i], ids[j]);  // a thread each
  }
  EXPECT_FALSE(pool.failed());
}

TEST(WorkerPoolTest, FirstExceptionIsKeptReportedOnceAndCancelsTheContext) {
  Watchdog wd;
  auto [ctx, cancel] = with_cancel(Context::background());
  std::atomic<int> stopped_by_cancel{0};
  WorkerPool pool(4, cancel, [&, ctx = ctx](std::size_t i) {
    if (i == 0) throw std::runtime_error("boom");
    // The others run until the context is cancelled by the pool, then fail
    // too: their exceptions are dropped, not reported.
    ctx.wait();
    if (ctx.err() == ContextError::kCancelled) ++stopped_by_cancel;
    throw std::logic_error("late");
  });
  const std::exception_ptr first = pool.join();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(what(first), "boom");
  EXPECT_EQ(pool.join(), first);  // idempotent: the same one exception
  EXPECT_EQ(pool.dropped_exceptions(), 3u);
  EXPECT_TRUE(pool.failed());
  EXPECT_EQ(ctx.err(), ContextError::kCancelled);
  EXPECT_EQ(stopped_by_cancel.load(), 3);
}

TEST(WorkerPoolTest, NonStandardExceptionsAreCapturedToo) {
  WorkerPool pool(1, CancelFunc(), [](std::size_t) { throw 42; });
  const std::exception_ptr e = pool.join();
  ASSERT_NE(e, nullptr);
  try {
    std::rethrow_exception(e);
  } catch (int v) {
    EXPECT_EQ(v, 42);
  }
}

TEST(WorkerPoolTest, DestructorJoinsEveryThread) {
  Watchdog wd;
  std::atomic<int> finished{0};
  {
    WorkerPool pool(3, CancelFunc(), [&](std::size_t) {
      std::this_thread::sleep_for(20ms);
      ++finished;
    });
  }  // no join(): the destructor must wait for all of them
  EXPECT_EQ(finished.load(), 3);
}

TEST(WorkerPoolTest, DestructorJoinsAndDoesNotThrowAfterAWorkerThrew) {
  Watchdog wd;
  std::atomic<int> finished{0};
  auto [ctx, cancel] = with_cancel(Context::background());
  {
    WorkerPool pool(3, cancel, [&, ctx = ctx](std::size_t i) {
      if (i == 1) throw std::runtime_error("x");
      ctx.wait();
      ++finished;
    });
  }
  EXPECT_EQ(finished.load(), 2);
  EXPECT_TRUE(ctx.done());
}

TEST(WorkerPoolTest, ZeroWorkers) {
  WorkerPool pool(0, CancelFunc(), [](std::size_t) { ADD_FAILURE(); });
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.join(), nullptr);
}

TEST(WorkerPoolTest, WorkersDrainASharedChannel) {
  Watchdog wd;
  Channel<int> ch(16);
  std::atomic<long long> sum{0};
  WorkerPool pool(3, CancelFunc(), [&](std::size_t) {
    std::vector<int> batch;
    while (ch.recv_many(batch, 8) == ChannelStatus::kOk) {
      for (int v : batch) sum += v;
      batch.clear();
    }
  });
  for (int i = 1; i <= 1000; ++i) ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
  ch.close();
  EXPECT_EQ(pool.join(), nullptr);
  EXPECT_EQ(sum.load(), 500500);
}

TEST(WorkerPoolTest, AFailingWorkerUnblocksSiblingsWaitingOnAChannel) {
  Watchdog wd;
  Channel<int> ch(4);  // nobody ever sends
  auto [ctx, cancel] = with_cancel(Context::background());
  std::atomic<int> cancelled{0};
  WorkerPool pool(3, cancel, [&, ctx = ctx](std::size_t i) {
    if (i == 2) {
      while (ch.blocked_receivers_for_testing() < 2) std::this_thread::yield();
      throw std::runtime_error("applier failed");
    }
    int v;
    if (ch.recv(v, ctx) == ChannelStatus::kCancelled) ++cancelled;
  });
  const std::exception_ptr e = pool.join();
  EXPECT_EQ(what(e), "applier failed");
  EXPECT_EQ(cancelled.load(), 2);
  EXPECT_EQ(pool.dropped_exceptions(), 0u);
}

}  // namespace
}  // namespace orderflow
