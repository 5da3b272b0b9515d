#pragma once
// Field checks shared by the record codecs (data/codec/*_codec.cpp): how a
// field's text becomes a Record value, and how a defect is recorded. Pure
// functions of their arguments; thread-compatible.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "data/model/order.h"
#include "data/model/record.h"

namespace orderflow::codec {

inline void set_defect(Record& r, Defect d, Field f = Field::kNone, std::uint64_t arg = 0) {
  r.reason = Reason::kInvalidRecord;
  r.defect = d;
  r.field = f;
  r.defect_arg = arg;
}

// A NUL byte at `nul` inside the record that starts at `text`.
inline void nul_byte(Record& r, const char* text, const void* nul) {
  set_defect(r, Defect::kNulByte, Field::kNone, static_cast<std::uint64_t>(static_cast<const char*>(nul) - text));
}

inline unsigned bit(Field f) { return 1u << static_cast<unsigned>(f); }

// Where `s` lies in the record that starts at `base`.
inline TextSpan span_of(const char* base, std::string_view s) {
  return TextSpan{static_cast<std::uint32_t>(s.data() - base), static_cast<std::uint32_t>(s.size())};
}

// Integer text as JSON writes it: -?(0|[1-9][0-9]*). Leading zeros (CSV may
// have them) are dropped, rewriting the record's own bytes if a sign must move,
// so the text can be echoed as a JSON number. False when not an integer.
bool canonical_integer(std::string_view& text);

// The amount's value, saturated to int64 beyond its range (only the range
// check reads it then). REQUIRES: canonical_integer(text) was true.
std::int64_t integer_value(std::string_view text);

// The fields a record of its op must have, given those `seen` (bit(Field)).
void check_required(Record& r, unsigned seen);

}  // namespace orderflow::codec
