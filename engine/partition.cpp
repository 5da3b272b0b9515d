#include "engine/partition.h"

#include <algorithm>

#include "data/base/hash.h"
#include "data/ledger/ledger.h"

namespace orderflow {

namespace {

// What a partition does with one record of a message (PartitionStep::roles).
enum Role : std::uint8_t {
  kIgnore = 0,       // another partition's business
  kDecidedHere,      // decided by resolve() here: final here
  kApplyHere,        // resolved here (or needs no id), applied here
  kPlaceVote,        // place: wait for the id owner's ok/duplicate, then apply here
  kReverseVote,      // reverse: wait for the id owner's product (or items), apply here if ours
  kBasketPart,       // place basket with items here: (the id owner's ok/duplicate, then) hold the part, vote
  kBasketReverse,    // reverse of a basket with items here, resolved here
};

}  // namespace

std::uint32_t id_owner(std::uint64_t id_hash, std::uint32_t n) {
  return static_cast<std::uint32_t>(mix64(id_hash) % n);
}

PartitionCore::PartitionCore(const Catalog& catalog, PartitionId me, const std::vector<std::int64_t>& stock)
    : catalog_(catalog),
      me_(me),
      store_(make_store(StoreKind::kSharded, stock, 1)),
      decoder_(catalog),
      formatter_(catalog, sources_) {}

PartitionCore::~PartitionCore() = default;

void PartitionCore::restore_order(std::string_view id, std::uint32_t product, std::uint32_t amount,
                                  OrderState state, const std::vector<StockItem>& items) {
  if (product == kBasketProduct)
    index_.insert_basket(id, hash_bytes(id), items.data(), static_cast<std::uint32_t>(items.size()), state);
  else
    index_.insert(id, hash_bytes(id), product, amount, state);
}

void PartitionCore::mark(OrderRef o, std::uint64_t orders_seq) {
  if (o) dirty_orders_.push_back({o, orders_seq});
}

Status PartitionCore::resolve(std::uint64_t orders_seq, std::string_view payload, PartitionStep& step) {
  std::string file_name;
  Result<OrdersHeader> h = decode_orders(payload, step.batch, file_name);
  if (!h.ok()) return Status::Corruption(h.status().message() + " at sequence " + std::to_string(orders_seq));
  step.orders_seq = orders_seq;
  step.header = h.value();
  auto known = std::find(sources_.begin(), sources_.end(), file_name);
  step.batch.file = static_cast<std::uint32_t>(known - sources_.begin());
  if (known == sources_.end()) sources_.push_back(file_name);
  decoder_.decode(step.batch);

  const std::uint32_t n = me_.n, k = me_.k;
  step.roles.assign(step.batch.records.size(), kIgnore);
  step.votes_out.assign(n, std::string());
  step.needs_votes_from.assign(n, false);
  std::vector<VoteMessage> votes(n);
  for (std::uint32_t j = 0; j < n; ++j) {
    votes[j].orders_seq = orders_seq;
    votes[j].from = k;
  }
  std::vector<char> owners(n);
  // Which partitions own some of basket r's items.
  auto basket_owners = [&](const Record& r) {
    std::fill(owners.begin(), owners.end(), 0);
    const Item* items = step.batch.items_of(r);
    for (std::uint16_t t = 0; t < r.items.count; ++t) owners[item_owner(items[t])] = 1;
  };
  for (std::size_t i = 0; i < step.batch.records.size(); ++i) {
    Record& r = step.batch.records[i];
    std::uint8_t& role = step.roles[i];
    const bool invalid = r.reason == Reason::kInvalidRecord;
    if (invalid || (r.id.empty() && r.reason != Reason::kNone)) {
      // Nothing to share: the record's fallback owner decides it alone.
      if ((r.seq - 1) % n == k) {
        ::orderflow::resolve(r, index_, step.batch.items);
        role = kDecidedHere;
      }
      continue;
    }
    if (r.op == Op::kPlace) {
      const bool decode_ok = r.reason == Reason::kNone;  // else invalid_amount / unknown_product (with an id)
      if (decode_ok && r.is_basket()) {
        basket_owners(r);
        const bool mine = owners[k] != 0;
        if (r.id.empty()) {  // no id: its owners alone
          if (mine) role = kBasketPart;
          continue;
        }
        const std::uint32_t i_owner = id_owner(r.id_hash, n);
        if (i_owner == k) {
          const bool needs_apply = ::orderflow::resolve(r, index_, step.batch.items);
          mark(r.order, step.orders_seq);
          for (std::uint32_t j = 0; j < n; ++j)
            if (owners[j] && j != k)
              votes[j].votes.push_back({r.seq, needs_apply ? VoteKind::kOk : VoteKind::kDuplicate, kNoProduct, {}});
          role = needs_apply ? (mine ? kBasketPart : kIgnore) : kDecidedHere;
        } else if (mine) {
          role = kBasketPart;
          step.needs_votes_from[i_owner] = true;
        }
        continue;
      }
      const std::uint32_t p_owner = decode_ok ? r.product % n : n;
      if (r.id.empty()) {  // valid, no id: the product owner alone
        if (p_owner == k) role = kApplyHere;
        continue;
      }
      const std::uint32_t i_owner = id_owner(r.id_hash, n);
      if (i_owner == k) {
        const bool needs_apply = ::orderflow::resolve(r, index_, step.batch.items);
        mark(r.order, step.orders_seq);
        if (decode_ok && p_owner != k)
          votes[p_owner].votes.push_back({r.seq, needs_apply ? VoteKind::kOk : VoteKind::kDuplicate, kNoProduct, {}});
        role = needs_apply ? (p_owner == k ? kApplyHere : kIgnore) : kDecidedHere;
      } else if (p_owner == k) {
        role = kPlaceVote;
        step.needs_votes_from[i_owner] = true;
      }
      continue;
    }
    // A reverse with an id: its id owner finds the order; everyone else learns the product (or items).
    const std::uint32_t i_owner = id_owner(r.id_hash, n);
    if (i_owner == k) {
      const bool needs_apply = ::orderflow::resolve(r, index_, step.batch.items);
      if (needs_apply && r.is_basket()) {  // resolve() made it a basket of the order's items
        Vote v{r.seq, VoteKind::kItems, kNoProduct, {}};
        const Item* items = step.batch.items_of(r);
        for (std::uint16_t t = 0; t < r.items.count; ++t)
          v.items.push_back({items[t].product, static_cast<std::uint32_t>(items[t].amount)});
        for (std::uint32_t j = 0; j < n; ++j)
          if (j != k) votes[j].votes.push_back(v);
        basket_owners(r);
        role = owners[k] ? kBasketReverse : kIgnore;
        continue;
      }
      for (std::uint32_t j = 0; j < n; ++j)
        if (j != k) votes[j].votes.push_back({r.seq, needs_apply ? VoteKind::kProduct : VoteKind::kNone,
                                              needs_apply ? r.product : kNoProduct, {}});
      role = !needs_apply ? kDecidedHere : owns_product(r.product) ? kApplyHere : kIgnore;
    } else {
      role = kReverseVote;
      step.needs_votes_from[i_owner] = true;
    }
  }
  for (std::uint32_t j = 0; j < n; ++j)
    if (!votes[j].votes.empty()) encode_votes(votes[j], step.votes_out[j]);
  return Status::Ok();
}

void PartitionCore::final_here(PartitionStep& step, const Record& r) {
  line_.clear();
  formatter_.format_one(step.batch, r, line_);
  ResultEntry e;
  e.seq = r.seq;
  e.status = r.status;
  e.reason = r.reason;
  e.product = r.product;
  e.amount = r.amount;
  const bool sold = r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed;
  e.total = sold ? r.total : 0;
  if (sold && r.is_basket()) {
    const Item* items = step.batch.items_of(r);
    for (std::uint16_t t = 0; t < r.items.count; ++t)
      e.items.push_back({items[t].product, static_cast<std::uint32_t>(items[t].amount)});
  }
  e.line = line_;
  append_result(e, step.body);
  ++step.results_count;
}

bool PartitionCore::held_pending(const PartitionStep& step, std::uint32_t p) const {
  for (const PendingBasket& b : step.baskets) {
    if (b.failed_here) continue;  // its part was given back at once
    const Record& r = step.batch.records[b.record];
    const Item* items = step.batch.items_of(r);
    for (std::uint16_t t = 0; t < r.items.count; ++t)
      if (items[t].product == p) return true;
  }
  return false;
}

bool PartitionCore::part_certain(const PartitionStep& step, const Record& r, const Item* items) const {
  // hold_part takes the part's items in item order: the units an item finds
  // are its product's stock less the earlier items of the same product. An
  // item that fits on the stock seen fits on the exact one (pending outcomes
  // only give units back); one that does not is exact unless its product is held.
  for (std::uint16_t t = 0; t < r.items.count; ++t) {
    if (item_owner(items[t]) != me_.k) continue;
    std::int64_t want = items[t].amount;
    for (std::uint16_t u = 0; u < t; ++u)
      if (items[u].product == items[t].product) want += items[u].amount;
    if (store_->stock(items[t].product) < want && held_pending(step, items[t].product)) return false;
  }
  return true;
}

Status PartitionCore::apply_basket_part(PartitionStep& step, Record& r, std::size_t i) {
  const std::uint32_t n = me_.n, k = me_.k;
  Item* items = step.batch.items_of(r);
  if (!r.id.empty() && id_owner(r.id_hash, n) != k) {
    StockItem copy[kItemsMax];
    for (std::uint16_t t = 0; t < r.items.count; ++t)
      copy[t] = StockItem{items[t].product, static_cast<std::uint32_t>(items[t].amount)};
    auto [order, added] = index_.insert_basket(r.id, r.id_hash, copy, r.items.count, OrderState::kPending);
    if (!added) return Status::Corruption("order id taken twice at seq " + std::to_string(r.seq));
    r.order = order;
  }
  const std::uint16_t failed = hold_part(r, items, *store_, k, n);
  mark(r.order, step.orders_seq);
  PendingBasket b;
  b.record = i;
  b.failed_here = failed;
  for (std::uint16_t t = 0; t < r.items.count; ++t) {
    const std::uint32_t o = item_owner(items[t]);
    if (o == k)
      dirty_stock_.push_back(items[t].product);
    else if (std::find(b.others.begin(), b.others.end(), o) == b.others.end())
      b.others.push_back(o);
  }
  if (b.others.empty()) {  // every item is here: decided now (hold_part gave a failed part back)
    decide_basket(r, items, index_, catalog_, failed);
    final_here(step, r);
    return Status::Ok();
  }
  const PartVote v{r.seq, failed, failed ? items[failed - 1].stock_seen : 0};
  for (std::uint32_t o : b.others) step.part_votes_out[o].votes.push_back(v);
  step.baskets.push_back(std::move(b));
  return Status::Ok();
}

Status PartitionCore::settle(PartitionStep& step, const PartVotes& parts, bool& settled) {
  settled = false;
  for (const PendingBasket& b : step.baskets)
    for (std::uint32_t o : b.others)
      if (!parts.find(step.batch.records[b.record].seq, o)) return Status::Ok();
  const std::uint32_t n = me_.n, k = me_.k;
  for (const PendingBasket& b : step.baskets) {
    Record& r = step.batch.records[b.record];
    Item* items = step.batch.items_of(r);
    std::uint16_t failed = b.failed_here;
    std::int64_t seen = 0;
    for (std::uint32_t o : b.others) {
      const PartVote* v = parts.find(r.seq, o);
      if (v->failed > r.items.count || (v->failed && item_owner(items[v->failed - 1]) != o))
        return Status::Corruption("partition " + std::to_string(o + 1) + " voted item " + std::to_string(v->failed) +
                                  " of basket seq " + std::to_string(r.seq) + ", not one of its items");
      if (v->failed && (failed == 0 || v->failed < failed)) {
        failed = v->failed;
        seen = v->stock_seen;
      }
    }
    if (failed && b.failed_here == 0) release_part(r, items, *store_, k, n);
    if (failed && failed != b.failed_here) items[failed - 1].stock_seen = seen;
    decide_basket(r, items, index_, catalog_, failed);
    mark(r.order, step.orders_seq);
    if (item_owner(items[0]) == k) final_here(step, r);
  }
  step.baskets.clear();
  settled = true;
  return Status::Ok();
}

Status PartitionCore::reverse_basket(PartitionStep& step, Record& r, OrderRef order) {
  r.order = order;
  Item* items = step.batch.items_of(r);
  if (decide_basket(r, items, index_, catalog_, 0)) {
    give_back_part(r, items, *store_, me_.k, me_.n);
    for (std::uint16_t t = 0; t < r.items.count; ++t)
      if (item_owner(items[t]) == me_.k) dirty_stock_.push_back(items[t].product);
  }
  mark(r.order, step.orders_seq);
  if (item_owner(items[0]) == me_.k) final_here(step, r);
  return Status::Ok();
}

namespace {

struct NoPartVotes : PartVotes {
  const PartVote* find(std::uint64_t, std::uint32_t) const override { return nullptr; }
};

}  // namespace

Status PartitionCore::apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes) {
  ApplyProgress progress;
  if (Status s = apply(step, votes, NoPartVotes(), progress); !s.ok()) return s;
  if (progress != ApplyProgress::kDone)
    return Status::Corruption("orders message " + std::to_string(step.orders_seq) + " waits for part votes");
  return Status::Ok();
}

Status PartitionCore::apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes,
                            const PartVotes& parts, ApplyProgress& progress) {
  const std::uint32_t n = me_.n, k = me_.k;
  if (!step.started) {
    step.started = true;
    step.next_record = 0;
    step.vote_cursor.assign(n, 0);
    step.baskets.clear();
    step.body.clear();
    step.results.clear();
    step.results_count = 0;
  }
  step.part_votes_out.assign(n, PartVoteMessage{});
  for (std::uint32_t j = 0; j < n; ++j) {
    step.part_votes_out[j].orders_seq = step.orders_seq;
    step.part_votes_out[j].from = k;
  }
  // The id owner's vote for record seq, without taking it (apply may stop before it uses it).
  auto peek_vote = [&](std::uint32_t from, std::uint64_t seq, const Vote*& out) -> Status {
    const VoteMessage* m = from < votes.size() ? votes[from] : nullptr;
    const std::size_t at = step.vote_cursor[from];
    if (!m || at >= m->votes.size() || m->votes[at].seq != seq)
      return Status::Corruption("partition " + std::to_string(from + 1) + " sent no vote for seq " +
                                std::to_string(seq) + " (orders message " + std::to_string(step.orders_seq) + ")");
    out = &m->votes[at];
    return Status::Ok();
  };
  // Before a decision the stock seen here may get wrong (escrow: a take
  // that fails on a product a pending basket holds): settles
  // the pending baskets; false when their part votes have not all come.
  bool settled = true;
  auto settle_first = [&]() -> Status {
    settled = true;
    if (step.baskets.empty()) return Status::Ok();
    return settle(step, parts, settled);
  };
  progress = ApplyProgress::kNeedsPartVotes;
  for (std::size_t i = step.next_record; i < step.batch.records.size(); ++i) {
    step.next_record = i;
    Record& r = step.batch.records[i];
    switch (step.roles[i]) {
      case kIgnore: break;
      case kDecidedHere: final_here(step, r); break;
      case kApplyHere:
        if (r.op == Op::kPlace && store_->stock(r.product) < r.amount && held_pending(step, r.product)) {
          if (Status s = settle_first(); !s.ok()) return s;
          if (!settled) return Status::Ok();
        }
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r);
        break;
      case kPlaceVote: {
        const std::uint32_t from = id_owner(r.id_hash, n);
        const Vote* v = nullptr;
        if (Status s = peek_vote(from, r.seq, v); !s.ok()) return s;
        if (v->kind == VoteKind::kDuplicate) {  // the id owner rejected it and says so
          ++step.vote_cursor[from];
          break;
        }
        if (v->kind != VoteKind::kOk) return Status::Corruption("unexpected vote for place seq " + std::to_string(r.seq));
        if (store_->stock(r.product) < r.amount && held_pending(step, r.product)) {
          if (Status s = settle_first(); !s.ok()) return s;
          if (!settled) return Status::Ok();
        }
        ++step.vote_cursor[from];
        auto [order, added] = index_.insert(r.id, r.id_hash, r.product, static_cast<std::uint32_t>(r.amount),
                                            OrderState::kPending);
        if (!added) return Status::Corruption("order id taken twice at seq " + std::to_string(r.seq));
        r.order = order;
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r);
        break;
      }
      case kReverseVote: {
        const std::uint32_t from = id_owner(r.id_hash, n);
        const Vote* v = nullptr;
        if (Status s = peek_vote(from, r.seq, v); !s.ok()) return s;
        if (v->kind == VoteKind::kNone) {
          ++step.vote_cursor[from];
          break;
        }
        if (v->kind == VoteKind::kItems) {
          bool mine = false;
          for (const StockItem& it : v->items) {
            if (it.product >= catalog_.size()) return Status::Corruption("unexpected vote for reverse seq " + std::to_string(r.seq));
            mine = mine || it.product % n == k;
          }
          if (!mine) {
            ++step.vote_cursor[from];
            break;
          }
          const OrderRef order = index_.find(r.id, r.id_hash);
          if (!order || !index_.view(order).is_basket() || index_.view(order).amount != v->items.size())
            return Status::Corruption("reverse seq " + std::to_string(r.seq) + " names a basket this partition never applied");
          if (index_.state(order) == OrderState::kPending) {  // its basket waits for part votes
            if (Status s = settle_first(); !s.ok()) return s;
            if (!settled) return Status::Ok();
          }
          ++step.vote_cursor[from];
          // The reverse becomes a basket of the order's items, as resolve() makes it on the id owner.
          const auto first = static_cast<std::uint32_t>(step.batch.items.size());
          std::int64_t units = 0;
          for (const StockItem& it : v->items) {
            Item& item = step.batch.items.emplace_back();
            item.product = it.product;
            item.amount = it.amount;
            units += it.amount;
          }
          r.product = kBasketProduct;
          r.items = ItemRange{first, static_cast<std::uint16_t>(v->items.size()), 0};
          r.amount = units;
          if (Status s = reverse_basket(step, r, order); !s.ok()) return s;
          break;
        }
        if (v->kind != VoteKind::kProduct || v->product >= catalog_.size())
          return Status::Corruption("unexpected vote for reverse seq " + std::to_string(r.seq));
        ++step.vote_cursor[from];
        if (!owns_product(v->product)) break;
        const OrderRef order = index_.find(r.id, r.id_hash);
        if (!order || index_.view(order).product != v->product)
          return Status::Corruption("reverse seq " + std::to_string(r.seq) + " names an order this partition never applied");
        r.order = order;
        r.product = index_.view(order).product;
        r.amount = index_.view(order).amount;
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r);
        break;
      }
      case kBasketPart: {
        const bool voted = !r.id.empty() && id_owner(r.id_hash, n) != k;
        const std::uint32_t from = voted ? id_owner(r.id_hash, n) : 0;
        if (voted) {
          const Vote* v = nullptr;
          if (Status s = peek_vote(from, r.seq, v); !s.ok()) return s;
          if (v->kind == VoteKind::kDuplicate) {
            ++step.vote_cursor[from];
            break;
          }
          if (v->kind != VoteKind::kOk)
            return Status::Corruption("unexpected vote for basket seq " + std::to_string(r.seq));
        }
        if (!part_certain(step, r, step.batch.items_of(r))) {
          if (Status s = settle_first(); !s.ok()) return s;
          if (!settled) return Status::Ok();
        }
        if (voted) ++step.vote_cursor[from];
        if (Status s = apply_basket_part(step, r, i); !s.ok()) return s;
        break;
      }
      case kBasketReverse:
        if (index_.state(r.order) == OrderState::kPending) {
          if (Status s = settle_first(); !s.ok()) return s;
          if (!settled) return Status::Ok();
        }
        if (Status s = reverse_basket(step, r, r.order); !s.ok()) return s;
        break;
    }
  }
  step.next_record = step.batch.records.size();
  // A vote never outlives its message: the state committed after it is exact.
  if (Status s = settle_first(); !s.ok()) return s;
  if (!settled) return Status::Ok();
  step.results.clear();
  if (step.results_count > 0) {
    begin_results(step.orders_seq, me_.k, step.results_count, step.results);
    step.results += step.body;
  }
  step.body.clear();
  step.body.shrink_to_fit();
  progress = ApplyProgress::kDone;
  return Status::Ok();
}

PartitionChanges PartitionCore::take_changes(std::uint64_t through_orders_seq) {
  PartitionChanges out;
  // Entries marked by messages resolved ahead (after `through`) are new ids
  // those messages took: they wait for the commit that covers them.
  std::vector<std::pair<OrderRef, std::uint64_t>> later;
  std::vector<OrderRef> now;
  for (const auto& [e, seq] : dirty_orders_) {
    if (seq <= through_orders_seq)
      now.push_back(e);
    else
      later.push_back({e, seq});
  }
  std::sort(now.begin(), now.end());
  now.erase(std::unique(now.begin(), now.end()), now.end());
  for (OrderRef o : now) {
    const OrderView v = index_.view(o);
    OrderChange& c = out.orders.emplace_back();
    c.id = std::string(v.id);
    c.product = v.product;
    c.amount = v.amount;
    c.state = index_.state(o);
    if (v.is_basket()) c.items.assign(v.items, v.items + v.amount);
  }
  std::sort(dirty_stock_.begin(), dirty_stock_.end());
  dirty_stock_.erase(std::unique(dirty_stock_.begin(), dirty_stock_.end()), dirty_stock_.end());
  for (std::uint32_t p : dirty_stock_) out.stock.push_back({p, store_->stock(p)});
  dirty_orders_ = std::move(later);
  dirty_stock_.clear();
  return out;
}

}  // namespace orderflow
