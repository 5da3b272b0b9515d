#pragma once
// WriteStage (1 thread): takes finished jobs from `in`, puts them back into
// input order (unless unordered) and writes their results to the output in
// chunks of about kWriteBytes with writev(), flushing whenever it goes idle,
// then hands each job back to the job pool. `results_written` counts the
// bytes written (a durable ledger's commit stage records it).
//
// When the output goes away (EPIPE: output_closed()) or fails, it stops the
// run (RunControl::stop, with the write error) but keeps draining `in`, so
// that no stage blocks on a full channel.
//
// Thread-safety: run() on one thread, once; output_closed() after it returned.
#include <atomic>
#include <cstdint>
#include <string>

#include "engine/channel.h"
#include "engine/context.h"
#include "engine/stages/job.h"
#include "engine/stages/job_pool.h"
#include "engine/stages/run_control.h"

namespace orderflow {

class WriteStage {
 public:
  static constexpr std::size_t kWriteBytes = 1 << 20;  // results are written in chunks about this large

  // `out_fd` < 0: no results are written. Everything passed must outlive the stage.
  // Once `give_up` ends, a results reader that takes no byte for a second is
  // given up (engine/output_writer.h): output_abandoned().
  WriteStage(int out_fd, std::string output_name, Context give_up, bool unordered, RunControl& control,
             JobPool& jobs, Channel<JobPtr>& in, std::atomic<std::uint64_t>& results_written)
      : out_fd_(out_fd), output_name_(std::move(output_name)), give_up_(std::move(give_up)),
        unordered_(unordered), control_(control), jobs_(jobs), in_(in), results_written_(results_written) {}

  void run();
  bool output_closed() const { return output_closed_; }
  bool output_abandoned() const { return output_abandoned_; }

 private:
  const int out_fd_;
  const std::string output_name_;
  const Context give_up_;
  const bool unordered_;
  RunControl& control_;
  JobPool& jobs_;
  Channel<JobPtr>& in_;
  std::atomic<std::uint64_t>& results_written_;
  bool output_closed_ = false;
  bool output_abandoned_ = false;
};

}  // namespace orderflow
