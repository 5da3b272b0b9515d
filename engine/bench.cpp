// Bench: see bench.h.
#include "engine/bench.h"

#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <latch>
#include <memory>
#include <numeric>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

#include "data/catalog/catalog.h"
#include "data/ledger/ledger.h"
#include "data/store/atomic_store.h"
#include "data/store/check_then_act_store.h"
#include "data/base/latency_histogram.h"
#include "data/store/mutex_store.h"
#include "data/model/order.h"
#include "data/base/random.h"
#include "data/store/sharded_store.h"
#include "data/store/striped_store.h"
#include "engine/basket_vote.h"
#include "engine/context.h"
#include "engine/worker_pool.h"

namespace orderflow {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kChunkOrdersMax = 256;  // orders per cursor step, without per-order work
constexpr std::uint64_t kLatencySampleMask = 15;  // without per-order work, time orders i with i % 16 == 0
constexpr std::size_t kSettleEvery = 1024;        // sharded baskets: an owner settles its votes this often (orders)
constexpr Reason kBenchCancel = Reason::kInterrupted;  // a vote cancelled because a worker failed

std::uint64_t nanos(Clock::duration d) {
  const auto n = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

// One worker's counts, allocated on its own thread (so in its own malloc
// arena, away from the other workers' lines) and merged after the join.
struct alignas(kCacheLineBytes) Tally {
  explicit Tally(std::size_t products) : sold(products, 0) {}
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t cancelled = 0;
  std::vector<std::int64_t> sold;  // units, by product
  LatencyHistogram latency;
};

// What every worker of a run reads (immutable while it runs), plus the cursor.
struct RunPlan {
  RunPlan(const BenchOrders& o, const BenchOptions& opt, Context stop_ctx)
      : orders(o), options(opt), per_order_work(!opt.work.none() || opt.order_timeout.has_value()), stop(stop_ctx) {}

  const BenchOrders& orders;
  const BenchOptions& options;
  const bool per_order_work;  // work or a deadline: the slow path, every order timed
  std::uint64_t chunk = 1;    // orders per cursor step (shared stores)
  std::vector<std::vector<std::uint32_t>> owned;  // sharded: order indexes by owner
  // Baskets (not as singles). Sharded: the baskets over several owners, each
  // with its vote, record and items (what `process` has per basket).
  bool baskets = false;
  std::vector<std::uint32_t> vote_of;  // per order: its vote, or kNotABasket
  std::unique_ptr<BasketVote[]> votes;
  std::vector<Record> records;         // by vote
  std::vector<Item> items;             // by vote, basket_items each
  std::optional<Catalog> catalog;      // prices for the decider's total
  OrderIndex index;                    // stays empty: the bench's baskets take no ids
  std::atomic<bool> failed{false};     // a worker failed: settling owners cancel their votes
  OutcomeSignal outcomes{failed};      // deciders publish, settling owners wait (engine/outcome_signal.h)
  alignas(kCacheLineBytes) std::atomic<std::uint64_t> cursor{0};
  alignas(kCacheLineBytes) Context stop;  // ends when a worker fails: the others stop at their next chunk

  std::chrono::nanoseconds work_of(std::uint64_t i) const {
    if (!orders.work_ns.empty()) return std::chrono::nanoseconds(orders.work_ns[i]);
    return options.work.min;
  }
};

// An order with work and/or a deadline (see bench.h). Returns its outcome in
// the tally; `start` is when the order began.
template <class Store>
void apply_with_work(Store& store, const BenchOrder& o, std::chrono::nanoseconds work, Clock::time_point start,
                     const RunPlan& plan, Tally& t) {
  const std::int64_t amount = o.amount;
  if (!plan.options.order_timeout) {
    const TakeResult r = store.take(o.product, amount);
    if (!r.ok) {
      ++t.rejected;
      return;
    }
    if (work.count() > 0) std::this_thread::sleep_until(start + work);
    ++t.completed;
    t.sold[o.product] += amount;
    return;
  }
  auto [ctx, cancel] = with_timeout(Context::background(), *plan.options.order_timeout);
  if (ctx.done()) {  // a deadline of 0, or one that passed already: nothing taken
    ++t.cancelled;
    cancel();
    return;
  }
  const TakeResult r = store.take(o.product, amount);
  if (!r.ok) {
    ++t.rejected;
  } else {
    if (work.count() > 0) ctx.wait_until(start + work);  // returns early at the deadline
    if (ctx.done()) {
      store.give_back(o.product, amount);  // its context ended during the work: Cancelled
      ++t.cancelled;
    } else {
      ++t.completed;
      t.sold[o.product] += amount;
    }
  }
  cancel();
}

// The outcome of basket b (all items or none) in the tally.
void count_basket(bool ok, const StockItem* items, std::uint32_t n, Tally& t) {
  if (!ok) {
    ++t.rejected;
    return;
  }
  ++t.completed;
  for (std::uint32_t k = 0; k < n; ++k) t.sold[items[k].product] += items[k].amount;
}

template <class Store>
inline void apply_basket(Store& store, std::uint64_t i, std::uint32_t b, const RunPlan& plan, Tally& t) {
  const std::uint32_t n = plan.orders.basket_items;
  const StockItem* items = plan.orders.items.data() + std::size_t{b} * n;
  const bool timed = (i & kLatencySampleMask) == 0;
  Clock::time_point start;
  if (timed) start = Clock::now();
  const bool ok = store.take_all(items, n).ok;
  if (timed) t.latency.record(nanos(Clock::now() - start));
  count_basket(ok, items, n, t);
}

template <bool kPerOrderWork, bool kBaskets = false, class Store>
inline void apply_order(Store& store, std::uint64_t i, const RunPlan& plan, Tally& t) {
  if constexpr (kBaskets) {
    const std::uint32_t b = plan.orders.basket[i];
    if (b != kNotABasket) return apply_basket(store, i, b, plan, t);
  }
  const BenchOrder& o = plan.orders.orders[i];
  if constexpr (kPerOrderWork) {
    const Clock::time_point start = Clock::now();
    apply_with_work(store, o, plan.work_of(i), start, plan, t);
    t.latency.record(nanos(Clock::now() - start));
  } else {
    const bool timed = (i & kLatencySampleMask) == 0;
    Clock::time_point start;
    if (timed) start = Clock::now();
    const TakeResult r = store.take(o.product, o.amount);
    if (timed) t.latency.record(nanos(Clock::now() - start));
    if (r.ok) {
      ++t.completed;
      t.sold[o.product] += o.amount;
    } else {
      ++t.rejected;
    }
  }
}

// Owner k of a sharded store with baskets: as `process`'s applier does it.
void sharded_basket_loop(ShardedStore& store, std::size_t k, RunPlan& plan, Tally& t) {
  const std::vector<std::uint32_t>& mine = plan.owned[k];
  const std::uint32_t n = plan.orders.basket_items;
  BasketOwner owner(store, plan.index, *plan.catalog, k, plan.owned.size(), plan.outcomes);
  for (std::size_t j = 0; j < mine.size(); ++j) {
    if (j % kSettleEvery == 0) {
      owner.settle(kBenchCancel);
      if (plan.stop.done()) return;
    }
    const std::uint32_t i = mine[j];
    const bool timed = (i & kLatencySampleMask) == 0;
    Clock::time_point start;
    if (timed) start = Clock::now();
    if (const std::uint32_t v = plan.vote_of[i]; v != kNotABasket) {
      Item* items = plan.items.data() + std::size_t{v} * n;
      const VotePhase out = owner.vote(plan.votes[v], plan.records[v], items, false, kBenchCancel);
      if (timed) t.latency.record(nanos(Clock::now() - start));
      if (out == VotePhase::kCommitted || out == VotePhase::kAborted)  // the decider counts it
        count_basket(out == VotePhase::kCommitted, plan.orders.items.data() + std::size_t{plan.orders.basket[i]} * n,
                     n, t);
      continue;
    }
    if (const std::uint32_t b = plan.orders.basket[i]; b != kNotABasket) {  // every item k's
      const StockItem* items = plan.orders.items.data() + std::size_t{b} * n;
      std::int64_t units = 0;
      for (std::uint32_t m = 0; m < n; ++m) units += items[m].amount;
      for (std::uint32_t m = 0; m < n; ++m) owner.before_take(items[m].product, units, [] { return kBenchCancel; });
      const bool ok = store.take_all(items, n).ok;
      if (timed) t.latency.record(nanos(Clock::now() - start));
      count_basket(ok, items, n, t);
      continue;
    }
    const BenchOrder& o = plan.orders.orders[i];
    owner.before_take(o.product, o.amount, [] { return kBenchCancel; });
    const TakeResult r = store.take(o.product, o.amount);
    if (timed) t.latency.record(nanos(Clock::now() - start));
    if (r.ok) {
      ++t.completed;
      t.sold[o.product] += o.amount;
    } else {
      ++t.rejected;
    }
  }
  owner.settle(kBenchCancel);
}

template <bool kPerOrderWork, bool kBaskets, class Store>
void work_loop(Store& store, std::size_t k, RunPlan& plan, Tally& t) {
  if constexpr (std::is_same_v<Store, ShardedStore>) {
    if constexpr (kBaskets) {
      sharded_basket_loop(store, k, plan, t);
      return;
    }
    const std::vector<std::uint32_t>& mine = plan.owned[k];
    for (std::size_t j = 0; j < mine.size(); ++j) {
      if ((j & 1023) == 0 && plan.stop.done()) return;
      apply_order<kPerOrderWork>(store, mine[j], plan, t);
    }
  } else {
    const std::uint64_t n = plan.orders.orders.size();
    for (;;) {
      const std::uint64_t begin = plan.cursor.fetch_add(plan.chunk, std::memory_order_relaxed);
      if (begin >= n || plan.stop.done()) return;
      const std::uint64_t end = std::min(n, begin + plan.chunk);
      for (std::uint64_t i = begin; i < end; ++i) apply_order<kPerOrderWork, kBaskets>(store, i, plan, t);
    }
  }
}

// The worker body for the store's concrete type: calls are devirtualised
// (every store class is final), so the bench measures the store, not a vtable.
template <class Store>
void run_worker(ProductStore& store, std::size_t k, RunPlan& plan, Tally& t) {
  Store& s = static_cast<Store&>(store);
  if (plan.per_order_work) {
    work_loop<true, false>(s, k, plan, t);  // validate() refuses work with baskets
  } else if (plan.baskets) {
    work_loop<false, true>(s, k, plan, t);
  } else {
    work_loop<false, false>(s, k, plan, t);
  }
}

void dispatch(ProductStore& store, std::size_t k, RunPlan& plan, Tally& t) {
  switch (store.kind()) {
    case StoreKind::kSharded: return run_worker<ShardedStore>(store, k, plan, t);
    case StoreKind::kMutex: return run_worker<MutexStore>(store, k, plan, t);
    case StoreKind::kStriped: return run_worker<StripedStore>(store, k, plan, t);
    case StoreKind::kAtomic: return run_worker<AtomicStore>(store, k, plan, t);
    case StoreKind::kCheckThenAct: return run_worker<CheckThenActStore>(store, k, plan, t);
  }
}

// Counts down a latch when it goes out of scope, however that happens.
struct Arrive {
  std::latch& latch;
  ~Arrive() { latch.count_down(); }
};

constexpr int kParked = 0, kGo = 1, kAbort = 2;

}  // namespace

std::int64_t default_bench_stock(std::uint64_t count) {
  const std::uint64_t mean_amount_x2 = 1 + kBenchAmountMax;  // 2 x the mean of 1..15
  const std::uint64_t stock = count * mean_amount_x2 * 9 / 20;   // 90% of count x mean
  return static_cast<std::int64_t>(std::max<std::uint64_t>(stock, 1));
}

std::uint64_t bench_latency_sample_every(const BenchOptions& options) {
  return options.work.none() && !options.order_timeout ? kLatencySampleMask + 1 : 1;
}

Status validate(const BenchOptions& o) {
  if (o.stores.empty()) return Status::InvalidArgument("bench: no store to measure");
  if (o.workers.empty()) return Status::InvalidArgument("bench: no worker count");
  if (o.dists.empty()) return Status::InvalidArgument("bench: no distribution");
  for (std::size_t w : o.workers)
    if (w < 1 || w > kBenchWorkersMax)
      return Status::InvalidArgument("bench: workers must be 1 to " + std::to_string(kBenchWorkersMax));
  if (o.count < 1 || o.count > kBenchCountMax)
    return Status::InvalidArgument("bench: count must be 1 to " + std::to_string(kBenchCountMax));
  if (o.products < 1 || o.products > kBenchProductsMax)
    return Status::InvalidArgument("bench: products must be 1 to " + std::to_string(kBenchProductsMax));
  if (o.repeat < 1 || o.repeat > kBenchRepeatMax)
    return Status::InvalidArgument("bench: repeat must be 1 to " + std::to_string(kBenchRepeatMax));
  const std::int64_t stock = o.stock ? *o.stock : default_bench_stock(o.count);
  if (stock < 0 || stock > kStockMax / static_cast<std::int64_t>(o.products))
    return Status::InvalidArgument("bench: stock x products must be at most 2^62");
  if (o.work.min.count() < 0 || o.work.min > o.work.max || o.work.max > kBenchWorkTimeMax)
    return Status::InvalidArgument("bench: work time must be a range from 0 to 10s, low end first");
  if (o.order_timeout && o.order_timeout->count() < 0)
    return Status::InvalidArgument("bench: order timeout must not be negative");
  if (!(o.baskets >= 0 && o.baskets <= 1)) return Status::InvalidArgument("bench: baskets must be a share from 0 to 1");
  if (o.basket_items < 1 || o.basket_items > kBenchBasketItemsMax)
    return Status::InvalidArgument("bench: items per basket must be 1 to " + std::to_string(kBenchBasketItemsMax));
  if (o.baskets > 0 && (!o.work.none() || o.order_timeout))
    return Status::InvalidArgument("bench: baskets take no --work-time or --order-timeout");
  return Status::Ok();
}

BenchOrders generate_bench_orders(const Distribution& dist, const BenchOptions& options) {
  BenchOrders out;
  out.dist = dist;
  ProductSampler sampler(dist, options.products);
  Rng rng(options.seed);
  const bool ranged = options.work.min != options.work.max;
  const std::uint64_t work_min = nanos(options.work.min);
  const std::uint64_t work_span = nanos(options.work.max) - work_min + 1;
  out.orders.resize(options.count);
  if (ranged) out.work_ns.resize(options.count);
  const bool baskets = options.baskets > 0;
  if (baskets) {
    out.basket.assign(options.count, kNotABasket);
    out.basket_items = options.basket_items;
  }
  for (std::uint64_t i = 0; i < options.count; ++i) {
    BenchOrder& o = out.orders[i];
    o.product = sampler.sample(rng);
    o.amount = static_cast<std::uint32_t>(1 + rng.below(kBenchAmountMax));
    if (ranged) out.work_ns[i] = work_min + rng.below(work_span);
    // One more draw only with baskets: the orders without them are unchanged.
    if (baskets && rng.unit() < options.baskets) {
      out.basket[i] = static_cast<std::uint32_t>(out.baskets++);
      out.items.push_back(StockItem{o.product, o.amount});
      for (std::uint32_t k = 1; k < options.basket_items; ++k) {
        const std::uint32_t p = sampler.sample(rng);
        out.items.push_back(StockItem{p, static_cast<std::uint32_t>(1 + rng.below(kBenchAmountMax))});
      }
    }
  }
  return out;
}

namespace {

// A catalog of `products` products (prices only matter: the decider's total).
Catalog synthetic_catalog(std::uint32_t products) {
  std::string csv = "ID,ProductName,Stock,Variety,Price\n";
  for (std::uint32_t p = 0; p < products; ++p) {  // appended piece by piece (GCC 12's -Wrestrict misfires on a + chain)
    csv += 'P';
    csv += std::to_string(p);
    csv += ",P,0,v,1.00\n";
  }
  return Catalog::parse(csv, "bench catalog").value();
}

// The router's job for a sharded store with baskets, before the clock.
void route_baskets(const BenchOrders& orders, std::size_t workers, RunPlan& plan) {
  const std::uint64_t n = orders.orders.size();
  const std::uint32_t items = orders.basket_items;
  plan.vote_of.assign(n, kNotABasket);
  std::vector<std::uint32_t> owners;
  std::vector<std::uint32_t> vote_owners;  // by vote
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint32_t b = orders.basket[i];
    if (b == kNotABasket) {
      plan.owned[owner_of(orders.orders[i].product, workers)].push_back(static_cast<std::uint32_t>(i));
      continue;
    }
    const StockItem* it = orders.items.data() + std::size_t{b} * items;
    owners.clear();
    for (std::uint32_t k = 0; k < items; ++k) {
      const auto o = static_cast<std::uint32_t>(owner_of(it[k].product, workers));
      if (std::find(owners.begin(), owners.end(), o) == owners.end()) owners.push_back(o);
    }
    for (std::uint32_t o : owners) plan.owned[o].push_back(static_cast<std::uint32_t>(i));
    if (owners.size() == 1) continue;
    const auto v = static_cast<std::uint32_t>(plan.records.size());
    plan.vote_of[i] = v;
    vote_owners.push_back(static_cast<std::uint32_t>(owners.size()));
    Record& r = plan.records.emplace_back();
    r.op = Op::kPlace;
    r.product = kBasketProduct;
    r.items = ItemRange{0, static_cast<std::uint16_t>(items), 0};
    for (std::uint32_t k = 0; k < items; ++k) {
      Item& copy = plan.items.emplace_back();
      copy.product = it[k].product;
      copy.amount = it[k].amount;
    }
  }
  plan.votes.reset(new BasketVote[vote_owners.size()]);
  for (std::size_t v = 0; v < vote_owners.size(); ++v)
    plan.votes[v].reset(static_cast<std::uint32_t>(v), vote_owners[v]);
  if (!vote_owners.empty()) plan.catalog.emplace(synthetic_catalog(plan.options.products));
}

}  // namespace

Result<BenchRun> run_bench_once(const BenchOrders& orders, StoreKind kind, std::size_t workers, std::int64_t stock,
                                const BenchOptions& options, bool as_singles) {
  const std::size_t products = options.products;
  const std::vector<std::int64_t> initial(products, stock);
  std::unique_ptr<ProductStore> store = make_store(kind, initial, workers);
  const std::uint64_t n = orders.orders.size();

  auto [stop, cancel] = with_cancel(Context::background());
  RunPlan plan(orders, options, stop);
  if (!plan.per_order_work)
    plan.chunk = std::clamp<std::uint64_t>(n / (workers * 16), 1, kChunkOrdersMax);
  plan.baskets = orders.baskets > 0 && !as_singles;
  if (kind == StoreKind::kSharded) {  // the router's job, done before the clock starts
    plan.owned.resize(workers);
    if (plan.baskets) {
      route_baskets(orders, workers, plan);
    } else {
      for (std::uint64_t i = 0; i < n; ++i)
        plan.owned[owner_of(orders.orders[i].product, workers)].push_back(static_cast<std::uint32_t>(i));
    }
  }

  std::vector<std::unique_ptr<Tally>> tallies(workers);
  std::latch ready(static_cast<std::ptrdiff_t>(workers));
  std::atomic<int> go{kParked};
  // If the pool cannot start every thread it cancels `stop`: wake the parked ones.
  DoneRegistration on_stop = stop.on_done([&go, &plan] {
    plan.failed.store(true);
    plan.outcomes.publish();  // wake owners waiting for a peer that may never come
    int parked = kParked;
    go.compare_exchange_strong(parked, kAbort);
    go.notify_all();
  });
  const bool sleeps = !options.work.none();

  Clock::time_point t0;
  std::exception_ptr failure;
  try {
    WorkerPool pool(workers, cancel, [&](std::size_t k) {
      std::unique_ptr<Tally> tally;
      {
        Arrive arrive{ready};
        tally = std::make_unique<Tally>(products);
        // Sleeps end within ~1 us of their time instead of Linux's default 50 us slack.
        if (sleeps) ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      }
      go.wait(kParked, std::memory_order_acquire);
      if (go.load(std::memory_order_acquire) != kGo) return;
      dispatch(*store, k, plan, *tally);
      tallies[k] = std::move(tally);
    });
    ready.wait();
    t0 = Clock::now();
    go.store(kGo, std::memory_order_release);
    go.notify_all();
    failure = pool.join();
  } catch (const std::system_error& e) {  // a thread could not be started; the pool joined the others
    return Status::Internal(std::string("bench: cannot start ") + std::to_string(workers) +
                            " worker threads: " + e.what());
  }
  const Clock::time_point t1 = Clock::now();
  on_stop.reset();
  if (failure) return status_from_exception(failure, "bench: a worker failed");

  BenchRun run;
  run.seconds = std::chrono::duration<double>(t1 - t0).count();
  run.votes = plan.records.size();
  std::vector<std::int64_t> sold(products, 0);
  LatencyHistogram latency;
  for (const std::unique_ptr<Tally>& t : tallies) {
    run.completed += t->completed;
    run.rejected += t->rejected;
    run.cancelled += t->cancelled;
    for (std::size_t p = 0; p < products; ++p) sold[p] += t->sold[p];
    latency.merge(t->latency);
  }
  if (run.orders() != n) return Status::Internal("bench: orders lost (" + std::to_string(run.orders()) + " of " +
                                                 std::to_string(n) + " have an outcome)");
  run.latency_p50_ns = latency.percentile(0.50);
  run.latency_p99_ns = latency.percentile(0.99);
  run.latency_max_ns = latency.max();
  run.latency_samples = latency.count();
  const std::vector<std::int64_t> left = store->snapshot();
  run.audit = audit_stock(initial, sold, left);
  return run;
}

Result<BenchReport> run_bench(const BenchOptions& options, const BenchProgress& progress) {
  if (Status s = validate(options); !s.ok()) return s;
  BenchReport report;
  report.options = options;
  report.stock = options.stock ? *options.stock : default_bench_stock(options.count);
  report.cpus = std::thread::hardware_concurrency();

  std::vector<BenchOrders> orders;
  orders.reserve(options.dists.size());
  for (const Distribution& d : options.dists) orders.push_back(generate_bench_orders(d, options));

  for (const Distribution& d : options.dists)
    for (StoreKind s : options.stores)
      for (std::size_t w : options.workers) report.cells.push_back(BenchCell{s, w, d, {}, {}, {}, {}});

  // With baskets each cell runs its orders as singles, then with baskets.
  const bool baskets = options.baskets > 0;
  std::vector<std::vector<BenchRun>> runs(report.cells.size()), singles(report.cells.size());
  const std::size_t total = report.cells.size() * options.repeat * (baskets ? 2 : 1);
  std::size_t done = 0;
  for (std::uint32_t rep = 0; rep < options.repeat; ++rep) {
    std::size_t c = 0;
    for (std::size_t di = 0; di < options.dists.size(); ++di) {
      for (std::size_t si = 0; si < options.stores.size(); ++si) {
        for (std::size_t wi = 0; wi < options.workers.size(); ++wi, ++c) {
          BenchCell& cell = report.cells[c];
          if (baskets) {
            Result<BenchRun> r = run_bench_once(orders[di], cell.store, cell.workers, report.stock, options, true);
            if (!r.ok()) return r.status();
            cell.singles_runs_orders_per_second.push_back(r->orders_per_second());
            singles[c].push_back(r.value());
            cell.singles = r.value();
            if (progress) progress(++done, total, cell);
          }
          Result<BenchRun> r = run_bench_once(orders[di], cell.store, cell.workers, report.stock, options);
          if (!r.ok()) return r.status();
          cell.runs_orders_per_second.push_back(r->orders_per_second());
          runs[c].push_back(r.value());
          cell.median = r.value();
          if (progress) progress(++done, total, cell);
        }
      }
    }
  }
  auto median = [](const std::vector<BenchRun>& rs) {
    std::vector<std::size_t> order(rs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return rs[a].orders_per_second() < rs[b].orders_per_second();
    });
    return rs[order[(order.size() - 1) / 2]];
  };
  for (std::size_t c = 0; c < report.cells.size(); ++c) {
    report.cells[c].median = median(runs[c]);
    if (baskets) report.cells[c].singles = median(singles[c]);
  }
  return report;
}

}  // namespace orderflow
