#pragma once
// `process --ledger FILE`: what a run with a durable ledger does around the
// pipeline (SPEC.md "The ledger"). Kept out of process_cmd.cpp.
//
//   open()         takes the ledger's writer lock (waiting, or --no-wait), creates
//                  it from the catalog on first use, or checks that a -c names the
//                  ledger's products and prices; decides whether this run continues
//                  the unfinished one (same inputs and -o) or starts a new one
//                  (refused while another is unfinished).
//   prepare_output()  a continued run's -o FILE is cut back to the committed
//                  results (or completed from the ledger's pending results).
//   hooks()        what the pipeline needs: the commit stage's ledger and group
//                  builder, the prior-order look-ups, where to skip to.
//   end()          records how the run stopped; a run that reached the end of its
//                  input is finished.
//
// Not thread-safe: used by the thread that runs process.
#include <memory>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/ledger/commit_group.h"
#include "data/ledger/ledger_db.h"
#include "data/model/summary.h"
#include "engine/pipeline.h"

namespace orderflow {

struct LedgerRunOptions {
  std::string path;
  std::string catalog;              // -c, or "" (built-in for a new ledger)
  bool no_wait = false;
  bool quiet = false;
  std::vector<std::string> inputs;  // as named on the command line
  std::string output;               // -o as given
  std::function<bool()> keep_waiting;
};

class LedgerSession {
 public:
  static Result<std::unique_ptr<LedgerSession>> open(const LedgerRunOptions& options);

  const Catalog& catalog() const { return catalog_; }
  // This run continues an unfinished one that committed records (its -o is
  // cut back, not truncated). An unfinished run that committed none is taken
  // over afresh (same run number, new output).
  bool continuing() const { return continuing_ && start_.seq > 0; }
  std::int64_t run() const { return run_; }

  // With -o a regular file: a continued run cuts it back to the committed
  // results and positions `fd` at the end; a new run records `fd`'s position
  // (after a CSV header) as where its results start.
  Status prepare_output(int fd);
  // Fills the pipeline's ledger options. The LedgerSession must outlive the pipeline.
  void fill(PipelineOptions& po, bool keep_results);
  // The committed part of a continued run's statistics (zero for a new run).
  const Stats& prefix_stats() const { return prefix_; }
  // Records how the run ended; finished when it reached the end of its input.
  Status end(StopCause cause, bool finished);

 private:
  LedgerSession() = default;

  LedgerRunOptions options_;
  std::unique_ptr<LedgerDb> db_;      // the writer: the commit stage's connection
  std::unique_ptr<LedgerDb> reader_;  // the router's look-ups
  std::unique_ptr<LedgerDb> checkpointer_;  // the commit stage's checkpoints (closed before db_)
  std::unique_ptr<LedgerPriorOrders> prior_;
  std::unique_ptr<CommitGroupBuilder> builder_;
  PipelineLedger hooks_;
  Catalog catalog_;
  std::int64_t run_ = 0;
  bool continuing_ = false;
  bool use_prior_ = false;
  LedgerCheckpoint start_;
  Stats prefix_;
};

}  // namespace orderflow
