#include "data/store/product_store.h"

#include "data/store/atomic_store.h"
#include "data/store/check_then_act_store.h"
#include "data/store/mutex_store.h"
#include "data/store/sharded_store.h"
#include "data/store/striped_store.h"

namespace orderflow {

std::string_view to_string(StoreKind kind) { return enum_name(kStoreKinds, kind); }

std::optional<StoreKind> parse_store_kind(std::string_view name) { return enum_value(kStoreKinds, name); }

BasketTake ProductStore::take_all(const StockItem* items, std::size_t n) {
  ORDERFLOW_REQUIRE(n >= 1 && n <= kItemsMax);
  for (std::size_t i = 0; i < n; ++i) {
    TakeResult t = take(items[i].product, items[i].amount);
    if (t.ok) continue;
    // Release what was taken, latest first.
    for (std::size_t j = i; j-- > 0;) give_back(items[j].product, items[j].amount);
    return {false, static_cast<std::uint32_t>(i), t.stock_seen};
  }
  return {true, 0, 0};
}

std::unique_ptr<ProductStore> make_store(StoreKind kind, const std::vector<std::int64_t>& initial,
                                         std::size_t shards) {
  switch (kind) {
    case StoreKind::kSharded: return std::make_unique<ShardedStore>(initial, shards);
    case StoreKind::kMutex: return std::make_unique<MutexStore>(initial);
    case StoreKind::kStriped: return std::make_unique<StripedStore>(initial);
    case StoreKind::kAtomic: return std::make_unique<AtomicStore>(initial);
    case StoreKind::kCheckThenAct: return std::make_unique<CheckThenActStore>(initial);
  }
  return nullptr;
}

}  // namespace orderflow
