#include "engine/stages/apply_stage.h"

#include "data/codec/result_format.h"
#include "data/ledger/apply_queue.h"
#include "data/ledger/ledger.h"
#include "engine/basket_vote.h"

namespace orderflow {

ApplyStage::ApplyStage(const Catalog& catalog, const std::vector<std::string>& names, bool format_results,
                       ResultFormat result_format, std::size_t threads, ProductStore& store, OrderIndex& index,
                       RunControl& control,
                       std::vector<std::unique_ptr<Channel<Slice>>>& in, Channel<JobPtr>& out)
    : catalog_(catalog),
      names_(names),
      format_results_(format_results),
      result_format_(result_format),
      threads_(threads),
      store_(store),
      index_(index),
      control_(control),
      in_(in),
      out_(out),
      signal_(control.failed_flag()),
      partials_(new Partial[threads]),
      left_(threads) {
  for (std::size_t k = 0; k < threads; ++k) partials_[k].stats = Stats(catalog.size());
}

void ApplyStage::apply_slice(const Slice& s, BasketOwner& owner, ApplyQueue& queue) {
  Batch& b = s.job->batch;
  // The router routes only batches before the cut: they are applied whole,
  // even after a hard stop, so that the cancelled records are a contiguous
  // tail. Only a failure stops applying (nothing is exact then).
  bool cancelled = control_.failed();
  Job& routed = *s.job;
  std::uint32_t next_vote = 0;  // job.votes are by record index, as the slice is
  for (std::uint32_t i = s.begin; i < s.end; ++i) {
    const std::uint32_t index_in_batch = routed.route[i];
    Record& r = b.records[index_in_batch];
    if (r.is_basket() && routed.vote_count > 0) {
      while (next_vote < routed.vote_count && routed.votes[next_vote].record < index_in_batch) ++next_vote;
      if (next_vote < routed.vote_count && routed.votes[next_vote].record == index_in_batch) {
        // A basket over several owners: this owner's part of the vote, on the store itself.
        flush(queue);
        VotePhase outcome = owner.vote(routed.votes[next_vote], r, b.items_of(r), cancelled, control_.cancel_reason());
        if (outcome == VotePhase::kCancelled) cancelled = true;  // the run is being cut: so is the rest
        continue;
      }
    }
    if (cancelled) {
      cancel(r, index_, control_.cancel_reason());
      continue;
    }
    if (!owner.settled()) {
      flush(queue);  // before_apply may read the store
      owner.before_apply(r, b.items, [this] { return control_.cancel_reason(); });
    }
    // A reverse whose order another applier has not applied yet (shared
    // stores only); that order is before this one, so it is routed too, and
    // its applier publishes on signal_ when it has written it. Blocks until
    // then: no spinning. No deadlock: on kRetry the queue has been flushed
    // (so nobody waits for a place held here), and each applier waits only
    // for a record before its own, so the earliest waited-for one is applied.
    std::uint32_t seen = signal_.epoch();
    while (queue.add(r, b.items) == ApplyResult::kRetry) {
      publish_written(queue);  // add() flushed places another applier may wait for: never wait unpublished
      if (control_.failed()) {
        cancel(r, index_, control_.cancel_reason());
        break;
      }
      signal_.wait(seen);
      seen = signal_.epoch();
    }
  }
  // The slice's last operations: decided before the batch is handed on.
  flush(queue);
}

void ApplyStage::flush(ApplyQueue& queue) {
  if (!queue.flush().ok()) control_.fail(queue.status());
  publish_written(queue);
}

void ApplyStage::publish_written(ApplyQueue& queue) {
  // Also what add() wrote by itself since the last publish (a full queue):
  // a reverse elsewhere may wait for one of those orders.
  if (queue.take_written()) signal_.publish();
}

void ApplyStage::finish(JobPtr job, ResultFormatter& formatter, Partial& partial) {
  Batch& b = job->batch;
  const Reason why = control_.cancel_reason();
  for (Record& r : b.records)
    if (!r.decided) cancel(r, index_, why);  // only after a hard stop
  {
    MutexLock lock(partial.mu);
    for (const Record& r : b.records) partial.stats.count(r, b.items);
  }
  if (format_results_) formatter.format(b, b.out);
  out_.send(std::move(job));
}

void ApplyStage::run(std::size_t k) {
  Channel<Slice>& in = *in_[in_.size() == 1 ? 0 : k];
  ResultFormatter formatter(catalog_, names_, result_format_);
  BasketOwner owner(store_, index_, catalog_, k, in_.size(), signal_);  // sharded: k's votes
  ApplyQueue queue(store_, index_, catalog_);
  Slice s;
  while (in.recv(s) == ChannelStatus::kOk) {
    apply_slice(s, owner, queue);
    owner.settle(control_.cancel_reason());  // the votes live in the job: read before it is handed on
    JobPtr job = std::move(s.job);
    if (job->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(std::move(job), formatter, partials_[k]);
  }
  if (left_.fetch_sub(1) == 1) out_.close();
}

Stats ApplyStage::snapshot() const {
  Stats total(catalog_.size());
  for (std::size_t k = 0; k < threads_; ++k) {
    MutexLock lock(partials_[k].mu);
    total.merge(partials_[k].stats);
  }
  return total;
}

std::uint64_t ApplyStage::records_done() const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < threads_; ++k) {
    MutexLock lock(partials_[k].mu);
    n += partials_[k].stats.records;
  }
  return n;
}

}  // namespace orderflow
