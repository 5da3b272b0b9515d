#include "engine/stages/commit_stage.h"

#include <utility>
#include <vector>

#include "data/ledger/commit_group.h"
#include "data/ledger/ledger_db.h"
#include "engine/stages/reorder.h"

namespace orderflow {

void CommitStage::run() {
  CommitGroupBuilder& builder = *ledger_.builder;
  Reorder<JobPtr> order;
  std::vector<JobPtr> group;
  bool failed = false;
  auto commit = [&] {
    if (group.empty()) return;
    if (!failed && !builder.empty()) {
      builder.results_written = ledger_.results_base + results_written_.load(std::memory_order_acquire);
      if (Status st = ledger_.db->commit(builder.group()); !st.ok()) {
        failed = true;
        control_.fail(std::move(st));
      }
      builder.clear();
    }
    for (JobPtr& j : group) {
      if (failed || out_.send(std::move(j)) != ChannelStatus::kOk) failed = true;
    }
    group.clear();
  };
  auto take = [&](JobPtr j) {
    (void)builder.add(j->batch);  // after a Cancelled record nothing more is taken
    group.push_back(std::move(j));
    if (builder.records() >= ledger_.group_records_max) commit();
    return true;
  };
  JobPtr job;
  for (;;) {
    ChannelStatus st = in_.try_recv(job);
    if (st == ChannelStatus::kEmpty) {
      commit();  // idle: commit what there is, so that its results can go out
      st = in_.recv(job);
    }
    if (st != ChannelStatus::kOk) break;
    const std::uint64_t i = job->batch.index;
    order.push(i, std::move(job), take);
  }
  commit();
  out_.close();
}

}  // namespace orderflow
