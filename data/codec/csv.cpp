#include "data/codec/csv.h"

namespace orderflow {

bool split_csv_row(char* begin, char* end, std::vector<std::string_view>& fields) {
  fields.clear();
  char* p = begin;
  for (;;) {
    if (p < end && *p == '"') {
      char* out = p;        // unescape in place over the opening quote
      char* start = out;
      ++p;
      bool closed = false;
      while (p < end) {
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *out++ = '"';
            p += 2;
            continue;
          }
          ++p;
          closed = true;
          break;
        }
        *out++ = *p++;
      }
      if (!closed) return false;
      fields.emplace_back(start, static_cast<std::size_t>(out - start));
      if (p == end) return true;
      if (*p != ',') return false;
      ++p;
    } else {
      char* start = p;
      while (p < end && *p != ',') {
        if (*p == '"') return false;  // a quote inside an unquoted field
        ++p;
      }
      fields.emplace_back(start, static_cast<std::size_t>(p - start));
      if (p == end) return true;
      ++p;  // the comma; a trailing comma yields a final empty field
    }
  }
}

void append_csv_field(std::string& out, std::string_view field) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace orderflow
