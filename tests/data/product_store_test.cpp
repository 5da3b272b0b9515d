// Product stores (data/*_store.h): every strategy behind the one interface.
//  - single-threaded, every store decides exactly like a plain reference model;
//  - under contention (8 threads, one hot product, >= 1M orders; 100k under
//    ThreadSanitizer), every store but check-then-act never lets stock go
//    below zero, never loses an update (units sold + stock left = initial
//    stock) and gives every order exactly one outcome, with and without
//    reversals (give_back) interleaved;
//  - check-then-act's lost updates and overselling, and the audit arithmetic
//    (data/store/stock_audit.h), on interleavings driven step by step.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "data/store/check_then_act_store.h"
#include "data/store/product_store.h"
#include "data/base/random.h"
#include "data/store/stock_audit.h"
#include "tests/sanitizers.h"

namespace orderflow {
namespace {

constexpr std::uint64_t kStressOrders = testing::kUnderTsan ? 100'000 : 1'000'000;
constexpr std::size_t kStressThreads = 8;

std::string name_of(const ::testing::TestParamInfo<StoreKind>& info) {
  std::string s(to_string(info.param));
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

// ---- every store, one thread: the same decisions as a plain model

class EveryStore : public ::testing::TestWithParam<StoreKind> {};

TEST_P(EveryStore, MakeStoreBuildsTheKindAsked) {
  std::unique_ptr<ProductStore> s = make_store(GetParam(), {3, 4}, 2);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind(), GetParam());
  EXPECT_EQ(s->size(), 2u);
  EXPECT_EQ(s->snapshot(), (std::vector<std::int64_t>{3, 4}));
}

TEST(MakeStore, AKindThatIsNoStoreGivesNullptr) {
  EXPECT_EQ(make_store(static_cast<StoreKind>(200), {3, 4}, 2), nullptr);
}

TEST_P(EveryStore, TakeAndGiveBackAtTheBoundary) {
  std::unique_ptr<ProductStore> s = make_store(GetParam(), {5, 0}, 1);
  TakeResult r = s->take(0, 5);  // exactly what is left
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.stock_seen, 5);
  EXPECT_EQ(s->stock(0), 0);
  r = s->take(0, 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.stock_seen, 0);
  EXPECT_EQ(s->stock(0), 0);  // a rejected take changes nothing
  s->give_back(0, 2);
  EXPECT_EQ(s->stock(0), 2);
  r = s->take(1, 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.stock_seen, 0);
}

TEST_P(EveryStore, MatchesAReferenceModelOnARandomSequence) {
  const std::vector<std::int64_t> initial{50, 0, 7, 1000, 3};
  std::unique_ptr<ProductStore> s = make_store(GetParam(), initial, 1);
  std::vector<std::int64_t> model = initial;
  Rng rng(42);
  for (int i = 0; i < 20'000; ++i) {
    const auto p = static_cast<std::uint32_t>(rng.below(initial.size()));
    const auto amount = static_cast<std::int64_t>(1 + rng.below(20));
    if (rng.chance(0.3)) {
      s->give_back(p, amount);
      model[p] += amount;
      continue;
    }
    const TakeResult r = s->take(p, amount);
    ASSERT_EQ(r.stock_seen, model[p]) << "step " << i;
    ASSERT_EQ(r.ok, model[p] >= amount) << "step " << i;
    if (r.ok) model[p] -= amount;
  }
  EXPECT_EQ(s->snapshot(), model);
}

INSTANTIATE_TEST_SUITE_P(Stores, EveryStore, ::testing::ValuesIn(kAllStoreKinds), name_of);

// ---- contention: every safe store, 8 threads, one hot product

struct StressOrder {
  std::uint32_t product;
  std::uint32_t amount;
};

// 90% of orders to product 0, the rest spread over products 1..3; amounts 1..15.
std::vector<StressOrder> stress_orders(std::uint64_t n) {
  std::vector<StressOrder> orders(n);
  Rng rng(7);
  for (StressOrder& o : orders) {
    o.product = rng.chance(0.9) ? 0 : static_cast<std::uint32_t>(1 + rng.below(3));
    o.amount = static_cast<std::uint32_t>(1 + rng.below(15));
  }
  return orders;
}

enum Outcome : std::uint8_t { kNone = 0, kCompleted = 1, kRejected = 2, kReversed = 3 };

struct ThreadTally {
  std::vector<std::int64_t> sold = std::vector<std::int64_t>(4, 0);  // net of give-backs
  std::uint64_t anomalies = 0;  // a decision inconsistent with the stock seen, or stock seen below zero
};

// Runs every order once across kStressThreads threads. Shared stores: threads
// take chunks of 64 orders through one cursor. Sharded: thread k applies the
// orders of the products it owns (product % threads == k), in order, like the
// pipeline's router hands them out. With `reversals`, a thread gives back the
// completed orders whose index is a multiple of 3, four such orders later,
// interleaved with its takes (the last few stay completed).
void stress(StoreKind kind, bool reversals) {
  const std::vector<StressOrder> orders = stress_orders(kStressOrders);
  // The hot product holds half of what it is asked for: it runs out halfway,
  // so the zero boundary is crossed under full contention.
  const std::int64_t hot_demand = static_cast<std::int64_t>(kStressOrders) * 9 / 10 * 8;
  const std::vector<std::int64_t> initial{hot_demand / 2, 1'000'000'000, 1'000'000'000, 50};
  std::unique_ptr<ProductStore> store = make_store(kind, initial, kStressThreads);
  std::vector<Outcome> outcome(orders.size(), kNone);
  std::vector<ThreadTally> tallies(kStressThreads);
  std::atomic<std::uint64_t> cursor{0};
  std::atomic<std::uint64_t> duplicates{0};

  auto apply = [&](std::size_t k, std::uint64_t i, std::vector<std::uint64_t>& to_reverse) {
    ThreadTally& t = tallies[k];
    const StressOrder& o = orders[i];
    const TakeResult r = store->take(o.product, o.amount);
    if (r.stock_seen < 0 || r.ok != (r.stock_seen >= o.amount)) ++t.anomalies;
    if (outcome[i] != kNone) duplicates.fetch_add(1, std::memory_order_relaxed);
    outcome[i] = r.ok ? kCompleted : kRejected;
    if (!r.ok) return;
    t.sold[o.product] += o.amount;
    if (reversals && i % 3 == 0) to_reverse.push_back(i);
    if (to_reverse.size() >= 4) {  // give back the oldest, a few orders later
      const std::uint64_t j = to_reverse.front();
      to_reverse.erase(to_reverse.begin());
      store->give_back(orders[j].product, orders[j].amount);
      t.sold[orders[j].product] -= orders[j].amount;
      outcome[j] = kReversed;
      // Stock is readable from any thread in shared stores, and by the owner in sharded.
      if (store->stock(orders[j].product) < 0) ++t.anomalies;
    }
  };

  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < kStressThreads; ++k) {
    threads.emplace_back([&, k] {
      std::vector<std::uint64_t> to_reverse;
      if (kind == StoreKind::kSharded) {
        for (std::uint64_t i = 0; i < orders.size(); ++i)
          if (owner_of(orders[i].product, kStressThreads) == k) apply(k, i, to_reverse);
      } else {
        for (;;) {
          const std::uint64_t begin = cursor.fetch_add(64, std::memory_order_relaxed);
          if (begin >= orders.size()) break;
          const std::uint64_t end = std::min<std::uint64_t>(orders.size(), begin + 64);
          for (std::uint64_t i = begin; i < end; ++i) apply(k, i, to_reverse);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  std::vector<std::int64_t> sold(initial.size(), 0);
  std::uint64_t anomalies = 0;
  for (const ThreadTally& t : tallies) {
    anomalies += t.anomalies;
    for (std::size_t p = 0; p < sold.size(); ++p) sold[p] += t.sold[p];
  }
  EXPECT_EQ(anomalies, 0u);
  EXPECT_EQ(duplicates.load(), 0u);
  std::uint64_t count[4] = {0, 0, 0, 0};
  for (Outcome o : outcome) ++count[o];
  EXPECT_EQ(count[kNone], 0u) << "orders without an outcome";
  EXPECT_EQ(count[kCompleted] + count[kRejected] + count[kReversed], orders.size());
  EXPECT_GT(count[kCompleted], 0u);
  EXPECT_GT(count[kRejected], 0u) << "the hot product never ran out: the boundary was not exercised";
  EXPECT_EQ(count[kReversed] > 0, reversals);

  const std::vector<std::int64_t> left = store->snapshot();
  for (std::size_t p = 0; p < left.size(); ++p) {
    EXPECT_GE(left[p], 0) << "product " << p;
    EXPECT_EQ(sold[p] + left[p], initial[p]) << "product " << p;
  }
  const StockAudit a = audit_stock(initial, sold, left);
  EXPECT_TRUE(a.conserved());
  EXPECT_EQ(a.oversold, 0);
  EXPECT_EQ(a.drift, 0);
}

class SafeStore : public ::testing::TestWithParam<StoreKind> {};

TEST_P(SafeStore, EightThreadsOnOneHotProductConserveStock) { stress(GetParam(), /*reversals=*/false); }

TEST_P(SafeStore, EightThreadsWithReversalsInterleavedConserveStock) { stress(GetParam(), /*reversals=*/true); }

INSTANTIATE_TEST_SUITE_P(Stores, SafeStore,
                         ::testing::Values(StoreKind::kSharded, StoreKind::kMutex, StoreKind::kStriped,
                                           StoreKind::kAtomic),
                         name_of);

// ---- check-then-act: the race, step by step

// sold per product from a list of (product, units) sales.
std::vector<std::int64_t> sold_of(std::size_t products, std::initializer_list<std::pair<std::uint32_t, std::int64_t>> sales) {
  std::vector<std::int64_t> sold(products, 0);
  for (auto [p, units] : sales) sold[p] += units;
  return sold;
}

TEST(CheckThenAct, TwoTakesInterleavedOversell) {
  CheckThenActStore s({10});
  // A wants 7, B wants 6: both check before either acts.
  const TakeResult a = s.take_check(0, 7);
  const TakeResult b = s.take_check(0, 6);
  ASSERT_TRUE(a.ok);
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(a.stock_seen, 10);
  EXPECT_EQ(b.stock_seen, 10);
  s.take_act(0, a, 7);
  EXPECT_EQ(s.stock(0), 3);
  s.take_act(0, b, 6);  // overwrites A's update
  EXPECT_EQ(s.stock(0), 4);

  const std::vector<std::int64_t> initial{10};
  const StockAudit audit = audit_stock(initial, sold_of(1, {{0, 7}, {0, 6}}), s.snapshot());
  EXPECT_EQ(audit.sold, 13);
  EXPECT_EQ(audit.left, 4);
  EXPECT_EQ(audit.oversold, 3);   // 13 sold out of 10
  EXPECT_EQ(audit.drift, 7);      // 13 + 4 - 10: A's 7 units came back as phantom stock
  EXPECT_FALSE(audit.conserved());
  EXPECT_EQ(audit.unbalanced_products, 1u);

  // The phantom stock sells too: 4 more units of a product that had 10.
  const TakeResult c = s.take(0, 4);
  EXPECT_TRUE(c.ok);
  const StockAudit after = audit_stock(initial, sold_of(1, {{0, 7}, {0, 6}, {0, 4}}), s.snapshot());
  EXPECT_EQ(after.oversold, 7);
  EXPECT_EQ(after.left, 0);
  EXPECT_EQ(after.drift, 7);
  EXPECT_EQ(after.lowest_left, 0);  // never below zero, even so
}

TEST(CheckThenAct, ALostUpdateWithoutOversellingStillBreaksConservation) {
  CheckThenActStore s({100, 5});
  const TakeResult a = s.take_check(0, 3);
  const TakeResult b = s.take_check(0, 4);
  s.take_act(0, a, 3);
  s.take_act(0, b, 4);
  EXPECT_EQ(s.stock(0), 96);
  const StockAudit audit = audit_stock(std::vector<std::int64_t>{100, 5}, sold_of(2, {{0, 3}, {0, 4}}), s.snapshot());
  EXPECT_EQ(audit.oversold, 0);  // nothing sold beyond the 100 ...
  EXPECT_EQ(audit.drift, 3);     // ... but 3 phantom units exist
  EXPECT_FALSE(audit.conserved());
  EXPECT_EQ(audit.unbalanced_products, 1u);  // product 1 is untouched and balanced
}

TEST(CheckThenAct, SequentialStepsConserve) {
  CheckThenActStore s({10});
  const TakeResult a = s.take_check(0, 7);
  s.take_act(0, a, 7);
  const TakeResult b = s.take_check(0, 6);  // sees 3: rejected
  EXPECT_FALSE(b.ok);
  EXPECT_EQ(b.stock_seen, 3);
  s.take_act(0, b, 6);  // acting on a rejection stores nothing
  EXPECT_EQ(s.stock(0), 3);
  const StockAudit audit = audit_stock(std::vector<std::int64_t>{10}, sold_of(1, {{0, 7}}), s.snapshot());
  EXPECT_TRUE(audit.conserved());
  EXPECT_EQ(audit.oversold, 0);
  EXPECT_EQ(audit.drift, 0);
}

TEST(CheckThenAct, AGiveBackLostToATakeDestroysStock) {
  CheckThenActStore s({10});
  // A takes 5 (sold, then kept); B reverses an earlier sale of 3 that was
  // already counted: its give_back lands between A's check and act.
  const TakeResult a = s.take_check(0, 5);
  const std::int64_t seen = s.give_back_check(0);
  s.give_back_act(0, seen, 3);
  EXPECT_EQ(s.stock(0), 13);
  s.take_act(0, a, 5);  // stores 10 - 5: the 3 returned units are gone
  EXPECT_EQ(s.stock(0), 5);
  // Before: 3 units had been sold (so 10 = 7 left + 3 sold); net now: 3 - 3 + 5 = 5 sold.
  const StockAudit audit = audit_stock(std::vector<std::int64_t>{13}, sold_of(1, {{0, 5}}), s.snapshot());
  EXPECT_EQ(audit.drift, -3);
  EXPECT_EQ(audit.oversold, 0);
  EXPECT_FALSE(audit.conserved());
}

TEST(CheckThenAct, OneThreadIsCorrect) {
  // Without concurrency the two steps are one: a random sequence conserves.
  const std::vector<std::int64_t> initial{40, 40};
  CheckThenActStore s(initial);
  std::vector<std::int64_t> sold(2, 0);
  Rng rng(9);
  for (int i = 0; i < 5000; ++i) {
    const auto p = static_cast<std::uint32_t>(rng.below(2));
    const auto amount = static_cast<std::int64_t>(1 + rng.below(9));
    if (sold[p] >= amount && rng.chance(0.25)) {
      s.give_back(p, amount);
      sold[p] -= amount;
    } else if (s.take(p, amount).ok) {
      sold[p] += amount;
    }
  }
  const StockAudit audit = audit_stock(initial, sold, s.snapshot());
  EXPECT_TRUE(audit.conserved());
  EXPECT_EQ(audit.oversold, 0);
}

// ---- the audit itself

TEST(StockAudit, SumsAndPerProductBalance) {
  const std::vector<std::int64_t> initial{10, 20, 30};
  const std::vector<std::int64_t> sold{12, 5, 30};
  const std::vector<std::int64_t> left{1, 12, 0};
  const StockAudit a = audit_stock(initial, sold, left);
  EXPECT_EQ(a.initial, 60);
  EXPECT_EQ(a.sold, 47);
  EXPECT_EQ(a.left, 13);
  EXPECT_EQ(a.oversold, 2);      // product 0 only
  EXPECT_EQ(a.drift, 3 - 3 + 0);  // +3 and -3 cancel in the sum ...
  EXPECT_EQ(a.unbalanced_products, 2u);  // ... but not product by product
  EXPECT_FALSE(a.conserved());
  EXPECT_EQ(a.lowest_left, 0);
}

TEST(StockAudit, EmptyIsConserved) {
  const StockAudit a = audit_stock({}, {}, {});
  EXPECT_TRUE(a.conserved());
  EXPECT_EQ(a.lowest_left, 0);
}

}  // namespace
}  // namespace orderflow
