#pragma once
// BlockPool: input blocks for the reader, recycled. A block goes back to the
// pool when the last batch that points into it lets go of it (on whatever
// thread that is), so a long run reads into the same few blocks instead of
// allocating (and faulting in) fresh memory for every megabyte.
//
// Thread-safe. Blocks may outlive the pool object (their deleter keeps the
// pool's shared state alive); at most `keep_max` idle blocks are kept.
#include <cstddef>
#include <memory>
#include <vector>

#include "data/model/batch.h"
#include "engine/thread_annotations.h"

namespace orderflow {

class BlockPool {
 public:
  BlockPool(std::size_t block_bytes, std::size_t keep_max)
      : shared_(std::make_shared<Shared>(block_bytes, keep_max)) {}

  // A block of block_bytes bytes (contents unspecified). Never blocks except
  // on the pool's lock; allocates when no idle block is left.
  InputBlockRef get() {
    std::unique_ptr<char[]> bytes;
    {
      MutexLock lock(shared_->mu);
      if (!shared_->idle.empty()) {
        bytes = std::move(shared_->idle.back());
        shared_->idle.pop_back();
      }
    }
    if (!bytes) bytes.reset(new char[shared_->block_bytes]);
    auto* block = new InputBlock{std::move(bytes), shared_->block_bytes};
    return InputBlockRef(block, [shared = shared_](InputBlock* b) {
      {
        MutexLock lock(shared->mu);
        if (shared->idle.size() < shared->keep_max) shared->idle.push_back(std::move(b->data));
      }
      delete b;
    });
  }

 private:
  struct Shared {
    Shared(std::size_t bytes, std::size_t keep) : block_bytes(bytes), keep_max(keep) {}
    const std::size_t block_bytes;
    const std::size_t keep_max;
    Mutex mu;
    std::vector<std::unique_ptr<char[]>> idle GUARDED_BY(mu);
  };
  std::shared_ptr<Shared> shared_;
};

}  // namespace orderflow
