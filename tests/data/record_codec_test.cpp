// The table of input formats: every row reachable, detection as the framer's
// contract says ('[' json, '{' ndjson, anything else csv).
#include "data/codec/record_codec.h"

#include <gtest/gtest.h>

namespace orderflow {
namespace {

TEST(RecordCodecTable, OneRowPerFormatFoundByFormatAndByInputFormat) {
  ASSERT_EQ(all_codecs().size(), kRecordFormats);
  for (const CodecInfo& c : all_codecs()) {
    EXPECT_EQ(&codec_for(c.format), &c);
    EXPECT_EQ(&codec_for(c.input), &c);
    EXPECT_NE(c.make(), nullptr) << c.name;
  }
  EXPECT_EQ(codec_for(InputFormat::kJsonArray).format, RecordFormat::kJsonArray);
  EXPECT_EQ(codec_for(RecordFormat::kCsv).framing, Framing::kLinesWithHeader);
}

TEST(RecordCodecTable, DetectionByFirstByte) {
  EXPECT_EQ(detect_codec('[').format, RecordFormat::kJsonArray);
  EXPECT_EQ(detect_codec('{').format, RecordFormat::kNdjson);
  EXPECT_EQ(detect_codec('p').format, RecordFormat::kCsv);
  EXPECT_EQ(detect_codec('"').format, RecordFormat::kCsv);
}

}  // namespace
}  // namespace orderflow
