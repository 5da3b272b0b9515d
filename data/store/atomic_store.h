#pragma once
// AtomicStore: no locks at all. Each product's stock is one std::atomic on a
// cache line of its own; take() is a compare-and-swap loop:
//
//   seen = load
//   loop: if seen < amount: reject (on the value seen)
//         CAS(seen -> seen - amount); on failure `seen` is reloaded: retry
//
// A failed CAS means another thread changed the stock in between; the retry
// decides again on the new value, so nothing is oversold and no update is lost.
// Under heavy contention on one product the retries are the cost (each is a
// cache-line round trip), but some thread always succeeds: lock-free.
//
// Memory order: relaxed. The stock counter guards no other data (the ledger
// publishes order states through their own atomics), and read-modify-writes of
// one atomic are totally ordered whatever the memory order, which is all that
// conservation needs.
//
// Thread-safety: thread-safe, lock-free. Memory: kCacheLineBytes per product.
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class AtomicStore final : public ProductStoreBase<AtomicStore> {
 public:
  explicit AtomicStore(const std::vector<std::int64_t>& initial)
      : slots_(std::make_unique<Slot[]>(initial.size())), size_(initial.size()) {
    for (std::size_t p = 0; p < size_; ++p) slots_[p].stock.store(initial[p], std::memory_order_relaxed);
  }
  StoreKind kind() const override { return StoreKind::kAtomic; }
  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    std::atomic<std::int64_t>& s = slots_[p].stock;
    std::int64_t seen = s.load(std::memory_order_relaxed);
    for (;;) {
      if (seen < amount) return {false, seen};
      if (s.compare_exchange_weak(seen, seen - amount, std::memory_order_relaxed)) return {true, seen};
    }
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    slots_[p].stock.fetch_add(amount, std::memory_order_relaxed);
  }
  std::int64_t stock(std::uint32_t p) const override {
    ORDERFLOW_REQUIRE(p < size());
    return slots_[p].stock.load(std::memory_order_relaxed);
  }
  std::size_t size() const override { return size_; }

 private:
  struct alignas(kCacheLineBytes) Slot {
    std::atomic<std::int64_t> stock{0};
  };
  static_assert(std::atomic<std::int64_t>::is_always_lock_free);
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
};

}  // namespace orderflow
