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
//                  steps: no data race in the C++ sense (defined behaviour), but a
//                  race condition: updates are lost and stock oversold under
//                  contention (never below zero; see the end of this comment).
//                  Exists to show that race condition (check_then_act_store.h).
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
//
// A backend: the calls come in two sizes. write() takes a whole slice of
// stock operations at once (leveldb's DB::Write(WriteBatch) is the model):
// it is what the appliers call on the hot path, once per slice of records,
// and what a store on disk or in another process implements with one round
// trip; an I/O error is its Status, never a crash. The per-product calls
// (take, give_back, take_all, give_back_all, stock) are for the basket vote,
// the bench and tests. ProductStoreBase<Derived> (below) gives write() from
// a Derived's own inline calls, so an in-memory store pays one virtual call
// per slice, not one per record. A new store: a `final` class deriving from
// ProductStoreBase<itself> in data/store/, its StoreKind value and name, and
// its case in make_store() (docs/design.md "Where a change goes").
//
// Ownership: the store owns its stock; the caller owns the StockOp slices it
// passes (the store only writes their results). Thread-safety: per store kind,
// as above (write() is as thread-safe as the calls it is made of).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "data/base/enum_table.h"
#include "data/base/require.h"
#include "data/base/status.h"
#include "data/model/order.h"

namespace orderflow {

enum class StoreKind : std::uint8_t { kSharded, kMutex, kStriped, kAtomic, kCheckThenAct };

// The one table of stores (data/base/enum_table.h): --store's names, in the
// order `bench` compares them, and each one's colour in bench's chart.
struct StoreKindRow {
  StoreKind value;
  std::string_view name;
  std::string_view chart_color;  // an SVG colour (cli/bench_report.cpp)
};
inline constexpr StoreKindRow kStoreKinds[] = {
    {StoreKind::kSharded, "sharded", "#1f77b4"},
    {StoreKind::kMutex, "mutex", "#d62728"},
    {StoreKind::kStriped, "striped", "#2ca02c"},
    {StoreKind::kAtomic, "atomic", "#9467bd"},
    {StoreKind::kCheckThenAct, "check-then-act", "#ff7f0e"},
};

std::string_view to_string(StoreKind kind);  // "sharded", "mutex", ..., "check-then-act"
std::optional<StoreKind> parse_store_kind(std::string_view name);
// Per-product data that threads contend on is padded to this (x86-64 and most
// ARM64 cache lines), so two products never share a line.
inline constexpr std::size_t kCacheLineBytes = 64;

inline constexpr auto kAllStoreKinds = enum_values(kStoreKinds);

struct TakeResult {
  bool ok;                  // the units were taken
  std::int64_t stock_seen;  // the stock the decision was made on (before taking)
};

struct BasketTake {
  bool ok;                  // every item's units were taken
  std::uint32_t failed;     // !ok: the first item (0-based) that lacked units
  std::int64_t stock_seen;  // !ok: the units that item found, less the earlier items of its product
};

// One stock operation of a slice (ProductStore::write): what one of the
// per-product calls does, with room for its result.
struct StockOp {
  enum class Kind : std::uint8_t { kTake, kGiveBack, kTakeAll, kGiveBackAll };
  Kind kind = Kind::kTake;
  bool ok = false;                    // out, kTake/kTakeAll: the units were taken
  std::uint16_t count = 0;            // kTakeAll/kGiveBackAll: the items, 1..kItemsMax
  std::uint32_t product = 0;          // kTake/kGiveBack
  std::uint32_t failed = 0;           // out, kTakeAll && !ok: the first item (0-based) that lacked units
  std::int64_t amount = 0;            // kTake/kGiveBack: the units, >= 1
  std::int64_t stock_seen = 0;        // out, kTake/kTakeAll: as TakeResult/BasketTake::stock_seen
  const StockItem* items = nullptr;   // kTakeAll/kGiveBackAll: owned by the caller

  static StockOp take(std::uint32_t p, std::int64_t amount) { return {Kind::kTake, false, 0, p, 0, amount, 0, nullptr}; }
  static StockOp give_back(std::uint32_t p, std::int64_t amount) {
    return {Kind::kGiveBack, false, 0, p, 0, amount, 0, nullptr};
  }
  static StockOp take_all(const StockItem* items, std::uint16_t n) { return {Kind::kTakeAll, false, n, 0, 0, 0, 0, items}; }
  static StockOp give_back_all(const StockItem* items, std::uint16_t n) {
    return {Kind::kGiveBackAll, false, n, 0, 0, 0, 0, items};
  }
};

class ProductStore {
 public:
  virtual ~ProductStore() = default;
  virtual StoreKind kind() const = 0;

  // Applies `ops` in order, each exactly as its per-product call below would,
  // and writes each take's result into it. Blocking only as those calls are
  // (a mutex, or the backend's I/O). Returns Ok, or the error that stopped it
  // (a backend's I/O error: the message names what failed); after an error,
  // which ops took effect is unspecified, and the caller fails the run (the
  // pipeline does: nothing decided after it counts). The in-memory stores
  // never fail. REQUIRES: every op's REQUIRES below.
  virtual Status write(std::span<StockOp> ops) = 0;

  // Takes `amount` units of product `p` if at least that many are left.
  // REQUIRES: p < size(), amount >= 1.
  virtual TakeResult take(std::uint32_t p, std::int64_t amount) = 0;
  // Returns `amount` units to product `p` (a reversal, or a released reservation).
  // REQUIRES: p < size(), amount >= 1.
  virtual void give_back(std::uint32_t p, std::int64_t amount) = 0;
  // Takes the units of all `n` items, or of none (see the top of this file).
  // REQUIRES: 1 <= n <= kItemsMax, every item's product < size() and amount >= 1.
  virtual BasketTake take_all(const StockItem* items, std::size_t n);
  // Gives every item's units back (a basket's reversal). REQUIRES: as take_all.
  virtual void give_back_all(const StockItem* items, std::size_t n) {
    ORDERFLOW_REQUIRE(n >= 1 && n <= kItemsMax);
    for (std::size_t i = 0; i < n; ++i) give_back(items[i].product, items[i].amount);
  }
  // The current stock of `p`. Exact once no thread is changing the store.
  // REQUIRES: p < size().
  virtual std::int64_t stock(std::uint32_t p) const = 0;
  virtual std::size_t size() const = 0;

  std::vector<std::int64_t> snapshot() const {
    std::vector<std::int64_t> out(size());
    for (std::size_t p = 0; p < out.size(); ++p) out[p] = stock(static_cast<std::uint32_t>(p));
    return out;
  }
};

// Performs one stock operation on `store` and fills in its answer: the one
// switch over StockOp::Kind. With a concrete (final) store the calls are
// direct; with a ProductStore& they are the per-product virtual calls.
template <class Store>
void perform(Store& store, StockOp& op) {
  switch (op.kind) {
    case StockOp::Kind::kTake: {
      const TakeResult t = store.take(op.product, op.amount);
      op.ok = t.ok;
      op.stock_seen = t.stock_seen;
      break;
    }
    case StockOp::Kind::kGiveBack: store.give_back(op.product, op.amount); break;
    case StockOp::Kind::kTakeAll: {
      const BasketTake t = store.take_all(op.items, op.count);
      op.ok = t.ok;
      op.failed = t.failed;
      op.stock_seen = t.stock_seen;
      break;
    }
    case StockOp::Kind::kGiveBackAll: store.give_back_all(op.items, op.count); break;
  }
}

// write() for an in-memory store from Derived's own calls: Derived is `final`,
// so they are direct (inlined) calls, and a slice costs one virtual call.
template <class Derived>
class ProductStoreBase : public ProductStore {
 public:
  Status write(std::span<StockOp> ops) final {
    Derived& d = static_cast<Derived&>(*this);
    for (StockOp& op : ops) perform(d, op);
    return Status::Ok();
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
