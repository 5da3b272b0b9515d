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
//            reverse: nothing to take; the order's state is read by the
//                     decider alone.
//            Then it votes (votes_left - 1, `failed` = min with its number)
//            and goes on with its next record at once: it does not wait for
//            the outcome (BasketOwner remembers the vote as pending).
//   decider  the owner whose vote is the last: decide_basket() from the
//            smallest failing item (0: none) writes B's result and its order
//            entry's state, then publishes the outcome.
//   outcome  each owner reads it later (BasketOwner::settle()): a place not
//            committed gives its held part back; a reverse committed gives
//            its part's units back.
//
// Not waiting is escrow (O'Neil, "The Escrow Transactional Method", TODS
// 1986): while k has votes pending, every pending outcome can only *add*
// units to k's products (a held part released, a reversal's units given
// back), never take any. So the stock k sees is a lower bound of the stock
// the sequential rule sees there, and a take that succeeds on it succeeds in
// the sequential run too, with the same effect once the pending additions
// are made. Only a decision the lower bound cannot settle waits: before a
// take that might fail (a single order or single-owner basket whose product
// holds less than it asks, a part that lacks units) k settles every pending
// vote, i.e. waits for their outcomes and applies them, and then decides on
// the exact stock. k also settles at the end of each slice, before it hands
// the batch on, so a vote never outlives its batch. With stock to spare, k
// waits for nobody: one wait per slice at most, not one per basket (which
// was measured at half of all CPU time: bench/baskets.sh).
//
// Invariants:
//  I1 Same outcome as the sequential rule. An item's check depends only on
//     its product's stock and on the earlier items of the same product, all
//     on one owner, which reaches B after exactly the records before B on
//     those products; every failing check is made on the exact stock (k
//     settles first), every passing one on a lower bound: so each part's
//     first failing item is the sequential one for that part, and the
//     basket's is the smallest over the parts. The same holds for every
//     single order and single-owner basket after B.
//  I2 Nobody's outcome depends on a held unit. A record after B on k's
//     products that is applied before B's outcome is known passes on the
//     stock without B's held units (or without a pending reversal's), so it
//     passes with them too; a record whose check could fail waits for the
//     outcome. A failed basket's units are given back before k decides
//     anything on the exact stock. A rejected basket is thus exactly as if
//     it had not been there; no other thread touches k's products.
//  I3 Owners B does not touch never wait for it: B is only in its owners'
//     slices. Nothing drains: the router and the other owners go on with
//     later batches while B's owners vote.
//  I4 No deadlock. An owner waits only in settle(), for votes it has already
//     cast, i.e. for baskets before its current place. Take the earliest (in
//     seq order) basket some owner waits for: each of its other owners has
//     voted on it, or is applying records before it, and if that owner
//     waits, it is for an earlier basket: none is waited for. The router
//     sends every slice of a batch before any slice of the next, so each
//     owner's slice of B's batch is sent. So every owner of B arrives and
//     votes.
//  I5 One writer per record. Only the decider writes B's record and its
//     entry (after the CAS kOpen -> kDeciding); the other owners write only
//     their own items' stock_seen (before voting) and their own products,
//     and read only what they copied before voting. The votes' acq_rel
//     decrements carry those writes to the decider; the outcome's release
//     store carries the decider's writes to the settling owners, which
//     settle before their slice's batch is handed on (acq_rel).
//  I6 Stops. A batch the router routed is applied whole, also after a hard
//     stop (the cancelled records are a contiguous tail of unrouted batches),
//     so a stop never splits a vote. Only a failure stops the appliers: an
//     owner that is cancelling records then votes "cancel" without holding
//     anything, and an owner settling when `failed` is set may cancel B
//     itself (the same CAS), so no owner waits for a peer whose slice will
//     never come (a failing stage closes the channels). Whoever wins the CAS
//     writes B's result; the others follow the outcome.
//
// Thread-safety: a BasketVote is shared by the owners of one basket; every
// member but `record` (written by the router before the slices are sent) is
// atomic. A BasketOwner belongs to one applier thread. Blocking: only
// settle() (and what calls it) waits until outcomes are known: a short spin,
// then blocked on the OutcomeSignal (engine/outcome_signal.h) that deciders
// publish on; never a yield loop.
#include <atomic>
#include <cstdint>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/ledger/order_index.h"
#include "data/model/record.h"
#include "data/store/product_store.h"
#include "engine/outcome_signal.h"

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

// Owner k of a sharded store: its part of every basket vote, and the votes
// whose outcome it has not read yet.
class BasketOwner {
 public:
  // `index` is the order index the router resolves on (the decider writes
  // the basket's order state there). `signal` is shared by every owner: a
  // decider publishes on it, a settling owner waits on it, and it tells
  // whether the run failed (see I6).
  BasketOwner(ProductStore& store, OrderIndex& index, const Catalog& catalog, std::size_t k, std::size_t shards,
              OutcomeSignal& signal);

  // k's turn at basket r (see the protocol above): checks and holds its part
  // and votes; the last voter decides. Does not wait for the other owners.
  // With `cancelling`, votes to cancel and holds nothing. Returns kCancelled
  // when the basket is cancelled (the run is being cut: the caller should
  // cancel the rest of its slice), else the outcome if this owner decided
  // it, else kOpen (pending).
  VotePhase vote(BasketVote& v, Record& r, Item* items, bool cancelling, Reason cancel_reason);

  // Before apply()ing a record of k's (not a vote): settles when the record
  // might be decided differently under some pending outcome (a place that
  // asks any of its products for more than it holds now). `items` is the
  // record's batch's item table; `why()` the Reason to cancel with, asked only
  // when it settles. Nothing to do, and cheap, with no vote pending.
  template <class Why>
  void before_apply(const Record& r, const std::vector<Item>& items, Why&& why) {
    if (!pending_.empty() && !certain(r, items)) settle(why());
  }

  // The same for a take of `amount` units of `product` (one of k's) that is
  // not a record's: settles when the product holds less than that now.
  template <class Why>
  void before_take(std::uint32_t product, std::int64_t amount, Why&& why) {
    if (!pending_.empty() && store_.stock(product) < amount) settle(why());
  }

  // Waits for the outcome of every pending vote and applies it to k's part.
  // Due before the slice's batch is handed on (the votes live in its job).
  void settle(Reason cancel_reason);

  bool settled() const { return pending_.empty(); }

 private:
  struct Pending {
    BasketVote* vote;
    Record* record;      // written only by whoever wins the vote's CAS (I5)
    const Item* items;   // the basket's items (k's part is read, never written, from here on)
    std::uint16_t count;
    bool place;          // a place whose part k holds; else a reverse
  };
  bool certain(const Record& r, const std::vector<Item>& items) const;
  void follow(const Pending& p, VotePhase outcome);

  ProductStore& store_;
  OrderIndex& index_;
  const Catalog& catalog_;
  const std::size_t k_;
  const std::size_t shards_;
  OutcomeSignal& signal_;
  std::vector<Pending> pending_;  // in seq order
};

}  // namespace orderflow
