#include "engine/stages/write_stage.h"

#include <string_view>
#include <vector>

#include "engine/output_writer.h"
#include "engine/stages/reorder.h"

namespace orderflow {

void WriteStage::run() {
  OutputWriter out(out_fd_, output_name_, "results", give_up_);
  Reorder<JobPtr> order;
  // Batches ready to go out, in order; written together with writev() once
  // they add up to kWriteBytes (or the stage goes idle), then released.
  std::vector<JobPtr> ready;
  std::vector<std::string_view> parts;
  std::size_t ready_bytes = 0;
  bool failed = false;
  auto flush = [&] {
    if (!failed && !ready.empty()) {
      parts.clear();
      std::uint64_t bytes = 0;
      for (const JobPtr& j : ready) {
        parts.emplace_back(j->batch.out);
        bytes += j->batch.out.size();
      }
      if (out.write_parts(parts)) {
        results_written_.fetch_add(bytes, std::memory_order_release);
      } else {
        // Nobody can see further results: stop everything, but keep draining.
        failed = true;
        output_closed_ = out.closed();
        output_abandoned_ = out.abandoned();
        control_.stop(out.status());
      }
    }
    for (JobPtr& j : ready) jobs_.recycle(std::move(j));
    ready.clear();
    ready_bytes = 0;
  };
  auto emit = [&](JobPtr job) {
    if (failed || out_fd_ < 0) {
      jobs_.recycle(std::move(job));
      return true;
    }
    ready_bytes += job->batch.out.size();
    ready.push_back(std::move(job));
    if (ready_bytes >= kWriteBytes) flush();
    return true;
  };
  JobPtr job;
  for (;;) {
    ChannelStatus st = in_.try_recv(job);
    if (st == ChannelStatus::kEmpty) {
      flush();  // idle: let what is ready reach the reader of the results
      st = in_.recv(job);
    }
    if (st != ChannelStatus::kOk) break;
    if (unordered_) {
      emit(std::move(job));
      continue;
    }
    const std::uint64_t i = job->batch.index;
    order.push(i, std::move(job), emit);
  }
  flush();
}

}  // namespace orderflow
