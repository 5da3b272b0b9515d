#pragma once
// The decision procedure of SPEC.md "Outcomes and the order they are decided
// in", split into the two halves that need shared state, so that the engine can
// run them in different places:
//
//   resolve()  the order-index half: duplicate_id, the id taken by a place
//              record, unknown_order, and the product a reverse record undoes.
//              REQUIRES: called in seq order over all records, by one thread.
//   apply()    the stock half: insufficient_stock, Completed, Reversed,
//              not_reversible. REQUIRES: for a sharded store, called in seq
//              order per product by that product's owner. Other stores allow
//              any thread and any order (results may then differ between runs).
//
// Running resolve() then apply() on each record in input order is the
// sequential reference that the concurrent engine must reproduce exactly.
//
// Before these, the Decoder has settled invalid_record, invalid_amount and
// unknown_product (which duplicate_id outranks).
//
// Baskets (SPEC.md "Linked orders"): a record with is_basket() has its items
// in its batch's item table (`items`, i.e. Batch::items). resolve() remembers a
// basket's items with its id and, for a reverse of a basket, appends a copy of
// them to `items` and makes the reverse record a basket too. apply() takes all
// or none (ProductStore::take_all) and gives every item back on a reversal.
// A basket whose items belong to several owners of a sharded store is not
// apply()'d but decided part by part (hold_part ... decide_basket below),
// driven by engine/basket_vote.h.
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/ledger/order_index.h"
#include "data/model/batch.h"
#include "data/store/product_store.h"
#include "data/model/record.h"

namespace orderflow {

// Sets the record's final status and reason.
inline void decide(Record& r, OrderStatus status, Reason reason = Reason::kNone) {
  r.status = status;
  r.reason = reason;
  r.decided = true;
}

// What a durable ledger remembers of an order that took its id before this
// run's in-memory index began (an earlier run, or the committed part of the
// run being continued): enough to decide duplicate_id, unknown_order,
// not_reversible, and to reverse it.
struct PriorOrder {
  OrderState state = OrderState::kRejected;  // Completed, Rejected or Reversed
  std::uint32_t product = kNoProduct;        // kNoProduct: rejected before it had a product
  std::uint32_t amount = 0;                  // a basket: its number of items
  std::vector<StockItem> items;              // a basket's items, in order (empty: one product)
};

// One id to look up in a PriorOrders (a slice of them is answered at once).
struct PriorQuery {
  std::string_view id;
  std::uint64_t hash = 0;  // hash_bytes(id)
};

// The order backend: what a durable or remote store knows of orders that took
// their ids before this run's in-memory OrderIndex began. The OrderIndex is
// the run's working set (every id of the run, in memory, the hot path); a
// backend answers only the ids the index does not know, a batch at a time
// (data/ledger/ledger_db.h implements it over SQLite). Not thread-safe: one
// per thread.
class PriorOrders {
 public:
  using Found = std::function<void(std::size_t query, PriorOrder&& order)>;
  virtual ~PriorOrders() = default;
  // Looks up every query's id and calls found(i, order) once for each query i
  // whose id an earlier order took; in any order (a backend may sort the ids
  // for its medium). Blocking (I/O). Returns the error that stopped it (I/O,
  // a corrupt row): the orders reported before it are right, but the caller
  // must not decide the batch on them (the run fails).
  virtual Status find(std::span<const PriorQuery> queries, const Found& found) = 0;
};

// Before resolve() on a batch's records: every id of b that the index does
// not know is looked up in `prior`, and each order found there enters the
// index with its state, so that resolve() decides on the index alone exactly
// as if the index had held every earlier order. Records that are decided or
// invalid_record take no id and are not looked up. Returns prior's error
// (nothing was decided).
Status fetch_prior(const Batch& b, OrderIndex& index, PriorOrders& prior);

// Returns true when the record still needs apply(); otherwise it is decided.
// `items` is the record's batch's item table (Batch::items).
// With a durable ledger, fetch_prior() has run on the record's batch first.
bool resolve(Record& r, OrderIndex& index, std::vector<Item>& items);

enum class ApplyResult : std::uint8_t {
  kDone,   // decided
  kRetry,  // a reverse whose order is still pending on another thread (shared stores only)
};
// `items` is the record's batch's item table (Batch::items).
// `index` is the one resolve() ran on: apply() reads and writes the state of
// the record's order there (thread-safe).
ApplyResult apply(Record& r, std::vector<Item>& items, ProductStore& store, OrderIndex& index,
                  const Catalog& catalog);

// apply() in two steps, for a caller that hands the store a whole slice of
// operations at once (ProductStore::write; data/ledger/apply_queue.h):
// begin_apply() makes r's stock operation in `op` (kOp; a basket's items are
// copied to `buf`, kItemsMax of them, which must live until end_apply), or
// decides r without one (kDecided: not_reversible), or finds r's order still
// pending on another thread (kRetry: nothing changed). For a reverse it moves
// the order's state to Reversed already. end_apply() decides r from the op's
// result once the store has run it. `items` is r's items in its batch's table
// (Batch::items_of), or null when r is no basket.
enum class StockStep : std::uint8_t { kOp, kDecided, kRetry };
StockStep begin_apply(Record& r, Item* items, OrderIndex& index, StockItem* buf, StockOp& op);
void end_apply(Record& r, Item* items, OrderIndex& index, const Catalog& catalog, const StockOp& op);

// Single-item records only (no basket, no reverse of one): for tests and tools
// that build records by hand.
inline bool resolve(Record& r, OrderIndex& index) {
  std::vector<Item> none;
  return resolve(r, index, none);
}
inline ApplyResult apply(Record& r, ProductStore& store, OrderIndex& index, const Catalog& catalog) {
  std::vector<Item> none;
  return apply(r, none, store, index, catalog);
}

// ---- a basket over several owners of a sharded store, part by part --------
// Owner k's part of basket r: the items whose product it owns
// (owner_of(product, shards) == k), in item order.
//
// A place basket: hold_part() takes the part's units, in item order, each
// counting the earlier items of its product (all on this owner). If an item
// lacks units, nothing of the part stays taken, that item's stock_seen is
// written, and its number (1-based) is returned; 0 when the part is held.
// The basket's first failing item is the smallest number any part returns
// (an item's check depends only on its own product's stock and the earlier
// items of that product, all on one owner). release_part() gives a held part
// back (the basket failed elsewhere).
std::uint16_t hold_part(const Record& r, Item* items, ProductStore& store, std::size_t k, std::size_t shards);
void release_part(const Record& r, const Item* items, ProductStore& store, std::size_t k, std::size_t shards);
// A reverse of a basket: every part agrees on the entry's state (read before
// the vote, written only by decide_basket). give_back_part() returns the
// part's units once the reversal is decided.
void give_back_part(const Record& r, const Item* items, ProductStore& store, std::size_t k, std::size_t shards);
// Decides r from the votes: a place with `failed` == 0 Completes (total =
// sum), else insufficient_stock naming item `failed`; a reverse is Reversed
// when its order is Completed, else not_reversible. Called once, by one
// owner, after every part has voted. Returns true when the parts' units stay
// as they are now (place: held; reverse: give_back_part is due).
bool decide_basket(Record& r, const Item* items, OrderIndex& index, const Catalog& catalog, std::uint16_t failed);

// A record accepted but not applied when the run was cut short. Releases the
// id it took, as far as reversals are concerned (its order state becomes Cancelled
// in `index`, the one resolve() ran on).
void cancel(Record& r, OrderIndex& index, Reason why);

}  // namespace orderflow
