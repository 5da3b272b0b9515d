#pragma once
// StockAudit: the conservation check of a run against a product store.
//
// For every product p, a store that loses no update ends with
//
//     sold[p] + left[p] == initial[p]       (units; sold is net of give-backs)
//
// and so never sells more than it had. A store that loses updates
// (check-then-act) breaks the equation: a lost take leaves phantom stock that
// is sold again (drift > 0, and once the product runs out, `oversold` > 0); a
// lost give-back destroys stock (drift < 0).
//
// Pure arithmetic on three equal-length arrays; no I/O, no threads.
#include <cstddef>
#include <cstdint>
#include <span>

namespace orderflow {

struct StockAudit {
  std::int64_t initial = 0;   // units in the store at the start, all products
  std::int64_t sold = 0;      // units taken and kept (net of give-backs)
  std::int64_t left = 0;      // units in the store at the end
  std::int64_t oversold = 0;  // sum over products of max(0, sold[p] - initial[p])
  std::int64_t drift = 0;     // sum over products of sold[p] + left[p] - initial[p]
  std::size_t unbalanced_products = 0;  // products where sold + left != initial
  std::int64_t lowest_left = 0;         // the smallest left[p] (0 when there are no products)

  // Units sold + stock left = initial stock, product by product.
  bool conserved() const { return unbalanced_products == 0; }
};

// REQUIRES: the three spans have the same length, and every sum fits in int64
// (e.g. total initial stock <= 2^62, as `bench` checks).
StockAudit audit_stock(std::span<const std::int64_t> initial, std::span<const std::int64_t> sold,
                       std::span<const std::int64_t> left);

}  // namespace orderflow
