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
  kReverseVote,      // reverse: wait for the id owner's product, apply here if ours
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
                                  OrderState state) {
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
  for (std::size_t i = 0; i < step.batch.records.size(); ++i) {
    Record& r = step.batch.records[i];
    std::uint8_t& role = step.roles[i];
    if (r.is_basket()) {  // baskets across partitions are not built yet: refused, never half-applied
      r.reason = Reason::kInvalidRecord;
      r.defect = Defect::kBasketUnsupported;
    }
    const bool invalid = r.reason == Reason::kInvalidRecord;
    if (invalid || (r.id.empty() && r.reason != Reason::kNone)) {
      // Nothing to share: the record's fallback owner decides it alone.
      if ((r.seq - 1) % n == k) {
        ::orderflow::resolve(r, index_);
        role = kDecidedHere;
      }
      continue;
    }
    if (r.op == Op::kPlace) {
      const bool decode_ok = r.reason == Reason::kNone;  // else invalid_amount / unknown_product (with an id)
      const std::uint32_t p_owner = decode_ok ? r.product % n : n;
      if (r.id.empty()) {  // valid, no id: the product owner alone
        if (p_owner == k) role = kApplyHere;
        continue;
      }
      const std::uint32_t i_owner = id_owner(r.id_hash, n);
      if (i_owner == k) {
        const bool needs_apply = ::orderflow::resolve(r, index_);
        mark(r.order, step.orders_seq);
        if (decode_ok && p_owner != k)
          votes[p_owner].votes.push_back({r.seq, needs_apply ? VoteKind::kOk : VoteKind::kDuplicate, kNoProduct});
        role = needs_apply ? (p_owner == k ? kApplyHere : kIgnore) : kDecidedHere;
      } else if (p_owner == k) {
        role = kPlaceVote;
        step.needs_votes_from[i_owner] = true;
      }
      continue;
    }
    // A reverse with an id: its id owner finds the order; everyone else learns the product.
    const std::uint32_t i_owner = id_owner(r.id_hash, n);
    if (i_owner == k) {
      const bool needs_apply = ::orderflow::resolve(r, index_);
      for (std::uint32_t j = 0; j < n; ++j)
        if (j != k) votes[j].votes.push_back({r.seq, needs_apply ? VoteKind::kProduct : VoteKind::kNone,
                                              needs_apply ? r.product : kNoProduct});
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

void PartitionCore::final_here(PartitionStep& step, const Record& r, std::string& body) {
  line_.clear();
  formatter_.format_one(step.batch, r, line_);
  ResultEntry e;
  e.seq = r.seq;
  e.status = r.status;
  e.reason = r.reason;
  e.product = r.product;
  e.amount = r.amount;
  e.total = (r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed) ? r.total : 0;
  e.line = line_;
  append_result(e, body);
  ++step.results_count;
}

Status PartitionCore::apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes) {
  std::vector<std::size_t> next_vote(me_.n, 0);
  auto take_vote = [&](std::uint32_t from, std::uint64_t seq, Vote& out) -> Status {
    const VoteMessage* m = from < votes.size() ? votes[from] : nullptr;
    if (!m || next_vote[from] >= m->votes.size() || m->votes[next_vote[from]].seq != seq)
      return Status::Corruption("partition " + std::to_string(from + 1) + " sent no vote for seq " +
                                std::to_string(seq) + " (orders message " + std::to_string(step.orders_seq) + ")");
    out = m->votes[next_vote[from]++];
    return Status::Ok();
  };
  std::string body;
  step.results_count = 0;
  for (std::size_t i = 0; i < step.batch.records.size(); ++i) {
    Record& r = step.batch.records[i];
    switch (step.roles[i]) {
      case kIgnore: break;
      case kDecidedHere: final_here(step, r, body); break;
      case kApplyHere:
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r, body);
        break;
      case kPlaceVote: {
        Vote v;
        if (Status s = take_vote(id_owner(r.id_hash, me_.n), r.seq, v); !s.ok()) return s;
        if (v.kind == VoteKind::kDuplicate) break;  // the id owner rejected it and says so
        if (v.kind != VoteKind::kOk) return Status::Corruption("unexpected vote for place seq " + std::to_string(r.seq));
        auto [order, added] = index_.insert(r.id, r.id_hash, r.product, static_cast<std::uint32_t>(r.amount),
                                            OrderState::kPending);
        if (!added) return Status::Corruption("order id taken twice at seq " + std::to_string(r.seq));
        r.order = order;
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r, body);
        break;
      }
      case kReverseVote: {
        Vote v;
        if (Status s = take_vote(id_owner(r.id_hash, me_.n), r.seq, v); !s.ok()) return s;
        if (v.kind == VoteKind::kNone) break;
        if (v.kind != VoteKind::kProduct || v.product >= catalog_.size())
          return Status::Corruption("unexpected vote for reverse seq " + std::to_string(r.seq));
        if (!owns_product(v.product)) break;
        const OrderRef order = index_.find(r.id, r.id_hash);
        if (!order || index_.view(order).product != v.product)
          return Status::Corruption("reverse seq " + std::to_string(r.seq) + " names an order this partition never applied");
        r.order = order;
        r.product = index_.view(order).product;
        r.amount = index_.view(order).amount;
        orderflow::apply(r, *store_, index_, catalog_);
        mark(r.order, step.orders_seq);
        dirty_stock_.push_back(r.product);
        final_here(step, r, body);
        break;
      }
    }
  }
  step.results.clear();
  if (step.results_count > 0) {
    begin_results(step.orders_seq, me_.k, step.results_count, step.results);
    step.results += body;
  }
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
    out.orders.push_back({std::string(v.id), v.product, v.amount, index_.state(o)});
  }
  std::sort(dirty_stock_.begin(), dirty_stock_.end());
  dirty_stock_.erase(std::unique(dirty_stock_.begin(), dirty_stock_.end()), dirty_stock_.end());
  for (std::uint32_t p : dirty_stock_) out.stock.push_back({p, store_->stock(p)});
  dirty_orders_ = std::move(later);
  dirty_stock_.clear();
  return out;
}

}  // namespace orderflow
