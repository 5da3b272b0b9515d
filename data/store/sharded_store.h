#pragma once
// ShardedStore: each product is owned by one worker (owner_of(p, shards)); the
// Go app's "one goroutine owns the data, the others talk to it over a channel".
// Plain integers and no locks: correctness comes from ownership, not from
// synchronisation. Each shard's stock is its own allocation, so owners never
// share a cache line.
//
// Thread-safety: REQUIRES that product p is only touched by one thread at a
// time, with a happens-before edge (a channel hand-off, a join) between owners.
#include <vector>

#include "data/store/product_store.h"

namespace orderflow {

class ShardedStore final : public ProductStoreBase<ShardedStore> {
 public:
  ShardedStore(const std::vector<std::int64_t>& initial, std::size_t shards);
  StoreKind kind() const override { return StoreKind::kSharded; }
  TakeResult take(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    std::int64_t& s = slot(p);
    if (s < amount) return {false, s};
    std::int64_t before = s;
    s -= amount;
    return {true, before};
  }
  void give_back(std::uint32_t p, std::int64_t amount) override {
    ORDERFLOW_REQUIRE(p < size() && amount >= 1);
    slot(p) += amount;
  }
  std::int64_t stock(std::uint32_t p) const override {
    ORDERFLOW_REQUIRE(p < size());
    return const_cast<ShardedStore*>(this)->slot(p);
  }
  std::size_t size() const override { return size_; }

 private:
  std::int64_t& slot(std::uint32_t p) { return shards_[p % shard_count_].stock[p / shard_count_]; }
  struct alignas(64) Shard {
    std::vector<std::int64_t> stock;
  };
  std::vector<Shard> shards_;
  std::size_t shard_count_;
  std::size_t size_;
};

}  // namespace orderflow
