// Money: exact parsing of decimal prices into cents, overflow-checked
// multiplication, and printing with exactly two decimals (int64 and int128).
#include "data/base/money.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace orderflow {
namespace {

std::optional<Cents> price(std::string_view text, std::string* why = nullptr) { return parse_price(text, why); }

TEST(MoneyParse, ExactCents) {
  EXPECT_EQ(price("1.79"), 179);
  EXPECT_EQ(price("2"), 200);
  EXPECT_EQ(price("0.5"), 50);
  EXPECT_EQ(price("0.05"), 5);
  EXPECT_EQ(price("3.00"), 300);
  EXPECT_EQ(price("0"), 0);
  EXPECT_EQ(price("0.00"), 0);
  EXPECT_EQ(price("007.10"), 710);
  // Values that are not exact in binary floating point stay exact.
  EXPECT_EQ(price("0.29"), 29);
  EXPECT_EQ(price("1.15"), 115);
  EXPECT_EQ(price("4.35"), 435);
}

TEST(MoneyParse, LargestPriceAndOneCentMore) {
  EXPECT_EQ(kPriceMaxCents, 9223372036);
  EXPECT_EQ(price("92233720.36"), kPriceMaxCents);
  std::string why;
  EXPECT_EQ(price("92233720.37", &why), std::nullopt);
  EXPECT_EQ(why, "price too large");
  EXPECT_EQ(price("92233721", &why), std::nullopt);
  EXPECT_EQ(price("99999999999999999999999999", &why), std::nullopt);
  EXPECT_EQ(why, "price too large");
}

TEST(MoneyParse, RejectsWhatIsNotAPlainTwoDecimalNumber) {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "empty price"},
      {"1.001", "price has more than two decimals"},
      {"1.999", "price has more than two decimals"},
      {"-1.00", "price must start with a digit"},
      {"+1", "price must start with a digit"},
      {".5", "price must start with a digit"},
      {" 1", "price must start with a digit"},
      {"1.", "price has a dot but no decimals"},
      {"1e2", "price is not a plain decimal number"},
      {"1.5e1", "price is not a plain decimal number"},
      {"1.2.3", "price is not a plain decimal number"},
      {"1 ", "price is not a plain decimal number"},
      {"1,50", "price is not a plain decimal number"},
      {"abc", "price must start with a digit"},
  };
  for (const Case& c : cases) {
    std::string why;
    EXPECT_EQ(price(c.text, &why), std::nullopt) << c.text;
    EXPECT_EQ(why, c.why) << c.text;
  }
  EXPECT_EQ(price("1.001"), std::nullopt);  // a null `why` is allowed
}

TEST(MoneyMultiply, ExactAndOverflowChecked) {
  EXPECT_EQ(multiply(3, 179), 537);
  EXPECT_EQ(multiply(0, 179), 0);
  EXPECT_EQ(multiply(1'000'000'000, kPriceMaxCents), 9'223'372'036'000'000'000);
  EXPECT_EQ(multiply(1'000'000'001, kPriceMaxCents), std::nullopt);
  EXPECT_EQ(multiply(std::numeric_limits<std::int64_t>::max(), 2), std::nullopt);
}

TEST(MoneyFormat, TwoDecimalsAlways) {
  EXPECT_EQ(format_money(537), "5.37");
  EXPECT_EQ(format_money(0), "0.00");
  EXPECT_EQ(format_money(5), "0.05");
  EXPECT_EQ(format_money(50), "0.50");
  EXPECT_EQ(format_money(100), "1.00");
  EXPECT_EQ(format_money(-5), "-0.05");
  EXPECT_EQ(format_money(-1205), "-12.05");
  EXPECT_EQ(format_money(-100), "-1.00");
  EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::max()), "92233720368547758.07");
  EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::min()), "-92233720368547758.08");
}

TEST(MoneyFormat, Int128RevenueBeyondInt64) {
  // Ten orders of 10^9 units at the highest price: far beyond int64.
  Cents128 one = *multiply(1'000'000'000, kPriceMaxCents);
  Cents128 revenue = one * 10;
  EXPECT_EQ(format_money(revenue), "922337203600000000.00");
  Cents128 huge = static_cast<Cents128>(std::numeric_limits<std::int64_t>::max()) * 1000 + 99;
  EXPECT_EQ(format_money(huge), "92233720368547758070.99");
  EXPECT_EQ(format_money(-huge), "-92233720368547758070.99");
  // The extremes of int128 print without overflow.
  Cents128 max128 = static_cast<Cents128>((static_cast<unsigned __int128>(1) << 127) - 1);
  EXPECT_EQ(format_money(max128), "1701411834604692317316873037158841057.27");
  EXPECT_EQ(format_money(-max128 - 1), "-1701411834604692317316873037158841057.28");
}

TEST(MoneyFormat, AppendsWithoutClearing) {
  std::string s = "total=";
  append_money(s, 537);
  EXPECT_EQ(s, "total=5.37");
  std::string n = "n=";
  append_int(n, -42);
  append_int(n, 0);
  EXPECT_EQ(n, "n=-420");
  std::string big;
  append_int(big, static_cast<__int128>(std::numeric_limits<std::int64_t>::max()) * 10);
  EXPECT_EQ(big, "92233720368547758070");
}

}  // namespace
}  // namespace orderflow
