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
};

struct OrderChange {
  std::string id;
  std::uint32_t product = kNoProduct;
  std::uint32_t amount = 0;
  OrderState state = OrderState::kPending;
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

  // Restores an order entry from a checkpoint (before any message).
  void restore_order(std::string_view id, std::uint32_t product, std::uint32_t amount, OrderState state);

  // Decodes an orders message into `step` and runs the id half.
  // REQUIRES: messages in stream order, each one applied before the next is
  // resolved... or resolved in order and applied in the same order.
  Status resolve(std::uint64_t orders_seq, std::string_view payload, PartitionStep& step);
  // Runs the stock half. `votes[j]` is partition j's vote message for this
  // step when needs_votes_from[j] (else ignored). Fills step.results.
  // REQUIRES: steps applied in the order they were resolved.
  Status apply(PartitionStep& step, const std::vector<const VoteMessage*>& votes);

  // What changed since the last call, as of the end of orders message
  // `through_orders_seq`. REQUIRES: every step up to it applied, none after.
  PartitionChanges take_changes(std::uint64_t through_orders_seq);

 private:
  void mark(OrderRef o, std::uint64_t orders_seq);
  void final_here(PartitionStep& step, const Record& r, std::string& body);

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
