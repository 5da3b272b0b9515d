// UTF-8 validation per RFC 3629: no overlong forms, no UTF-16 surrogates,
// nothing above U+10FFFF, no truncated sequences; the offset of the first bad byte.
#include "data/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace orderflow {
namespace {

constexpr std::size_t npos = std::string_view::npos;

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII, long enough for the eight-byte fast path"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));                 // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));                    // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));                    // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));                // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));                // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));                // U+E000, just above them
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));                // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));            // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));            // U+10FFFF, the largest
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80 emoji \xE2\x82\xAC"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));  // NUL is valid UTF-8
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // '/' in two bytes
  EXPECT_EQ(find_invalid_utf8("\xC1\xBF"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // '/' in three bytes
  EXPECT_EQ(find_invalid_utf8("\xE0\x9F\xBF"), 0u);      // U+07FF in three bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // '/' in four bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);  // U+FFFF in four bytes
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);  // U+D800
  EXPECT_EQ(find_invalid_utf8("\xED\xB0\x80"), 0u);  // U+DC00 (a lone low surrogate)
  EXPECT_EQ(find_invalid_utf8("\xED\xBF\xBF"), 0u);  // U+DFFF
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\xBD\xED\xB8\x80"), 0u);  // CESU-8 pair
}

TEST(Utf8, RejectsAboveU10FFFF) {
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xF8\x88\x80\x80\x80"), 0u);  // old 5-byte form
  EXPECT_EQ(find_invalid_utf8("\xFE"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
}

TEST(Utf8, RejectsTruncatedAndStrayBytes) {
  EXPECT_EQ(find_invalid_utf8("\xC3"), 0u);
  EXPECT_EQ(find_invalid_utf8("ab\xE2\x82"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xE2\x82x"), 0u);       // continuation replaced by ASCII
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);            // a lone continuation byte
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xA9"), 2u);    // one continuation too many
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98\x80\x80"), 4u);
}

TEST(Utf8, ReportsTheFirstBadByteAfterTheFastPath) {
  std::string s(37, 'x');
  s += "\xC3\xA9";  // valid
  s += "yyyy";
  std::size_t bad = s.size();
  s += "\xED\xA0\x80";
  s += std::string(20, 'z');
  EXPECT_EQ(find_invalid_utf8(s), bad);
  s[bad] = 'q';  // now the following bytes are stray continuations
  EXPECT_EQ(find_invalid_utf8(s), bad + 1);
  EXPECT_EQ(find_invalid_utf8(std::string(64, 'a')), npos);
  std::string high(16, 'a');
  high[15] = '\x80';  // the bad byte is the last one of the second 8-byte word
  EXPECT_EQ(find_invalid_utf8(high), 15u);
}

}  // namespace
}  // namespace orderflow
