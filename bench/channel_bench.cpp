// Channel<T> throughput against the plain baseline every claim is measured
// against: a std::mutex + std::deque + two condition variables bounded queue.
//
// Workloads: P producers and P consumers move kItems uint64_t through one
// queue; capacity 0 (Channel only: a rendezvous has no deque equivalent, so
// compare it with the baseline at capacity 1), 1 and 1024; one element per
// operation (batch 1) or batches of 64 (send_many / recv_many, and the
// baseline's push_many / pop_many, one lock per batch).
//
// Rows are interleaved (each Channel row next to its baseline row) and each is
// the median of 5 repetitions. Time is wall-clock from releasing the threads to the last join (manual
// time: thread start-up is excluded), reported as items/s. Compare ratios in
// one run, not absolute numbers across runs: the machine is shared.
//
//   build-engine/channel_bench --benchmark_filter=Transfer
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <latch>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "engine/channel.h"
#include "engine/context.h"

namespace orderflow {
namespace {

// Items per iteration: fewer through tiny buffers, where every item costs a
// thread wake-up, so that every workload takes a few tens of milliseconds.
constexpr std::int64_t items_for(std::size_t capacity) { return capacity >= 64 ? 1 << 16 : 1 << 12; }
constexpr std::size_t kBatch = 64;

// ---- the baseline: what one writes first

class MutexDequeQueue {
 public:
  explicit MutexDequeQueue(std::size_t capacity) : capacity_(capacity) {}

  bool push(std::uint64_t v) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || q_.size() < capacity_; });
    if (closed_) return false;
    q_.push_back(v);
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  bool push_many(std::span<const std::uint64_t> items) {
    std::size_t i = 0;
    while (i < items.size()) {
      std::unique_lock<std::mutex> lock(mu_);
      not_full_.wait(lock, [&] { return closed_ || q_.size() < capacity_; });
      if (closed_) return false;
      while (i < items.size() && q_.size() < capacity_) q_.push_back(items[i++]);
      lock.unlock();
      not_empty_.notify_all();
    }
    return true;
  }

  bool pop(std::uint64_t& out) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return false;
    out = q_.front();
    q_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return true;
  }

  bool pop_many(std::vector<std::uint64_t>& out, std::size_t max) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return false;
    for (std::size_t n = 0; n < max && !q_.empty(); ++n) {
      out.push_back(q_.front());
      q_.pop_front();
    }
    lock.unlock();
    not_full_.notify_all();
    return true;
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::uint64_t> q_;
  bool closed_ = false;
};

// ---- the same interface over Channel

class ChannelQueue {
 public:
  explicit ChannelQueue(std::size_t capacity) : ch_(capacity) {}
  bool push(std::uint64_t v) { return ch_.send(std::uint64_t{v}) == ChannelStatus::kOk; }
  bool push_many(std::span<std::uint64_t> items) { return ch_.send_many(items).status == ChannelStatus::kOk; }
  bool pop(std::uint64_t& out) { return ch_.recv(out) == ChannelStatus::kOk; }
  bool pop_many(std::vector<std::uint64_t>& out, std::size_t max) {
    return ch_.recv_many(out, max) == ChannelStatus::kOk;
  }
  void close() { ch_.close(); }

 private:
  Channel<std::uint64_t> ch_;
};

// Args: producers (= consumers), capacity, batch.
template <class Queue>
void BM_Transfer(benchmark::State& state) {
  const int pairs = static_cast<int>(state.range(0));
  const auto capacity = static_cast<std::size_t>(state.range(1));
  const auto batch = static_cast<std::size_t>(state.range(2));
  const std::uint64_t per_producer = items_for(capacity) / pairs;
  const std::uint64_t total = per_producer * pairs;
  const std::uint64_t want_sum = total * (total - 1) / 2;

  for (auto _ : state) {
    Queue q(capacity);
    std::latch start(2 * pairs + 1);
    std::atomic<int> producers_left{pairs};
    std::atomic<std::uint64_t> sum{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < pairs; ++p) {
      threads.emplace_back([&, p] {
        const std::uint64_t first = per_producer * p, last = first + per_producer;
        std::vector<std::uint64_t> buf;
        buf.reserve(batch);
        start.arrive_and_wait();
        if (batch == 1) {
          for (std::uint64_t v = first; v < last; ++v) q.push(v);
        } else {
          for (std::uint64_t v = first; v < last;) {
            buf.clear();
            while (buf.size() < batch && v < last) buf.push_back(v++);
            q.push_many(buf);
          }
        }
        if (--producers_left == 0) q.close();
      });
    }
    for (int c = 0; c < pairs; ++c) {
      threads.emplace_back([&] {
        std::uint64_t local = 0, v = 0;
        std::vector<std::uint64_t> buf;
        buf.reserve(batch);
        start.arrive_and_wait();
        if (batch == 1) {
          while (q.pop(v)) local += v;
        } else {
          for (;;) {
            buf.clear();
            if (!q.pop_many(buf, batch)) break;
            for (std::uint64_t x : buf) local += x;
          }
        }
        sum += local;
      });
    }
    const auto t0 = std::chrono::steady_clock::now();
    start.arrive_and_wait();
    for (auto& t : threads) t.join();
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (sum.load() != want_sum) {
      state.SkipWithError("lost or duplicated items");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(total));
}

// Registers each Channel workload next to its baseline so that both see the
// same machine load (a shared machine drifts over a run). The baseline has no
// rendezvous: capacity-0 rows are paired with the baseline at capacity 1.
void RegisterTransfers() {
  for (std::int64_t pairs : {1, 2}) {
    for (std::int64_t cap : {0, 1, 1024}) {
      for (std::int64_t batch : {std::int64_t{1}, static_cast<std::int64_t>(kBatch)}) {
        auto* channel = benchmark::RegisterBenchmark("Transfer/Channel", BM_Transfer<ChannelQueue>);
        channel->Args({pairs, cap, batch});
        auto* baseline = benchmark::RegisterBenchmark("Transfer/MutexDeque", BM_Transfer<MutexDequeQueue>);
        baseline->Args({pairs, cap == 0 ? 1 : cap, batch});
        for (auto* b : {channel, baseline}) {
          b->ArgNames({"pairs", "cap", "batch"});
          b->UseManualTime()->MinTime(0.1)->Repetitions(5)->ReportAggregatesOnly(true);
          b->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
}

// ---- Context costs on the hot path (single thread)

void BM_ContextErrNoDeadline(benchmark::State& state) {
  auto [ctx, cancel] = with_cancel(Context::background());
  for (auto _ : state) benchmark::DoNotOptimize(ctx.err());
}
BENCHMARK(BM_ContextErrNoDeadline);

void BM_ContextErrWithDeadline(benchmark::State& state) {
  auto [ctx, cancel] = with_timeout(Context::background(), std::chrono::hours(1));
  for (auto _ : state) benchmark::DoNotOptimize(ctx.err());
}
BENCHMARK(BM_ContextErrWithDeadline);

const ContextKey<std::uint64_t> kSeqKey{"bench.seq"};

// One child scope plus one value per order, cancelled when the order is done:
// the parent's child list must stay empty however long this runs.
void BM_ContextPerOrderChild(benchmark::State& state) {
  auto [run, cancel_run] = with_cancel(Context::background());
  std::uint64_t seq = 0;
  for (auto _ : state) {
    auto [order, cancel_order] = with_cancel(run);
    Context traced = with_value(order, kSeqKey, seq++);
    benchmark::DoNotOptimize(traced.value(kSeqKey));
    cancel_order();
  }
  if (run.child_count_for_testing() != 0) state.SkipWithError("children leaked into the parent");
}
BENCHMARK(BM_ContextPerOrderChild);

}  // namespace
}  // namespace orderflow

int main(int argc, char** argv) {
  orderflow::RegisterTransfers();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
