#pragma once
// ApplyStage: the pool of appliers. Applier k takes slices from its channel
// (its own with the sharded store, one shared channel otherwise) and applies
// their records to the store (data/ledger/ledger.h apply), in slice order,
// through an ApplyQueue (data/ledger/apply_queue.h): the store sees one
// ProductStore::write() per slice (more only where a basket vote or a reverse
// of an order queued in the same slice needs the store's answer first). A
// write that fails fails the run (RunControl::fail) with its Status.
// The applier that finishes a job's last slice cancels what a hard stop left
// undecided, counts the batch into its own partial Stats, formats the results
// (when there is an output) and sends the job down `out`, in completion order.
// A basket over several owners is voted on by each of them (engine/basket_vote.h):
// applier k's BasketOwner, which settles k's votes before each slice's job is
// handed on.
// Only a failure (RunControl::failed) stops applying: after a hard stop the
// router cancels from the cut on, and every slice before it is applied whole.
// Results are formatted here rather than in the writer because it is, after
// parsing, the largest per-record cost: here it runs on all the workers. The
// last applier to finish closes `out`.
//
// Thread-safety: run(k) once for each k < threads, each on its own thread;
// snapshot() and records_done() from any thread, at any time.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/codec/result_format.h"
#include "data/ledger/apply_queue.h"
#include "data/ledger/order_index.h"
#include "data/model/stats.h"
#include "data/store/product_store.h"
#include "engine/basket_vote.h"
#include "engine/channel.h"
#include "engine/outcome_signal.h"
#include "engine/stages/job.h"
#include "engine/stages/run_control.h"
#include "engine/thread_annotations.h"

namespace orderflow {

class ApplyStage {
 public:
  // Everything passed must outlive the stage. `in` has one channel per applier
  // or one shared by all. REQUIRES: threads >= 1.
  ApplyStage(const Catalog& catalog, const std::vector<std::string>& names, bool format_results,
             ResultFormat result_format, std::size_t threads, ProductStore& store, OrderIndex& index,
             RunControl& control,
             std::vector<std::unique_ptr<Channel<Slice>>>& in, Channel<JobPtr>& out);

  void run(std::size_t k);

  // Statistics of the records finished so far. Thread-safe.
  Stats snapshot() const;
  std::uint64_t records_done() const;

  // Wakes every applier waiting for another's outcome. After RunControl::fail
  // (Pipeline registers it with on_fail), so that none waits for a peer that
  // will never come. Thread-safe.
  void wake() { signal_.publish(); }

 private:
  // One applier's partial statistics. Locked once per batch, so snapshot() can read it.
  struct alignas(64) Partial {
    mutable Mutex mu;
    Stats stats GUARDED_BY(mu);
  };
  void apply_slice(const Slice& s, BasketOwner& owner, ApplyQueue& queue);  // as the owner's applier
  void flush(ApplyQueue& queue);  // queue.flush(), then publish_written(); a failure fails the run
  // Publishes on signal_ when the queue wrote since the last publish. Every
  // path that stops this applier (a wait in the retry loop, a vote, the
  // slice's end) calls it first, so no write another waits for goes unpublished.
  void publish_written(ApplyQueue& queue);
  void finish(JobPtr job, ResultFormatter& formatter, Partial& partial);

  const Catalog& catalog_;
  const std::vector<std::string>& names_;
  const bool format_results_;
  const ResultFormat result_format_;
  const std::size_t threads_;
  ProductStore& store_;
  OrderIndex& index_;  // the router's: appliers read and write order states (thread-safe)
  RunControl& control_;  // fail(): a store's write() failed
  std::vector<std::unique_ptr<Channel<Slice>>>& in_;
  Channel<JobPtr>& out_;
  OutcomeSignal signal_;  // outcomes other appliers may wait for: orders decided, votes decided
  std::unique_ptr<Partial[]> partials_;
  std::atomic<std::size_t> left_;  // applier threads still running
};

}  // namespace orderflow
