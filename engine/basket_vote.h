#pragma once
// BasketVote: how the sharded store decides a basket whose items belong to
// several owners, deterministically and without draining the pipeline
// (SPEC.md "Linked orders"; DESIGN.md "Second campaign"). The model is Calvin
// (Thomson et al., SIGMOD 2012): the input order is the global order, every
// participant reaches the transaction at its place in that order, checks its
// own part, votes, and all compute the same commit/abort.
//
// The protocol, for one basket B in batch J:
//
//   router   (one thread, seq order) resolves B against the order index, finds
//            the owners of B's items (owner_of(product, workers)), and when
//            there are two or more, puts B into each of those owners' slice
//            of J at its seq position, with one BasketVote for B in J
//            (votes_left = number of owners). A basket whose items all belong
//            to one owner goes to that owner alone and is applied whole
//            there (ProductStore::take_all): no vote.
//   owner k  reaches B in its slice, i.e. after every earlier record on its
//            products and before every later one (slices are in seq order).
//            place:   hold_part(): take k's items in item order; on a lacking
//                     item, give the part back and vote that item's number.
//            reverse: nothing to take; the order's state, which every owner
//                     reads before it votes, is the same for all.
//            Then it votes (votes_left - 1, `failed` = min with its number)
//            and waits until the outcome is published (the last voter
//            decides). Then: a place not committed gives its held part back;
//            a reverse committed gives its part's units back. Only then does
//            k go on to its next record.
//   decider  the owner whose vote is the last: decide_basket() from the
//            smallest failing item (0: none) writes B's result and its order
//            entry's state, then publishes the outcome.
//
// Invariants:
//  I1 Same outcome as the sequential rule. An item's check depends only on
//     its product's stock and on the earlier items of the same product, all
//     on one owner, which reaches B after exactly the records before B on
//     those products: so each part's first failing item is the sequential
//     one for that part, and the basket's is the smallest over the parts.
//  I2 Nobody sees a held unit. Owner k applies nothing after B on its
//     products until the outcome is known, and gives a failed basket's units
//     back before that; no other thread touches k's products. A rejected
//     basket is thus exactly as if it had not been there.
//  I3 Owners B does not touch never wait for it: B is only in its owners'
//     slices. Nothing drains: the router and the other owners go on with
//     later batches while B's owners vote.
//  I4 No deadlock. Take the earliest (in seq order) basket that some owner is
//     waiting for: each of its other owners is either at it, or applying
//     records before it, which wait for no later basket; the router sends
//     every slice of a batch before any slice of the next, so each owner's
//     slice of B's batch is sent. So every owner of B arrives and votes.
//  I5 One writer per record. Only the decider writes B's record and its
//     entry (after the CAS kOpen -> kDeciding); the other owners write only
//     their own items' stock_seen (before voting) and their own products.
//     The votes' acq_rel decrements carry those writes to the decider; the
//     outcome's release store carries the decider's writes to the waiters.
//  I6 Stops. A batch the router routed is applied whole, also after a hard
//     stop (the cancelled records are a contiguous tail of unrouted batches),
//     so a stop never splits a vote. Only a failure stops the appliers: an
//     owner that is cancelling records then votes "cancel" without holding
//     anything, and an owner waiting when `failed` is set may cancel B itself
//     (the same CAS), so no owner waits for a peer whose slice will never
//     come (a failing stage closes the channels). Whoever wins the CAS writes
//     B's result; the others follow the outcome.
//
// Thread-safety: a BasketVote is shared by the owners of one basket; every
// member but `record` (written by the router before the slices are sent) is
// atomic. Blocking: vote() spins (then yields) until the outcome is known.
#include <atomic>
#include <cstdint>

#include "data/catalog/catalog.h"
#include "data/model/record.h"
#include "data/store/product_store.h"

namespace orderflow {

enum class VotePhase : std::uint8_t { kOpen, kDeciding, kCommitted, kAborted, kCancelled };

struct BasketVote {
  std::uint32_t record = 0;                        // the basket's index in its batch
  std::atomic<std::uint32_t> votes_left{0};        // owners that have not voted yet
  std::atomic<std::uint32_t> failed{UINT32_MAX};   // smallest failing item (1-based), UINT32_MAX: none
  std::atomic<VotePhase> phase{VotePhase::kOpen};

  void reset(std::uint32_t rec, std::uint32_t owners) {
    record = rec;
    votes_left.store(owners, std::memory_order_relaxed);
    failed.store(UINT32_MAX, std::memory_order_relaxed);
    phase.store(VotePhase::kOpen, std::memory_order_relaxed);
  }
};

// Owner k's turn at basket r (see the protocol above): checks and holds its
// part, votes, waits for the outcome and applies it to its part. With
// `cancelling`, votes to cancel and holds nothing. `failed` becoming true while
// it waits lets it cancel the basket. Returns the outcome (kCommitted, kAborted or
// kCancelled); a kCancelled outcome means the caller should cancel the rest of
// its slice, as the run is being cut.
VotePhase vote(BasketVote& v, Record& r, Item* items, ProductStore& store, const Catalog& catalog,
               std::size_t k, std::size_t shards, bool cancelling, Reason cancel_reason,
               const std::atomic<bool>& failed);

}  // namespace orderflow
