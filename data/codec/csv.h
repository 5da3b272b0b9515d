#pragma once
// RFC 4180 CSV rows, and the spreadsheet dialect orderflow reads orders in:
// a delimiter other than ',' (';' or TAB), spaces around unquoted fields
// trimmed, a quoted field that spans lines (the framer keeps such a row
// together with csv_row_open()).
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

struct CsvDialect {
  char delimiter = ',';
  // Spaces (and TABs, unless TAB is the delimiter) around an unquoted field
  // are dropped, and allowed around a quoted one: "a , b" is {"a", "b"}.
  bool trim = false;
};

// split_csv_row in a dialect.
bool split_csv_row(char* begin, char* end, std::vector<std::string_view>& fields, const CsvDialect& dialect);

// Where a CSV row's quoting stands after `text` (bytes of one physical line,
// or a continuation of one): true when a quoted field is still open, so the
// row goes on after the line break. `open` is the state before `text`.
// Quotes count only where a field may be quoted (at its start, after spaces
// when trimming); a stray quote inside an unquoted field opens nothing.
bool csv_row_open(std::string_view text, bool open, const CsvDialect& dialect);

// The delimiter a header row uses: the first of ',', ';' and TAB that splits
// it into a row naming every column in `needed` (case-insensitively), else
// the one that occurs most often outside quotes, else ','.
char detect_csv_delimiter(std::string_view header, const std::vector<std::string_view>& needed);

// True for a row whose fields are all empty (only delimiters and spaces):
// a spreadsheet's blank line.
bool csv_row_is_empty(std::string_view row, const CsvDialect& dialect);

// ASCII case-insensitive equality ("productId" = "PRODUCTID").
bool csv_iequals(std::string_view a, std::string_view b);

// Appends `field` to `out`, quoted when it holds a comma, quote, CR or LF, or
// begins or ends with a space.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace orderflow
