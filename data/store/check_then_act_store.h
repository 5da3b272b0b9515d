#pragma once
// CheckThenActStore: the deliberately unsafe store — the Go app's map before it
// had a mutex. take() is two separate atomic steps:
//
//   check:   seen = load(stock); if seen < amount: reject
//   act:     store(stock, seen - amount)
//
// Each step is a std::atomic access, so there is no data race in the C++ sense
// (defined behaviour; ThreadSanitizer stays quiet), but another thread may
// change the stock between the two steps and the act overwrites that change:
//
//   A: check, seen 10 (wants 7)      B: check, seen 10 (wants 6)
//   A: act, stock = 3                B: act, stock = 4
//
// Both orders complete: 13 units sold out of 10, and 4 still "in stock". Lost
// updates create phantom stock, and so the product is oversold. give_back() is
// a load and a store too, so a reversal can be lost the same way (destroying
// stock). Stock never goes below zero: the act only stores a value that was
// checked to be >= 0.
//
// The two halves of take() and give_back() are public so that tests can drive
// an interleaving step by step instead of hoping for a race.
//
// Thread-safety: no data races, but NOT linearizable: under concurrent use of
// one product, updates are lost. Memory: kCacheLineBytes per product.
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class CheckThenActStore final : public ProductStoreBase<CheckThenActStore> {
 public:
  explicit CheckThenActStore(const std::vector<std::int64_t>& initial)
      : slots_(std::make_unique<Slot[]>(initial.size())), size_(initial.size()) {
    for (std::size_t p = 0; p < size_; ++p) slots_[p].stock.store(initial[p], std::memory_order_relaxed);
  }
  StoreKind kind() const override { return StoreKind::kCheckThenAct; }

  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    const TakeResult checked = take_check(p, amount);
    take_act(p, checked, amount);
    return checked;
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    give_back_act(p, give_back_check(p), amount);
  }
  std::int64_t stock(std::uint32_t p) const override {
    ORDERFLOW_REQUIRE(p < size());
    return slots_[p].stock.load(std::memory_order_relaxed);
  }
  std::size_t size() const override { return size_; }

  // take(), first step: reads the stock and decides. Thread-safe (one load).
  TakeResult take_check(std::uint32_t p, std::int64_t amount) const {
    const std::int64_t seen = slots_[p].stock.load(std::memory_order_relaxed);
    return {seen >= amount, seen};
  }
  // take(), second step: stores seen - amount if the check said ok, whatever
  // the stock is now. Thread-safe (one store), and that is the bug.
  void take_act(std::uint32_t p, const TakeResult& checked, std::int64_t amount) {
    if (checked.ok) slots_[p].stock.store(checked.stock_seen - amount, std::memory_order_relaxed);
  }
  // give_back(), first step: reads the stock.
  std::int64_t give_back_check(std::uint32_t p) const { return slots_[p].stock.load(std::memory_order_relaxed); }
  // give_back(), second step: stores seen + amount.
  void give_back_act(std::uint32_t p, std::int64_t seen, std::int64_t amount) {
    slots_[p].stock.store(seen + amount, std::memory_order_relaxed);
  }

 private:
  struct alignas(kCacheLineBytes) Slot {
    std::atomic<std::int64_t> stock{0};
  };
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_;
};

}  // namespace orderflow
