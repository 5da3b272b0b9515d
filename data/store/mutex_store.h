#pragma once
// MutexStore: one lock around the whole store (the Go app's sync.Mutex fix for
// its overselling map). Thread-safe; every operation takes the one lock.
#include <mutex>
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class MutexStore final : public ProductStoreBase<MutexStore> {
 public:
  explicit MutexStore(const std::vector<std::int64_t>& initial) : stock_(initial) {}
  StoreKind kind() const override { return StoreKind::kMutex; }
  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    std::lock_guard<std::mutex> lock(mu_);
    std::int64_t before = stock_[p];
    if (before < amount) return {false, before};
    stock_[p] = before - amount;
    return {true, before};
  }
  // Checks every item, then takes every item, under the one lock.
  BasketTake take_all(const StockItem* items, std::size_t n) override {
    ORDERFLOW_REQUIRE(n >= 1 && n <= kItemsMax);
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t left = stock_[items[i].product];
      for (std::size_t j = 0; j < i; ++j)
        if (items[j].product == items[i].product) left -= items[j].amount;
      if (left < items[i].amount) return {false, static_cast<std::uint32_t>(i), left};
    }
    for (std::size_t i = 0; i < n; ++i) stock_[items[i].product] -= items[i].amount;
    return {true, 0, 0};
  }
  void give_back_all(const StockItem* items, std::size_t n) override {
    ORDERFLOW_REQUIRE(n >= 1 && n <= kItemsMax);
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < n; ++i) stock_[items[i].product] += items[i].amount;
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    std::lock_guard<std::mutex> lock(mu_);
    stock_[p] += amount;
  }
  std::int64_t stock(std::uint32_t p) const override {
    ORDERFLOW_REQUIRE(p < size());
    std::lock_guard<std::mutex> lock(mu_);
    return stock_[p];
  }
  std::size_t size() const override { return stock_.size(); }

 private:
  mutable std::mutex mu_;
  std::vector<std::int64_t> stock_;  // guarded by mu_
};

}  // namespace orderflow
