#pragma once
// ProductIndex: product id -> dense catalog index, built once from the catalog.
//
// Compact on purpose (catalogs may hold 100,000s of products and every record
// does one lookup): the ids are copied into one contiguous arena, and an
// open-addressing table, at most half full, holds 8-byte slots (a 32-bit hash
// tag and the index). A lookup touches one slot and the id's bytes.
// Immutable after construction, so lookups are thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/hash.h"
#include "data/model/order.h"

namespace orderflow {

class ProductIndex {
 public:
  ProductIndex() = default;

  // Indexes ids[i] as i. If two ids are equal, *duplicate (when given) is set
  // to the index of the later one and the index keeps the first.
  explicit ProductIndex(const std::vector<std::string_view>& ids, std::optional<std::size_t>* duplicate = nullptr) {
    std::size_t bytes = 0;
    for (std::string_view id : ids) bytes += id.size();
    arena_.reserve(bytes);
    offsets_.reserve(ids.size() + 1);
    offsets_.push_back(0);
    for (std::string_view id : ids) {
      arena_.append(id);
      offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
    }
    std::size_t cap = 8;
    while (cap < ids.size() * 2) cap *= 2;
    mask_ = cap - 1;
    slots_.assign(cap, 0);
    for (std::uint32_t i = 0; i < ids.size(); ++i) {
      const std::uint64_t h = hash_bytes(ids[i]);
      std::size_t pos = h & mask_;
      bool dup = false;
      for (; slots_[pos] != 0; pos = (pos + 1) & mask_) {
        if (tag(slots_[pos]) == tag_of(h) && id(index(slots_[pos])) == ids[i]) {
          dup = true;
          break;
        }
      }
      if (dup) {
        if (duplicate && !*duplicate) *duplicate = i;
        continue;
      }
      slots_[pos] = (std::uint64_t{tag_of(h)} << 32) | (std::uint64_t{i} + 1);
    }
  }

  // Hints the CPU to fetch the slot a lookup of a key with hash `h` starts at,
  // so that a batch of look-ups overlaps its cache misses.
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
  }

  // The index of `id`, or kNoProduct. Never allocates. Thread-safe.
  std::uint32_t find(std::string_view key) const { return find(key, hash_bytes(key)); }
  // The same, with hash_bytes(key) already known (see prefetch).
  std::uint32_t find(std::string_view key, std::uint64_t h) const {
    if (slots_.empty()) return kNoProduct;
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const std::uint64_t s = slots_[pos];
      if (s == 0) return kNoProduct;
      if (tag(s) == tag_of(h) && id(index(s)) == key) return index(s);
    }
  }

 private:
  static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }
  static std::uint32_t tag(std::uint64_t slot) { return static_cast<std::uint32_t>(slot >> 32); }
  static std::uint32_t index(std::uint64_t slot) { return static_cast<std::uint32_t>(slot) - 1; }
  std::string_view id(std::uint32_t i) const {
    return std::string_view(arena_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }

  std::string arena_;                  // every id, back to back
  std::vector<std::uint32_t> offsets_; // id i is arena_[offsets_[i], offsets_[i + 1])
  std::vector<std::uint64_t> slots_;   // (hash tag << 32) | (index + 1); 0 = empty
  std::size_t mask_ = 0;
};

}  // namespace orderflow
