#include "data/ledger/ledger.h"

namespace orderflow {

namespace {

// The basket's items as the stores and the order index see them.
std::size_t stock_items(const Record& r, const Item* items, StockItem* out) {
  for (std::uint16_t k = 0; k < r.items.count; ++k)
    out[k] = StockItem{items[k].product, static_cast<std::uint32_t>(items[k].amount)};
  return r.items.count;
}

Cents basket_total(const Record& r, const Item* items, const Catalog& catalog) {
  Cents total = 0;  // cannot overflow: 64 x kAmountMax x kPriceMaxCents < 2^63
  for (std::uint16_t k = 0; k < r.items.count; ++k) total += items[k].amount * catalog.price(items[k].product);
  return total;
}

// Whether resolve() reads r's id in the index (a place takes it, a reverse names it).
bool uses_id(const Record& r) { return !r.decided && r.reason != Reason::kInvalidRecord && !r.id.empty(); }

}  // namespace

Status fetch_prior(const Batch& b, OrderIndex& index, PriorOrders& prior) {
  std::vector<PriorQuery> queries;
  for (const Record& r : b.records)
    if (uses_id(r) && !index.find(r.id, r.id_hash)) queries.push_back({r.id, r.id_hash});
  if (queries.empty()) return Status::Ok();
  return prior.find(queries, [&](std::size_t i, PriorOrder&& p) {
    const PriorQuery& q = queries[i];
    // An id asked twice in the batch enters once: insert() keeps the first.
    if (!p.items.empty())
      index.insert_basket(q.id, q.hash, p.items.data(), static_cast<std::uint32_t>(p.items.size()), p.state);
    else
      index.insert(q.id, q.hash, p.product, p.amount, p.state);
  });
}

bool resolve(Record& r, OrderIndex& index, std::vector<Item>& items) {
  if (r.decided) return false;
  if (r.reason == Reason::kInvalidRecord) {
    decide(r, OrderStatus::kRejected, Reason::kInvalidRecord);
    return false;
  }
  if (r.op == Op::kPlace) {
    // A place record that passed invalid_record takes its id, whatever its outcome.
    const bool rejected = r.reason != Reason::kNone;  // invalid_amount or unknown_product
    if (!r.id.empty()) {
      std::pair<OrderRef, bool> inserted;
      if (r.is_basket() && !rejected) {
        StockItem copy[kItemsMax];
        const std::size_t n = stock_items(r, items.data() + r.items.first, copy);
        inserted = index.insert_basket(r.id, r.id_hash, copy, static_cast<std::uint32_t>(n), OrderState::kPending);
      } else {
        inserted = index.insert(r.id, r.id_hash, rejected ? kNoProduct : r.product,
                                rejected ? 0 : static_cast<std::uint32_t>(r.amount),
                                rejected ? OrderState::kRejected : OrderState::kPending);
      }
      auto [order, added] = inserted;
      if (!added) {
        decide(r, OrderStatus::kRejected, Reason::kDuplicateId);
        return false;
      }
      r.order = order;
    }
    if (rejected) {
      decide(r, OrderStatus::kRejected, r.reason);
      return false;
    }
    return true;
  }
  // A reverse record names an order placed earlier in the run.
  const OrderRef order = index.find(r.id, r.id_hash);
  if (!order) {
    decide(r, OrderStatus::kRejected, Reason::kUnknownOrder);
    return false;
  }
  r.order = order;
  const OrderView entry = index.view(order);
  if (entry.product == kNoProduct) {  // rejected at decode: never completed
    r.prior = OrderState::kRejected;
    decide(r, OrderStatus::kRejected, Reason::kNotReversible);
    return false;
  }
  if (entry.is_basket()) {
    // The reverse becomes a basket of the same items, in this batch's table.
    const StockItem* from = entry.items;
    const auto first = static_cast<std::uint32_t>(items.size());
    std::int64_t units = 0;
    for (std::uint32_t k = 0; k < entry.amount; ++k) {
      Item& it = items.emplace_back();
      it.product = from[k].product;
      it.amount = from[k].amount;
      units += from[k].amount;
    }
    r.product = kBasketProduct;
    r.items = ItemRange{first, static_cast<std::uint16_t>(entry.amount), 0};
    r.amount = units;
    return true;
  }
  r.product = entry.product;
  r.amount = entry.amount;
  return true;
}

namespace {

bool owns(const Item& it, std::size_t k, std::size_t shards) { return owner_of(it.product, shards) == k; }

}  // namespace

std::uint16_t hold_part(const Record& r, Item* items, ProductStore& store, std::size_t k, std::size_t shards) {
  for (std::uint16_t i = 0; i < r.items.count; ++i) {
    if (!owns(items[i], k, shards)) continue;
    TakeResult t = store.take(items[i].product, items[i].amount);
    if (t.ok) continue;
    for (std::uint16_t j = i; j-- > 0;)  // release the part's earlier items, latest first
      if (owns(items[j], k, shards)) store.give_back(items[j].product, items[j].amount);
    items[i].stock_seen = t.stock_seen;
    return static_cast<std::uint16_t>(i + 1);
  }
  return 0;
}

void release_part(const Record& r, const Item* items, ProductStore& store, std::size_t k, std::size_t shards) {
  for (std::uint16_t i = r.items.count; i-- > 0;)
    if (owns(items[i], k, shards)) store.give_back(items[i].product, items[i].amount);
}

void give_back_part(const Record& r, const Item* items, ProductStore& store, std::size_t k, std::size_t shards) {
  release_part(r, items, store, k, shards);
}

bool decide_basket(Record& r, const Item* items, OrderIndex& index, const Catalog& catalog, std::uint16_t failed) {
  if (r.op == Op::kPlace) {
    if (failed == 0) {
      r.total = basket_total(r, items, catalog);
      if (r.order) index.set_state(r.order, OrderState::kCompleted);
      decide(r, OrderStatus::kCompleted);
      return true;
    }
    r.items.failed = failed;
    if (r.order) index.set_state(r.order, OrderState::kRejected);
    decide(r, OrderStatus::kRejected, Reason::kInsufficientStock);
    return false;
  }
  OrderState seen = OrderState::kCompleted;
  if (index.cas_state(r.order, seen, OrderState::kReversed)) {
    r.total = basket_total(r, items, catalog);
    decide(r, OrderStatus::kReversed);
    return true;
  }
  r.prior = seen;
  decide(r, OrderStatus::kRejected, Reason::kNotReversible);
  return false;
}

StockStep begin_apply(Record& r, Item* items, OrderIndex& index, StockItem* buf, StockOp& op) {
  std::uint16_t n = 0;
  if (r.is_basket()) n = static_cast<std::uint16_t>(stock_items(r, items, buf));
  if (r.op == Op::kPlace) {
    op = r.is_basket() ? StockOp::take_all(buf, n) : StockOp::take(r.product, r.amount);
    return StockStep::kOp;
  }
  OrderState seen = OrderState::kCompleted;
  if (index.cas_state(r.order, seen, OrderState::kReversed)) {
    op = r.is_basket() ? StockOp::give_back_all(buf, n) : StockOp::give_back(r.product, r.amount);
    return StockStep::kOp;
  }
  if (seen == OrderState::kPending) return StockStep::kRetry;
  r.prior = seen;
  decide(r, OrderStatus::kRejected, Reason::kNotReversible);
  return StockStep::kDecided;
}

void end_apply(Record& r, Item* items, OrderIndex& index, const Catalog& catalog, const StockOp& op) {
  // Totals cannot overflow: amount <= kAmountMax, price <= kPriceMaxCents (a basket: 64 of them).
  if (r.op == Op::kReverse) {
    r.total = r.is_basket() ? basket_total(r, items, catalog) : r.amount * catalog.price(r.product);
    decide(r, OrderStatus::kReversed);
    return;
  }
  if (op.ok) {
    r.total = r.is_basket() ? basket_total(r, items, catalog) : r.amount * catalog.price(r.product);
    if (r.order) index.set_state(r.order, OrderState::kCompleted);
    decide(r, OrderStatus::kCompleted);
    return;
  }
  if (r.is_basket()) {
    items[op.failed].stock_seen = op.stock_seen;
    r.items.failed = static_cast<std::uint16_t>(op.failed + 1);
  } else {
    r.stock_seen = op.stock_seen;
  }
  if (r.order) index.set_state(r.order, OrderState::kRejected);
  decide(r, OrderStatus::kRejected, Reason::kInsufficientStock);
}

ApplyResult apply(Record& r, std::vector<Item>& items, ProductStore& store, OrderIndex& index, const Catalog& catalog) {
  Item* mine = r.is_basket() ? items.data() + r.items.first : nullptr;
  StockItem buf[kItemsMax];
  StockOp op;
  switch (begin_apply(r, mine, index, buf, op)) {
    case StockStep::kRetry: return ApplyResult::kRetry;
    case StockStep::kDecided: return ApplyResult::kDone;
    case StockStep::kOp: break;
  }
  // One record: the per-product call (ProductStore::write is for slices: engine/stages/apply_stage.cpp).
  perform(store, op);
  end_apply(r, mine, index, catalog, op);
  return ApplyResult::kDone;
}

void cancel(Record& r, OrderIndex& index, Reason why) {
  if (r.decided) return;
  if (r.op == Op::kPlace && r.order) index.set_state(r.order, OrderState::kCancelled);
  decide(r, OrderStatus::kCancelled, why);
}

}  // namespace orderflow
