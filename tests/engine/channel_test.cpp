// Channel<T>: one test per semantic, including the racy ones. No test asserts
// speed; timeouts only catch hangs (Watchdog aborts the binary after 30 s).
#include "tests/watchdog.h"
#include "engine/channel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "engine/context.h"

namespace orderflow {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::Watchdog;

// Polls `pred` until it holds; fails the test after a generous bound.
template <class Pred>
bool eventually(Pred pred) {
  const auto give_up = Clock::now() + 20s;
  while (!pred()) {
    if (Clock::now() > give_up) {
      ADD_FAILURE() << "condition never became true";
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

using Ptr = std::unique_ptr<int>;

// ---- capacity

TEST(ChannelTest, CapacityIsExactForAnyN) {
  for (std::size_t n : {1u, 2u, 3u, 5u, 7u, 100u, 1000u}) {
    Channel<int> ch(n);
    EXPECT_EQ(ch.capacity(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(ch.try_send(static_cast<int>(i)), ChannelStatus::kOk) << n;
    EXPECT_EQ(ch.try_send(-1), ChannelStatus::kFull) << n;
    EXPECT_EQ(ch.size_approx(), n);
    for (std::size_t i = 0; i < n; ++i) {
      int v = -1;
      ASSERT_EQ(ch.try_recv(v), ChannelStatus::kOk);
      EXPECT_EQ(v, static_cast<int>(i));
    }
    int v = 0;
    EXPECT_EQ(ch.try_recv(v), ChannelStatus::kEmpty);
    EXPECT_EQ(ch.size_approx(), 0u);
  }
}

TEST(ChannelTest, RingWrapsAroundKeepingFifo) {
  Channel<int> ch(3);
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 50; ++round) {
    while (ch.try_send(int{next_in}) == ChannelStatus::kOk) ++next_in;
    for (int k = 0; k < 1 + round % 3; ++k) {
      int v = -1;
      ASSERT_EQ(ch.try_recv(v), ChannelStatus::kOk);
      EXPECT_EQ(v, next_out++);
    }
  }
}

// ---- non-blocking operations

TEST(ChannelTest, TryOpsReportEmptyFullClosed) {
  Channel<int> ch(1);
  int v = 0;
  EXPECT_EQ(ch.try_recv(v), ChannelStatus::kEmpty);
  EXPECT_EQ(ch.try_send(1), ChannelStatus::kOk);
  EXPECT_EQ(ch.try_send(2), ChannelStatus::kFull);
  EXPECT_TRUE(ch.close());
  EXPECT_EQ(ch.try_send(3), ChannelStatus::kClosed);
  EXPECT_EQ(ch.try_recv(v), ChannelStatus::kOk);  // still drains
  EXPECT_EQ(v, 1);
  EXPECT_EQ(ch.try_recv(v), ChannelStatus::kClosed);
}

TEST(ChannelTest, UnbufferedTryOpsNeedAPartner) {
  Watchdog wd;
  Channel<int> ch(0);
  int v = 0;
  EXPECT_EQ(ch.try_send(1), ChannelStatus::kFull);  // nobody receiving
  EXPECT_EQ(ch.try_recv(v), ChannelStatus::kEmpty);  // nobody sending

  // A blocked receiver makes try_send succeed: the value goes straight to it.
  int got = 0;
  std::thread receiver([&] { EXPECT_EQ(ch.recv(got), ChannelStatus::kOk); });
  ASSERT_TRUE(eventually([&] { return ch.blocked_receivers_for_testing() == 1; }));
  EXPECT_EQ(ch.try_send(7), ChannelStatus::kOk);
  receiver.join();
  EXPECT_EQ(got, 7);

  // A blocked sender makes try_recv succeed.
  std::thread sender([&] { EXPECT_EQ(ch.send(8), ChannelStatus::kOk); });
  ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
  EXPECT_EQ(ch.try_recv(v), ChannelStatus::kOk);
  EXPECT_EQ(v, 8);
  sender.join();
}

// ---- rendezvous

TEST(ChannelTest, UnbufferedSendReturnsOnlyAfterAReceiverTookTheValue) {
  Watchdog wd;
  Channel<int> ch(0);
  std::atomic<bool> receiver_started{false};
  std::atomic<bool> send_returned{false};
  std::thread sender([&] {
    EXPECT_EQ(ch.send(42), ChannelStatus::kOk);
    // The value cannot have been taken before the receiver started receiving.
    EXPECT_TRUE(receiver_started.load());
    send_returned = true;
  });
  ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
  std::this_thread::sleep_for(20ms);  // give a wrong (buffering) send time to return
  EXPECT_FALSE(send_returned.load());
  EXPECT_EQ(ch.size_approx(), 0u);
  receiver_started = true;
  int v = 0;
  EXPECT_EQ(ch.recv(v), ChannelStatus::kOk);
  EXPECT_EQ(v, 42);
  sender.join();
  EXPECT_TRUE(send_returned.load());
}

TEST(ChannelTest, UnbufferedSenderNeverRunsAheadOfReceiver) {
  Watchdog wd;
  Channel<int> ch(0);
  constexpr int kN = 2000;
  std::atomic<int> last_returned{-1};
  std::thread sender([&] {
    for (int i = 0; i < kN; ++i) {
      ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
      last_returned = i;
    }
  });
  for (int i = 0; i < kN; ++i) {
    int v = -1;
    ASSERT_EQ(ch.recv(v), ChannelStatus::kOk);
    ASSERT_EQ(v, i);
    // send(i + 1) cannot have returned: nobody has received i + 1 yet.
    ASSERT_LE(last_returned.load(), i);
  }
  sender.join();
}

// ---- blocking and FIFO

TEST(ChannelTest, SendBlocksWhileFullUntilAReceiverMakesRoom) {
  Watchdog wd;
  Channel<int> ch(2);
  ASSERT_EQ(ch.send(1), ChannelStatus::kOk);
  ASSERT_EQ(ch.send(2), ChannelStatus::kOk);
  std::atomic<bool> returned{false};
  std::thread sender([&] {
    EXPECT_EQ(ch.send(3), ChannelStatus::kOk);
    returned = true;
  });
  ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
  EXPECT_FALSE(returned.load());
  int v = 0;
  ASSERT_EQ(ch.recv(v), ChannelStatus::kOk);
  EXPECT_EQ(v, 1);
  sender.join();
  EXPECT_EQ(ch.size_approx(), 2u);  // the blocked value moved into the freed slot
  ASSERT_EQ(ch.recv(v), ChannelStatus::kOk);
  EXPECT_EQ(v, 2);
  ASSERT_EQ(ch.recv(v), ChannelStatus::kOk);
  EXPECT_EQ(v, 3);
}

TEST(ChannelTest, ManyProducersManyConsumersLoseAndDuplicateNothing) {
  Watchdog wd;
  constexpr int kProducers = 4, kConsumers = 4;
  for (std::size_t capacity : {0u, 1u, 7u, 1024u}) {
    const int per_producer = capacity == 0 ? 1000 : 5000;
    const int total = kProducers * per_producer;
    Channel<int> ch(capacity);
    std::vector<std::atomic<int>> seen(total);
    std::vector<std::thread> threads;
    std::atomic<int> producers_left{kProducers};
    for (int p = 0; p < kProducers; ++p) {
      threads.emplace_back([&, p] {
        int i = 0;
        while (i < per_producer) {
          if ((i / 16) % 2 == 0) {  // alternate single sends and batches
            ASSERT_EQ(ch.send(p * per_producer + i), ChannelStatus::kOk);
            ++i;
          } else {
            std::vector<int> batch;
            for (int k = 0; k < 16 && i < per_producer; ++k, ++i) batch.push_back(p * per_producer + i);
            const SendManyResult r = ch.send_many(batch);
            ASSERT_EQ(r.status, ChannelStatus::kOk);
            ASSERT_EQ(r.sent, batch.size());
          }
        }
        if (--producers_left == 0) {
          EXPECT_TRUE(ch.close());
        }
      });
    }
    for (int c = 0; c < kConsumers; ++c) {
      threads.emplace_back([&, c] {
        std::vector<int> last(kProducers, -1);  // per producer, values arrive in order
        auto take = [&](int v) {
          ASSERT_GE(v, 0);
          ASSERT_LT(v, total);
          seen[v].fetch_add(1);
          const int p = v / per_producer;
          EXPECT_GT(v, last[p]);
          last[p] = v;
        };
        std::vector<int> batch;
        for (;;) {
          if (c % 2 == 0) {
            int v;
            if (ch.recv(v) != ChannelStatus::kOk) break;
            take(v);
          } else {
            batch.clear();
            if (ch.recv_many(batch, 32) != ChannelStatus::kOk) break;
            EXPECT_GE(batch.size(), 1u);
            EXPECT_LE(batch.size(), 32u);
            for (int v : batch) take(v);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    long long sum = 0;
    for (int v = 0; v < total; ++v) {
      ASSERT_EQ(seen[v].load(), 1) << "value " << v << " capacity " << capacity;
      sum += v;
    }
    EXPECT_EQ(sum, static_cast<long long>(total) * (total - 1) / 2);
    EXPECT_EQ(ch.size_approx(), 0u);
  }
}

// ---- close

TEST(ChannelTest, CloseWakesBlockedReceivers) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 4u}) {
    Channel<int> ch(capacity);
    std::vector<std::thread> receivers;
    std::atomic<int> closed_seen{0};
    for (int i = 0; i < 3; ++i) {
      receivers.emplace_back([&] {
        int v = 0;
        if (ch.recv(v) == ChannelStatus::kClosed) ++closed_seen;
      });
    }
    ASSERT_TRUE(eventually([&] { return ch.blocked_receivers_for_testing() == 3; }));
    EXPECT_TRUE(ch.close());
    for (auto& t : receivers) t.join();
    EXPECT_EQ(closed_seen.load(), 3);
    EXPECT_EQ(ch.blocked_receivers_for_testing(), 0u);
  }
}

TEST(ChannelTest, CloseWakesBlockedSendersWhoKeepTheirValuesAndBufferStillDrains) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 2u}) {
    Channel<Ptr> ch(capacity);
    for (std::size_t i = 0; i < capacity; ++i) ASSERT_EQ(ch.send(std::make_unique<int>(100 + int(i))), ChannelStatus::kOk);
    std::vector<std::thread> senders;
    std::atomic<int> kept{0};
    for (int i = 0; i < 3; ++i) {
      senders.emplace_back([&, i] {
        Ptr p = std::make_unique<int>(i);
        if (ch.send(std::move(p)) == ChannelStatus::kClosed && p && *p == i) ++kept;
      });
    }
    ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 3; }));
    EXPECT_TRUE(ch.close());
    for (auto& t : senders) t.join();
    EXPECT_EQ(kept.load(), 3);
    for (std::size_t i = 0; i < capacity; ++i) {
      Ptr p;
      ASSERT_EQ(ch.recv(p), ChannelStatus::kOk);
      EXPECT_EQ(*p, 100 + int(i));
    }
    Ptr p;
    EXPECT_EQ(ch.recv(p), ChannelStatus::kClosed);
    EXPECT_EQ(p, nullptr);
  }
}

TEST(ChannelTest, SendOnClosedChannelFailsAndKeepsTheValue) {
  Channel<Ptr> ch(4);
  EXPECT_FALSE(ch.closed());
  EXPECT_TRUE(ch.close());
  EXPECT_TRUE(ch.closed());
  Ptr p = std::make_unique<int>(5);
  EXPECT_EQ(ch.send(std::move(p)), ChannelStatus::kClosed);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(ch.try_send(std::move(p)), ChannelStatus::kClosed);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(ch.send(std::move(p), Context::background()), ChannelStatus::kClosed);
  ASSERT_NE(p, nullptr);
  std::vector<Ptr> items;
  items.push_back(std::make_unique<int>(1));
  const SendManyResult r = ch.send_many(items);
  EXPECT_EQ(r.status, ChannelStatus::kClosed);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_NE(items[0], nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(ChannelTest, CloseReturnsTrueExactlyOnceUnderConcurrentClosers) {
  Watchdog wd;
  for (int round = 0; round < 50; ++round) {
    Channel<int> ch(1);
    constexpr int kClosers = 8;
    std::latch start(kClosers);
    std::atomic<int> winners{0};
    std::vector<std::thread> closers;
    for (int i = 0; i < kClosers; ++i) {
      closers.emplace_back([&] {
        start.arrive_and_wait();
        if (ch.close()) ++winners;
      });
    }
    for (auto& t : closers) t.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_FALSE(ch.close());
  }
}

TEST(ChannelTest, RangeForDrainsThenEndsAfterClose) {
  Watchdog wd;
  Channel<int> ch(8);
  std::thread producer([&] {
    for (int i = 1; i <= 100; ++i) ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
    ch.close();
  });
  int sum = 0, count = 0, last = 0;
  for (int& v : ch) {
    EXPECT_EQ(v, last + 1);
    last = v;
    sum += v;
    ++count;
  }
  producer.join();
  EXPECT_EQ(count, 100);
  EXPECT_EQ(sum, 5050);

  Channel<int> empty(1);
  empty.close();
  for ([[maybe_unused]] int& v : empty) ADD_FAILURE() << "closed empty channel yielded a value";
}

TEST(ChannelTest, RecvOptionalReturnsNulloptOnceClosedAndDrained) {
  Channel<std::string> ch(2);
  ASSERT_EQ(ch.send(std::string("a")), ChannelStatus::kOk);
  ch.close();
  std::optional<std::string> v = ch.recv();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, "a");
  EXPECT_FALSE(ch.recv().has_value());
}

// ---- move-only payloads

TEST(ChannelTest, MoveOnlyPayloadsWorkThroughEveryOperation) {
  Watchdog wd;
  Channel<Ptr> ch(4);
  ASSERT_EQ(ch.send(std::make_unique<int>(1)), ChannelStatus::kOk);
  ASSERT_EQ(ch.try_send(std::make_unique<int>(2)), ChannelStatus::kOk);
  ASSERT_EQ(ch.send(std::make_unique<int>(3), Context::background()), ChannelStatus::kOk);
  std::vector<Ptr> many;
  many.push_back(std::make_unique<int>(4));
  EXPECT_EQ(ch.send_many(many).sent, 1u);
  EXPECT_EQ(many[0], nullptr);  // moved from on success

  Ptr p;
  ASSERT_EQ(ch.recv(p), ChannelStatus::kOk);
  EXPECT_EQ(*p, 1);
  ASSERT_EQ(ch.try_recv(p), ChannelStatus::kOk);
  EXPECT_EQ(*p, 2);
  std::optional<Ptr> o = ch.recv();
  ASSERT_TRUE(o && *o);
  EXPECT_EQ(**o, 3);
  std::vector<Ptr> out;
  ASSERT_EQ(ch.recv_many(out, 10), ChannelStatus::kOk);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0], 4);

  // Buffered move-only items left at destruction are destroyed (ASan checks leaks).
  Channel<Ptr> leftover(2);
  ASSERT_EQ(leftover.send(std::make_unique<int>(9)), ChannelStatus::kOk);
  // Range-for hands out references to move-only values.
  Channel<Ptr> ranged(0);
  std::thread producer([&] {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(ranged.send(std::make_unique<int>(i)), ChannelStatus::kOk);
    ranged.close();
  });
  int n = 0;
  for (Ptr& q : ranged) {
    Ptr mine = std::move(q);
    EXPECT_EQ(*mine, n++);
  }
  producer.join();
  EXPECT_EQ(n, 3);
}

// ---- context-bounded waits

TEST(ChannelTest, CancelWakesABlockedReceiver) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 3u}) {
    Channel<Ptr> ch(capacity);
    auto [ctx, cancel] = with_cancel(Context::background());
    ChannelStatus status = ChannelStatus::kOk;
    Ptr out = std::make_unique<int>(-1);
    std::thread receiver([&, ctx = ctx] { status = ch.recv(out, ctx); });
    ASSERT_TRUE(eventually([&] { return ch.blocked_receivers_for_testing() == 1; }));
    cancel();
    receiver.join();
    EXPECT_EQ(status, ChannelStatus::kCancelled);
    ASSERT_NE(out, nullptr);  // untouched
    EXPECT_EQ(*out, -1);
    EXPECT_EQ(ch.blocked_receivers_for_testing(), 0u);
    // The channel still works afterwards.
    if (capacity > 0) {
      ASSERT_EQ(ch.send(std::make_unique<int>(1)), ChannelStatus::kOk);
      ASSERT_EQ(ch.recv(out), ChannelStatus::kOk);
      EXPECT_EQ(*out, 1);
    }
  }
}

TEST(ChannelTest, CancelWakesABlockedSenderWhoKeepsTheValue) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 1u}) {
    Channel<Ptr> ch(capacity);
    if (capacity == 1) {
      ASSERT_EQ(ch.send(std::make_unique<int>(0)), ChannelStatus::kOk);
    }
    auto [ctx, cancel] = with_cancel(Context::background());
    ChannelStatus status = ChannelStatus::kOk;
    Ptr p = std::make_unique<int>(7);
    std::thread sender([&, ctx = ctx] { status = ch.send(std::move(p), ctx); });
    ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
    cancel();
    sender.join();
    EXPECT_EQ(status, ChannelStatus::kCancelled);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 7);
    EXPECT_EQ(ch.size_approx(), capacity);  // the buffered item is still there
    EXPECT_EQ(ch.blocked_senders_for_testing(), 0u);
  }
}

TEST(ChannelTest, DeadlineWakesABlockedReceiverWithoutAnyCancel) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 2u}) {
    Channel<int> ch(capacity);
    auto [ctx, cancel] = with_timeout(Context::background(), 30ms);
    int v = -1;
    EXPECT_EQ(ch.recv(v, ctx), ChannelStatus::kDeadlineExceeded);
    EXPECT_GE(Clock::now(), *ctx.deadline());  // not before the deadline
    EXPECT_EQ(v, -1);
    EXPECT_EQ(ctx.err(), ContextError::kDeadlineExceeded);
    std::vector<int> out;
    EXPECT_EQ(ch.recv_many(out, 4, ctx), ChannelStatus::kDeadlineExceeded);
    EXPECT_TRUE(out.empty());
  }
}

TEST(ChannelTest, DeadlineWakesABlockedSenderWithoutAnyCancel) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 1u}) {
    Channel<Ptr> ch(capacity);
    if (capacity == 1) {
      ASSERT_EQ(ch.send(std::make_unique<int>(0)), ChannelStatus::kOk);
    }
    auto [ctx, cancel] = with_timeout(Context::background(), 30ms);
    Ptr p = std::make_unique<int>(3);
    EXPECT_EQ(ch.send(std::move(p), ctx), ChannelStatus::kDeadlineExceeded);
    EXPECT_GE(Clock::now(), *ctx.deadline());
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(ch.blocked_senders_for_testing(), 0u);
  }
}

TEST(ChannelTest, AncestorCancelWakesAWaiterOnADescendantContext) {
  Watchdog wd;
  Channel<int> ch(1);
  auto [root, cancel_root] = with_cancel(Context::background());
  auto [mid, cancel_mid] = with_timeout(root, std::chrono::hours(1));
  static const ContextKey<int> kKey{"test.key"};
  Context leaf = with_value(mid, kKey, 1);
  ChannelStatus status = ChannelStatus::kOk;
  std::thread receiver([&] {
    int v;
    status = ch.recv(v, leaf);
  });
  ASSERT_TRUE(eventually([&] { return ch.blocked_receivers_for_testing() == 1; }));
  cancel_root();
  receiver.join();
  EXPECT_EQ(status, ChannelStatus::kCancelled);
}

TEST(ChannelTest, AnEndedContextWinsEvenIfTheChannelIsReady) {
  Channel<int> ch(2);
  ASSERT_EQ(ch.send(1), ChannelStatus::kOk);
  auto [ctx, cancel] = with_cancel(Context::background());
  cancel();
  int v = 0;
  EXPECT_EQ(ch.recv(v, ctx), ChannelStatus::kCancelled);
  EXPECT_EQ(ch.send(2, ctx), ChannelStatus::kCancelled);
  EXPECT_EQ(ch.size_approx(), 1u);  // nothing taken, nothing added
  auto [expired, c2] = with_timeout(Context::background(), -1ms);
  EXPECT_EQ(ch.recv(v, expired), ChannelStatus::kDeadlineExceeded);
}

TEST(ChannelTest, ContextWaitersAndPlainTrafficMixWithoutLoss) {
  // Receivers with short deadlines keep timing out and retrying while the
  // producer sends: every value is received exactly once.
  Watchdog wd;
  for (std::size_t capacity : {0u, 4u}) {
    Channel<int> ch(capacity);
    constexpr int kN = 2000;
    std::vector<std::atomic<int>> seen(kN);
    std::thread producer([&] {
      for (int i = 0; i < kN; ++i) {
        ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
        if (i % 100 == 0) std::this_thread::sleep_for(1ms);
      }
      ch.close();
    });
    std::vector<std::thread> consumers;
    for (int c = 0; c < 2; ++c) {
      consumers.emplace_back([&] {
        for (;;) {
          auto [ctx, cancel] = with_timeout(Context::background(), 200us);
          int v;
          const ChannelStatus s = ch.recv(v, ctx);
          if (s == ChannelStatus::kClosed) break;
          if (s == ChannelStatus::kOk) seen[v].fetch_add(1);
        }
      });
    }
    producer.join();
    for (auto& t : consumers) t.join();
    for (int i = 0; i < kN; ++i) ASSERT_EQ(seen[i].load(), 1) << i;
  }
}

// ---- batches

TEST(ChannelTest, RecvManyTakesUpToMaxInOrder) {
  Channel<int> ch(10);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
  std::vector<int> out;
  ASSERT_EQ(ch.recv_many(out, 4), ChannelStatus::kOk);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3}));
  ASSERT_EQ(ch.recv_many(out, 100), ChannelStatus::kOk);  // appends
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  ch.close();
  EXPECT_EQ(ch.recv_many(out, 4), ChannelStatus::kClosed);
  EXPECT_EQ(out.size(), 10u);
}

TEST(ChannelTest, RecvManyBlocksForTheFirstItem) {
  Watchdog wd;
  Channel<int> ch(4);
  std::vector<int> out;
  std::thread receiver([&] { EXPECT_EQ(ch.recv_many(out, 8), ChannelStatus::kOk); });
  ASSERT_TRUE(eventually([&] { return ch.blocked_receivers_for_testing() == 1; }));
  ASSERT_EQ(ch.send(5), ChannelStatus::kOk);
  receiver.join();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0], 5);
}

TEST(ChannelTest, RecvManyReleasesBlockedSendersInFifoOrder) {
  Watchdog wd;
  for (std::size_t capacity : {0u, 2u}) {
    Channel<int> ch(capacity);
    for (int i = 0; i < int(capacity); ++i) ASSERT_EQ(ch.send(int{i}), ChannelStatus::kOk);
    std::vector<std::thread> senders;
    // Start the blocked senders one at a time so that their queue order is known.
    for (int i = int(capacity); i < int(capacity) + 3; ++i) {
      senders.emplace_back([&ch, i] { EXPECT_EQ(ch.send(int{i}), ChannelStatus::kOk); });
      ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == std::size_t(i - capacity + 1); }));
    }
    std::vector<int> out;
    while (out.size() < capacity + 3) ASSERT_EQ(ch.recv_many(out, 100), ChannelStatus::kOk);
    for (auto& t : senders) t.join();
    std::vector<int> want(capacity + 3);
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(out, want);
  }
}

TEST(ChannelTest, SendManyBlocksAsNeededAndKeepsOrder) {
  Watchdog wd;
  Channel<int> ch(3);
  std::vector<int> items(50);
  std::iota(items.begin(), items.end(), 0);
  std::thread sender([&] {
    const SendManyResult r = ch.send_many(items);
    EXPECT_EQ(r.status, ChannelStatus::kOk);
    EXPECT_EQ(r.sent, 50u);
    ch.close();
  });
  std::vector<int> got;
  for (int& v : ch) got.push_back(v);
  sender.join();
  EXPECT_EQ(got, items);
}

TEST(ChannelTest, SendManyStopsAtCloseOrCancelAndKeepsTheRest) {
  Watchdog wd;
  {
    Channel<Ptr> ch(2);
    std::vector<Ptr> items;
    for (int i = 0; i < 5; ++i) items.push_back(std::make_unique<int>(i));
    SendManyResult r{ChannelStatus::kOk, 0};
    std::thread sender([&] { r = ch.send_many(items); });
    ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
    ch.close();
    sender.join();
    EXPECT_EQ(r.status, ChannelStatus::kClosed);
    EXPECT_EQ(r.sent, 2u);
    for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i] == nullptr, i < 2) << i;
  }
  {
    Channel<Ptr> ch(1);
    auto [ctx, cancel] = with_cancel(Context::background());
    std::vector<Ptr> items;
    for (int i = 0; i < 3; ++i) items.push_back(std::make_unique<int>(i));
    SendManyResult r{ChannelStatus::kOk, 0};
    std::thread sender([&, ctx = ctx] { r = ch.send_many(items, ctx); });
    ASSERT_TRUE(eventually([&] { return ch.blocked_senders_for_testing() == 1; }));
    cancel();
    sender.join();
    EXPECT_EQ(r.status, ChannelStatus::kCancelled);
    EXPECT_EQ(r.sent, 1u);
    EXPECT_NE(items[1], nullptr);
    EXPECT_NE(items[2], nullptr);
  }
}

TEST(ChannelTest, StatusNames) {
  EXPECT_STREQ(to_string(ChannelStatus::kOk), "ok");
  EXPECT_STREQ(to_string(ChannelStatus::kClosed), "closed");
  EXPECT_STREQ(to_string(ChannelStatus::kDeadlineExceeded), "deadline exceeded");
}

}  // namespace
}  // namespace orderflow
