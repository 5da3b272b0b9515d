#pragma once
// JobPool: job recycling. Written jobs go back to the reader to be filled
// again: their buffers keep their capacity, so a long run stops allocating
// (and faulting in) memory. At most `jobs_max` jobs ever exist: once they do,
// acquire() waits for one to come back, so peak memory is the same for a short
// run and a long one.
//
// Thread-safety: acquire() from one thread (the reader); recycle() from any.
#include <cstddef>

#include "engine/channel.h"
#include "engine/context.h"
#include "engine/stages/job.h"

namespace orderflow {

class JobPool {
 public:
  // REQUIRES: jobs_max >= 1.
  explicit JobPool(std::size_t jobs_max) : free_(jobs_max), jobs_max_(jobs_max) {}

  // An empty job: a recycled one if any is free, else a new one while fewer
  // than jobs_max exist, else blocks until one is recycled. nullptr when `ctx`
  // ends while waiting.
  JobPtr acquire(const Context& ctx) {
    JobPtr job;
    if (free_.try_recv(job) == ChannelStatus::kOk) return job;
    if (made_ < jobs_max_) {
      ++made_;
      return std::make_shared<Job>();
    }
    if (free_.recv(job, ctx) != ChannelStatus::kOk) return nullptr;
    return job;
  }

  // Clears `job` (keeping its allocations) and makes it free. Never blocks.
  // An applier that finished an earlier slice of it may not have dropped its
  // reference yet; it no longer reads the job, so the job can be reused.
  void recycle(JobPtr job) {
    job->batch.clear();
    job->route.clear();
    (void)free_.try_send(std::move(job));  // room for every job that exists
  }

 private:
  Channel<JobPtr> free_;
  const std::size_t jobs_max_;
  std::size_t made_ = 0;  // by the acquiring thread
};

}  // namespace orderflow
