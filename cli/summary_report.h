#pragma once
// The end-of-run summary (SPEC.md "Summary"): the JSON object of --summary,
// the SIGUSR1 snapshot line and the short text for stderr, and --resume's
// reading of a summary back. Pure formatting: nothing here prints.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/model/stats.h"
#include "data/model/summary.h"

namespace orderflow {

// The `resume` of a summary JSON object (as summary_json writes it), for
// `process --resume SUMMARY.json`. std::nullopt when it is null (the run
// finished: nothing to continue); an error when the text is not such a summary.
Result<std::optional<ResumePoint>> parse_resume(std::string_view summary_json, const std::string& source);

// One JSON object (no trailing newline). `final_stock[i]` is product i's stock.
std::string summary_json(const Stats& stats, const Catalog& catalog,
                         const std::vector<std::int64_t>& final_stock, const RunFacts& facts);

// The SIGUSR1 statistics snapshot: one JSON object on one line (no products
// list, so it stays short however large the catalog), without a trailing newline.
std::string snapshot_json(const Stats& stats, double elapsed_seconds, std::uint64_t bytes_read);

// A few lines for people, each ending in '\n'.
std::string summary_text(const Stats& stats, const RunFacts& facts);

}  // namespace orderflow
