#pragma once
// The end-of-run summary (SPEC.md "Summary"): a JSON object for --summary and a
// short human text for stderr. Pure formatting: nothing here prints.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/store/product_store.h"
#include "data/model/stats.h"

namespace orderflow {

// How a run ended (the summary's "stopped"): kNone when it read all its input
// and every record got its result. kFailed: a runtime failure or --strict
// (RunFacts::error says which); kOutputClosed: the results reader went away.
enum class StopCause : std::uint8_t { kNone, kInterrupted, kTerminated, kDeadline, kFailed, kOutputClosed };
// "", "interrupted", "terminated", "deadline", "failed", "output_closed"
std::string_view to_string(StopCause cause);

// The first record that was not applied, so a rerun can continue there
// exactly: its input file (as named), line, seq, and the byte offset of its
// first byte in that file (engine/input_reader.h, `--resume SUMMARY.json`).
struct ResumePoint {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t seq = 0;
  std::uint64_t offset = 0;
};

// CPU time each pipeline stage spent (all its threads), to see where a run's
// time goes (summary "cpuSeconds").
struct StageTimes {
  double read = 0, decode = 0, route = 0, apply = 0, write = 0;
};

struct RunFacts {
  StopCause stopped = StopCause::kNone;
  std::string error;  // with kFailed: the failure's message
  std::optional<ResumePoint> resume;
  double elapsed_seconds = 0;
  StoreKind store = StoreKind::kSharded;
  std::size_t workers = 1;
  StageTimes cpu;
};

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
