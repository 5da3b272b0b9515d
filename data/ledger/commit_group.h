#pragma once
// CommitGroupBuilder: turns decided batches, in input order, into the next
// LedgerGroup to commit (data/ledger/ledger_db.h): the orders that took an id,
// the reversals, the stock of every product they changed, the checkpoint after
// them, the run's statistics so far and the group's results bytes.
//
// The ledger's stock is the stock at the run's start plus the changes of the
// committed records, counted here: it never reads a store that the appliers
// are changing for later batches. A Cancelled record ends what can be
// committed (the cancelled records are a contiguous tail): add() takes the
// records before it and refuses anything after.
//
// Not thread-safe: one commit stage's thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <zstd.h>

#include "data/catalog/catalog.h"
#include "data/ledger/ledger_db.h"
#include "data/model/batch.h"
#include "data/model/stats.h"

namespace orderflow {

class CommitGroupBuilder {
 public:
  // `start` is the run's checkpoint so far (all zero for a new run), `stats`
  // its committed records' statistics, `stock` the ledger's stock now.
  // `keep_results`: the group carries its results bytes (pending until written).
  CommitGroupBuilder(const Catalog& catalog, std::int64_t run, const LedgerCheckpoint& start, Stats stats,
                     std::vector<std::int64_t> stock, bool keep_results);

  // Adds batch `b`'s records up to its first Cancelled one. REQUIRES: b is the
  // next batch in input order, its records decided, b.sums filled (one per
  // record), b.out formatted (one line per record) or empty. Returns false
  // when it met a Cancelled record: nothing more may be added. The batch must
  // stay alive until the group is committed (the group points into it).
  bool add(const Batch& b);

  std::size_t records() const { return records_; }  // in the group being built
  bool empty() const { return records_ == 0; }

  // The group so far as a value of its own, its orders sorted by id and its
  // results compressed (the work commit() would do), and the next one started:
  // one thread prepares groups while another commits them. The group still
  // points into the batches added, which must live until it is committed.
  // The results are compressed as they are added, by one zstd stream per
  // group, never copied: a copy of every result and a new compressor per
  // group were a third of this thread's time.
  struct Prepared {
    LedgerGroup group;          // stats -> stats, results_zstd -> the string here
    Stats stats;
    std::string results_zstd;
  };
  // Returns null when zstd failed (then, or after an add() it failed in).
  std::unique_ptr<Prepared> take();

  const LedgerCheckpoint& checkpoint() const { return checkpoint_; }  // after the records added so far
  const Stats& stats() const { return stats_; }
  std::uint64_t results_written = 0;  // set by the caller: results bytes known to be in -o

 private:
  // Counts r's change to the stock (sign -1: taken, +1: given back), every item of a basket.
  void change_stock(const Batch& b, const Record& r, int sign);
  // Feeds results bytes to the group's zstd stream (end: and ends its frame).
  void compress(std::string_view bytes, bool end);
  void clear();

  struct ZstdFree {
    void operator()(ZSTD_CCtx* c) const;
  };

  const Catalog& catalog_;
  const bool keep_results_;
  LedgerGroup group_;
  LedgerCheckpoint checkpoint_;
  Stats stats_;
  std::vector<std::int64_t> stock_;
  std::vector<std::uint8_t> changed_;     // per product: stock changed in this group
  std::vector<std::uint32_t> changed_list_;
  std::unique_ptr<ZSTD_CCtx, ZstdFree> zstd_;  // reused for every group
  std::string results_zstd_;                    // the group's compressed results so far
  std::size_t results_zstd_at_ = 0;             // bytes of results_zstd_ that are written
  std::uint64_t results_size_ = 0;              // the group's results bytes
  bool zstd_failed_ = false;
  std::size_t records_ = 0;
  bool closed_ = false;
};

}  // namespace orderflow
