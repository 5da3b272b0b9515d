#pragma once
// OrderIndex: every order id the run must remember (for duplicate_id and for
// reverse), with what a reversal needs to know about that order.
//
// Ids live in an arena of large chunks (entries never move, so an OrderEntry*
// stays valid for the index's life); a compact open-addressing table of 8-byte
// slots (32-bit hash tag + 32-bit arena reference) finds them. Records without
// ids cost nothing here. Memory grows only with the ids remembered: about
// 12 bytes of entry header + the id rounded up to 4 bytes + ~11-21 bytes of table.
//
// Thread-safety: find/insert are not thread-safe (one thread runs the index,
// in seq order). An entry's `state` may be read and written by other threads
// through load_state/store_state/cas_state (atomic); its other fields are
// written once, before the entry is handed to any other thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "data/model/order.h"

namespace orderflow {

struct OrderEntry {
  std::uint32_t product;   // catalog index; kNoProduct if the order was rejected at decode;
                           // kBasketProduct: a basket, whose `amount` items follow the id
  std::uint32_t amount;    // 1..kAmountMax when product is set (a basket: its item count)
  std::uint8_t state;      // OrderState: use the atomic accessors below
  std::uint8_t id_len;     // 1..kIdBytesMax
  std::uint16_t unused;
  // The id's bytes follow the entry in the arena.

  std::string_view id() const { return {reinterpret_cast<const char*>(this + 1), id_len}; }
  bool is_basket() const { return product == kBasketProduct; }
  // A basket's items, in item order (REQUIRES: is_basket()); `amount` of them.
  const StockItem* items() const {
    return reinterpret_cast<const StockItem*>(reinterpret_cast<const char*>(this + 1) + ((id_len + 3u) & ~3u));
  }

  OrderState load_state() const {
    return static_cast<OrderState>(
        std::atomic_ref<std::uint8_t>(const_cast<std::uint8_t&>(state)).load(std::memory_order_acquire));
  }
  void store_state(OrderState s) {
    std::atomic_ref<std::uint8_t>(state).store(static_cast<std::uint8_t>(s), std::memory_order_release);
  }
  // Moves the state from `expected` to `desired` once; on failure `expected` holds what was there.
  bool cas_state(OrderState& expected, OrderState desired) {
    auto e = static_cast<std::uint8_t>(expected);
    bool ok = std::atomic_ref<std::uint8_t>(state).compare_exchange_strong(
        e, static_cast<std::uint8_t>(desired), std::memory_order_acq_rel, std::memory_order_acquire);
    expected = static_cast<OrderState>(e);
    return ok;
  }
};
static_assert(sizeof(OrderEntry) == 12);

class OrderIndex {
 public:
  OrderIndex();
  ~OrderIndex();
  OrderIndex(const OrderIndex&) = delete;
  OrderIndex& operator=(const OrderIndex&) = delete;

  // The entry for `id` (whose hash_bytes() is `hash`), or nullptr.
  OrderEntry* find(std::string_view id, std::uint64_t hash) const;

  // Adds `id` with the given fields unless it is there already. Returns the
  // entry and whether it was added. REQUIRES: 1 <= id.size() <= kIdBytesMax.
  std::pair<OrderEntry*, bool> insert(std::string_view id, std::uint64_t hash, std::uint32_t product,
                                      std::uint32_t amount, OrderState state);
  // The same for a basket: its `count` items are copied after the id (8 bytes
  // each), so that a reversal in a later batch can give every item back.
  // REQUIRES: 1 <= count <= kItemsMax.
  std::pair<OrderEntry*, bool> insert_basket(std::string_view id, std::uint64_t hash, const StockItem* items,
                                             std::uint32_t count, OrderState state);

  // Hints the CPU to fetch the table slot `hash` starts at (batch look-ups).
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(&slots_[(hash >> 32) >> shift_]);
  }

  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const;  // table + arena, as allocated

 private:
  static constexpr unsigned kChunkUnitsLog2 = 20;  // 4 MiB chunks of 4-byte units
  OrderEntry* entry(std::uint32_t ref) const;
  std::pair<OrderEntry*, bool> insert_entry(std::string_view id, std::uint64_t hash, std::uint32_t product,
                                            std::uint32_t amount, OrderState state, const StockItem* items);
  std::uint32_t allocate(std::size_t bytes);
  void grow();

  std::vector<std::uint64_t> slots_;  // (tag << 32) | (ref + 1); 0 = empty
  unsigned shift_ = 0;                // position = tag >> shift_
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<std::uint32_t[]>> chunks_;
  std::uint32_t used_units_ = 0;      // in the last chunk
};

}  // namespace orderflow
