#pragma once
// PartitionDb: the durable state of one `serve --partition K/N`, one SQLite
// file (WAL, synchronous=NORMAL: a commit survives the process being killed
// the moment commit() returns; a power loss may take the last commits back,
// which costs a replay, never a result: the state is a checkpoint of what the
// replicated streams hold, and redoing from an earlier checkpoint yields the
// same votes and results, which the readers de-duplicate — docs/nats.md).
//
//   meta     which stream, partition and catalog the file belongs to, and the
//            position: the next orders message, the votes stream sequence to
//            re-read from, the next record seq.
//   stock    the stock of every product this partition owns.
//   orders   the order entries it holds (id, product, amount, state; a
//            basket's entry with its items: the part owners of a basket
//            reverse it from there).
//
// The position commits in the same transaction as the state it describes, so
// "how far" and "what" never disagree; serve acknowledges a message to
// JetStream only after the commit that contains it. A small interface on
// purpose: the campaign's ledger (data/ledger/) can take its place.
//
// One writer: open() takes an exclusive advisory lock (flock) on the file and
// fails at once if another serve holds it. Errors are Status values naming
// the file. Not thread-safe: one thread uses it.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/status.h"
#include "data/model/order.h"
#include "engine/partition.h"

namespace orderflow {

struct PartitionPosition {
  std::uint64_t orders_next = 1;  // orders stream sequence of the next message to process
  std::uint64_t votes_next = 1;   // votes stream sequence to read from after a restart
  std::uint64_t record_next = 1;  // seq of the next record
};

class PartitionDb {
 public:
  ~PartitionDb();
  PartitionDb(const PartitionDb&) = delete;
  PartitionDb& operator=(const PartitionDb&) = delete;

  // Opens or creates `path` for `stream`, partition `me`, catalog digest
  // `catalog_digest`. A file made for another stream, partition or catalog is
  // an error (it would continue someone else's state).
  static Result<std::unique_ptr<PartitionDb>> open(const std::string& path, const std::string& stream,
                                                   PartitionId me, std::uint64_t catalog_digest);

  bool fresh() const { return fresh_; }  // created by this open()
  const PartitionPosition& position() const { return position_; }

  // Reads the state: overwrites stock[p] for every stored product, and calls
  // `order` for every stored order entry (`items` empty unless a basket).
  Status load(std::vector<std::int64_t>& stock,
              const std::function<void(std::string_view id, std::uint32_t product, std::uint32_t amount,
                                       OrderState state, std::vector<StockItem> items)>& order);

  // Commits the changes and the new position in one transaction.
  Status commit(const PartitionChanges& changes, const PartitionPosition& position);

 private:
  PartitionDb() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool fresh_ = false;
  PartitionPosition position_;
};

}  // namespace orderflow
