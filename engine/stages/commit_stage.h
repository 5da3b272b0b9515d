#pragma once
// CommitStage (1 thread, only with a durable ledger: PipelineOptions::ledger),
// between the appliers and the writer: takes finished jobs from `in` back into
// input order, gathers them into groups and commits each group in one
// transaction (data/ledger/commit_group.h CommitGroupBuilder, LedgerDb::commit),
// then hands the group's jobs on to `out` (the writer), so that a result
// reaches -o only after its group committed.
//
// While it commits, the appliers go on filling `in` (sized for a group): the
// next group is what arrived meanwhile. It commits when `in` runs dry or a
// group reaches group_records_max. A failed commit fails the run
// (RunControl::fail); the jobs of that group and every later one never reach
// the writer. Each commit records the results bytes written so far
// (`results_written`, kept by the writer), so that a continued run can cut -o
// back to what its committed part wrote. When run() returns, `out` is closed.
//
// Thread-safety: run() on one thread, once.
#include <atomic>
#include <cstdint>

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

  void run();

 private:
  const PipelineLedger& ledger_;
  const std::atomic<std::uint64_t>& results_written_;
  RunControl& control_;
  Channel<JobPtr>& in_;
  Channel<JobPtr>& out_;
};

}  // namespace orderflow
