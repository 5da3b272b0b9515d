#pragma once
// StripedStore: a lock per product ("stripes" of one product each), each lock
// and its product's stock on a cache line of their own. Orders for different
// products never wait for each other and never share a line; orders for the
// same product queue on that product's lock, as they would on MutexStore's one
// lock.
//
// Thread-safety: thread-safe; take/give_back/stock each hold one product's
// lock for a few instructions. Memory: kCacheLineBytes (64) per product.
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class StripedStore final : public ProductStore {
 public:
  explicit StripedStore(const std::vector<std::int64_t>& initial)
      : slots_(std::make_unique<Slot[]>(initial.size())), size_(initial.size()) {
    for (std::size_t p = 0; p < size_; ++p) slots_[p].stock = initial[p];
  }
  StoreKind kind() const override { return StoreKind::kStriped; }
  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    const std::int64_t before = s.stock;
    if (before < amount) return {false, before};
    s.stock = before - amount;
    return {true, before};
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    s.stock += amount;
  }
  std::int64_t stock(std::uint32_t p) const override {
    const Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    return s.stock;
  }
  std::size_t size() const override { return size_; }

 private:
  struct alignas(kCacheLineBytes) Slot {
    mutable std::mutex mu;
    std::int64_t stock = 0;  // guarded by mu
  };
  static_assert(sizeof(Slot) == kCacheLineBytes, "one product per cache line");
  std::unique_ptr<Slot[]> slots_;  // aligned new: each slot starts a line
  std::size_t size_;
};

}  // namespace orderflow
