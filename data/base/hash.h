#pragma once
// A fast, seedless 64-bit hash for short byte strings (order ids, product ids).
// Not cryptographic; stable across runs and machines (little-endian loads), so
// any partitioning by hash is reproducible.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace orderflow {

inline std::uint64_t mix64(std::uint64_t x) {
  // The splitmix64 finaliser: a bijection that spreads every input bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline std::uint64_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix64(h ^ w);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    // The last 1..7 bytes as one word, with fixed-size loads (no memcpy call).
    std::uint64_t w;
    if (n >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);  // overlaps lo when n < 8
      w = lo | (std::uint64_t{hi} << 32);
    } else {
      w = static_cast<unsigned char>(p[0]) | (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    h = mix64(h ^ w ^ (std::uint64_t{n} << 59));
  }
  return h;
}

}  // namespace orderflow
