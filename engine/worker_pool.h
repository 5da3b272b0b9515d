#pragma once
// WorkerPool: N threads running fn(worker_index), joined on every path.
//
//   auto [ctx, cancel] = with_cancel(run_ctx);
//   WorkerPool pool(4, cancel, [&](std::size_t i) {
//     std::vector<Batch> batches;
//     while (in.recv_many(batches, 8, ctx) == ChannelStatus::kOk) { ... }
//   });
//   if (std::exception_ptr e = pool.join()) { ... }   // the first worker exception
//
// Contract
// - The pool owns its threads. They are joined by join() or, at the latest, by
//   the destructor, on every path: normal return, a worker exception, an
//   exception while starting threads (the constructor cancels, joins the
//   threads it started, and rethrows).
// - Errors are values: a worker that throws does not take the process down.
//   The pool keeps the first exception (later ones are counted and dropped),
//   calls `cancel_on_error` once — typically the CancelFunc of the Context the
//   workers watch, so the others stop promptly — and join() returns it.
// - Thread-safe: join(), failed(), dropped_exceptions() and size() may be
//   called from any thread except the pool's own workers.
// - REQUIRES: fn may be called concurrently from all workers (it is shared, not
//   copied per worker). join() and the destructor must not be called from a
//   worker (a thread cannot join itself).
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/context.h"
#include "engine/thread_annotations.h"

namespace orderflow {

class WorkerPool {
 public:
  using WorkerFn = std::function<void(std::size_t worker_index)>;

  // Starts `workers` threads; thread i runs fn(i) (i in [0, workers)).
  // `cancel_on_error` is called once, on the worker thread that threw first.
  // Throws std::system_error if a thread cannot be started (after cancelling
  // and joining the ones that did start). Never blocks otherwise.
  WorkerPool(std::size_t workers, CancelFunc cancel_on_error, WorkerFn fn);

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Joins every worker (blocks until they return). A first exception that
  // nobody asked join() for is dropped: call join() to see it.
  ~WorkerPool();

  // Blocks until every worker has returned. Returns the first exception a
  // worker threw, or nullptr. Idempotent: every call returns the same value
  // (the pool reports one exception, however many workers threw; rethrow it
  // with std::rethrow_exception at the cli/ edge).
  [[nodiscard]] std::exception_ptr join();

  // True once any worker has thrown. Never blocks.
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  // How many exceptions after the first were dropped. Exact after join().
  std::size_t dropped_exceptions() const;

  // Number of workers started.
  std::size_t size() const noexcept { return size_; }

 private:
  void run(std::size_t worker_index) noexcept;
  void record(std::exception_ptr e) noexcept;

  const WorkerFn fn_;
  const CancelFunc cancel_on_error_;
  std::atomic<bool> failed_{false};
  mutable Mutex mu_;
  std::exception_ptr first_error_ GUARDED_BY(mu_);
  std::size_t dropped_ GUARDED_BY(mu_) = 0;
  std::mutex join_mu_;               // serialises join()
  std::size_t size_ = 0;
  std::vector<std::thread> threads_;  // last: started after everything above exists
};

}  // namespace orderflow
