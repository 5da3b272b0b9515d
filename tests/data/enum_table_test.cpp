// One table per enum (data/base/enum_table.h): every value of each table
// round-trips through its to_string and its parse, no name is used twice,
// and every value of the enum has a row.
#include "data/base/enum_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "data/catalog/catalog.h"
#include "data/codec/decompressor.h"
#include "data/codec/record_codec.h"
#include "data/codec/result_format.h"
#include "data/gen/generator.h"
#include "data/model/order.h"
#include "data/model/summary.h"
#include "data/store/product_store.h"

namespace orderflow {
namespace {

// Each row's name: to_string gives it, parse gives the row's value back;
// names and values are unique; the values are 0..count-1, so every value of
// an enum with `count` values has its row.
template <class Row, std::size_t N, class ToString, class Parse>
void expect_round_trip(const Row (&rows)[N], std::size_t count, ToString to_str, Parse parse) {
  ASSERT_EQ(N, count) << "a row per value";
  std::set<std::string> names;
  std::set<int> values;
  for (const Row& row : rows) {
    EXPECT_TRUE(names.insert(std::string(row.name)).second) << "name used twice: '" << row.name << "'";
    EXPECT_TRUE(values.insert(static_cast<int>(row.value)).second) << "value listed twice: " << row.name;
    EXPECT_LT(static_cast<std::size_t>(row.value), count) << row.name;
    EXPECT_EQ(to_str(row.value), row.name);
    auto back = parse(row.name);
    ASSERT_TRUE(back.has_value()) << row.name;
    EXPECT_EQ(*back, row.value) << row.name;
  }
  EXPECT_FALSE(parse("no such name").has_value());
}

template <class E>
auto to_str() {
  return [](E e) { return to_string(e); };
}

TEST(EnumTable, StoreKinds) {
  expect_round_trip(kStoreKinds, 5, to_str<StoreKind>(), parse_store_kind);
  std::set<std::string_view> colours;
  for (const StoreKindRow& row : kStoreKinds) {
    EXPECT_EQ(row.chart_color.size(), 7u) << row.name;  // "#rrggbb"
    EXPECT_TRUE(colours.insert(row.chart_color).second) << "two stores share a colour: " << row.name;
  }
  EXPECT_EQ(kAllStoreKinds.size(), std::size(kStoreKinds));
  EXPECT_EQ(kAllStoreKinds[0], StoreKind::kSharded);  // --store's default, first in bench
}

TEST(EnumTable, ResultFormats) {
  expect_round_trip(kResultFormats, 3, to_str<ResultFormat>(), parse_result_format);
  for (const ResultFormatRow& row : kResultFormats) {
    if (row.extension.empty()) continue;
    EXPECT_EQ(result_format_for_path("out" + std::string(row.extension)), row.value) << row.name;
  }
  EXPECT_EQ(result_format_for_path("out.ndjson"), std::nullopt);
}

TEST(EnumTable, CatalogFormats) {
  expect_round_trip(kCatalogFormats, 2, to_str<CatalogFormat>(), parse_catalog_format);
}

TEST(EnumTable, StreamFormats) {
  expect_round_trip(kStreamFormats, 3, to_str<StreamFormat>(), parse_stream_format);
}

TEST(EnumTable, DomainEnums) {
  expect_round_trip(kOps, 2, to_str<Op>(), parse_op);
  expect_round_trip(kOrderStatuses, 4, to_str<OrderStatus>(), parse_order_status);
  expect_round_trip(kReasons, kReasonCount, to_str<Reason>(), parse_reason);
  expect_round_trip(kFields, 6, to_str<Field>(), parse_field);
  expect_round_trip(kStopCauses, 6, to_str<StopCause>(), parse_stop_cause);
  expect_round_trip(kCompressions, 3, to_str<Compression>(), parse_compression);
}

TEST(EnumTable, InputFormatsAreAutoThenTheCodecTable) {
  const std::vector<std::string> names = input_format_names();
  ASSERT_EQ(names.size(), all_codecs().size() + 1);
  EXPECT_EQ(names[0], "auto");
  EXPECT_EQ(parse_input_format("auto"), InputFormat::kAuto);
  EXPECT_EQ(to_string(InputFormat::kAuto), "auto");
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "a --format name used twice";
  std::set<char> tags;
  for (const CodecInfo& c : all_codecs()) {
    EXPECT_EQ(parse_input_format(c.name), c.input) << c.name;
    EXPECT_EQ(to_string(c.input), c.name);
    EXPECT_TRUE(tags.insert(c.wire_tag).second) << "wire tag used twice: " << c.name;
    EXPECT_EQ(codec_for_wire_tag(c.wire_tag), &c) << c.name;
  }
  EXPECT_EQ(parse_input_format("tsv"), std::nullopt);
  EXPECT_EQ(codec_for_wire_tag('?'), nullptr);
}

TEST(EnumTable, Helpers) {
  enum class Abc { kA, kB, kC };
  static constexpr EnumName<Abc> kAbc[] = {{Abc::kA, "a"}, {Abc::kB, "b"}};
  EXPECT_TRUE(enum_name(kAbc, Abc::kB) == "b");
  EXPECT_TRUE(enum_name(kAbc, Abc::kC) == "?");
  EXPECT_TRUE(enum_name(kAbc, Abc::kC, "") == "");
  EXPECT_TRUE(*enum_value(kAbc, "a") == Abc::kA);
  EXPECT_TRUE(!enum_value(kAbc, "A").has_value());
  EXPECT_TRUE(enum_values(kAbc)[1] == Abc::kB);
  EXPECT_EQ(enum_names(kAbc), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace orderflow
