// CSV rows (RFC 4180 within one line): splitting with in-place unquoting, and
// quoting on the way out so that a split gives the same cells back.
#include "data/codec/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orderflow {
namespace {

// Splits a copy of `row`; nullopt when the quoting is malformed.
std::optional<std::vector<std::string>> split(const std::string& row) {
  std::string buf = row;
  std::vector<std::string_view> cells;
  if (!split_csv_row(buf.data(), buf.data() + buf.size(), cells)) return std::nullopt;
  return std::vector<std::string>(cells.begin(), cells.end());
}

using Cells = std::vector<std::string>;

TEST(CsvSplit, PlainFields) {
  EXPECT_EQ(split("a,b,c"), (Cells{"a", "b", "c"}));
  EXPECT_EQ(split("MWBLU,Mineral Water,20,Blueberry,1.79"),
            (Cells{"MWBLU", "Mineral Water", "20", "Blueberry", "1.79"}));
  EXPECT_EQ(split(" a , b "), (Cells{" a ", " b "}));  // unquoted fields are verbatim
}

TEST(CsvSplit, EmptyFields) {
  EXPECT_EQ(split(""), (Cells{""}));
  EXPECT_EQ(split(","), (Cells{"", ""}));
  EXPECT_EQ(split("a,"), (Cells{"a", ""}));  // a trailing comma yields a final empty field
  EXPECT_EQ(split(",a,,b"), (Cells{"", "a", "", "b"}));
  EXPECT_EQ(split("\"\",x"), (Cells{"", "x"}));
}

TEST(CsvSplit, QuotedFields) {
  EXPECT_EQ(split("\"a,b\",c"), (Cells{"a,b", "c"}));
  EXPECT_EQ(split("\"say \"\"hi\"\"\""), (Cells{"say \"hi\""}));
  EXPECT_EQ(split("\"\"\"\""), (Cells{"\""}));
  EXPECT_EQ(split("x,\"\",\"y\""), (Cells{"x", "", "y"}));
  EXPECT_EQ(split("\" lead\",\"trail \""), (Cells{" lead", "trail "}));
  EXPECT_EQ(split("\"a\"\"\",\"\"\"b\""), (Cells{"a\"", "\"b"}));
}

TEST(CsvSplit, UnquotesInPlaceIntoTheRowsOwnBytes) {
  std::string buf = "\"a\"\"b\",c";
  std::vector<std::string_view> cells;
  ASSERT_TRUE(split_csv_row(buf.data(), buf.data() + buf.size(), cells));
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0], "a\"b");
  EXPECT_GE(cells[0].data(), buf.data());
  EXPECT_LE(cells[1].data() + cells[1].size(), buf.data() + buf.size());
}

TEST(CsvSplit, ClearsPreviousCells) {
  std::string buf = "x,y";
  std::vector<std::string_view> cells{"stale", "stale", "stale"};
  ASSERT_TRUE(split_csv_row(buf.data(), buf.data() + buf.size(), cells));
  EXPECT_EQ(cells.size(), 2u);
}

TEST(CsvSplit, MalformedQuoting) {
  EXPECT_EQ(split("\"abc"), std::nullopt);        // unclosed
  EXPECT_EQ(split("\"abc\"x,y"), std::nullopt);   // text after a closing quote
  EXPECT_EQ(split("ab\"c,d"), std::nullopt);      // a quote inside an unquoted field
  EXPECT_EQ(split("a,\"b"), std::nullopt);
  EXPECT_EQ(split("\"a\" ,b"), std::nullopt);
}

TEST(CsvField, QuotesOnlyWhenNeeded) {
  auto field = [](std::string_view f) {
    std::string out;
    append_csv_field(out, f);
    return out;
  };
  EXPECT_EQ(field("plain"), "plain");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(field("a\rb"), "\"a\rb\"");
  EXPECT_EQ(field(" lead"), "\" lead\"");
  EXPECT_EQ(field("trail "), "\"trail \"");
  EXPECT_EQ(field("in side"), "in side");
}

TEST(CsvField, RoundTripsThroughSplit) {
  const Cells rows[] = {
      {"a", "b,c", "d\"e", " f", "g ", "", "\"", ",", "Mineral Water(Blue)"},
      {""},
      {"", ""},
  };
  for (const Cells& cells : rows) {
    std::string row;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) row.push_back(',');
      append_csv_field(row, cells[i]);
    }
    EXPECT_EQ(split(row), cells) << row;
  }
}

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

std::optional<std::vector<std::string>> split_in(const std::string& row, CsvDialect d) {
  std::string buf = row;
  std::vector<std::string_view> cells;
  if (!split_csv_row(buf.data(), buf.data() + buf.size(), cells, d)) return std::nullopt;
  return std::vector<std::string>(cells.begin(), cells.end());
}

using Row = std::vector<std::string>;

TEST(CsvDialect, DelimitersAndTrimming) {
  EXPECT_EQ(split_in("a;b;;c", {';', false}), (Row{"a", "b", "", "c"}));
  EXPECT_EQ(split_in("a\tb c\t", {'\t', false}), (Row{"a", "b c", ""}));
  EXPECT_EQ(split_in(" a , b ,c", {',', true}), (Row{"a", "b", "c"}));
  EXPECT_EQ(split_in(" \" a \" ; b", {';', true}), (Row{" a ", "b"}));  // quotes keep their spaces
  EXPECT_EQ(split_in("\t a \t", {'\t', true}), (Row{"", "a", ""}));     // TAB delimits, not pads
  EXPECT_EQ(split_in("a,b", {';', true}), (Row{"a,b"}));
  EXPECT_EQ(split_in("\"a\" x;b", {';', true}), std::nullopt);
  EXPECT_EQ(split_in("\"line\nbreak\";2", {';', true}), (Row{"line\nbreak", "2"}));
}

TEST(CsvDialect, RowOpenTracksQuotesAcrossLines) {
  const CsvDialect d{',', true};
  EXPECT_FALSE(csv_row_open("a,b,c", false, d));
  EXPECT_TRUE(csv_row_open("a,\"b", false, d));
  EXPECT_FALSE(csv_row_open("still b\",c", true, d));
  EXPECT_TRUE(csv_row_open("still \"\" b", true, d));   // an escaped quote keeps it open
  EXPECT_FALSE(csv_row_open("a\"b,c", false, d));       // a stray quote opens nothing
  EXPECT_TRUE(csv_row_open("x,  \"open", false, d));    // after padding, a quote opens
  EXPECT_FALSE(csv_row_open("\"\"", false, d));
  EXPECT_TRUE(csv_row_open("x;\"a,b", false, CsvDialect{';', true}));
}

TEST(CsvDialect, DelimiterFromTheHeader) {
  const std::vector<std::string_view> need{"productId", "amount"};
  EXPECT_EQ(detect_csv_delimiter("id,productId,amount", need), ',');
  EXPECT_EQ(detect_csv_delimiter("id;ProductId;Amount", need), ';');
  EXPECT_EQ(detect_csv_delimiter("id\tproductId\tamount", need), '\t');
  EXPECT_EQ(detect_csv_delimiter("\"a,b\";productId;amount", need), ';');  // a comma inside quotes
  EXPECT_EQ(detect_csv_delimiter("x;y;z", need), ';');                   // none names them: the most common
  EXPECT_EQ(detect_csv_delimiter("nothing", need), ',');
}

TEST(CsvDialect, EmptyRows) {
  EXPECT_TRUE(csv_row_is_empty(";;;", {';', true}));
  EXPECT_TRUE(csv_row_is_empty(" , ,\"\"", {',', true}));
  EXPECT_TRUE(csv_row_is_empty("\t\t", {'\t', true}));
  EXPECT_FALSE(csv_row_is_empty(";;x;", {';', true}));
  EXPECT_FALSE(csv_row_is_empty("\" \",", {',', true}));  // a quoted space is a value
  EXPECT_FALSE(csv_row_is_empty(",,", {';', true}));      // commas are values when ';' delimits
}

}  // namespace
}  // namespace orderflow
