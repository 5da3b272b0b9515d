#pragma once
// InputReader: the pipeline's first stage. Reads each input in large blocks,
// frames the bytes into records and packs them into batches (data/codec/framer.h,
// data/codec/batch_builder.h), and offers each batch to `emit`.
//
// It is the only stage that watches intake: it waits for input with poll() on
// the file and a wake-up descriptor, never in a read that cannot be
// interrupted, so that a closing intake (graceful close, hard stop, deadline)
// stops it promptly even on a pipe or FIFO with no data. When it stops early it
// records where (the summary's `resume`): the first record not accepted.
//
// Not thread-safe: run() is called once, on the reader thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "data/codec/framer.h"
#include "data/model/batch.h"
#include "data/model/summary.h"
#include "engine/context.h"
#include "engine/input_source.h"
#include "engine/pipeline_ledger.h"

namespace orderflow {

// How the reader frames and numbers its input (PipelineOptions' reader part).
struct ReaderOptions {
  InputFormat format = InputFormat::kAuto;
  std::size_t record_bytes_max = kRecordBytesMaxDefault;
  std::size_t batch_records = 2048;   // records per batch, >= 1
  // Continuing a stopped run exactly: inputs before `resume_file` are skipped,
  // and in it the records before byte `resume_offset` (the record there must
  // be on `resume_line`); the first record handed on gets seq `first_seq`.
  std::uint64_t first_seq = 1;
  std::size_t resume_file = 0;
  std::uint64_t resume_offset = 0;
  std::uint64_t resume_line = 0;
  char csv_delimiter = 0;             // CSV input: ',', ';' or '\t'; 0: told by each file's header
  // A durable ledger (engine/pipeline_ledger.h): records are checksummed and,
  // continuing a run, the committed ones skipped after their checksum is
  // checked. Null: in memory only.
  const PipelineLedger* ledger = nullptr;
};

struct ReaderOutcome {
  Status status;                      // unreadable input or a fatal framing error
  bool stopped_early = false;         // intake closed before the end of the input
  std::optional<ResumePoint> resume;  // with stopped_early, when input was left
};

class InputReader {
 public:
  // `intake` ends when no more records may be accepted.
  // `bytes_read`, if given, is kept up to date with the input bytes read.
  // `inputs` must outlive the reader.
  InputReader(const std::vector<InputSource>& inputs, const ReaderOptions& options, Context intake,
              std::atomic<std::uint64_t>* bytes_read = nullptr);

  // Reads everything (or until intake ends), offering batches in order.
  // `emit` returns true when it took the batch (moved from it), false when the
  // batch was refused because intake ended. Blocks; returns when done.
  ReaderOutcome run(const std::function<bool(Batch&)>& emit);

 private:
  // Waits until `fd` is readable or intake ends. False when intake ended.
  bool wait_readable(int fd);
  // True when a read of `fd` would not block within `timeout_ms`. Blocks at most that long.
  static bool readable_within(int fd, int timeout_ms);

  const std::vector<InputSource>& inputs_;
  const ReaderOptions options_;
  Context intake_;
  std::atomic<std::uint64_t>* bytes_read_;
  int wake_fd_ = -1;
};

}  // namespace orderflow
