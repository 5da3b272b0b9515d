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

#include "data/store/atomic_store.h"
#include "data/store/check_then_act_store.h"
#include "data/base/latency_histogram.h"
#include "data/store/mutex_store.h"
#include "data/model/order.h"
#include "data/base/random.h"
#include "data/store/sharded_store.h"
#include "data/store/striped_store.h"
#include "engine/context.h"
#include "engine/worker_pool.h"

namespace orderflow {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kChunkOrdersMax = 256;  // orders per cursor step, without per-order work
constexpr std::uint64_t kLatencySampleMask = 15;  // without per-order work, time orders i with i % 16 == 0

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
  if (ctx.done()) {  // a deadline of 0, or one that passed already: nothing reserved
    ++t.cancelled;
    cancel();
    return;
  }
  const TakeResult r = store.take(o.product, amount);  // reserve
  if (!r.ok) {
    ++t.rejected;
  } else {
    if (work.count() > 0) ctx.wait_until(start + work);  // returns early at the deadline
    if (ctx.done()) {
      store.give_back(o.product, amount);  // release
      ++t.cancelled;
    } else {
      ++t.completed;  // confirm
      t.sold[o.product] += amount;
    }
  }
  cancel();
}

template <bool kPerOrderWork, class Store>
inline void apply_order(Store& store, std::uint64_t i, const RunPlan& plan, Tally& t) {
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

template <bool kPerOrderWork, class Store>
void work_loop(Store& store, std::size_t k, RunPlan& plan, Tally& t) {
  if constexpr (std::is_same_v<Store, ShardedStore>) {
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
      for (std::uint64_t i = begin; i < end; ++i) apply_order<kPerOrderWork>(store, i, plan, t);
    }
  }
}

// The worker body for the store's concrete type: calls are devirtualised
// (every store class is final), so the bench measures the store, not a vtable.
template <class Store>
void run_worker(ProductStore& store, std::size_t k, RunPlan& plan, Tally& t) {
  Store& s = static_cast<Store&>(store);
  if (plan.per_order_work) {
    work_loop<true>(s, k, plan, t);
  } else {
    work_loop<false>(s, k, plan, t);
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
  for (std::uint64_t i = 0; i < options.count; ++i) {
    BenchOrder& o = out.orders[i];
    o.product = sampler.sample(rng);
    o.amount = static_cast<std::uint32_t>(1 + rng.below(kBenchAmountMax));
    if (ranged) out.work_ns[i] = work_min + rng.below(work_span);
  }
  return out;
}

Result<BenchRun> run_bench_once(const BenchOrders& orders, StoreKind kind, std::size_t workers, std::int64_t stock,
                                const BenchOptions& options) {
  const std::size_t products = options.products;
  const std::vector<std::int64_t> initial(products, stock);
  std::unique_ptr<ProductStore> store = make_store(kind, initial, workers);
  const std::uint64_t n = orders.orders.size();

  auto [stop, cancel] = with_cancel(Context::background());
  RunPlan plan(orders, options, stop);
  if (!plan.per_order_work)
    plan.chunk = std::clamp<std::uint64_t>(n / (workers * 16), 1, kChunkOrdersMax);
  if (kind == StoreKind::kSharded) {  // the router's job, done before the clock starts
    plan.owned.resize(workers);
    for (std::uint64_t i = 0; i < n; ++i)
      plan.owned[owner_of(orders.orders[i].product, workers)].push_back(static_cast<std::uint32_t>(i));
  }

  std::vector<std::unique_ptr<Tally>> tallies(workers);
  std::latch ready(static_cast<std::ptrdiff_t>(workers));
  std::atomic<int> go{kParked};
  // If the pool cannot start every thread it cancels `stop`: wake the parked ones.
  DoneRegistration on_stop = stop.on_done([&go] {
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
    return Status::Corruption(std::string("bench: cannot start ") + std::to_string(workers) +
                              " worker threads: " + e.what());
  }
  const Clock::time_point t1 = Clock::now();
  on_stop.reset();
  if (failure) return status_from_exception(failure, "bench: a worker failed");

  BenchRun run;
  run.seconds = std::chrono::duration<double>(t1 - t0).count();
  std::vector<std::int64_t> sold(products, 0);
  LatencyHistogram latency;
  for (const std::unique_ptr<Tally>& t : tallies) {
    run.completed += t->completed;
    run.rejected += t->rejected;
    run.cancelled += t->cancelled;
    for (std::size_t p = 0; p < products; ++p) sold[p] += t->sold[p];
    latency.merge(t->latency);
  }
  if (run.orders() != n) return Status::Corruption("bench: orders lost (" + std::to_string(run.orders()) + " of " +
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
      for (std::size_t w : options.workers) report.cells.push_back(BenchCell{s, w, d, {}, {}});

  std::vector<std::vector<BenchRun>> runs(report.cells.size());
  const std::size_t total = report.cells.size() * options.repeat;
  std::size_t done = 0;
  for (std::uint32_t rep = 0; rep < options.repeat; ++rep) {
    std::size_t c = 0;
    for (std::size_t di = 0; di < options.dists.size(); ++di) {
      for (std::size_t si = 0; si < options.stores.size(); ++si) {
        for (std::size_t wi = 0; wi < options.workers.size(); ++wi, ++c) {
          BenchCell& cell = report.cells[c];
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
  for (std::size_t c = 0; c < report.cells.size(); ++c) {
    std::vector<BenchRun>& rs = runs[c];
    std::vector<std::size_t> order(rs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return rs[a].orders_per_second() < rs[b].orders_per_second();
    });
    report.cells[c].median = rs[order[(order.size() - 1) / 2]];
  }
  return report;
}

}  // namespace orderflow
