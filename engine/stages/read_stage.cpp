#include "engine/stages/read_stage.h"

#include <utility>

namespace orderflow {

void ReadStage::run() {
  const Context& intake = control_.intake();
  InputReader reader(inputs_, options_, intake, &bytes_read_);
  outcome_ = reader.run([&](Batch& b) {
    JobPtr job = jobs_.acquire(intake);
    if (!job) return false;  // intake ended while waiting for a job to come back
    std::swap(job->batch, b);  // b gets the recycled (cleared) buffers, if any
    if (out_.send(std::move(job), intake) == ChannelStatus::kOk) return true;
    std::swap(job->batch, b);  // refused: the batch stays with the reader, not accepted
    return false;
  });
  out_.close();
}

}  // namespace orderflow
