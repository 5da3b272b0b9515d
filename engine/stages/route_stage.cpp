#include "engine/stages/route_stage.h"

#include "data/codec/result_format.h"
#include "data/ledger/ledger.h"
#include "engine/stages/reorder.h"

namespace orderflow {

namespace {
constexpr std::uint32_t kSeveralOwners = UINT32_MAX - 1;  // a basket over several owners
}  // namespace

bool RouteStage::route(Job& job) {
  Batch& b = job.batch;
  const std::size_t shards = out_.size();
  const bool sharded = shards > 1;
  const bool cancelled = control_.run().done();
  const Reason why = cancelled ? control_.cancel_reason() : Reason::kNone;
  bool go_on = true;
  owner_.assign(b.records.size(), UINT32_MAX);
  std::vector<std::uint32_t>& count = offsets_;
  count.assign(shards, 0);
  job.vote_count = 0;
  spans_.clear();
  // The order index is the run's largest table: fetch the batch's slots into
  // cache all at once, so their misses overlap instead of coming one by one.
  if (!cancelled) {
    for (const Record& r : b.records)
      if (!r.id.empty()) index_.prefetch(r.id_hash);
  }
  // The batch's ids that only a durable ledger knows: looked up together
  // before any record is resolved (the index then answers alone).
  if (!cancelled && prior_) {
    prior_status_ = fetch_prior(b, index_, *prior_);
    if (!prior_status_.ok()) return go_on;  // nothing resolved: run() fails the run
  }
  if (cancelled && !cut_ && !b.records.empty()) {
    const Record& first = b.records.front();
    cut_ = ResumePoint{names_[b.file], first.line, first.seq, b.first_offset};
  }
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    Record& r = b.records[i];
    if (cancelled) {
      cancel(r, index_, why);
      continue;
    }
    if (strict_ && r.reason == Reason::kInvalidRecord) {
      ResultFormatter formatter(catalog_, names_);
      strict_failed_ = true;
      strict_status_ = Status::InvalidArgument(formatter.error_text(b, r) + " (--strict)");
      b.records.resize(i);
      go_on = false;
      break;
    }
    if (resolve(r, index_, b.items)) {
      std::uint32_t k = 0;
      if (sharded && r.is_basket()) k = basket_owners(b, r, static_cast<std::uint32_t>(i));
      else if (sharded) k = static_cast<std::uint32_t>(owner_of(r.product, shards));
      if (k == kSeveralOwners) {
        job.add_vote(static_cast<std::uint32_t>(i), 0);
        std::uint32_t n = 0;
        for (std::size_t j = spans_.size(); j-- > 0 && spans_[j].first == i;) {
          ++count[spans_[j].second];
          ++n;
        }
        job.votes[job.vote_count - 1].reset(static_cast<std::uint32_t>(i), n);
      } else {
        ++count[k];
      }
      owner_[i] = k;
    }
  }
  // Counting sort of the routed records by owner, keeping seq order within
  // each; a basket over several owners goes to each of them.
  std::vector<std::uint32_t> start(shards + 1, 0);
  for (std::size_t k = 0; k < shards; ++k) start[k + 1] = start[k] + count[k];
  job.route.resize(start[shards]);
  std::vector<std::uint32_t> at(start.begin(), start.end() - 1);
  std::size_t next_span = 0;
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    if (owner_[i] == kSeveralOwners) {
      for (; next_span < spans_.size() && spans_[next_span].first == i; ++next_span)
        job.route[at[spans_[next_span].second]++] = static_cast<std::uint32_t>(i);
    } else if (owner_[i] != UINT32_MAX) {
      job.route[at[owner_[i]]++] = static_cast<std::uint32_t>(i);
    }
  }
  offsets_.assign(start.begin(), start.end());
  return go_on;
}

std::uint32_t RouteStage::basket_owners(const Batch& b, const Record& r, std::uint32_t i) {
  const std::size_t shards = out_.size();
  const Item* items = b.items_of(r);
  const auto first = static_cast<std::uint32_t>(owner_of(items[0].product, shards));
  std::size_t from = spans_.size();
  for (std::uint16_t k = 1; k < r.items.count; ++k) {
    const auto o = static_cast<std::uint32_t>(owner_of(items[k].product, shards));
    if (o == first) continue;
    if (spans_.size() == from) spans_.emplace_back(i, first);
    bool known = false;
    for (std::size_t j = from; j < spans_.size(); ++j) known |= spans_[j].second == o;
    if (!known) spans_.emplace_back(i, o);
  }
  return spans_.size() == from ? first : kSeveralOwners;
}

bool RouteStage::send(JobPtr j) {
  const std::size_t shards = out_.size();
  std::uint32_t n = 0;
  for (std::size_t k = 0; k < shards; ++k) n += offsets_[k + 1] > offsets_[k] ? 1 : 0;
  if (n == 0) {
    // Nothing to apply: one empty slice lets an applier format the batch.
    j->pending.store(1, std::memory_order_relaxed);
    std::size_t k = j->batch.index % shards;
    return out_[k]->send(Slice{std::move(j), 0, 0}) == ChannelStatus::kOk;
  }
  j->pending.store(n, std::memory_order_relaxed);
  for (std::size_t k = 0; k < shards; ++k) {
    if (offsets_[k + 1] == offsets_[k]) continue;
    if (out_[k]->send(Slice{j, offsets_[k], offsets_[k + 1]}) != ChannelStatus::kOk) return false;
  }
  return true;
}

void RouteStage::run() {
  Reorder<JobPtr> order;
  bool stopped = false;
  JobPtr job;
  while (in_.recv(job) == ChannelStatus::kOk) {
    const std::uint64_t i = job->batch.index;
    const bool more = order.push(i, std::move(job), [&](JobPtr j) {
      if (stopped) return true;  // after a --strict failure nothing more is applied or written
      if (!route(*j)) {
        stopped = true;
        control_.close_intake();
      }
      if (!prior_status_.ok()) {
        control_.fail(prior_status_);  // a look-up failed: this batch cannot be decided
        return false;
      }
      return send(std::move(j));
    });
    if (!more) return;
  }
}

}  // namespace orderflow
