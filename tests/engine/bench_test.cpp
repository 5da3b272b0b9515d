// Bench engine (engine/bench.h): option checks, reproducible orders, one run
// per store (every order one outcome, stock conserved), per-order deadlines
// that cancel work and take no stock, latency sampling, and the cell matrix.
// No assertion here depends on how fast anything runs.
#include "engine/bench.h"

#include <gtest/gtest.h>

#include "data/model/order.h"
#include "tests/sanitizers.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace orderflow {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::uint64_t kRunOrders = testing::kUnderTsan ? 20'000 : 200'000;

Distribution hot(double share) { return Distribution{Distribution::Kind::kHot, share}; }

BenchOptions small(std::uint64_t count) {
  BenchOptions o;
  o.count = count;
  o.repeat = 1;
  return o;
}

std::string store_name(const ::testing::TestParamInfo<StoreKind>& info) {
  std::string s(to_string(info.param));
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

TEST(BenchOptions, DefaultsAreTheSpecs) {
  const BenchOptions o;
  EXPECT_EQ(o.stores.size(), 5u);
  EXPECT_EQ(o.workers, (std::vector<std::size_t>{1, 2, 4, 8}));
  ASSERT_EQ(o.dists.size(), 2u);
  EXPECT_EQ(to_string(o.dists[0]), "uniform");
  EXPECT_EQ(to_string(o.dists[1]), "hot:0.99");
  EXPECT_EQ(o.count, 2'000'000u);
  EXPECT_EQ(o.products, 8u);
  EXPECT_EQ(o.repeat, 3u);
  EXPECT_TRUE(o.work.none());
  EXPECT_FALSE(o.order_timeout);
  EXPECT_EQ(o.seed, 1u);
  EXPECT_TRUE(validate(o).ok());
}

TEST(BenchOptions, DefaultStockIsNinetyPercentOfTheExpectedDemand) {
  EXPECT_EQ(default_bench_stock(2'000'000), 14'400'000);  // 2M orders x mean amount 8 x 0.9
  EXPECT_EQ(default_bench_stock(1), 7);
}

TEST(BenchOptions, ValidateRefusesWhatCannotRun) {
  auto refused = [](auto edit) {
    BenchOptions o;
    edit(o);
    return !validate(o).ok();
  };
  EXPECT_TRUE(refused([](BenchOptions& o) { o.stores.clear(); }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.workers.clear(); }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.dists.clear(); }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.workers = {0}; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.workers = {kBenchWorkersMax + 1}; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.count = 0; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.count = kBenchCountMax + 1; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.products = 0; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.repeat = 0; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.stock = -1; }));
  EXPECT_TRUE(refused([](BenchOptions& o) {
    o.products = 8;
    o.stock = kStockMax / 4;  // 8 x 2^60 > 2^62
  }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.work = {milliseconds(2), milliseconds(1)}; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.work = {milliseconds(0), std::chrono::seconds(11)}; }));
  EXPECT_TRUE(refused([](BenchOptions& o) { o.order_timeout = microseconds(-1); }));
}

TEST(BenchOrders, SameSeedSameOrders) {
  BenchOptions o = small(10'000);
  o.work = {microseconds(0), milliseconds(2)};
  const BenchOrders a = generate_bench_orders(hot(0.9), o);
  const BenchOrders b = generate_bench_orders(hot(0.9), o);
  ASSERT_EQ(a.orders.size(), 10'000u);
  ASSERT_EQ(a.work_ns.size(), 10'000u);
  EXPECT_EQ(a.work_ns, b.work_ns);
  std::size_t hot_orders = 0;
  for (std::size_t i = 0; i < a.orders.size(); ++i) {
    ASSERT_EQ(a.orders[i].product, b.orders[i].product);
    ASSERT_EQ(a.orders[i].amount, b.orders[i].amount);
    ASSERT_LT(a.orders[i].product, o.products);
    ASSERT_GE(a.orders[i].amount, 1u);
    ASSERT_LE(a.orders[i].amount, kBenchAmountMax);
    ASSERT_LE(a.work_ns[i], 2'000'000u);
    if (a.orders[i].product == 0) ++hot_orders;
  }
  EXPECT_GT(hot_orders, 8'700u);  // 90% of 10,000, give or take a few standard deviations (30)
  EXPECT_LT(hot_orders, 9'300u);

  o.seed = 2;
  const BenchOrders c = generate_bench_orders(hot(0.9), o);
  std::size_t same = 0;
  for (std::size_t i = 0; i < c.orders.size(); ++i) same += c.orders[i].amount == a.orders[i].amount;
  EXPECT_LT(same, 2'000u);  // about 1 in 15 by chance
}

TEST(BenchOrders, FixedWorkNeedsNoPerOrderArray) {
  BenchOptions o = small(100);
  o.work = {microseconds(50), microseconds(50)};
  EXPECT_TRUE(generate_bench_orders(Distribution{}, o).work_ns.empty());
}

class BenchEveryStore : public ::testing::TestWithParam<StoreKind> {};

TEST_P(BenchEveryStore, OneRunGivesEveryOrderOneOutcome) {
  BenchOptions o = small(kRunOrders);
  const std::int64_t stock = default_bench_stock(o.count);
  const BenchOrders orders = generate_bench_orders(hot(0.99), o);
  for (std::size_t workers : {1, 4}) {
    Result<BenchRun> r = run_bench_once(orders, GetParam(), workers, stock, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->orders(), kRunOrders);
    EXPECT_EQ(r->cancelled, 0u);
    const bool exact = GetParam() != StoreKind::kCheckThenAct || workers == 1;
    if (exact) {
      EXPECT_GT(r->rejected, 0u) << "the hot product should run out";
    }
    EXPECT_GT(r->seconds, 0);
    EXPECT_EQ(r->audit.initial, stock * o.products);
    EXPECT_GE(r->audit.lowest_left, 0);
    EXPECT_LE(r->latency_p50_ns, r->latency_p99_ns);
    EXPECT_LE(r->latency_p99_ns, r->latency_max_ns);
    EXPECT_EQ(r->latency_samples, (kRunOrders + 15) / 16);  // one order in 16 is timed
    if (exact) {
      EXPECT_TRUE(r->audit.conserved()) << "drift " << r->audit.drift;
      EXPECT_EQ(r->audit.oversold, 0);
    }
  }
}

TEST_P(BenchEveryStore, DeadlineShorterThanWorkCancelsEveryOrderAndTakesNoStock) {
  BenchOptions o = small(40);
  o.work = {milliseconds(2), milliseconds(2)};
  o.order_timeout = microseconds(200);
  const BenchOrders orders = generate_bench_orders(hot(0.9), o);
  // check-then-act's release (give_back) races with other threads' reserves:
  // one worker keeps it exact.
  const std::size_t workers = GetParam() == StoreKind::kCheckThenAct ? 1 : 4;
  Result<BenchRun> r = run_bench_once(orders, GetParam(), workers, 1000, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->cancelled, 40u);
  EXPECT_EQ(r->completed, 0u);
  EXPECT_EQ(r->rejected, 0u);
  EXPECT_EQ(r->audit.sold, 0);
  EXPECT_EQ(r->audit.left, r->audit.initial);
  EXPECT_TRUE(r->audit.conserved());
  EXPECT_EQ(r->latency_samples, 40u);  // orders with work: every one is timed
}

TEST_P(BenchEveryStore, DeadlineLongerThanWorkCompletes) {
  BenchOptions o = small(40);
  o.work = {microseconds(0), microseconds(300)};
  o.order_timeout = std::chrono::seconds(30);
  const BenchOrders orders = generate_bench_orders(Distribution{}, o);
  Result<BenchRun> r = run_bench_once(orders, GetParam(), 1, 1000, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->completed, 40u);
  EXPECT_EQ(r->cancelled, 0u);
  EXPECT_TRUE(r->audit.conserved());
}

TEST_P(BenchEveryStore, AZeroDeadlineCancelsBeforeReserving) {
  BenchOptions o = small(30);
  o.order_timeout = std::chrono::nanoseconds(0);
  const BenchOrders orders = generate_bench_orders(Distribution{}, o);
  Result<BenchRun> r = run_bench_once(orders, GetParam(), 2, 10, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->cancelled, 30u);
  EXPECT_EQ(r->audit.left, r->audit.initial);
}

INSTANTIATE_TEST_SUITE_P(Stores, BenchEveryStore, ::testing::ValuesIn(kAllStoreKinds), store_name);

TEST(Bench, WorkWithoutDeadlineCompletesAndIsTimed) {
  BenchOptions o = small(20);
  o.work = {microseconds(100), microseconds(100)};
  const BenchOrders orders = generate_bench_orders(Distribution{}, o);
  Result<BenchRun> r = run_bench_once(orders, StoreKind::kAtomic, 2, 100, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->completed, 20u);
  EXPECT_EQ(r->latency_samples, 20u);
}

TEST(Bench, ShardedWithMoreWorkersThanProducts) {
  BenchOptions o = small(5'000);
  o.products = 2;
  const BenchOrders orders = generate_bench_orders(Distribution{}, o);
  Result<BenchRun> r = run_bench_once(orders, StoreKind::kSharded, 8, 100'000, o);  // 6 owners idle
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->completed, 5'000u);
  EXPECT_TRUE(r->audit.conserved());
}

TEST(Bench, EveryCellInOrderWithItsRuns) {
  BenchOptions o = small(2'000);
  o.stores = {StoreKind::kMutex, StoreKind::kSharded};
  o.workers = {2, 1};
  o.dists = {Distribution{}, hot(0.5)};
  o.repeat = 3;
  std::size_t calls = 0;
  Result<BenchReport> r = run_bench(o, [&](std::size_t done, std::size_t total, const BenchCell&) {
    ++calls;
    EXPECT_EQ(done, calls);
    EXPECT_EQ(total, 24u);
  });
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(calls, 24u);
  EXPECT_EQ(r->stock, default_bench_stock(2'000));
  EXPECT_GE(r->cpus, 1u);
  ASSERT_EQ(r->cells.size(), 8u);
  const char* expect[] = {"uniform mutex 2",   "uniform mutex 1",   "uniform sharded 2", "uniform sharded 1",
                          "hot:0.5 mutex 2",   "hot:0.5 mutex 1",   "hot:0.5 sharded 2", "hot:0.5 sharded 1"};
  for (std::size_t i = 0; i < 8; ++i) {
    const BenchCell& c = r->cells[i];
    EXPECT_EQ(to_string(c.dist) + " " + std::string(to_string(c.store)) + " " + std::to_string(c.workers), expect[i]);
    ASSERT_EQ(c.runs_orders_per_second.size(), 3u);
    // The reported run is the median one.
    std::vector<double> sorted = c.runs_orders_per_second;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_DOUBLE_EQ(c.median.orders_per_second(), sorted[1]);
    EXPECT_EQ(c.median.orders(), 2'000u);
    EXPECT_TRUE(c.median.audit.conserved());
  }
}

TEST(Bench, InvalidOptionsAreAnError) {
  BenchOptions o;
  o.workers.clear();
  EXPECT_FALSE(run_bench(o).ok());
}

// ---- --baskets ------------------------------------------------------------

BenchOptions with_baskets(std::uint64_t count, double share, std::uint32_t items) {
  BenchOptions o = small(count);
  o.baskets = share;
  o.basket_items = items;
  return o;
}

TEST(BenchBaskets, BasketsAreReproducibleAndLeaveOrdersWithoutThemAlone) {
  const BenchOptions plain = small(10'000);
  const BenchOrders none = generate_bench_orders(Distribution{}, plain);
  EXPECT_TRUE(none.basket.empty());
  EXPECT_EQ(none.baskets, 0u);
  BenchOptions zero = plain;
  zero.basket_items = 5;  // no share: no draw, the same orders
  const BenchOrders also_none = generate_bench_orders(Distribution{}, zero);
  for (std::size_t i = 0; i < none.orders.size(); ++i) {
    ASSERT_EQ(also_none.orders[i].product, none.orders[i].product);
    ASSERT_EQ(also_none.orders[i].amount, none.orders[i].amount);
  }

  const BenchOptions o = with_baskets(10'000, 0.1, 3);
  const BenchOrders a = generate_bench_orders(Distribution{}, o), b = generate_bench_orders(Distribution{}, o);
  EXPECT_GT(a.baskets, 800u);
  EXPECT_LT(a.baskets, 1200u);
  ASSERT_EQ(a.items.size(), a.baskets * 3);
  EXPECT_EQ(a.basket_items, 3u);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < a.orders.size(); ++i) {
    ASSERT_EQ(a.basket[i], b.basket[i]);
    if (a.basket[i] == kNotABasket) continue;
    ASSERT_EQ(a.basket[i], seen++) << "baskets are numbered in order";
    const StockItem& first = a.items[a.basket[i] * 3];
    EXPECT_EQ(first.product, a.orders[i].product) << "a basket's order is its first item";
    EXPECT_EQ(first.amount, a.orders[i].amount);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(a.items[a.basket[i] * 3 + k].product, b.items[b.basket[i] * 3 + k].product);
      EXPECT_GE(a.items[a.basket[i] * 3 + k].amount, 1u);
      EXPECT_LE(a.items[a.basket[i] * 3 + k].amount, kBenchAmountMax);
    }
  }
}

TEST(BenchBaskets, OptionsAreChecked) {
  BenchOptions o = with_baskets(100, 0.5, 3);
  EXPECT_TRUE(validate(o).ok());
  o.basket_items = 0;
  EXPECT_FALSE(validate(o).ok());
  o.basket_items = kBenchBasketItemsMax + 1;
  EXPECT_FALSE(validate(o).ok());
  o.basket_items = kBenchBasketItemsMax;
  o.baskets = 1.5;
  EXPECT_FALSE(validate(o).ok());
  o.baskets = 0.5;
  o.work = {microseconds(10), microseconds(10)};
  EXPECT_EQ(validate(o).message(), "bench: baskets take no --work-time or --order-timeout");
}

// Scarce stock, so that baskets are often short of an item: every order one
// outcome, nothing sold partly (conserved), and the sharded store's votes
// decide as one owner going through the orders does.
TEST_P(BenchEveryStore, BasketsTakeEveryItemOrNone) {
  const BenchOptions o = with_baskets(testing::kUnderTsan ? 5'000 : 50'000, 0.3, 3);
  const std::int64_t stock = static_cast<std::int64_t>(o.count) * 8 * 13 / 10 / o.products;  // runs short
  const BenchOrders orders = generate_bench_orders(Distribution{}, o);
  Result<BenchRun> one = run_bench_once(orders, GetParam(), 1, stock, o);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(one->orders(), o.count);
  EXPECT_GT(one->rejected, 0u) << "stock should run out";
  EXPECT_GT(one->completed, 0u);
  EXPECT_TRUE(one->audit.conserved());
  EXPECT_EQ(one->votes, 0u);
  for (std::size_t workers : {2, 3}) {
    Result<BenchRun> r = run_bench_once(orders, GetParam(), workers, stock, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->orders(), o.count);
    if (GetParam() == StoreKind::kCheckThenAct) continue;  // its lost updates are the point
    EXPECT_TRUE(r->audit.conserved()) << workers << " workers: drift " << r->audit.drift;
    EXPECT_EQ(r->audit.oversold, 0);
    if (GetParam() == StoreKind::kSharded) {
      EXPECT_GT(r->votes, o.count / 20) << "most baskets span owners";
      EXPECT_EQ(r->completed, one->completed) << workers << " workers decide as one";
      EXPECT_EQ(r->audit.sold, one->audit.sold);
    }
  }
  Result<BenchRun> singles = run_bench_once(orders, GetParam(), 2, stock, o, true);
  ASSERT_TRUE(singles.ok());
  EXPECT_EQ(singles->orders(), o.count);
  EXPECT_EQ(singles->votes, 0u);
}

TEST(BenchBaskets, EveryCellAlsoRunsItsOrdersAsSingles) {
  BenchOptions o = with_baskets(2'000, 0.2, 4);
  o.stores = {StoreKind::kSharded, StoreKind::kAtomic};
  o.workers = {2};
  o.dists = {Distribution{}};
  o.repeat = 3;
  std::size_t calls = 0, total = 0;
  Result<BenchReport> r = run_bench(o, [&](std::size_t done, std::size_t all, const BenchCell&) {
    calls = done;
    total = all;
  });
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(calls, 12u);
  EXPECT_EQ(total, 12u);
  for (const BenchCell& c : r->cells) {
    EXPECT_EQ(c.runs_orders_per_second.size(), 3u);
    EXPECT_EQ(c.singles_runs_orders_per_second.size(), 3u);
    EXPECT_EQ(c.singles.orders(), 2'000u);
    EXPECT_GT(c.ratio_to_singles(), 0);
  }
  EXPECT_GT(r->cells[0].median.votes, 0u);
  EXPECT_EQ(r->cells[1].median.votes, 0u);
}

}  // namespace
}  // namespace orderflow
