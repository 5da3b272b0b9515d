#include "data/codec/record_codec.h"

#include <cassert>

namespace orderflow {

namespace {

// The one table of input formats. Rows are in RecordFormat order.
constexpr CodecInfo kCodecs[] = {
    {RecordFormat::kNdjson, InputFormat::kNdjson, "ndjson", '{', Framing::kLines, make_json_codec},
    {RecordFormat::kJsonArray, InputFormat::kJson, "json", '[', Framing::kArrayElements, make_json_codec},
    {RecordFormat::kCsv, InputFormat::kCsv, "csv", '\0', Framing::kLinesWithHeader, make_csv_codec},
};

constexpr bool rows_in_format_order() {
  for (std::size_t i = 0; i < std::size(kCodecs); ++i)
    if (static_cast<std::size_t>(kCodecs[i].format) != i) return false;
  return true;
}
static_assert(rows_in_format_order(), "kCodecs[f] is the row of RecordFormat f");

}  // namespace

std::span<const CodecInfo> all_codecs() { return kCodecs; }

const CodecInfo& codec_for(RecordFormat format) {
  assert(static_cast<std::size_t>(format) < std::size(kCodecs));
  return kCodecs[static_cast<std::size_t>(format)];
}

const CodecInfo& codec_for(InputFormat input) {
  for (const CodecInfo& c : kCodecs)
    if (c.input == input) return c;
  assert(false && "codec_for(InputFormat::kAuto)");
  return kCodecs[0];
}

const CodecInfo& detect_codec(char first) {
  const CodecInfo* fallback = &kCodecs[0];
  for (const CodecInfo& c : kCodecs) {
    if (c.first_byte == first && first != '\0') return c;
    if (c.first_byte == '\0') fallback = &c;
  }
  return *fallback;
}

}  // namespace orderflow
