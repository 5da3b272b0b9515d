#include "data/base/money.h"

namespace orderflow {

std::optional<Cents> parse_price(std::string_view text, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<Cents> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty price");
  std::size_t i = 0;
  Cents whole = 0;
  std::size_t whole_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++whole_digits) {
    if (whole > (kPriceMaxCents / 100)) return fail("price too large");
    whole = whole * 10 + (text[i] - '0');
  }
  Cents frac = 0;
  std::size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
      if (frac_digits == 2) return fail("price has more than two decimals");
      frac = frac * 10 + (text[i] - '0');
    }
    if (frac_digits == 0) return fail("price has a dot but no decimals");
  }
  if (whole_digits == 0) return fail("price must start with a digit");
  if (i != text.size()) return fail("price is not a plain decimal number");
  if (frac_digits == 1) frac *= 10;
  if (whole > kPriceMaxCents / 100) return fail("price too large");
  Cents cents = whole * 100 + frac;
  if (cents > kPriceMaxCents) return fail("price too large");
  return cents;
}

std::optional<Cents> multiply(std::int64_t amount, Cents price) {
  Cents out;
  if (__builtin_mul_overflow(amount, price, &out)) return std::nullopt;
  return out;
}

namespace {
// Decimal digits of v, written backwards ending at `end`; returns the first.
char* digits_u64(char* end, std::uint64_t v) {
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return p;
}
}  // namespace

void append_int(std::string& out, __int128 value) {
  if (value >= INT64_MIN && value <= INT64_MAX) {  // the usual case: 64-bit division only
    auto v = static_cast<std::int64_t>(value);
    char buf[24];
    char* end = buf + sizeof buf;
    char* p = digits_u64(end, v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v));
    if (v < 0) *--p = '-';
    out.append(p, end);
    return;
  }
  char buf[48];
  char* end = buf + sizeof buf;
  char* p = end;
  unsigned __int128 v = value < 0 ? -static_cast<unsigned __int128>(value)
                                  : static_cast<unsigned __int128>(value);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  if (value < 0) *--p = '-';
  out.append(p, end);
}

void append_money(std::string& out, Cents128 cents) {
  if (cents >= 0 && cents <= INT64_MAX) {  // the usual case: 64-bit division only
    auto v = static_cast<std::uint64_t>(cents);
    char buf[32];
    char* end = buf + sizeof buf;
    char* p = end;
    *--p = static_cast<char>('0' + v % 10);
    *--p = static_cast<char>('0' + v / 10 % 10);
    *--p = '.';
    p = digits_u64(p, v / 100);
    out.append(p, end);
    return;
  }
  unsigned __int128 v = cents < 0 ? -static_cast<unsigned __int128>(cents)
                                  : static_cast<unsigned __int128>(cents);
  if (cents < 0) out.push_back('-');
  append_int(out, static_cast<__int128>(v / 100));
  unsigned frac = static_cast<unsigned>(v % 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + frac / 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

std::string format_money(Cents128 cents) {
  std::string s;
  append_money(s, cents);
  return s;
}

}  // namespace orderflow
