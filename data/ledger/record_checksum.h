#pragma once
// The checksum of a run's committed records (a ledger checkpoint's `checksum`):
// the sum, mod 2^64, of one step per record over its seq, line and bytes as
// framed (before any stage parses them in place). A sum, so that it is the
// same however the records were cut into batches; seq and line in each step,
// so that the same records in another order or place do not match.
// Pure functions; thread-safe.
#include <cstdint>
#include <string_view>

#include "data/base/hash.h"

namespace orderflow {

inline std::uint64_t record_checksum_step(std::uint64_t seq, std::uint64_t line, std::string_view bytes) {
  return mix64(hash_bytes(bytes) ^ mix64(seq * 0x9e3779b97f4a7c15ULL + line));
}

}  // namespace orderflow
