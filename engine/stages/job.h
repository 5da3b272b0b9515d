#pragma once
// Job: a batch on its way through the pipeline's stages, with what the router
// adds; Slice: the part of a job one applier applies. One stage owns a job at
// a time (it moves through channels as a JobPtr), except that the appliers of
// its slices share it: each applies only its own route[begin, end) (and the
// owners of a basket over several owners share its BasketVote, which is made
// for that), and the one that brings `pending` to zero passes the job on.
// Thread-compatible.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "data/model/batch.h"
#include "engine/basket_vote.h"

namespace orderflow {

struct Job {
  Batch batch;
  std::vector<std::uint32_t> route;       // indices of records to apply, grouped by owner
  std::atomic<std::uint32_t> pending{0};  // slices not yet applied
  // The baskets that span several owners (sharded store), by record index
  // ascending: engine/basket_vote.h. Written by the router before the slices
  // are sent; reset by it (vote_count = 0) for each batch, kept allocated
  // across recycling.
  std::unique_ptr<BasketVote[]> votes;
  std::uint32_t vote_count = 0;
  std::uint32_t vote_capacity = 0;

  // Appends a vote for basket `record` over `owners` owners; votes of earlier
  // records keep their values (they may be moved to a bigger array).
  BasketVote& add_vote(std::uint32_t record, std::uint32_t owners) {
    if (vote_count == vote_capacity) {
      const std::uint32_t bigger = std::max<std::uint32_t>(16, vote_capacity * 2);
      std::unique_ptr<BasketVote[]> grown(new BasketVote[bigger]);
      for (std::uint32_t i = 0; i < vote_count; ++i)
        grown[i].reset(votes[i].record, votes[i].votes_left.load(std::memory_order_relaxed));
      votes = std::move(grown);
      vote_capacity = bigger;
    }
    BasketVote& v = votes[vote_count++];
    v.reset(record, owners);
    return v;
  }
};
using JobPtr = std::shared_ptr<Job>;

// route[begin, end) of a job: records one applier applies, in order.
struct Slice {
  JobPtr job;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

}  // namespace orderflow
