#pragma once
// CommitStage (3 or 4 threads, only with a durable ledger: PipelineOptions::ledger),
// between the appliers and the writer: takes finished jobs from `in` back into
// input order, gathers them into groups and commits each group in one
// transaction (data/ledger/commit_group.h CommitGroupBuilder, LedgerDb::commit),
// then hands the group's jobs on to `out` (the writer), so that a result
// reaches -o only after its group committed.
//
// SQLite has one writer, so the committing thread is the one a ledger run
// cannot split: it does nothing else. prepare() orders the jobs, builds the
// next group and does the rest of the commit's work (ids sorted, results
// compressed: CommitGroupBuilder::take) while commit() commits the one before.
// While they work, the appliers go on filling `in` (sized for a group): the
// next group is what arrived meanwhile. A group is handed over when `in` runs
// dry or it reaches group_records_max. A failed commit fails the run
// (RunControl::fail); the jobs of that group and every later one never reach
// the writer. With a checkpointer connection (PipelineLedger::checkpointer),
// checkpoint() copies the WAL into the database file on a third thread
// whenever a commit leaves more than checkpoint_frames pages in it; the writer
// goes on committing meanwhile (it cost the committing thread a pause of a
// quarter of a second every 64 MB of WAL, and as much again when it closed).
// A checkpoint that fails fails the run. sync() makes the committed groups
// durable (LedgerDb::sync_wal, one fdatasync for every group committed
// meanwhile) and then hands their jobs on to `out`, so that commit() goes on
// with the next group while the disk flushes (with FULL commits the fsync was
// 8% of the committing thread's time, and its wait more); a failed sync fails
// the run and its groups never reach the writer. Each commit records the
// results bytes written so far (`results_written`, kept by the writer), so
// that a continued run can cut -o back to what its committed part wrote.
// When sync() returns, `out` is closed.
//
// Thread-safety: prepare(), commit(), sync() and checkpoint() each on a thread of its own, once;
// close() from any thread (RunControl::on_fail).
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "data/ledger/commit_group.h"

#include "engine/channel.h"
#include "engine/pipeline_ledger.h"
#include "engine/stages/job.h"
#include "engine/stages/run_control.h"

namespace orderflow {

class CommitStage {
 public:
  // Everything passed must outlive the stage; ledger.db and ledger.builder
  // are used by this stage's thread only.
  CommitStage(const PipelineLedger& ledger, const std::atomic<std::uint64_t>& results_written, RunControl& control,
              Channel<JobPtr>& in, Channel<JobPtr>& out)
      : ledger_(ledger), results_written_(results_written), control_(control), in_(in), out_(out) {}

  void prepare();
  void commit();
  void sync();
  // Returns at once without a checkpointer; else when commit() has returned.
  void checkpoint();
  // Stops the threads soon (a failure elsewhere): what was not committed is not.
  void close() {
    groups_.close();
    committed_.close();
    checkpoints_.close();
  }

 private:
  // A group prepared and its jobs (group null: nothing to commit, e.g. only
  // jobs after a Cancelled record).
  struct GroupWork {
    std::unique_ptr<CommitGroupBuilder::Prepared> group;
    std::vector<JobPtr> jobs;
    bool unsynced = false;  // committed, not yet durable (CommitSync::kLater)
  };

  const PipelineLedger& ledger_;
  const std::atomic<std::uint64_t>& results_written_;
  RunControl& control_;
  Channel<JobPtr>& in_;
  Channel<JobPtr>& out_;
  Channel<GroupWork> groups_{1};  // prepare() -> commit(): one waits while one commits
  Channel<GroupWork> committed_{2};  // commit() -> sync(): committed, waiting for their fsync
  Channel<bool> checkpoints_{1};  // commit() -> checkpoint(): one is due (at most one waits)
};

}  // namespace orderflow
