#pragma once
// Bench: the in-memory stock-contention benchmark behind `orderflow bench`
// (SPEC.md "bench"). It measures a ProductStore and a WorkerPool alone: orders
// are generated in memory before the clock starts, and nothing is parsed or
// written while it runs.
//
// One *run* is: a fresh store of one kind (every product holds `stock`),
// `workers` threads started and parked, then the clock starts and the workers
// apply every order of one distribution's pre-generated array:
//
//   shared stores (mutex, striped, atomic, check-then-act): workers take chunks
//       of the array through one atomic cursor (one fetch_add per chunk of up
//       to 256 orders, one per order when orders carry work), so every worker
//       hits every product, the hot one included, at the same time (a
//       Channel of index ranges would do too, at a lock per range, for
//       nothing: the ranges are known before the run starts);
//   sharded: orders are routed to their owner (product % workers) before the
//       clock starts, as the router stage does in `process`, and each owner
//       applies its own list in order. With one hot product, one worker does
//       nearly all the work.
//
// The clock stops when the last worker is done. Each order ends in exactly one
// outcome: Completed (take() succeeded), Rejected (not enough stock), or
// Cancelled (its context's deadline passed first; see below).
//
// Per-order work (--work-time, --order-timeout): an order with work, or with a
// deadline, runs as
//   ctx = with_timeout(background, order_timeout)     (only with a timeout)
//   take(); rejected if that fails
//   work: wait on ctx until order start + work time (a sleep; the context
//         wakes it at its deadline)
//   ctx ended? give_back(), Cancelled : Completed
// so a Cancelled order takes no stock. Work is modelled as waiting (I/O, a
// remote call), not CPU: more workers than cores still overlap it.
//
// Latency: the time from an order's start to its outcome, recorded in a
// LatencyHistogram (data/base/latency_histogram.h). Reading the clock is not free
// (about 20 ns on a KVM guest, four times an uncontended take(); timing every
// order cut the sharded store's single-worker rate from 202M to 23M orders/s),
// so when orders carry no work one order in 16 (by array index) is timed, else
// every one. Throughput includes that cost.
//
// Baskets (--baskets SHARE, SPEC.md "Linked orders"): each order is, by one
// more draw, a basket of `basket_items` items with probability SHARE: its
// own product and amount are the first item, the others drawn the same way.
// A basket takes every item or none: take_all() in the shared stores; with
// the sharded store it goes, as in `process`, whole to its owner when all its
// items are that owner's, else to each owner of an item, which votes
// (engine/basket_vote.h: hold the part, vote, go on; settle its pending votes
// before a take that could fail and every 1024 of its orders). The decider
// counts a cross-owner basket's outcome. Every cell then also runs the same
// orders as singles (each basket cut to its first item: the same products,
// amounts and order count), alternating with the basket runs, so the
// table's ratio of the two is the cost of all-or-nothing and, with the
// sharded store, of cross-owner coordination. Baskets take no per-order
// work or deadline (validate() refuses the combination).
//
// After the run the store is audited (data/store/stock_audit.h): units sold + stock
// left = initial stock per product, and `oversold`.
//
// A *cell* (store x workers x distribution) is `repeat` runs; the run with the
// median throughput is reported. Runs go round-robin over the cells, `repeat`
// times, so slow drift of a shared machine spreads over every cell.
//
// Thread-safety: run_bench() and run_bench_once() are called from one thread
// and start their own workers; they print nothing and read no environment.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "data/gen/distribution.h"
#include "data/store/product_store.h"
#include "data/base/status.h"
#include "data/store/stock_audit.h"

namespace orderflow {

// Limits, units last.
inline constexpr std::uint64_t kBenchCountMax = 100'000'000;     // orders per cell: 8 bytes each, up front
inline constexpr std::size_t kBenchWorkersMax = 256;             // threads per run
inline constexpr std::uint32_t kBenchProductsMax = 1'000'000;    // synthetic products
inline constexpr std::uint32_t kBenchRepeatMax = 1000;           // runs per cell
inline constexpr std::uint32_t kBenchAmountMax = 15;             // amounts uniform in 1..15 (generate's default)
inline constexpr std::uint32_t kBenchBasketItemsMax = 64;        // items per basket (kItemsMax)
inline constexpr std::chrono::nanoseconds kBenchWorkTimeMax = std::chrono::seconds(10);  // per order

// Simulated per-order work: uniform in [min, max] per order (min == max: fixed).
struct WorkTime {
  std::chrono::nanoseconds min{0};
  std::chrono::nanoseconds max{0};
  bool none() const { return max.count() == 0; }
};

struct BenchOptions {
  std::vector<StoreKind> stores{std::begin(kAllStoreKinds), std::end(kAllStoreKinds)};
  std::vector<std::size_t> workers{1, 2, 4, 8};
  std::vector<Distribution> dists{Distribution{}, Distribution{Distribution::Kind::kHot, 0.99}};
  std::uint64_t count = 2'000'000;                 // orders per run, 1..kBenchCountMax
  std::uint32_t products = 8;                      // 1..kBenchProductsMax
  std::optional<std::int64_t> stock;               // per product; default_bench_stock(count) if unset
  std::uint32_t repeat = 3;                        // runs per cell, 1..kBenchRepeatMax
  WorkTime work;                                   // none by default
  std::optional<std::chrono::nanoseconds> order_timeout;  // none by default
  std::uint64_t seed = 1;
  double baskets = 0;                              // share of orders that are baskets, 0..1
  std::uint32_t basket_items = 3;                  // items per basket, 1..kBenchBasketItemsMax
};

// The default stock of each product: 90% of the expected demand of all `count`
// orders together (count x mean amount 8). Every product can serve what a
// uniform spread sends it; a single hot product with 99% of the orders runs out
// near the end (about 9% rejected), which is where check-then-act oversells.
std::int64_t default_bench_stock(std::uint64_t count);

// How many orders there are for each one whose latency is timed: 16 when
// orders carry no work (the clock read would otherwise dominate), else 1.
std::uint64_t bench_latency_sample_every(const BenchOptions& options);

// Every option within its limits, lists not empty, work.min <= work.max,
// products x stock <= kStockMax (so the audit's sums cannot overflow), and
// no work or deadline with baskets.
Status validate(const BenchOptions& options);

struct BenchOrder {
  std::uint32_t product;
  std::uint32_t amount;
};

// One distribution's orders, generated from the seed: the same options give
// the same orders on every machine.
inline constexpr std::uint32_t kNotABasket = UINT32_MAX;

struct BenchOrders {
  Distribution dist;
  std::vector<BenchOrder> orders;      // a basket's order is its first item
  std::vector<std::uint64_t> work_ns;  // per-order work when work is a range; else empty (all work.min)
  // With baskets: per order, its basket's number or kNotABasket; basket b's
  // items are items[b * basket_items, (b + 1) * basket_items). Else empty.
  std::vector<std::uint32_t> basket;
  std::vector<StockItem> items;
  std::uint32_t basket_items = 0;
  std::uint64_t baskets = 0;
};

// REQUIRES: validate(options).ok().
BenchOrders generate_bench_orders(const Distribution& dist, const BenchOptions& options);

// What one run measured.
struct BenchRun {
  double seconds = 0;               // wall clock, workers released to last worker done
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t latency_p50_ns = 0;
  std::uint64_t latency_p99_ns = 0;
  std::uint64_t latency_max_ns = 0;
  std::uint64_t latency_samples = 0;
  std::uint64_t votes = 0;          // baskets decided by a vote of several owners (sharded)
  StockAudit audit;

  std::uint64_t orders() const { return completed + rejected + cancelled; }
  double orders_per_second() const { return seconds > 0 ? static_cast<double>(orders()) / seconds : 0; }
};

// One run of `orders` against a fresh store of `kind` with `workers` threads;
// every product starts with `stock`. `as_singles`: every basket is cut to its
// first item. A worker failure (an exception: out of memory) is an error
// Status. REQUIRES: options valid, 1 <= workers <= kBenchWorkersMax.
Result<BenchRun> run_bench_once(const BenchOrders& orders, StoreKind kind, std::size_t workers,
                                std::int64_t stock, const BenchOptions& options, bool as_singles = false);

struct BenchCell {
  StoreKind store;
  std::size_t workers;
  Distribution dist;
  BenchRun median;                           // the run with the median throughput (lower middle if even)
  std::vector<double> runs_orders_per_second;  // every run's throughput, in the order they ran
  // With baskets: the same orders as singles, run alternating with the above.
  BenchRun singles;
  std::vector<double> singles_runs_orders_per_second;
  // median's orders/s over singles' (0 without baskets).
  double ratio_to_singles() const {
    const double s = singles.orders_per_second();
    return s > 0 ? median.orders_per_second() / s : 0;
  }
};

struct BenchReport {
  BenchOptions options;
  std::int64_t stock = 0;        // per product, resolved
  unsigned cpus = 0;             // std::thread::hardware_concurrency() of the machine that ran it
  std::vector<BenchCell> cells;  // distribution-major, then store, then workers, in option order
};

// Called after every run, from the calling thread: runs done so far, runs in
// all (twice as many with baskets), and the cell that run belonged to (its
// `median` not yet final).
using BenchProgress = std::function<void(std::size_t done, std::size_t total, const BenchCell& cell)>;

// Every cell of stores x workers x distributions, `repeat` runs each.
Result<BenchReport> run_bench(const BenchOptions& options, const BenchProgress& progress = {});

}  // namespace orderflow
