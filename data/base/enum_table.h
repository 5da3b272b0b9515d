#pragma once
// One table per enum: an enum whose values have names (on the command line,
// in files, on the wire) lists them once, as a constexpr array of rows next
// to the enum. Each row has at least
//   E value;  std::string_view name;
// (and may carry more columns: a chart colour, a file extension). to_string,
// parsing and the command line's choices all read that one array through
// these helpers, so a new value is one new row. A test per table checks that
// every value round-trips and that no name is used twice
// (tests/data/enum_table_test.cpp).
//
// Pure functions, no allocation but enum_names(); thread-safe.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderflow {

// The plain row: a value and its one spelling.
template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// The name of `value` in `rows`, or `missing` when no row has it.
template <class Row, std::size_t N, class E>
constexpr std::string_view enum_name(const Row (&rows)[N], E value, std::string_view missing = "?") {
  for (const Row& r : rows)
    if (r.value == value) return r.name;
  return missing;
}

// The row whose name is exactly `name` (case-sensitive), or nullptr.
template <class Row, std::size_t N>
constexpr const Row* enum_row(const Row (&rows)[N], std::string_view name) {
  for (const Row& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

// The value named `name`, or nullopt.
template <class Row, std::size_t N>
constexpr auto enum_value(const Row (&rows)[N], std::string_view name) -> std::optional<decltype(rows[0].value)> {
  if (const Row* r = enum_row(rows, name)) return r->value;
  return std::nullopt;
}

// Every value, in table order.
template <class Row, std::size_t N>
constexpr auto enum_values(const Row (&rows)[N]) {
  std::array<decltype(rows[0].value), N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = rows[i].value;
  return out;
}

// Every name, in table order (CLI11's IsMember takes this).
template <class Row, std::size_t N>
std::vector<std::string> enum_names(const Row (&rows)[N]) {
  std::vector<std::string> out;
  out.reserve(N);
  for (const Row& r : rows) out.emplace_back(r.name);
  return out;
}

}  // namespace orderflow
