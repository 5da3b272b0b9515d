// Context: the cancellation tree. No test asserts speed; timeouts only catch
// hangs (Watchdog aborts the binary after 30 s).
#include "tests/watchdog.h"
#include "engine/context.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orderflow {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::Watchdog;

const ContextKey<std::uint64_t> kSeqKey{"test.seq"};
const ContextKey<std::string> kIdKey{"test.id"};
const ContextKey<std::uint64_t> kOtherKey{"test.other"};  // same type, different key

TEST(ContextTest, BackgroundNeverEnds) {
  const Context bg = Context::background();
  EXPECT_EQ(bg.err(), ContextError::kNone);
  EXPECT_FALSE(bg.done());
  EXPECT_FALSE(bg.deadline().has_value());
  EXPECT_FALSE(bg.can_end());
  EXPECT_FALSE(bg.wait_for(5ms));
  EXPECT_TRUE(Context() == bg);  // default-constructed is background
  bool ran = false;
  DoneRegistration reg = bg.on_done([&] { ran = true; });
  EXPECT_FALSE(static_cast<bool>(reg));
  EXPECT_FALSE(ran);
}

TEST(ContextTest, CancelPropagatesToEveryDescendant) {
  Watchdog wd;
  auto [root, cancel_root] = with_cancel(Context::background());
  auto [child, cancel_child] = with_cancel(root);
  Context valued = with_value(child, kSeqKey, std::uint64_t{1});
  auto [grandchild, cancel_grandchild] = with_timeout(valued, std::chrono::hours(1));
  auto [great, cancel_great] = with_cancel(grandchild);
  for (const Context* c : {&root, &child, &valued, &grandchild, &great}) {
    EXPECT_EQ(c->err(), ContextError::kNone);
    EXPECT_TRUE(c->can_end());
  }

  std::atomic<bool> woke{false};
  std::thread waiter([&, great = great] {
    great.wait();
    woke = true;
  });
  cancel_root();
  waiter.join();
  EXPECT_TRUE(woke.load());
  for (const Context* c : {&root, &child, &valued, &grandchild, &great}) {
    EXPECT_EQ(c->err(), ContextError::kCancelled);
    EXPECT_TRUE(c->done());
    EXPECT_TRUE(c->wait_for(0ms));
  }
}

TEST(ContextTest, CancellingAChildLeavesItsParentAlone) {
  auto [parent, cancel_parent] = with_cancel(Context::background());
  auto [child, cancel_child] = with_cancel(parent);
  auto [sibling, cancel_sibling] = with_cancel(parent);
  cancel_child();
  EXPECT_EQ(child.err(), ContextError::kCancelled);
  EXPECT_EQ(parent.err(), ContextError::kNone);
  EXPECT_EQ(sibling.err(), ContextError::kNone);
}

TEST(ContextTest, DeadlineFiresWithoutAnyCancel) {
  Watchdog wd;
  auto [ctx, cancel] = with_timeout(Context::background(), 30ms);
  auto [child, cancel_child] = with_cancel(ctx);  // inherits the deadline
  ASSERT_TRUE(ctx.deadline().has_value());
  EXPECT_EQ(child.deadline(), ctx.deadline());
  const auto deadline = *ctx.deadline();
  child.wait();  // wakes at the deadline; nobody cancels
  EXPECT_GE(Clock::now(), deadline);
  EXPECT_EQ(child.err(), ContextError::kDeadlineExceeded);
  EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
  // Also through wait_until with a later timeout, on a fresh context.
  auto [c2, cancel2] = with_timeout(Context::background(), 20ms);
  EXPECT_TRUE(c2.wait_for(std::chrono::seconds(20)));
  EXPECT_EQ(c2.err(), ContextError::kDeadlineExceeded);
}

TEST(ContextTest, WaitForTimesOutOnALiveContext) {
  auto [ctx, cancel] = with_cancel(Context::background());
  const auto start = Clock::now();
  EXPECT_FALSE(ctx.wait_for(10ms));
  EXPECT_GE(Clock::now() - start, 10ms);
  EXPECT_FALSE(ctx.wait_until(Clock::now() - 1s));
  EXPECT_EQ(ctx.err(), ContextError::kNone);
}

TEST(ContextTest, FirstCauseIsSticky) {
  {  // cancelled first; the deadline passing later changes nothing
    auto [ctx, cancel] = with_timeout(Context::background(), 10ms);
    cancel();
    EXPECT_EQ(ctx.err(), ContextError::kCancelled);
    std::this_thread::sleep_for(15ms);
    EXPECT_EQ(ctx.err(), ContextError::kCancelled);
  }
  {  // deadline noticed first; a later cancel changes nothing
    auto [ctx, cancel] = with_timeout(Context::background(), 1ms);
    ctx.wait();
    EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
    cancel();
    EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
  }
  {  // deadline passed unnoticed; cancel after it records the expiry
    auto [ctx, cancel] = with_timeout(Context::background(), 1ms);
    std::this_thread::sleep_for(5ms);
    cancel();
    EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
  }
  {  // a parent's cancel does not overwrite a child's expiry
    auto [parent, cancel_parent] = with_cancel(Context::background());
    auto [child, cancel_child] = with_timeout(parent, 1ms);
    child.wait();
    cancel_parent();
    EXPECT_EQ(child.err(), ContextError::kDeadlineExceeded);
    EXPECT_EQ(parent.err(), ContextError::kCancelled);
  }
}

TEST(ContextTest, ChildDeadlineIsTheEarlierOfOwnAndParents) {
  const auto now = Clock::now();
  auto [parent, cp] = with_deadline(Context::background(), now + 1h);
  auto [later, cl] = with_deadline(parent, now + 2h);
  auto [earlier, ce] = with_deadline(parent, now + 30min);
  auto [plain, cpl] = with_cancel(parent);
  EXPECT_EQ(*later.deadline(), now + 1h);
  EXPECT_EQ(*earlier.deadline(), now + 30min);
  EXPECT_EQ(*plain.deadline(), now + 1h);
  auto [none, cn] = with_cancel(Context::background());
  EXPECT_FALSE(none.deadline().has_value());
  // A huge timeout saturates instead of overflowing: no deadline at all.
  auto [huge, ch] = with_timeout(Context::background(), std::chrono::hours::max());
  EXPECT_FALSE(huge.done());
  EXPECT_FALSE(huge.deadline().has_value());
}

TEST(ContextTest, PastDeadlineGivesAContextBornExpired) {
  auto [ctx, cancel] = with_timeout(Context::background(), -5ms);
  EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
  auto [ctx2, cancel2] = with_deadline(Context::background(), Clock::now());
  EXPECT_EQ(ctx2.err(), ContextError::kDeadlineExceeded);
}

TEST(ContextTest, ValuesAreFoundThroughAncestors) {
  auto [root, cancel_root] = with_cancel(Context::background());
  Context a = with_value(root, kSeqKey, std::uint64_t{7});
  auto [mid, cancel_mid] = with_cancel(a);
  Context b = with_value(mid, kIdKey, "order-42");
  Context leaf = with_value(b, kSeqKey, std::uint64_t{8});  // shadows 7 below here

  ASSERT_NE(leaf.value(kIdKey), nullptr);
  EXPECT_EQ(*leaf.value(kIdKey), "order-42");
  ASSERT_NE(leaf.value(kSeqKey), nullptr);
  EXPECT_EQ(*leaf.value(kSeqKey), 8u);
  EXPECT_EQ(*b.value(kSeqKey), 7u);
  EXPECT_EQ(*mid.value(kSeqKey), 7u);
  EXPECT_EQ(mid.value(kIdKey), nullptr);   // values do not flow up
  EXPECT_EQ(leaf.value(kOtherKey), nullptr);  // keys are identities, not types
  EXPECT_EQ(root.value(kSeqKey), nullptr);
  EXPECT_EQ(Context::background().value(kSeqKey), nullptr);

  // A value context ends with its scope.
  cancel_mid();
  EXPECT_EQ(leaf.err(), ContextError::kCancelled);
  EXPECT_EQ(a.err(), ContextError::kNone);
  // The value outlives every handle but one.
  const std::string* id = leaf.value(kIdKey);
  { Context drop = b; }
  EXPECT_EQ(*id, "order-42");
}

TEST(ContextTest, CancellingTwiceOrConcurrentlyIsHarmless) {
  Watchdog wd;
  for (int round = 0; round < 20; ++round) {
    auto [ctx, cancel] = with_cancel(Context::background());
    std::atomic<int> runs{0};
    DoneRegistration reg = ctx.on_done([&] { ++runs; });
    constexpr int kThreads = 6;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, cancel = cancel] {
        start.arrive_and_wait();
        cancel();
        cancel();
      });
    }
    for (auto& t : threads) t.join();
    cancel();
    EXPECT_EQ(ctx.err(), ContextError::kCancelled);
    EXPECT_EQ(runs.load(), 1);
  }
  CancelFunc nothing;
  nothing();  // a default CancelFunc does nothing
}

TEST(ContextTest, ChildOfAnEndedParentIsBornEnded) {
  auto [parent, cancel_parent] = with_cancel(Context::background());
  cancel_parent();
  auto [child, cancel_child] = with_cancel(parent);
  EXPECT_EQ(child.err(), ContextError::kCancelled);
  auto [timed, cancel_timed] = with_timeout(parent, 1h);
  EXPECT_EQ(timed.err(), ContextError::kCancelled);
  EXPECT_EQ(parent.child_count_for_testing(), 0u);  // never linked
  bool ran = false;
  DoneRegistration reg = child.on_done([&] { ran = true; });
  EXPECT_TRUE(ran);  // ran inline: the context had already ended
  EXPECT_FALSE(static_cast<bool>(reg));

  auto [expired, cancel_expired] = with_timeout(Context::background(), 1ms);
  expired.wait();
  auto [late, cancel_late] = with_cancel(expired);
  EXPECT_EQ(late.err(), ContextError::kDeadlineExceeded);
}

TEST(ContextTest, OnDoneRunsOnceOnTheCancellingThread) {
  auto [parent, cancel_parent] = with_cancel(Context::background());
  auto [child, cancel_child] = with_cancel(parent);
  std::atomic<int> runs{0};
  std::thread::id ran_on;
  DoneRegistration reg = child.on_done([&] {
    ++runs;
    ran_on = std::this_thread::get_id();
  });
  EXPECT_TRUE(static_cast<bool>(reg));
  EXPECT_EQ(runs.load(), 0);
  std::thread canceller([&, cancel_parent = cancel_parent] { cancel_parent(); });
  const std::thread::id canceller_id = canceller.get_id();
  canceller.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(ran_on, canceller_id);
  cancel_child();
  EXPECT_EQ(runs.load(), 1);
}

TEST(ContextTest, UnregisteredCallbackNeverRuns) {
  auto [ctx, cancel] = with_cancel(Context::background());
  bool ran = false;
  {
    DoneRegistration reg = ctx.on_done([&] { ran = true; });
  }
  DoneRegistration moved_away = ctx.on_done([&] { ran = true; });
  DoneRegistration target = std::move(moved_away);
  target.reset();
  EXPECT_FALSE(static_cast<bool>(target));
  cancel();
  EXPECT_FALSE(ran);
}

TEST(ContextTest, OnDoneOnlyForCancelNotForAnUnnoticedDeadline) {
  // Documented: no timer thread. Cancelling after the deadline still runs it.
  auto [ctx, cancel] = with_timeout(Context::background(), 1ms);
  int runs = 0;
  DoneRegistration reg = ctx.on_done([&] { ++runs; });
  ctx.wait();
  EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
  EXPECT_EQ(runs, 0);
  cancel();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
}

TEST(ContextTest, ResetFromInsideTheCallbackDoesNotDeadlock) {
  Watchdog wd;
  auto [ctx, cancel] = with_cancel(Context::background());
  DoneRegistration reg;
  bool ran = false;
  reg = ctx.on_done([&] {
    ran = true;
    reg.reset();
  });
  cancel();
  EXPECT_TRUE(ran);
  EXPECT_FALSE(static_cast<bool>(reg));
}

TEST(ContextTest, ResetWaitsForACallbackRunningOnAnotherThread) {
  Watchdog wd;
  auto [ctx, cancel] = with_cancel(Context::background());
  std::atomic<bool> entered{false}, release{false}, finished{false};
  DoneRegistration reg = ctx.on_done([&] {
    entered = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  std::thread canceller([cancel = cancel] { cancel(); });
  while (!entered) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    release = true;
  });
  reg.reset();  // must not return while the callback runs
  EXPECT_TRUE(finished.load());
  canceller.join();
  releaser.join();
}

TEST(ContextTest, ChildrenDetachWhenCancelledOrDestroyed) {
  auto [parent, cancel_parent] = with_cancel(Context::background());
  EXPECT_EQ(parent.child_count_for_testing(), 0u);
  {
    auto [a, cancel_a] = with_cancel(parent);
    auto [b, cancel_b] = with_timeout(parent, 1h);
    EXPECT_EQ(parent.child_count_for_testing(), 2u);
    cancel_a();
    EXPECT_EQ(parent.child_count_for_testing(), 1u);
  }  // b destroyed without cancel
  EXPECT_EQ(parent.child_count_for_testing(), 0u);

  // The per-order pattern: a child and a value per order, millions in a real run.
  for (std::uint64_t seq = 0; seq < 20000; ++seq) {
    auto [order_ctx, cancel_order] = with_cancel(parent);
    Context traced = with_value(order_ctx, kSeqKey, seq);
    ASSERT_EQ(*traced.value(kSeqKey), seq);
    if (seq % 2 == 0) cancel_order();
  }
  EXPECT_EQ(parent.child_count_for_testing(), 0u);

  // Value contexts share their parent's scope: they are not children.
  Context v = with_value(parent, kSeqKey, std::uint64_t{1});
  EXPECT_EQ(parent.child_count_for_testing(), 0u);
  auto [under_value, cancel_uv] = with_cancel(v);
  EXPECT_EQ(parent.child_count_for_testing(), 1u);
  EXPECT_EQ(v.child_count_for_testing(), 1u);

  // Cancelling the parent unlinks every child at once.
  auto [c1, k1] = with_cancel(parent);
  auto [c2, k2] = with_cancel(c1);
  EXPECT_EQ(parent.child_count_for_testing(), 2u);
  EXPECT_EQ(c1.child_count_for_testing(), 1u);
  cancel_parent();
  EXPECT_EQ(parent.child_count_for_testing(), 0u);
  EXPECT_EQ(c1.child_count_for_testing(), 0u);
  EXPECT_EQ(c2.err(), ContextError::kCancelled);
}

TEST(ContextTest, ChildrenOfBackgroundAreNotLinked) {
  auto [a, cancel_a] = with_cancel(Context::background());
  EXPECT_EQ(Context::background().child_count_for_testing(), 0u);
}

TEST(ContextTest, ConcurrentChildChurnAndParentCancel) {
  // Threads create, use and cancel or drop children while the parent is
  // cancelled underneath them: no lost cancellation, no dangling links.
  Watchdog wd;
  for (int round = 0; round < 10; ++round) {
    auto [parent, cancel_parent] = with_cancel(Context::background());
    std::vector<std::thread> threads;
    std::atomic<int> children_seen_cancelled{0};
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, parent = parent] {
        for (int i = 0;; ++i) {
          auto [child, cancel_child] = with_cancel(parent);
          auto [grand, cancel_grand] = with_timeout(child, 1h);
          std::atomic<bool> called{false};
          DoneRegistration reg = grand.on_done([&] { called = true; });
          if (i % 3 == 0) cancel_child();
          if (parent.done()) {
            // Once the parent ended, every descendant has ended too.
            EXPECT_TRUE(grand.done());
            if (grand.done()) ++children_seen_cancelled;
            break;
          }
        }
      });
    }
    std::this_thread::sleep_for(2ms);
    cancel_parent();
    for (auto& t : threads) t.join();
    EXPECT_EQ(parent.child_count_for_testing(), 0u);
    EXPECT_EQ(children_seen_cancelled.load(), 3);
  }
}

TEST(ContextTest, ErrorNames) {
  EXPECT_STREQ(to_string(ContextError::kNone), "none");
  EXPECT_STREQ(to_string(ContextError::kCancelled), "cancelled");
  EXPECT_STREQ(to_string(ContextError::kDeadlineExceeded), "deadline exceeded");
}

}  // namespace
}  // namespace orderflow
