#include "engine/basket_vote.h"

#include <thread>

#include "data/ledger/ledger.h"

namespace orderflow {

namespace {

constexpr int kSpinsBeforeYield = 256;

// Moves the vote from kOpen to kDeciding; true for the one caller that did.
bool begin_deciding(BasketVote& v) {
  VotePhase open = VotePhase::kOpen;
  return v.phase.compare_exchange_strong(open, VotePhase::kDeciding, std::memory_order_acq_rel,
                                         std::memory_order_acquire);
}

void cancel_basket(BasketVote& v, Record& r, Reason why) {
  cancel(r, why);
  v.phase.store(VotePhase::kCancelled, std::memory_order_release);
}

void lower_failed(BasketVote& v, std::uint32_t item) {
  std::uint32_t seen = v.failed.load(std::memory_order_relaxed);
  while (item < seen && !v.failed.compare_exchange_weak(seen, item, std::memory_order_relaxed)) {
  }
}

bool final_phase(VotePhase p) { return p != VotePhase::kOpen && p != VotePhase::kDeciding; }

}  // namespace

VotePhase vote(BasketVote& v, Record& r, Item* items, ProductStore& store, const Catalog& catalog,
               std::size_t k, std::size_t shards, bool cancelling, Reason cancel_reason,
               const std::atomic<bool>& failed) {
  if (cancelling || v.phase.load(std::memory_order_acquire) != VotePhase::kOpen) {
    // Nothing held. The first to cancel writes the result; a basket that is
    // already being cancelled needs nothing more from this owner.
    if (begin_deciding(v)) cancel_basket(v, r, cancel_reason);
    v.votes_left.fetch_sub(1, std::memory_order_acq_rel);
    return VotePhase::kCancelled;
  }
  const bool place = r.op == Op::kPlace;
  const std::uint16_t failed_here = place ? hold_part(r, items, store, k, shards) : 0;
  if (failed_here != 0) lower_failed(v, failed_here);
  if (v.votes_left.fetch_sub(1, std::memory_order_acq_rel) == 1 && begin_deciding(v)) {
    const std::uint32_t f = v.failed.load(std::memory_order_relaxed);
    const bool keep = decide_basket(r, items, catalog, f == UINT32_MAX ? 0 : static_cast<std::uint16_t>(f));
    v.phase.store(keep ? VotePhase::kCommitted : VotePhase::kAborted, std::memory_order_release);
  }
  VotePhase outcome = v.phase.load(std::memory_order_acquire);
  for (int spins = 0; !final_phase(outcome); ++spins) {
    if (outcome == VotePhase::kOpen && failed.load(std::memory_order_relaxed) && begin_deciding(v)) {
      cancel_basket(v, r, cancel_reason);
    } else if (spins < kSpinsBeforeYield) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
    outcome = v.phase.load(std::memory_order_acquire);
  }
  if (place && failed_here == 0 && outcome != VotePhase::kCommitted) release_part(r, items, store, k, shards);
  if (!place && outcome == VotePhase::kCommitted) give_back_part(r, items, store, k, shards);
  return outcome;
}

}  // namespace orderflow
