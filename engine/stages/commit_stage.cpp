#include "engine/stages/commit_stage.h"

#include <utility>
#include <vector>

#include "data/ledger/commit_group.h"
#include "data/ledger/ledger_db.h"
#include "engine/stages/reorder.h"

namespace orderflow {

void CommitStage::prepare() {
  CommitGroupBuilder& builder = *ledger_.builder;
  Reorder<JobPtr> order;
  GroupWork work;
  bool failed = false;
  auto hand_over = [&] {
    if (work.jobs.empty() || failed) return;
    if (!builder.empty()) {
      work.group = builder.take();
      if (!work.group) {
        failed = true;
        return control_.fail(Status::IOError("cannot compress results for ledger " + ledger_.db->path()));
      }
    }
    if (groups_.send(std::move(work)) != ChannelStatus::kOk) failed = true;
    work = GroupWork{};
  };
  auto take = [&](JobPtr j) {
    (void)builder.add(j->batch);  // after a Cancelled record nothing more is taken
    work.jobs.push_back(std::move(j));
    if (builder.records() >= ledger_.group_records_max) hand_over();
    return true;
  };
  JobPtr job;
  for (;;) {
    ChannelStatus st = in_.try_recv(job);
    if (st == ChannelStatus::kEmpty) {
      hand_over();  // idle: commit what there is, so that its results can go out
      st = in_.recv(job);
    }
    if (st != ChannelStatus::kOk) break;
    const std::uint64_t i = job->batch.index;
    order.push(i, std::move(job), take);
  }
  hand_over();
  groups_.close();
}

void CommitStage::commit() {
  // Leaves each commit's fsync to sync(), on its own thread, when it can open
  // the WAL; else commits are durable on return and sync() only hands on.
  const CommitSync mode = ledger_.db->prepare_sync_wal().ok() ? CommitSync::kLater : CommitSync::kNow;
  GroupWork work;
  bool failed = false;
  while (groups_.recv(work) == ChannelStatus::kOk) {
    if (!failed && work.group) {
      work.group->group.results_written = ledger_.results_base + results_written_.load(std::memory_order_acquire);
      if (Status st = ledger_.db->commit(work.group->group, mode); !st.ok()) {
        failed = true;
        control_.fail(std::move(st));
      } else if (ledger_.checkpointer && ledger_.db->wal_frames() >= ledger_.checkpoint_frames) {
        (void)checkpoints_.try_send(true);  // full: one is due already
      }
      work.unsynced = mode == CommitSync::kLater;
    }
    work.group.reset();  // its batches stay alive in the jobs
    if (failed || committed_.send(std::move(work)) != ChannelStatus::kOk) failed = true;
    work = GroupWork{};
  }
  // The last one while the last groups are synced and written, not when the
  // ledger closes, after the run.
  if (!failed && ledger_.checkpointer && ledger_.db->wal_frames() > 0) (void)checkpoints_.try_send(true);
  checkpoints_.close();
  committed_.close();
}

void CommitStage::sync() {
  std::vector<GroupWork> ready;
  GroupWork work;
  bool failed = false;
  while (committed_.recv(work) == ChannelStatus::kOk) {
    // Every group committed meanwhile goes out after one fsync.
    ready.push_back(std::move(work));
    while (committed_.try_recv(work) == ChannelStatus::kOk) ready.push_back(std::move(work));
    bool unsynced = false;
    for (const GroupWork& w : ready) unsynced = unsynced || w.unsynced;
    if (unsynced && !failed) {
      if (Status st = ledger_.db->sync_wal(); !st.ok()) {
        failed = true;
        control_.fail(std::move(st));
      }
    }
    for (GroupWork& w : ready)
      for (JobPtr& j : w.jobs)
        if (failed || out_.send(std::move(j)) != ChannelStatus::kOk) failed = true;
    ready.clear();
  }
  out_.close();
}

void CommitStage::checkpoint() {
  if (!ledger_.checkpointer) return;
  bool due = false;
  while (checkpoints_.recv(due) == ChannelStatus::kOk) {
    if (Status st = ledger_.checkpointer->checkpoint(); !st.ok()) {
      control_.fail(std::move(st));
      return;
    }
  }
}

}  // namespace orderflow
