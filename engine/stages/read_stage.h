#pragma once
// ReadStage: the pipeline's first stage (1 thread). Fills jobs from the job
// pool with the batches the InputReader frames (engine/input_reader.h) and
// sends them down `out`, in input order. The only stage that watches intake.
// When it ends it closes `out`; outcome() then says how reading ended.
//
// Thread-safety: run() on one thread, once; outcome() after it returned.
#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/channel.h"
#include "engine/input_reader.h"
#include "engine/stages/job_pool.h"
#include "engine/stages/run_control.h"

namespace orderflow {

class ReadStage {
 public:
  // Everything passed must outlive the stage. `bytes_read` is kept up to date.
  ReadStage(const std::vector<InputSource>& inputs, const ReaderOptions& options, RunControl& control,
            JobPool& jobs, Channel<JobPtr>& out, std::atomic<std::uint64_t>& bytes_read)
      : inputs_(inputs), options_(options), control_(control), jobs_(jobs), out_(out), bytes_read_(bytes_read) {}

  void run();
  const ReaderOutcome& outcome() const { return outcome_; }

 private:
  const std::vector<InputSource>& inputs_;
  const ReaderOptions options_;
  RunControl& control_;
  JobPool& jobs_;
  Channel<JobPtr>& out_;
  std::atomic<std::uint64_t>& bytes_read_;
  ReaderOutcome outcome_;
};

}  // namespace orderflow
