#pragma once
// DecodeStage: a pool of decoders (data/codec/decoder.h). Each thread decodes
// whatever batch comes next from `in` and sends it down `out`: any batch, any
// order (the router restores it). After run() ended, records are passed on
// undecoded (they will only be cancelled). The last decoder to finish closes `out`.
//
// Thread-safety: run() once on each of `threads` threads.
#include <atomic>
#include <cstddef>

#include "data/catalog/catalog.h"
#include "engine/channel.h"
#include "engine/stages/job.h"
#include "engine/stages/run_control.h"

namespace orderflow {

class DecodeStage {
 public:
  // Everything passed must outlive the stage. REQUIRES: threads >= 1.
  DecodeStage(const Catalog& catalog, std::size_t threads, const RunControl& control, Channel<JobPtr>& in,
              Channel<JobPtr>& out)
      : catalog_(catalog), control_(control), in_(in), out_(out), left_(threads) {}

  void run();

 private:
  const Catalog& catalog_;
  const RunControl& control_;
  Channel<JobPtr>& in_;
  Channel<JobPtr>& out_;
  std::atomic<std::size_t> left_;  // decoder threads still running
};

}  // namespace orderflow
