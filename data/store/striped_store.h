#pragma once
// StripedStore: a lock per product ("stripes" of one product each), each lock
// and its product's stock on a cache line of their own. Orders for different
// products never wait for each other and never share a line; orders for the
// same product queue on that product's lock, as they would on MutexStore's one
// lock.
//
// Thread-safety: thread-safe; take/give_back/stock each hold one product's
// lock for a few instructions. Memory: kCacheLineBytes (64) per product.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class StripedStore final : public ProductStoreBase<StripedStore> {
 public:
  explicit StripedStore(const std::vector<std::int64_t>& initial)
      : slots_(std::make_unique<Slot[]>(initial.size())), size_(initial.size()) {
    for (std::size_t p = 0; p < size_; ++p) slots_[p].stock = initial[p];
  }
  StoreKind kind() const override { return StoreKind::kStriped; }
  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    const std::int64_t before = s.stock;
    if (before < amount) return {false, before};
    s.stock = before - amount;
    return {true, before};
  }
  // Locks the basket's distinct products in ascending order (every basket
  // locks in the same total order, so no two can wait for each other in a
  // cycle), checks every item, takes every item, unlocks.
  BasketTake take_all(const StockItem* items, std::size_t n) override {
    ORDERFLOW_REQUIRE(n >= 1 && n <= kItemsMax);
    std::uint32_t products[kItemsMax];
    const std::size_t distinct = lock_products(items, n, products);
    BasketTake result{true, 0, 0};
    for (std::size_t i = 0; i < n && result.ok; ++i) {
      std::int64_t left = slots_[items[i].product].stock;
      for (std::size_t j = 0; j < i; ++j)
        if (items[j].product == items[i].product) left -= items[j].amount;
      if (left < items[i].amount) result = {false, static_cast<std::uint32_t>(i), left};
    }
    if (result.ok)
      for (std::size_t i = 0; i < n; ++i) slots_[items[i].product].stock -= items[i].amount;
    for (std::size_t k = distinct; k-- > 0;) slots_[products[k]].mu.unlock();
    return result;
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    s.stock += amount;
  }
  std::int64_t stock(std::uint32_t p) const override {
    ORDERFLOW_REQUIRE(p < size());
    const Slot& s = slots_[p];
    std::lock_guard<std::mutex> lock(s.mu);
    return s.stock;
  }
  std::size_t size() const override { return size_; }

 private:
  // Sorts the items' distinct products into `out` and locks them in that order.
  std::size_t lock_products(const StockItem* items, std::size_t n, std::uint32_t* out) {
    for (std::size_t i = 0; i < n; ++i) out[i] = items[i].product;
    std::sort(out, out + n);
    const std::size_t distinct = static_cast<std::size_t>(std::unique(out, out + n) - out);
    for (std::size_t k = 0; k < distinct; ++k) slots_[out[k]].mu.lock();
    return distinct;
  }
  struct alignas(kCacheLineBytes) Slot {
    mutable std::mutex mu;
    std::int64_t stock = 0;  // guarded by mu
  };
  static_assert(sizeof(Slot) == kCacheLineBytes, "one product per cache line");
  std::unique_ptr<Slot[]> slots_;  // aligned new: each slot starts a line
  std::size_t size_;
};

}  // namespace orderflow
