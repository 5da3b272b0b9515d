#pragma once
// Money is held as integer cents everywhere, never as floating point.
//
// Prices are parsed exactly from their decimal text ("1.79" -> 179), with at most
// two decimals; totals are amount x price, checked for overflow; printing always
// gives exactly two decimals ("5.37", "-0.05"). Sums over a whole run (revenue)
// use Cents128 so that stock up to 2^62 times any price cannot overflow.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderflow {

using Cents = std::int64_t;
using Cents128 = __int128;

// Largest accepted price: any amount (<= kAmountMax) times it still fits in int64.
inline constexpr Cents kPriceMaxCents = INT64_MAX / 1'000'000'000;  // $92,233,720.36

// Parses a non-negative decimal price such as "1.79", "2", "0.5", "3.00".
// Returns nullopt (and sets *why) for anything else: a sign, more than two
// decimals, exponents, empty text, or a value above kPriceMaxCents.
std::optional<Cents> parse_price(std::string_view text, std::string* why);

// amount x price, or nullopt on overflow.
std::optional<Cents> multiply(std::int64_t amount, Cents price);

// Appends the amount in the form "-12.05" to out. Never allocates beyond out's growth.
void append_money(std::string& out, Cents128 cents);
std::string format_money(Cents128 cents);

// Appends a decimal integer (no locale, no iostreams).
void append_int(std::string& out, __int128 value);

}  // namespace orderflow
