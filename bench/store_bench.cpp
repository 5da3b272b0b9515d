// ProductStore::take() under contention: each store x {1, 2, 4, 8} threads x
// {8 products, uniform; one hot product}, on orders generated before timing
// (engine/bench.h's generator: 2^20 orders, amounts 1..15).
//
//   uniform8   orders spread evenly over 8 products;
//   hot1       every order for product 0 of 8 (hot:1): all threads on one line.
//
// Shared stores: all threads call take() on the same store, each walking the
// order array from its own offset. Sharded: thread k applies only the orders of
// the products it owns (product % threads == k), routed before timing, as the
// pipeline's router does; with hot1 one thread does all the work and the others
// idle, which is the point. items_per_second counts applied orders only.
//
// Stock is large enough never to run out during a run, so every take succeeds
// and the rate is the store's alone. Calls are devirtualised (each store class
// is final), as in `orderflow bench`. Compare ratios within one run; the
// machine is shared.
//
//   build-bench/store_bench --benchmark_filter='hot1'
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "data/store/atomic_store.h"
#include "data/store/check_then_act_store.h"
#include "data/store/mutex_store.h"
#include "data/store/sharded_store.h"
#include "data/store/striped_store.h"
#include "engine/bench.h"

namespace orderflow {
namespace {

constexpr std::uint64_t kOrders = 1u << 20;  // a power of two: the walk wraps with a mask
constexpr std::uint32_t kProducts = 8;
constexpr std::int64_t kStock = std::int64_t{1} << 50;  // never runs out

const BenchOrders& orders_for(bool hot) {
  static const BenchOrders* const sets[2] = {
      [] {
        BenchOptions o;
        o.count = kOrders;
        o.products = kProducts;
        return new BenchOrders(generate_bench_orders(Distribution{}, o));
      }(),
      [] {
        BenchOptions o;
        o.count = kOrders;
        o.products = kProducts;
        return new BenchOrders(generate_bench_orders(Distribution{Distribution::Kind::kHot, 1.0}, o));
      }(),
  };
  return *sets[hot ? 1 : 0];
}

// Set up by thread 0 before the timed loop; read by every thread inside it
// (the loop's start is a barrier across the benchmark's threads).
struct Shared {
  std::unique_ptr<ProductStore> store;
  std::vector<std::vector<std::uint32_t>> owned;  // sharded: order indexes by owner
};
Shared g_shared;

template <class Store>
void BM_Take(benchmark::State& state, StoreKind kind, bool hot) {
  const BenchOrders& set = orders_for(hot);
  const std::vector<BenchOrder>& orders = set.orders;
  const auto threads = static_cast<std::size_t>(state.threads());
  const auto k = static_cast<std::size_t>(state.thread_index());
  if (k == 0) {
    g_shared.store = make_store(kind, std::vector<std::int64_t>(kProducts, kStock), threads);
    g_shared.owned.assign(threads, {});
    if (kind == StoreKind::kSharded)
      for (std::uint64_t i = 0; i < kOrders; ++i)
        g_shared.owned[owner_of(orders[i].product, threads)].push_back(static_cast<std::uint32_t>(i));
  }
  Store* store = nullptr;
  const std::vector<std::uint32_t>* mine = nullptr;
  std::uint64_t next = kOrders / threads * k;  // shared stores: this thread's starting point
  std::size_t j = 0;                           // sharded: position in this owner's list
  std::int64_t applied = 0;
  for (auto _ : state) {
    if (store == nullptr) [[unlikely]] {  // first iteration: past the barrier, thread 0's setup is visible
      store = static_cast<Store*>(g_shared.store.get());
      mine = &g_shared.owned[k];
    }
    std::uint64_t i;
    if constexpr (std::is_same_v<Store, ShardedStore>) {
      if (mine->empty()) continue;  // owns no ordered product: nothing to do
      i = (*mine)[j];
      if (++j == mine->size()) j = 0;
    } else {
      i = next;
      next = (next + 1) & (kOrders - 1);
    }
    const BenchOrder& o = orders[i];
    benchmark::DoNotOptimize(store->take(o.product, o.amount));
    ++applied;
  }
  state.SetItemsProcessed(applied);
}

template <class Store>
void register_store(StoreKind kind) {
  for (bool hot : {false, true}) {
    const std::string name = std::string("BM_Take/") + std::string(to_string(kind)) + (hot ? "/hot1" : "/uniform8");
    benchmark::RegisterBenchmark(name.c_str(), [kind, hot](benchmark::State& s) { BM_Take<Store>(s, kind, hot); })
        ->Threads(1)
        ->Threads(2)
        ->Threads(4)
        ->Threads(8)
        ->UseRealTime();
  }
}

const int kRegistered = [] {
  register_store<ShardedStore>(StoreKind::kSharded);
  register_store<MutexStore>(StoreKind::kMutex);
  register_store<StripedStore>(StoreKind::kStriped);
  register_store<AtomicStore>(StoreKind::kAtomic);
  register_store<CheckThenActStore>(StoreKind::kCheckThenAct);
  return 0;
}();

}  // namespace
}  // namespace orderflow

BENCHMARK_MAIN();
