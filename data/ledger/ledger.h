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
#include "data/catalog/catalog.h"
#include "data/ledger/order_index.h"
#include "data/store/product_store.h"
#include "data/model/record.h"

namespace orderflow {

// Sets the record's final status and reason.
inline void decide(Record& r, OrderStatus status, Reason reason = Reason::kNone) {
  r.status = status;
  r.reason = reason;
  r.decided = true;
}

// Returns true when the record still needs apply(); otherwise it is decided.
bool resolve(Record& r, OrderIndex& index);

enum class ApplyResult : std::uint8_t {
  kDone,   // decided
  kRetry,  // a reverse whose order is still pending on another thread (shared stores only)
};
ApplyResult apply(Record& r, ProductStore& store, const Catalog& catalog);

// A record accepted but not applied when the run was cut short. Releases the
// id it took, as far as reversals are concerned (its order state becomes Cancelled).
void cancel(Record& r, Reason why);

}  // namespace orderflow
