#include "data/codec/record_codec.h"

#include <cassert>

namespace orderflow {

namespace {

// The one table of input formats. Rows are in RecordFormat order.
constexpr CodecInfo kCodecs[] = {
    {RecordFormat::kNdjson, InputFormat::kNdjson, "ndjson", '{', Framing::kLines, 'n', make_json_codec},
    {RecordFormat::kJsonArray, InputFormat::kJsonArray, "json", '[', Framing::kArrayElements, 'j', make_json_codec},
    {RecordFormat::kCsv, InputFormat::kCsv, "csv", '\0', Framing::kLinesWithHeader, 'c', make_csv_codec},
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

const CodecInfo* codec_for_wire_tag(char tag) {
  for (const CodecInfo& c : kCodecs)
    if (c.wire_tag == tag) return &c;
  return nullptr;
}

std::string_view to_string(InputFormat input) {
  return input == InputFormat::kAuto ? kAutoFormatName : codec_for(input).name;
}

std::optional<InputFormat> parse_input_format(std::string_view name) {
  if (name == kAutoFormatName) return InputFormat::kAuto;
  for (const CodecInfo& c : kCodecs)
    if (c.name == name) return c.input;
  return std::nullopt;
}

std::vector<std::string> input_format_names() {
  std::vector<std::string> out{std::string(kAutoFormatName)};
  for (const CodecInfo& c : kCodecs) out.emplace_back(c.name);
  return out;
}

}  // namespace orderflow
