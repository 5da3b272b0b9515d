#pragma once
// What a run's end-of-run summary (SPEC.md "Summary") is made of, beyond its
// Stats: how the run stopped, where to resume, the run's facts. Value types.
// The summary's JSON and text are written (and --resume read back) in cli/
// (cli/summary_report.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "data/base/enum_table.h"
#include "data/store/product_store.h"

namespace orderflow {

// How a run ended (the summary's "stopped"): kNone when it read all its input
// and every record got its result. kFailed: a runtime failure or --strict
// (RunFacts::error says which); kOutputClosed: the results reader went away.
enum class StopCause : std::uint8_t { kNone, kInterrupted, kTerminated, kDeadline, kFailed, kOutputClosed };
inline constexpr EnumName<StopCause> kStopCauses[] = {
    {StopCause::kNone, ""},
    {StopCause::kInterrupted, "interrupted"},
    {StopCause::kTerminated, "terminated"},
    {StopCause::kDeadline, "deadline"},
    {StopCause::kFailed, "failed"},
    {StopCause::kOutputClosed, "output_closed"},
};
// "", "interrupted", "terminated", "deadline", "failed", "output_closed"
std::string_view to_string(StopCause cause);
std::optional<StopCause> parse_stop_cause(std::string_view name);

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

}  // namespace orderflow
