#pragma once
// ResultFormatter: one NDJSON line per record (SPEC.md "Results"). The layout
// is fixed, so lines are put together by hand (it is the hottest code of a run);
// strings that need escaping go through RapidJSON's Writer, so escaping is
// exactly RapidJSON's. Fields in this order, absent ones omitted:
//   seq, id, op, productId, amount, status, total | reason, error
// An invalid record shows only seq, status, reason and an error naming FILE:LINE.
// Money is printed with exactly two decimals.
//
// Not thread-safe: one formatter per thread (it keeps scratch buffers). The
// catalog and the source names must outlive it.
#include <string>
#include <vector>

#include "data/model/batch.h"
#include "data/catalog/catalog.h"

namespace orderflow {

class ResultFormatter {
 public:
  // `sources[i]` is how input file i is named in error texts ("-" for stdin).
  ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources);
  ~ResultFormatter();
  ResultFormatter(const ResultFormatter&) = delete;
  ResultFormatter& operator=(const ResultFormatter&) = delete;

  // Appends one line per record of `batch`. REQUIRES: every record is decided.
  void format(const Batch& batch, std::string& out);

  // The error text of a decided, unsuccessful record (what "error" holds).
  std::string error_text(const Batch& batch, const Record& r) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
