#pragma once
// OrderIndex: every order id the run must remember (for duplicate_id and for
// reverse), with what a reversal needs to know about that order.
//
// Ids live in an arena of large chunks (entries never move, so an OrderRef
// stays valid for the index's life); a compact open-addressing table of 8-byte
// slots (32-bit hash tag + 32-bit arena reference) finds them. Records without
// ids cost nothing here. Memory grows only with the ids remembered: about
// 12 bytes of entry header + the id rounded up to 4 bytes + ~11-21 bytes of table.
//
// Thread-safety: find/insert are not thread-safe (one thread runs the index,
// in seq order). An order's state may be read and written by other threads
// through state/set_state/cas_state (atomic); what view() shows is written
// once, before the OrderRef is handed to any other thread.
// Errors: none (memory only; an allocation failure throws std::bad_alloc).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "data/base/require.h"
#include "data/model/order.h"

namespace orderflow {

// What the index keeps of an order besides its state: written once, when the
// id is taken, and never changed. Valid as long as the index.
struct OrderView {
  std::string_view id;
  std::uint32_t product = kNoProduct;  // kNoProduct: rejected at decode; kBasketProduct: a basket
  std::uint32_t amount = 0;            // 1..kAmountMax when product is set (a basket: its item count)
  const StockItem* items = nullptr;    // a basket's `amount` items, in item order; else null
  bool is_basket() const { return product == kBasketProduct; }
};

class OrderIndex {
 public:
  OrderIndex();
  ~OrderIndex();
  OrderIndex(const OrderIndex&) = delete;
  OrderIndex& operator=(const OrderIndex&) = delete;

  // The order `id` (whose hash_bytes() is `hash`) names, or OrderRef{}.
  OrderRef find(std::string_view id, std::uint64_t hash) const;

  // Adds `id` with the given fields unless it is there already. Returns its
  // order and whether it was added (false: the existing one, unchanged).
  // REQUIRES: 1 <= id.size() <= kIdBytesMax; amount <= kAmountMax.
  std::pair<OrderRef, bool> insert(std::string_view id, std::uint64_t hash, std::uint32_t product,
                                   std::uint32_t amount, OrderState state);
  // The same for a basket: its `count` items are copied after the id (8 bytes
  // each), so that a reversal in a later batch can give every item back.
  // REQUIRES: 1 <= count <= kItemsMax.
  std::pair<OrderRef, bool> insert_basket(std::string_view id, std::uint64_t hash, const StockItem* items,
                                          std::uint32_t count, OrderState state);

  // What the order's id took. REQUIRES: `o` came from this index.
  OrderView view(OrderRef o) const {
    ORDERFLOW_REQUIRE(o);
    const Entry* e = entry_of(o);
    return {e->id(), e->product, e->amount, e->is_basket() ? e->items() : nullptr};
  }
  // The order's state. Thread-safe (atomic; acquire/release): appliers on
  // other threads read and write it while the router inserts.
  OrderState state(OrderRef o) const {
    ORDERFLOW_REQUIRE(o);
    return static_cast<OrderState>(std::atomic_ref<std::uint8_t>(entry_of(o)->state).load(std::memory_order_acquire));
  }
  void set_state(OrderRef o, OrderState s) {
    ORDERFLOW_REQUIRE(o);
    std::atomic_ref<std::uint8_t>(entry_of(o)->state).store(static_cast<std::uint8_t>(s), std::memory_order_release);
  }
  // Moves the state from `expected` to `desired` once; on failure `expected`
  // holds what was there. Thread-safe.
  bool cas_state(OrderRef o, OrderState& expected, OrderState desired) {
    ORDERFLOW_REQUIRE(o);
    auto e = static_cast<std::uint8_t>(expected);
    bool ok = std::atomic_ref<std::uint8_t>(entry_of(o)->state)
                  .compare_exchange_strong(e, static_cast<std::uint8_t>(desired), std::memory_order_acq_rel,
                                           std::memory_order_acquire);
    expected = static_cast<OrderState>(e);
    return ok;
  }

  // Hints the CPU to fetch the table slot `hash` starts at (batch look-ups).
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(&slots_[(hash >> 32) >> shift_]);
  }

  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const;  // table + arena, as allocated

 private:
  // An order in the arena: this header, then the id's bytes (a basket: padded
  // to 4, then its items). An OrderRef's bits are its address.
  struct Entry {
    std::uint32_t product;
    std::uint32_t amount;
    std::uint8_t state;  // OrderState, only through std::atomic_ref
    std::uint8_t id_len;
    std::uint16_t unused;
    std::string_view id() const { return {reinterpret_cast<const char*>(this + 1), id_len}; }
    bool is_basket() const { return product == kBasketProduct; }
    const StockItem* items() const {
      return reinterpret_cast<const StockItem*>(reinterpret_cast<const char*>(this + 1) + ((id_len + 3u) & ~3u));
    }
  };
  static_assert(sizeof(Entry) == 12);
  static Entry* entry_of(OrderRef o) { return reinterpret_cast<Entry*>(static_cast<std::uintptr_t>(o.bits())); }
  static OrderRef ref_of(const Entry* e) { return OrderRef::from_bits(reinterpret_cast<std::uintptr_t>(e)); }

  static constexpr unsigned kChunkUnitsLog2 = 20;  // 4 MiB chunks of 4-byte units
  Entry* entry(std::uint32_t ref) const;
  std::pair<OrderRef, bool> insert_entry(std::string_view id, std::uint64_t hash, std::uint32_t product,
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
