#pragma once
// ProductStore: the running stock of every product, behind one interface with
// several synchronisation strategies (DESIGN.md "Product stores"):
//
//   sharded        each product is owned by one worker; plain integers, no locks.
//                  REQUIRES: a product is only ever touched by its owner thread
//                  (owner(p) tells which), so per-product order = input order.
//   mutex          one lock around the whole store. Thread-safe.
//   striped        a lock per product, each on its own cache line. Thread-safe.
//   atomic         lock-free compare-and-swap on each product's stock. Thread-safe.
//   check-then-act load, check, then store stock - amount as two separate atomic
//                  steps: no data race in the C++ sense, but updates are lost and
//                  stock oversold under contention. Exists to show that race.
//
// Baskets (SPEC.md "Linked orders"): take_all() takes every item's units or
// none. The items are checked in item order, each against its product's stock
// less the earlier items of the same product; the first that lacks units is
// reported, and nothing stays taken. How "nothing" is kept, per store:
//   sharded        take in order, give back in reverse order on a failure: one
//                  thread owns the products, nobody sees the units in between.
//                  (A basket over several owners: engine/basket_vote.h.)
//   mutex          the one lock around check-all-then-take-all: atomic.
//   striped        the basket's product locks taken in ascending product order
//                  (a total order, so two baskets cannot deadlock), then
//                  check-all-then-take-all, then unlocked: atomic.
//   atomic         CAS each item in order, give back in reverse order on a
//                  failure: never sold partly and conserved, but a racing order
//                  may see the units held for an instant and be rejected.
//   check-then-act the same two steps per item: loses updates, baskets too.
//
// No store lets stock go below zero, check-then-act included (it only ever
// stores a value it checked was >= amount, minus amount). Every store but
// check-then-act also never loses an update; check-then-act loses them under
// contention, and so sells more units than there were (oversells) while its
// stock stays >= 0. Stock values are in units, 0..kStockMax.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "data/model/order.h"

namespace orderflow {

enum class StoreKind : std::uint8_t { kSharded, kMutex, kStriped, kAtomic, kCheckThenAct };

std::string_view to_string(StoreKind kind);  // "sharded", "mutex", ..., "check-then-act"
std::optional<StoreKind> parse_store_kind(std::string_view name);
// Per-product data that threads contend on is padded to this (x86-64 and most
// ARM64 cache lines), so two products never share a line.
inline constexpr std::size_t kCacheLineBytes = 64;

inline constexpr StoreKind kAllStoreKinds[] = {StoreKind::kSharded, StoreKind::kMutex, StoreKind::kStriped,
                                               StoreKind::kAtomic, StoreKind::kCheckThenAct};

struct TakeResult {
  bool ok;                  // the units were taken
  std::int64_t stock_seen;  // the stock the decision was made on (before taking)
};

struct BasketTake {
  bool ok;                  // every item's units were taken
  std::uint32_t failed;     // !ok: the first item (0-based) that lacked units
  std::int64_t stock_seen;  // !ok: the units that item found, less the earlier items of its product
};

class ProductStore {
 public:
  virtual ~ProductStore() = default;
  virtual StoreKind kind() const = 0;
  // Takes `amount` units of product `p` if at least that many are left.
  virtual TakeResult take(std::uint32_t p, std::int64_t amount) = 0;
  // Returns `amount` units to product `p` (a reversal, or a released reservation).
  virtual void give_back(std::uint32_t p, std::int64_t amount) = 0;
  // Takes the units of all `n` items, or of none (see the top of this file).
  // REQUIRES: 1 <= n <= kItemsMax.
  virtual BasketTake take_all(const StockItem* items, std::size_t n);
  // Gives every item's units back (a basket's reversal).
  virtual void give_back_all(const StockItem* items, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) give_back(items[i].product, items[i].amount);
  }
  // The current stock of `p`. Exact once no thread is changing the store.
  virtual std::int64_t stock(std::uint32_t p) const = 0;
  virtual std::size_t size() const = 0;

  std::vector<std::int64_t> snapshot() const {
    std::vector<std::int64_t> out(size());
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = stock(static_cast<std::uint32_t>(p));
    return out;
  }
};

// A store of `kind` holding `initial` stock; `shards` is the number of owner
// threads a sharded store is split across (other kinds ignore it). nullptr
// when `kind` is not one of StoreKind's values (the pipeline then fails the
// run: "store ... is not available"); never nullptr for one of them.
std::unique_ptr<ProductStore> make_store(StoreKind kind, const std::vector<std::int64_t>& initial,
                                         std::size_t shards);

// Which of `shards` owners a product belongs to (sharded store, and routing).
inline std::size_t owner_of(std::uint32_t product, std::size_t shards) { return product % shards; }

}  // namespace orderflow
