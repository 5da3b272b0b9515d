#pragma once
// ProductIndex: product id -> dense catalog index, built once from the catalog.
//
// An open-addressing table of (hash, index) pairs at most half full; the keys
// are views into the catalog's own strings, which must outlive the index.
// Immutable after construction, so lookups are thread-safe.
#include <cstdint>
#include <string_view>
#include <vector>

#include "data/hash.h"
#include "data/order.h"

namespace orderflow {

class ProductIndex {
 public:
  ProductIndex() = default;

  // REQUIRES: ids are distinct and outlive this index.
  explicit ProductIndex(const std::vector<std::string_view>& ids) : ids_(ids) {
    std::size_t cap = 8;
    while (cap < ids.size() * 2) cap *= 2;
    mask_ = cap - 1;
    slots_.assign(cap, Slot{0, kNoProduct});
    for (std::uint32_t i = 0; i < ids.size(); ++i) {
      std::uint64_t h = hash_bytes(ids[i]);
      std::size_t pos = h & mask_;
      while (slots_[pos].index != kNoProduct) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{h, i};
    }
  }

  // The index of `id`, or kNoProduct. Never allocates. Thread-safe.
  std::uint32_t find(std::string_view id) const {
    if (slots_.empty()) return kNoProduct;
    std::uint64_t h = hash_bytes(id);
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.index == kNoProduct) return kNoProduct;
      if (s.hash == h && ids_[s.index] == id) return s.index;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash;
    std::uint32_t index;
  };
  std::vector<std::string_view> ids_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

}  // namespace orderflow
