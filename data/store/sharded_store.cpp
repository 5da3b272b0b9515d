#include "data/store/sharded_store.h"

namespace orderflow {

ShardedStore::ShardedStore(const std::vector<std::int64_t>& initial, std::size_t shards)
    : shards_(shards == 0 ? 1 : shards), shard_count_(shards == 0 ? 1 : shards), size_(initial.size()) {
  for (std::size_t p = 0; p < initial.size(); ++p) shards_[p % shard_count_].stock.push_back(initial[p]);
}

}  // namespace orderflow
