#include "data/codec/csv.h"

#include <string>

namespace orderflow {

bool split_csv_row(char* begin, char* end, std::vector<std::string_view>& fields) {
  return split_csv_row(begin, end, fields, CsvDialect{});
}

namespace {

bool is_pad(char c, const CsvDialect& d) { return c == ' ' || (c == '\t' && d.delimiter != '\t'); }

}  // namespace

bool split_csv_row(char* begin, char* end, std::vector<std::string_view>& fields, const CsvDialect& d) {
  fields.clear();
  const char delim = d.delimiter;
  char* p = begin;
  for (;;) {
    char* field_start = p;
    if (d.trim)
      while (p < end && is_pad(*p, d)) ++p;
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
      if (d.trim)
        while (p < end && is_pad(*p, d)) ++p;
      if (p == end) return true;
      if (*p != delim) return false;
      ++p;
    } else {
      char* start = d.trim ? p : field_start;
      while (p < end && *p != delim) {
        if (*p == '"') return false;  // a quote inside an unquoted field
        ++p;
      }
      char* stop = p;
      if (d.trim)
        while (stop > start && is_pad(stop[-1], d)) --stop;
      fields.emplace_back(start, static_cast<std::size_t>(stop - start));
      if (p == end) return true;
      ++p;  // the delimiter; a trailing one yields a final empty field
    }
  }
}

bool csv_row_open(std::string_view text, bool open, const CsvDialect& d) {
  // States between bytes: at a field's start (quoting may begin), inside an
  // unquoted field, inside quotes, or just after a quote inside quotes (the
  // next byte decides: '"' is an escaped quote, anything else closes).
  enum { kStart, kUnquoted, kQuoted, kQuoteSeen } state = open ? kQuoted : kStart;
  for (char c : text) {
    switch (state) {
      case kStart:
        if (c == '"') state = kQuoted;
        else if (c == d.delimiter) state = kStart;
        else if (!(d.trim && is_pad(c, d))) state = kUnquoted;
        break;
      case kUnquoted:
        if (c == d.delimiter) state = kStart;
        break;
      case kQuoted:
        if (c == '"') state = kQuoteSeen;
        break;
      case kQuoteSeen:
        state = c == '"' ? kQuoted : c == d.delimiter ? kStart : kUnquoted;
        break;
    }
  }
  return state == kQuoted;
}

bool csv_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

char detect_csv_delimiter(std::string_view header, const std::vector<std::string_view>& needed) {
  constexpr char kCandidates[] = {',', ';', '\t'};
  std::vector<std::string_view> cells;
  char most = ',';
  std::size_t most_count = 0;
  for (char delim : kCandidates) {
    CsvDialect d{delim, true};
    std::string row(header);
    if (split_csv_row(row.data(), row.data() + row.size(), cells, d)) {
      bool all = true;
      for (std::string_view want : needed) {
        bool found = false;
        for (std::string_view c : cells) found = found || csv_iequals(c, want);
        all = all && found;
      }
      if (all) return delim;
      if (cells.size() - 1 > most_count) {
        most_count = cells.size() - 1;
        most = delim;
      }
    }
  }
  return most;
}

bool csv_row_is_empty(std::string_view row, const CsvDialect& d) {
  for (char c : row)
    if (c != d.delimiter && c != ' ' && c != '\t' && c != '"') return false;
  // Only delimiters, spaces and quotes: empty when the quotes are just "" pairs.
  std::string copy(row);
  std::vector<std::string_view> cells;
  CsvDialect trimmed{d.delimiter, true};
  if (!split_csv_row(copy.data(), copy.data() + copy.size(), cells, trimmed)) return false;
  for (std::string_view c : cells)
    if (!c.empty()) return false;
  return true;
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
