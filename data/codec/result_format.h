#pragma once
// ResultFormatter: one line per record (SPEC.md "Results"), as NDJSON
// (default), CSV (RFC 4180) or TSV.
//
// NDJSON: the layout
// is fixed, so lines are put together by hand (it is the hottest code of a run);
// strings that need escaping go through RapidJSON's Writer, so escaping is
// exactly RapidJSON's. Fields in this order, absent ones omitted:
//   seq, id, op, productId, amount, status, total | reason, error
// An invalid record shows only seq, status, reason and an error naming FILE:LINE.
// Money is printed with exactly two decimals.
//
// CSV and TSV: one fixed header (result_header(), written once by the caller
// before the first line) and every column on every line, empty when absent:
//   seq,id,op,productId,amount,status,total,reason,error
// CSV quotes a field that holds ',', '"', CR or LF (doubling '"'); TSV has no
// quoting, so a TAB, LF, CR or backslash in a field is written as a backslash
// escape: backslash-t, -n, -r, or two backslashes (what Miller and PostgreSQL read). A basket's items go in productId
// as "P1:2;P2:1", their total amount in amount.
//
// Not thread-safe: one formatter per thread (it keeps scratch buffers). The
// catalog and the source names must outlive it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/enum_table.h"
#include "data/model/batch.h"
#include "data/catalog/catalog.h"

namespace orderflow {

enum class ResultFormat { kNdjson, kCsv, kTsv };

// The one table of results formats (data/base/enum_table.h): the
// --output-format names and the -o extension that asks for each ("": none).
struct ResultFormatRow {
  ResultFormat value;
  std::string_view name;
  std::string_view extension;
};
inline constexpr ResultFormatRow kResultFormats[] = {
    {ResultFormat::kNdjson, "ndjson", ""},
    {ResultFormat::kCsv, "csv", ".csv"},
    {ResultFormat::kTsv, "tsv", ".tsv"},
};

// "ndjson", "csv", "tsv" and back; parse gives nullopt for anything else.
std::string_view to_string(ResultFormat f);
std::optional<ResultFormat> parse_result_format(std::string_view text);
// The format a results path's extension names (".csv", ".tsv"), else nullopt.
std::optional<ResultFormat> result_format_for_path(std::string_view path);
// The header line of a CSV or TSV results stream ("" for NDJSON).
std::string_view result_header(ResultFormat f);

class ResultFormatter {
 public:
  // `sources[i]` is how input file i is named in error texts ("-" for stdin).
  ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources,
                  ResultFormat format = ResultFormat::kNdjson);
  ~ResultFormatter();
  ResultFormatter(const ResultFormatter&) = delete;
  ResultFormatter& operator=(const ResultFormatter&) = delete;

  // Appends one line per record of `batch`. REQUIRES: every record is decided.
  void format(const Batch& batch, std::string& out);
  // Appends the line of one record of `batch`. REQUIRES: it is decided.
  void format_one(const Batch& batch, const Record& r, std::string& out);

  // The error text of a decided, unsuccessful record (what "error" holds).
  std::string error_text(const Batch& batch, const Record& r) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
