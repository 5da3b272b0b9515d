#pragma once
// PartitionCore: what one `serve --partition K/N` decides, with no network
// (docs/nats.md has the picture). Every partition reads every orders message
// in stream order and decodes it; the work is split two ways:
//
//   id owner    I(r) = mix64(hash(id)) % N   duplicate_id, unknown_order, the
//               product (and the order) a reverse undoes: the resolve half.
//   product owner P(r) = product % N          stock, Completed,
//               insufficient_stock, Reversed, not_reversible: the apply half.
//   a record with neither (invalid_record, or rejected at decode without an
//   id) belongs to (seq - 1) % N.
//
// For each orders message, resolve() runs the id half of every record this
// partition owns by id, and returns the votes the product owners need:
// a place record's product owner learns "ok" or "duplicate_id"; every other
// partition learns, for each reverse record with an id, which product it
// undoes (or none). apply() then runs, in seq order, the stock half of every
// record this partition owns by product, consuming the votes of the other
// partitions for that message (needs_votes_from says whose). Resolve never
// waits for apply, so N partitions that each resolve a message before they
// wait for its votes can never wait on each other in a cycle.
//
// Baskets (SPEC.md "Linked orders"; docs/nats.md "Baskets across
// partitions"): the id owner tells every owner of the basket's products
// ok / duplicate_id (and, for a reverse, the basket's items). Each owner of
// some items reaches the basket at its seq, holds its part (hold_part) and
// sends its part vote (its first failing item, or 0) to the basket's other
// owners (step.part_votes_out); all compute the same outcome, the smallest
// failing item, and keep or give back their part; the owner of the first
// item formats the result line. An owner goes on past a basket whose part
// votes have not come (escrow, as engine/basket_vote.h: a pending outcome can
// only give units back) until a take might fail on the stock it sees of a
// product a pending basket holds, a reverse names a pending basket, or the
// message ends: there apply() stops
// (ApplyProgress::kNeedsPartVotes) and resumes at the same record when
// called again with more part votes. A reverse of a basket needs no part
// votes: every part owner knows the basket's outcome.
//
// The record's final owner — the partition that decided it — formats its
// result line. Decisions are exactly those of resolve() and apply() of
// data/ledger/ledger.h run over the whole stream in order by one thread, so
// the results equal one `process` over the same records (tests say so).
//
// Durable state: the stock of owned products and the order entries this
// partition holds (ids it owns, and ids of orders applied on its products);
// take_changes(S) hands out what changed since it was last called, as of
// the end of orders message S, for a checkpoint to commit. Messages after S
// may have been resolved already (resolve runs ahead of apply): the ids they
// took are kept for a later take_changes, so a checkpoint is always the
// state after a prefix of the stream. Deterministic: the same messages and votes from the
// same state give the same votes, results and changes.
//
// Not thread-safe: one thread drives it. The catalog must outlive it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/codec/decoder.h"
#include "data/codec/result_format.h"
#include "data/ledger/order_index.h"
#include "data/model/batch.h"
#include "data/store/product_store.h"
#include "engine/partition_wire.h"

namespace orderflow {

struct PartitionId {
  std::uint32_t k = 0;  // 0-based
  std::uint32_t n = 1;  // partitions, >= 1
};

std::uint32_t id_owner(std::uint64_t id_hash, std::uint32_t n);

// Part votes that have come, by basket seq and sender.
class PartVotes {
 public:
  virtual ~PartVotes() = default;
  virtual const PartVote* find(std::uint64_t seq, std::uint32_t from) const = 0;
};

enum class ApplyProgress : std::uint8_t {
  kDone,            // the message is applied: step.results is final
  kNeedsPartVotes,  // stopped for part votes that have not come: call apply() again with more
};

// A basket whose part this partition holds (or found lacking), waiting for
// the part votes of its other owners. Private to PartitionCore.
struct PendingBasket {
  std::size_t record = 0;              // index in the step's batch
  std::uint16_t failed_here = 0;       // this part's first failing item, 0: held
  std::vector<std::uint32_t> others;   // the basket's other owners
};

// One orders message on its way through a partition.
struct PartitionStep {
  std::uint64_t orders_seq = 0;        // its sequence in the orders stream
  OrdersHeader header;
  Batch batch;                         // decoded records
  std::vector<std::uint8_t> roles;     // per record (private to PartitionCore)
  std::vector<std::string> votes_out;  // [partition]: encoded votes to send it, or empty
  std::vector<bool> needs_votes_from;  // [partition]: apply() needs its votes for this message
  std::string results;                 // after apply(): encoded results message, or empty
  std::uint64_t results_count = 0;     // records finalised here
  // After each apply() call: part votes to send, [partition] (the caller
  // sends and clears them before it waits for others').
  std::vector<PartVoteMessage> part_votes_out;
  // Where apply() stands (private to PartitionCore).
  bool started = false;                // apply() has begun it
  std::size_t next_record = 0;
  std::vector<std::size_t> vote_cursor;
  std::vector<PendingBasket> baskets;
  std::string body;
};

struct OrderChange {
  std::string id;
  std::uint32_t product = kNoProduct;  // kBasketProduct: a basket of `items`
  std::uint32_t amount = 0;            // a basket: items.size()
  OrderState state = OrderState::kPending;
  std::vector<StockItem> items;
};
struct StockChange {
  std::uint32_t product = 0;
  std::int64_t stock = 0;
};
struct PartitionChanges {
  std::vector<OrderChange> orders;
  std::vector<StockChange> stock;
};

class PartitionCore {
 public:
  // `stock[p]` is product p's current stock (only owned products matter).
  PartitionCore(const Catalog& catalog, PartitionId me, const std::vector<std::int64_t>& stock);
  ~PartitionCore();
  PartitionCore(const PartitionCore&) = delete;
  PartitionCore& operator=(const PartitionCore&) = delete;

  PartitionId id() const { return me_; }
  bool owns_product(std::uint32_t p) const { return p % me_.n == me_.k; }

  // Restores an order entry from a checkpoint (before any message); a
  // basket (product kBasketProduct) with its items.
  void restore_order(std::string_view id, std::uint32_t product, std::uint32_t amount, OrderState state,
                     const std::vector<StockItem>& items = {});

  // Decodes an orders message into `step` and runs the id half.
  // REQUIRES: messages in stream order, each one applied before the next is
  // resolved... or resolved in order and applied in the same order.
  Status resolve(std::uint64_t orders_seq, std::string_view payload, PartitionStep& step);
  // Runs the stock half, from where the last call on this step stopped.
  // `votes[j]` is partition j's vote message for this step when
  // needs_votes_from[j] (else ignored); `parts` the part votes come so far.
  // Fills step.part_votes_out, and step.results once kDone.
  // REQUIRES: steps applied in the order they were resolved, each to kDone
  // before the next; the same `votes` on every call for one step.
  Status apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes, const PartVotes& parts,
               ApplyProgress& progress);
  // The same with no part votes (a step that needs some fails).
  Status apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes);

  // What changed since the last call, as of the end of orders message
  // `through_orders_seq`. REQUIRES: every step up to it applied, none after,
  // and none partly (a step apply() stopped inside is not through).
  PartitionChanges take_changes(std::uint64_t through_orders_seq);

 private:
  void mark(OrderRef o, std::uint64_t orders_seq);
  void final_here(PartitionStep& step, const Record& r);
  std::uint32_t item_owner(const Item& it) const { return it.product % me_.n; }
  // Some basket of the step whose part is held here (outcome pending) holds
  // units of product p: p's stock seen here may be lower than the sequential one.
  bool held_pending(const PartitionStep& step, std::uint32_t p) const;
  // hold_part on basket r's part decides as it would on the exact stock: no
  // item that lacks units here is on a product a pending basket holds.
  bool part_certain(const PartitionStep& step, const Record& r, const Item* items) const;
  // Decides every pending basket of the step when all their part votes have come.
  Status settle(PartitionStep& step, const PartVotes& parts, bool& settled);
  Status apply_basket_part(PartitionStep& step, Record& r, std::size_t i);
  Status reverse_basket(PartitionStep& step, Record& r, OrderRef order);

  const Catalog& catalog_;
  PartitionId me_;
  OrderIndex index_;
  std::unique_ptr<ProductStore> store_;
  Decoder decoder_;
  std::vector<std::string> sources_;   // file names, as the formatter names them
  ResultFormatter formatter_;
  std::vector<std::pair<OrderRef, std::uint64_t>> dirty_orders_;  // order, orders message that changed it
  std::vector<std::uint32_t> dirty_stock_;
  std::string line_;
};

}  // namespace orderflow
