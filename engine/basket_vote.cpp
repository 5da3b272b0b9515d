#include "engine/basket_vote.h"

#include <vector>

#include "data/ledger/ledger.h"

namespace orderflow {

namespace {

constexpr int kSpinsBeforeWait = 256;

// Moves the vote from kOpen to kDeciding; true for the one caller that did.
bool begin_deciding(BasketVote& v) {
  VotePhase open = VotePhase::kOpen;
  return v.phase.compare_exchange_strong(open, VotePhase::kDeciding, std::memory_order_acq_rel,
                                         std::memory_order_acquire);
}

void cancel_basket(BasketVote& v, Record& r, OrderIndex& index, OutcomeSignal& signal, Reason why) {
  cancel(r, index, why);
  v.phase.store(VotePhase::kCancelled, std::memory_order_release);
  signal.publish();
}

void lower_failed(BasketVote& v, std::uint32_t item) {
  std::uint32_t seen = v.failed.load(std::memory_order_relaxed);
  while (item < seen && !v.failed.compare_exchange_weak(seen, item, std::memory_order_relaxed)) {
  }
}

bool final_phase(VotePhase p) { return p != VotePhase::kOpen && p != VotePhase::kDeciding; }

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

BasketOwner::BasketOwner(ProductStore& store, OrderIndex& index, const Catalog& catalog, std::size_t k,
                         std::size_t shards, OutcomeSignal& signal)
    : store_(store), index_(index), catalog_(catalog), k_(k), shards_(shards), signal_(signal) {}

VotePhase BasketOwner::vote(BasketVote& v, Record& r, Item* items, bool cancelling, Reason cancel_reason) {
  if (cancelling || v.phase.load(std::memory_order_acquire) != VotePhase::kOpen) {
    // Nothing held. The first to cancel writes the result; a basket that is
    // already being cancelled needs nothing more from this owner.
    if (begin_deciding(v)) cancel_basket(v, r, index_, signal_, cancel_reason);
    v.votes_left.fetch_sub(1, std::memory_order_acq_rel);
    return VotePhase::kCancelled;
  }
  const bool place = r.op == Op::kPlace;
  std::uint16_t failed_here = 0;
  if (place) {
    failed_here = hold_part(r, items, store_, k_, shards_);
    if (failed_here != 0 && !pending_.empty()) {
      // Decided on a lower bound: the pending outcomes may add the units it lacks (I1).
      settle(cancel_reason);
      failed_here = hold_part(r, items, store_, k_, shards_);
    }
  }
  if (failed_here != 0) lower_failed(v, failed_here);
  const Pending mine{&v, &r, items, r.items.count, place};
  if (v.votes_left.fetch_sub(1, std::memory_order_acq_rel) == 1 && begin_deciding(v)) {
    const std::uint32_t f = v.failed.load(std::memory_order_relaxed);
    const bool keep = decide_basket(r, items, index_, catalog_, f == UINT32_MAX ? 0 : static_cast<std::uint16_t>(f));
    const VotePhase outcome = keep ? VotePhase::kCommitted : VotePhase::kAborted;
    v.phase.store(outcome, std::memory_order_release);
    signal_.publish();  // owners settling on this vote wait for it
    if (failed_here == 0) follow(mine, outcome);
    return outcome;
  }
  // A part that failed holds nothing: whatever the outcome, k has nothing to do.
  if (failed_here == 0) pending_.push_back(mine);
  return VotePhase::kOpen;
}

void BasketOwner::settle(Reason cancel_reason) {
  for (const Pending& p : pending_) {
    BasketVote& v = *p.vote;
    VotePhase outcome = v.phase.load(std::memory_order_acquire);
    for (int spins = 0; !final_phase(outcome); ++spins) {
      if (outcome == VotePhase::kOpen && signal_.failed() && begin_deciding(v)) {
        cancel_basket(v, *p.record, index_, signal_, cancel_reason);  // a peer may never come (I6)
      } else if (spins < kSpinsBeforeWait) {
        cpu_relax();  // the decider is usually a few records away
      } else {
        // Block until some outcome is published; the decider publishes this one.
        const std::uint32_t seen = signal_.epoch();
        outcome = v.phase.load(std::memory_order_acquire);
        if (!final_phase(outcome) && !signal_.failed()) signal_.wait(seen);
      }
      outcome = v.phase.load(std::memory_order_acquire);
    }
    follow(p, outcome);
  }
  pending_.clear();
}

bool BasketOwner::certain(const Record& r, const std::vector<Item>& items) const {
  if (r.op != Op::kPlace) return true;  // a reverse gives units back: no check on stock
  if (!r.is_basket()) return store_.stock(r.product) >= r.amount;
  // Every item's product holds the basket's units in all (r.amount): enough
  // whatever the items' order and repeats.
  const Item* it = items.data() + r.items.first;
  for (std::uint16_t i = 0; i < r.items.count; ++i)
    if (store_.stock(it[i].product) < r.amount) return false;
  return true;
}

void BasketOwner::follow(const Pending& p, VotePhase outcome) {
  // A place not committed gives its held part back; a reverse committed gives its units back.
  if (p.place == (outcome == VotePhase::kCommitted)) return;
  for (std::uint16_t i = p.count; i-- > 0;)
    if (owner_of(p.items[i].product, shards_) == k_) store_.give_back(p.items[i].product, p.items[i].amount);
}

}  // namespace orderflow
