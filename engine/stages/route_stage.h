#pragma once
// RouteStage (1 thread): takes decoded batches back into input order, runs the
// order-index half of the ledger on them (data/ledger/ledger.h resolve) in seq
// order, and splits each batch's remaining records by owner into slices, one
// per applier channel. With one channel (shared stores) every record goes to it.
// A basket whose items belong to several owners goes to each of them, with
// one BasketVote in the job (engine/basket_vote.h).
// A batch with nothing left to apply still goes out, as one empty slice, so
// that an applier formats and counts it. The router decides the cut of a hard
// stop or deadline (cut()): it is the one stage that sees batches in order.
//
// With a durable ledger, the ids of a batch that the order index does not know
// are looked up in `prior` together, before the batch is resolved
// (data/ledger/ledger.h fetch_prior); a failed look-up fails the run before
// the batch goes on.
//
// --strict: the first invalid_record ends the batch before it, closes intake
// and says why (strict_failed(), strict_status()); later batches are dropped.
// When run() returns, the caller closes the applier channels.
//
// Thread-safety: run() on one thread, once; strict_*() after it returned.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/ledger/ledger.h"
#include "data/ledger/order_index.h"
#include "data/model/summary.h"
#include "engine/channel.h"
#include "engine/stages/job.h"
#include "engine/stages/run_control.h"

namespace orderflow {

class RouteStage {
 public:
  // Everything passed must outlive the stage; appliers keep pointers into
  // `index` until they are joined. `names` are the input names (error texts).
  // `prior` may be null (no durable ledger, or one without orders).
  RouteStage(const Catalog& catalog, const std::vector<std::string>& names, bool strict, PriorOrders* prior,
             OrderIndex& index, RunControl& control, Channel<JobPtr>& in,
             std::vector<std::unique_ptr<Channel<Slice>>>& out)
      : catalog_(catalog), names_(names), strict_(strict), prior_(prior), index_(index), control_(control),
        in_(in), out_(out) {}

  void run();

  bool strict_failed() const { return strict_failed_; }
  // The cut of a hard stop or deadline: the first record of the first batch
  // routed after run() ended. Every batch before it is applied whole, every
  // one from it on cancelled (a contiguous Cancelled tail). After run().
  const std::optional<ResumePoint>& cut() const { return cut_; }
  const Status& strict_status() const { return strict_status_; }

 private:
  // Resolves a job's records in seq order and lays out job.route grouped by
  // owner; offsets_[k]..offsets_[k+1] is owner k's part. False when --strict
  // stops the run here.
  bool route(Job& job);
  // The owner of every item of basket r (record i): one owner, or
  // kSeveralOwners with (i, owner) for each distinct owner appended to spans_.
  std::uint32_t basket_owners(const Batch& b, const Record& r, std::uint32_t i);
  // Sends the job's slices. False when a channel is closed (the run failed).
  bool send(JobPtr job);

  const Catalog& catalog_;
  const std::vector<std::string>& names_;
  const bool strict_;
  PriorOrders* const prior_;
  OrderIndex& index_;
  RunControl& control_;
  Channel<JobPtr>& in_;
  std::vector<std::unique_ptr<Channel<Slice>>>& out_;
  std::vector<std::uint32_t> owner_, offsets_;  // scratch for route()
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans_;  // scratch: (record, owner) of multi-owner baskets
  bool strict_failed_ = false;
  Status prior_status_;  // the last fetch_prior(): not ok fails the run
  std::optional<ResumePoint> cut_;
  Status strict_status_;
};

}  // namespace orderflow
