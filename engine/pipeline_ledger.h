#pragma once
// PipelineLedger: what a pipeline run with a durable ledger gets
// (PipelineOptions::ledger). Everything it points to must outlive the run.
//   - the reader checksums every record (Batch::sums) and, continuing a run,
//     skips the committed records after checking their checksum;
//   - the router looks ids it does not know up in `prior`;
//   - a commit stage between the appliers and the writer commits groups of
//     batches through `db` (engine/stages/commit_stage.h).
#include <cstddef>
#include <cstdint>
#include <string>

namespace orderflow {

class LedgerDb;
class CommitGroupBuilder;
class PriorOrders;

struct PipelineLedger {
  LedgerDb* db = nullptr;                  // the commit stage's connection (writer)
  // A second connection that checkpoints the WAL on a thread of its own, so the
  // writer never stops to (db opened with external_checkpoints); null: the
  // writer checkpoints itself.
  LedgerDb* checkpointer = nullptr;
  std::int64_t checkpoint_frames = 16384;  // a checkpoint is started once the WAL holds this many pages
  CommitGroupBuilder* builder = nullptr;   // knows the run, its checkpoint and stock
  PriorOrders* prior = nullptr;            // the router's look-ups; null: the ledger had no orders
  std::uint64_t skip_seq = 0;              // continuing: records 1..skip_seq are committed
  std::uint64_t skip_checksum = 0;         // and must have this checksum
  std::string skip_mismatch;               // the error when they do not ("FILE:" prefix-free)
  std::uint64_t results_base = 0;          // results bytes in -o before this attempt's
  std::size_t group_records_max = 1 << 16; // a group is committed at this many records at the latest
  std::size_t group_batches_max = 48;      // the commit stage's input channel, in batches
  // Nice levels every thread of the run but the committing one is lowered by
  // (engine/thread_priority.h): on 2 cores, night 1 of bench/ledger.sh took
  // 11% less time with 5 and 2% less again with 10 (19: 2% more; kept at 10,
  // so that the other threads still get their share on a busy machine). 0: none.
  int other_threads_nice = 10;
};

}  // namespace orderflow
