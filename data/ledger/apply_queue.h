#pragma once
// ApplyQueue: the stock half of the ledger (apply(), data/ledger/ledger.h)
// for a slice of records at a time. add() turns each record into its stock
// operation and queues it; flush() hands every queued operation to the store
// in one ProductStore::write() call (one virtual call and, for a backend on
// disk or in another process, one round trip per slice, not one per record)
// and then decides the records from the results. Decisions are exactly those
// of apply() on each record in the order added.
//
// What is not known until a flush: a queued place has not taken its units
// yet, and its order's state stays Pending. So a caller must flush before it
// reads the store itself (a basket vote, a stock check), and add() flushes by
// itself before a reverse whose order is still Pending (it may be one of the
// queued places). A reverse whose order is still Pending after that belongs
// to another thread (shared stores): add() returns kRetry and queues nothing.
//
// Errors: a write() that fails leaves the queued records undecided and keeps
// its Status (status(), flush()'s return); from then on add() decides nothing
// and queues nothing. The caller fails the run.
//
// Thread-safety: one ApplyQueue per applier thread. The store and index must
// outlive it; the records and their batches must live until the flush that
// decides them.
#include <cstdint>
#include <utility>
#include <vector>

#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/ledger/ledger.h"
#include "data/ledger/order_index.h"
#include "data/model/record.h"
#include "data/store/product_store.h"

namespace orderflow {

class ApplyQueue {
 public:
  // `max_queued`: add() flushes when this many operations are queued (bounds
  // the queue's memory and how long places stay Pending). REQUIRES: >= 1.
  ApplyQueue(ProductStore& store, OrderIndex& index, const Catalog& catalog, std::size_t max_queued = 1024);

  // Queues r's stock operation, or decides r at once (not_reversible), or
  // returns kRetry (see above). `items` is r's batch's item table. REQUIRES:
  // r resolved (resolve() returned true) and not decided.
  ApplyResult add(Record& r, std::vector<Item>& items);

  // Writes the queued operations and decides their records. Returns status().
  const Status& flush();

  bool empty() const { return ops_.empty(); }
  // True once after write() ran (flush(), or add() when the queue fills or
  // before a reverse of a queued place), whether it decided its records or
  // failed: a caller whose records others wait for tells them then
  // (engine/outcome_signal.h). The next call is false until write() runs again.
  bool take_written() { return std::exchange(written_, false); }
  const Status& status() const { return status_; }

 private:
  struct Queued {
    Record* record;
    Item* items;              // r's items in its batch (a basket), else null
    std::uint32_t buf_first;  // a basket's StockItems in buf_
  };
  ProductStore& store_;
  OrderIndex& index_;
  const Catalog& catalog_;
  const std::size_t max_queued_;
  std::vector<StockOp> ops_;
  std::vector<Queued> queued_;  // one per op
  std::vector<StockItem> buf_;  // the baskets' items; ops point into it at flush
  Status status_;
  bool written_ = false;  // write() ran since take_written()
};

}  // namespace orderflow
