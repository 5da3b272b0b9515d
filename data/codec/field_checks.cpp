#include "data/codec/field_checks.h"

#include <climits>

namespace orderflow::codec {

bool canonical_integer(std::string_view& text) {
  if (text.size() == 1) return text[0] >= '0' && text[0] <= '9';  // the usual amount
  bool neg = !text.empty() && text[0] == '-';
  std::size_t i = neg ? 1 : 0;
  if (i == text.size()) return false;
  for (std::size_t k = i; k < text.size(); ++k)
    if (text[k] < '0' || text[k] > '9') return false;
  std::size_t first = i;
  while (first + 1 < text.size() && text[first] == '0') ++first;
  if (first == i) return true;
  if (neg) {
    // The text lives in the batch's mutable buffer: move the sign next to the digits.
    char* p = const_cast<char*>(text.data());
    p[first - 1] = '-';
    text.remove_prefix(first - 1);
  } else {
    text.remove_prefix(first);
  }
  return true;
}

std::int64_t integer_value(std::string_view text) {
  bool neg = text[0] == '-';
  std::int64_t v = 0;
  for (std::size_t i = neg ? 1 : 0; i < text.size(); ++i) {
    int d = text[i] - '0';
    if (v > (INT64_MAX - d) / 10) return neg ? INT64_MIN : INT64_MAX;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

void check_required(Record& r, unsigned seen) {
  if (r.op == Op::kReverse) {
    if (!(seen & bit(Field::kId))) set_defect(r, Defect::kMissingField, Field::kId);
    return;
  }
  if (!(seen & bit(Field::kProductId))) return set_defect(r, Defect::kMissingField, Field::kProductId);
  if (!(seen & bit(Field::kAmount))) return set_defect(r, Defect::kMissingField, Field::kAmount);
}

}  // namespace orderflow::codec
