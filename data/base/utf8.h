#pragma once
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace orderflow {

// True when no byte of s has its high bit set: pure ASCII, always valid UTF-8.
// Eight bytes at a time; inline, since the decoder asks it of every record.
inline bool is_ascii(std::string_view s) {
  std::uint64_t any = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    any |= w;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    any |= w;
  }
  return (any & 0x8080808080808080ULL) == 0;
}

// The offset of the first byte that is not part of valid UTF-8, or npos.
std::size_t find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return is_ascii(s) || find_invalid_utf8(s) == std::string_view::npos; }

}  // namespace orderflow
