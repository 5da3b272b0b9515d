#pragma once
// RFC 4180 CSV rows: one row per line (a quoted field may not span lines).
#include <string>
#include <string_view>
#include <vector>

namespace orderflow {

// Splits the row [begin, end) (no line terminator) into fields. Quoted fields
// ("a ""b"", c") are unescaped in place, so the views point into the row's
// own bytes. Unquoted fields are taken verbatim. Returns false when quoting is
// malformed (an unclosed quote, or text after a closing quote).
// Never allocates beyond `fields`' growth. Thread-compatible.
bool split_csv_row(char* begin, char* end, std::vector<std::string_view>& fields);

// Appends `field` to `out`, quoted when it holds a comma, quote, CR or LF, or
// begins or ends with a space.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace orderflow
