#include "data/ledger/ledger.h"

namespace orderflow {

bool resolve(Record& r, OrderIndex& index) {
  if (r.decided) return false;
  if (r.reason == Reason::kInvalidRecord) {
    decide(r, OrderStatus::kRejected, Reason::kInvalidRecord);
    return false;
  }
  if (r.op == Op::kPlace) {
    // A place record that passed invalid_record takes its id, whatever its outcome.
    const bool rejected = r.reason != Reason::kNone;  // invalid_amount or unknown_product
    if (!r.id.empty()) {
      auto [entry, added] = index.insert(r.id, r.id_hash, rejected ? kNoProduct : r.product,
                                         rejected ? 0 : static_cast<std::uint32_t>(r.amount),
                                         rejected ? OrderState::kRejected : OrderState::kPending);
      if (!added) {
        decide(r, OrderStatus::kRejected, Reason::kDuplicateId);
        return false;
      }
      r.entry = entry;
    }
    if (rejected) {
      decide(r, OrderStatus::kRejected, r.reason);
      return false;
    }
    return true;
  }
  // A reverse record names an order placed earlier in the run.
  OrderEntry* entry = index.find(r.id, r.id_hash);
  if (!entry) {
    decide(r, OrderStatus::kRejected, Reason::kUnknownOrder);
    return false;
  }
  r.entry = entry;
  if (entry->product == kNoProduct) {  // rejected at decode: never completed
    r.prior = OrderState::kRejected;
    decide(r, OrderStatus::kRejected, Reason::kNotReversible);
    return false;
  }
  r.product = entry->product;
  r.amount = entry->amount;
  return true;
}

ApplyResult apply(Record& r, ProductStore& store, const Catalog& catalog) {
  const Cents price = catalog.price(r.product);
  if (r.op == Op::kPlace) {
    TakeResult t = store.take(r.product, r.amount);
    if (t.ok) {
      r.total = r.amount * price;  // cannot overflow: amount <= kAmountMax, price <= kPriceMaxCents
      if (r.entry) r.entry->store_state(OrderState::kCompleted);
      decide(r, OrderStatus::kCompleted);
    } else {
      r.stock_seen = t.stock_seen;
      if (r.entry) r.entry->store_state(OrderState::kRejected);
      decide(r, OrderStatus::kRejected, Reason::kInsufficientStock);
    }
    return ApplyResult::kDone;
  }
  OrderState seen = OrderState::kCompleted;
  if (r.entry->cas_state(seen, OrderState::kReversed)) {
    store.give_back(r.product, r.amount);
    r.total = r.amount * price;
    decide(r, OrderStatus::kReversed);
    return ApplyResult::kDone;
  }
  if (seen == OrderState::kPending) return ApplyResult::kRetry;
  r.prior = seen;
  decide(r, OrderStatus::kRejected, Reason::kNotReversible);
  return ApplyResult::kDone;
}

void cancel(Record& r, Reason why) {
  if (r.decided) return;
  if (r.op == Op::kPlace && r.entry) r.entry->store_state(OrderState::kCancelled);
  decide(r, OrderStatus::kCancelled, why);
}

}  // namespace orderflow
