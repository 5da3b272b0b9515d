// WorkerPool: see worker_pool.h.
#include "engine/worker_pool.h"

#include <utility>

namespace orderflow {

WorkerPool::WorkerPool(std::size_t workers, CancelFunc cancel_on_error, WorkerFn fn)
    : fn_(std::move(fn)), cancel_on_error_(std::move(cancel_on_error)) {
  threads_.reserve(workers);
  try {
    for (std::size_t i = 0; i < workers; ++i) {
      threads_.emplace_back([this, i] { run(i); });
      size_ = i + 1;
    }
  } catch (...) {
    cancel_on_error_();  // the started workers watch it: let them stop
    for (std::thread& t : threads_) t.join();
    throw;
  }
}

WorkerPool::~WorkerPool() { (void)join(); }

void WorkerPool::run(std::size_t worker_index) noexcept {
  try {
    fn_(worker_index);
  } catch (...) {
    record(std::current_exception());
  }
}

void WorkerPool::record(std::exception_ptr e) noexcept {
  {
    MutexLock lock(mu_);
    if (first_error_) {
      ++dropped_;
      return;
    }
    first_error_ = std::move(e);
  }
  failed_.store(true, std::memory_order_release);
  cancel_on_error_();  // outside mu_: it runs on_done callbacks
}

std::exception_ptr WorkerPool::join() {
  std::lock_guard<std::mutex> join_lock(join_mu_);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  MutexLock lock(mu_);
  return first_error_;
}

std::size_t WorkerPool::dropped_exceptions() const {
  MutexLock lock(mu_);
  return dropped_;
}

}  // namespace orderflow
