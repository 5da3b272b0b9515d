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

enum class StopCause : std::uint8_t { kNone, kInterrupted, kTerminated, kDeadline };
std::string_view to_string(StopCause cause);  // "", "interrupted", "terminated", "deadline"

// The first record that was not accepted, so a rerun can continue there.
struct ResumePoint {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t seq = 0;
};

// CPU time each pipeline stage spent (all its threads), to see where a run's
// time goes (summary "cpuSeconds").
struct StageTimes {
  double read = 0, decode = 0, route = 0, apply = 0, write = 0;
};

struct RunFacts {
  StopCause stopped = StopCause::kNone;
  std::optional<ResumePoint> resume;
  double elapsed_seconds = 0;
  StoreKind store = StoreKind::kSharded;
  std::size_t workers = 1;
  StageTimes cpu;
};

// One JSON object (no trailing newline). `final_stock[i]` is product i's stock.
std::string summary_json(const Stats& stats, const Catalog& catalog,
                         const std::vector<std::int64_t>& final_stock, const RunFacts& facts);

// The SIGUSR1 statistics snapshot: one JSON object on one line (no products
// list, so it stays short however large the catalog), without a trailing newline.
std::string snapshot_json(const Stats& stats, double elapsed_seconds, std::uint64_t bytes_read);

// A few lines for people, each ending in '\n'.
std::string summary_text(const Stats& stats, const RunFacts& facts);

}  // namespace orderflow
