// Durations on the command line (cli/duration.h): a number and a unit, "0"
// alone, nothing else; and the CLI11 validator built on it.
#include "cli/duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace orderflow {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

TEST(Duration, EachUnit) {
  EXPECT_EQ(parse_duration("50us"), nanoseconds(50us));
  EXPECT_EQ(parse_duration("250ms"), nanoseconds(250ms));
  EXPECT_EQ(parse_duration("5s"), nanoseconds(5s));
  EXPECT_EQ(parse_duration("2m"), nanoseconds(2min));
  EXPECT_EQ(parse_duration("1h"), nanoseconds(1h));
}

TEST(Duration, FractionsAreExactToTheNanosecond) {
  EXPECT_EQ(parse_duration("1.5m"), nanoseconds(90s));
  EXPECT_EQ(parse_duration("0.25s"), nanoseconds(250ms));
  EXPECT_EQ(parse_duration("1.5us"), nanoseconds(1500));
  EXPECT_EQ(parse_duration("0.001ms"), nanoseconds(1000));
  EXPECT_EQ(parse_duration("007s"), nanoseconds(7s));
}

TEST(Duration, ZeroNeedsNoUnit) {
  EXPECT_EQ(parse_duration("0"), nanoseconds(0));
  EXPECT_EQ(parse_duration("0s"), nanoseconds(0));
  EXPECT_EQ(parse_duration("0ms"), nanoseconds(0));
}

TEST(Duration, RefusesWhatIsNotANumberAndAUnit) {
  for (const char* text : {"", "5", "1.5", "s", "ms", ".s", "-1s", "+1s", "1 s", " 1s", "1s ", "1S", "1sec", "1ns",
                           "1d", "1e3s", "1,5s", "1.5.2s", "5s5", "5ms5", "0x10s", "inf", "nan", "1hh"}) {
    EXPECT_FALSE(parse_duration(text).has_value()) << "'" << text << "'";
  }
}

TEST(Duration, RefusesMoreThanAbout31Years) {
  EXPECT_EQ(parse_duration("277777h"), nanoseconds(std::chrono::hours(277777)));  // 9.99e17 ns
  EXPECT_FALSE(parse_duration("277778h").has_value());                              // 1.0000008e18 ns
  EXPECT_FALSE(parse_duration(std::string(400, '9') + "s").has_value());           // not finite as a double
}

TEST(Duration, ValidatorAcceptsDurationsAndNamesWhatItRefuses) {
  const CLI::Validator v = DurationValidator();
  std::string good = "250ms";
  EXPECT_EQ(v(good), "");
  std::string zero = "0";
  EXPECT_EQ(v(zero), "");
  std::string bad = "5";
  EXPECT_EQ(v(bad), "'5' is not a duration (use a number and a unit: 250ms, 5s, 2m, 1h)");
}

TEST(Duration, ValidatorRefusesAnOptionValueWhenParsing) {
  CLI::App app;
  std::string value;
  app.add_option("--deadline", value)->check(DurationValidator());
  EXPECT_NO_THROW(app.parse(std::vector<std::string>{"1.5s", "--deadline"}));  // CLI11 takes argv reversed
  EXPECT_EQ(value, "1.5s");
  CLI::App strict;
  strict.add_option("--deadline", value)->check(DurationValidator());
  EXPECT_THROW(strict.parse(std::vector<std::string>{"soon", "--deadline"}), CLI::ValidationError);
}

}  // namespace
}  // namespace orderflow
