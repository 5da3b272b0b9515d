#pragma once
// Stats: what a run did, counted from decided records. A plain value: each
// thread keeps its own and they are merged (reconciled) when read, so there is
// no shared counter on the hot path. Thread-compatible.
#include <cassert>
#include <array>
#include <cstdint>
#include <vector>

#include "data/base/money.h"
#include "data/model/record.h"

namespace orderflow {

// A product's units sold, net of reversals. (Its revenue is sold x price:
// every order for a product is priced the same, so it need not be summed.)
struct ProductTally {
  std::int64_t sold = 0;
};

struct Stats {
  std::uint64_t records = 0;
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t reversed = 0;
  std::uint64_t cancelled = 0;
  std::array<std::uint64_t, kReasonCount> reasons{};  // rejections and cancellations by reason
  Cents128 revenue = 0;                               // completed totals - reversed totals
  std::vector<ProductTally> products;                 // by catalog index

  Stats() = default;
  explicit Stats(std::size_t product_count) : products(product_count) {}

  // Counts one decided record; `items` is its batch's item table (a basket
  // counts each item for its product). REQUIRES: r.decided.
  void count(const Record& r, const std::vector<Item>& items) {
    count(r, r.is_basket() ? items.data() + r.items.first : nullptr);
  }
  // The same for a record that is not a basket (REQUIRES: !r.is_basket()).
  void count(const Record& r) {
    assert(!r.is_basket());
    count(r, nullptr);
  }

  // `items`: r's items when r is a basket.
  void count(const Record& r, const Item* items) {
    ++records;
    switch (r.status) {
      case OrderStatus::kCompleted:
        ++completed;
        revenue += r.total;
        sell(r, items, 1);
        break;
      case OrderStatus::kReversed:
        ++reversed;
        revenue -= r.total;
        sell(r, items, -1);
        break;
      case OrderStatus::kRejected:
        ++rejected;
        ++reasons[static_cast<std::size_t>(r.reason)];
        break;
      case OrderStatus::kCancelled:
        ++cancelled;
        ++reasons[static_cast<std::size_t>(r.reason)];
        break;
    }
  }

  void sell(const Record& r, const Item* items, std::int64_t sign) {
    if (!r.is_basket()) {
      products[r.product].sold += sign * r.amount;
      return;
    }
    for (std::uint16_t k = 0; k < r.items.count; ++k) products[items[k].product].sold += sign * items[k].amount;
  }

  void merge(const Stats& o) {
    records += o.records;
    completed += o.completed;
    rejected += o.rejected;
    reversed += o.reversed;
    cancelled += o.cancelled;
    for (std::size_t i = 0; i < reasons.size(); ++i) reasons[i] += o.reasons[i];
    revenue += o.revenue;
    if (products.size() < o.products.size()) products.resize(o.products.size());
    for (std::size_t i = 0; i < o.products.size(); ++i) products[i].sold += o.products[i].sold;
  }
};

}  // namespace orderflow
