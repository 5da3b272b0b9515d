#include "data/ledger/order_index.h"

#include <cstring>

namespace orderflow {

namespace {
constexpr unsigned kInitialLog2 = 10;
constexpr std::uint32_t kChunkUnits = 1u << 20;
}  // namespace

OrderIndex::OrderIndex() : slots_(std::size_t{1} << kInitialLog2, 0), shift_(32 - kInitialLog2) {}
OrderIndex::~OrderIndex() = default;

OrderIndex::Entry* OrderIndex::entry(std::uint32_t ref) const {
  return reinterpret_cast<Entry*>(chunks_[ref >> kChunkUnitsLog2].get() + (ref & (kChunkUnits - 1)));
}

std::uint32_t OrderIndex::allocate(std::size_t bytes) {
  auto units = static_cast<std::uint32_t>((bytes + 3) / 4);
  if (chunks_.empty() || used_units_ + units > kChunkUnits) {
    // Chunks are not zeroed: pages are touched only as entries fill them.
    chunks_.emplace_back(new std::uint32_t[kChunkUnits]);
    used_units_ = 0;
  }
  auto ref = static_cast<std::uint32_t>(((chunks_.size() - 1) << kChunkUnitsLog2) | used_units_);
  used_units_ += units;
  return ref;
}

OrderRef OrderIndex::find(std::string_view id, std::uint64_t hash) const {
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t pos = tag >> shift_;; pos = (pos + 1) & mask) {
    std::uint64_t s = slots_[pos];
    if (s == 0) return OrderRef{};
    if (static_cast<std::uint32_t>(s >> 32) == tag) {
      const Entry* e = entry(static_cast<std::uint32_t>(s) - 1);
      if (e->id() == id) return ref_of(e);
    }
  }
}

std::pair<OrderRef, bool> OrderIndex::insert(std::string_view id, std::uint64_t hash,
                                                std::uint32_t product, std::uint32_t amount,
                                                OrderState state) {
  ORDERFLOW_REQUIRE(amount <= kAmountMax);
  return insert_entry(id, hash, product, amount, state, nullptr);
}

std::pair<OrderRef, bool> OrderIndex::insert_basket(std::string_view id, std::uint64_t hash,
                                                       const StockItem* items, std::uint32_t count,
                                                       OrderState state) {
  ORDERFLOW_REQUIRE(count >= 1 && count <= kItemsMax && items != nullptr);
  return insert_entry(id, hash, kBasketProduct, count, state, items);
}

std::pair<OrderRef, bool> OrderIndex::insert_entry(std::string_view id, std::uint64_t hash,
                                                      std::uint32_t product, std::uint32_t amount,
                                                      OrderState state, const StockItem* items) {
  ORDERFLOW_REQUIRE(!id.empty() && id.size() <= kIdBytesMax);
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  const std::size_t mask = slots_.size() - 1;
  std::size_t pos = tag >> shift_;
  for (;; pos = (pos + 1) & mask) {
    std::uint64_t s = slots_[pos];
    if (s == 0) break;
    if (static_cast<std::uint32_t>(s >> 32) == tag) {
      const Entry* e = entry(static_cast<std::uint32_t>(s) - 1);
      if (e->id() == id) return {ref_of(e), false};
    }
  }
  const std::size_t id_units = (id.size() + 3) / 4 * 4;
  std::uint32_t ref = allocate(sizeof(Entry) + (items ? id_units + amount * sizeof(StockItem) : id.size()));
  Entry* e = entry(ref);
  e->product = product;
  e->amount = amount;
  e->state = static_cast<std::uint8_t>(state);
  e->id_len = static_cast<std::uint8_t>(id.size());
  e->unused = 0;
  std::memcpy(e + 1, id.data(), id.size());
  if (items) std::memcpy(const_cast<StockItem*>(e->items()), items, amount * sizeof(StockItem));
  slots_[pos] = (std::uint64_t{tag} << 32) | (std::uint64_t{ref} + 1);
  ++size_;
  return {ref_of(e), true};
}

void OrderIndex::grow() {
  std::vector<std::uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  --shift_;
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t s : old) {
    if (s == 0) continue;
    std::size_t pos = static_cast<std::uint32_t>(s >> 32) >> shift_;
    while (slots_[pos] != 0) pos = (pos + 1) & mask;
    slots_[pos] = s;
  }
}

std::size_t OrderIndex::memory_bytes() const {
  return slots_.size() * sizeof(std::uint64_t) + chunks_.size() * kChunkUnits * 4;
}

}  // namespace orderflow
