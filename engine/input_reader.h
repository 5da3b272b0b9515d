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

#include "data/model/batch.h"
#include "data/model/summary.h"
#include "engine/context.h"
#include "engine/pipeline.h"

namespace orderflow {

struct ReaderOutcome {
  Status status;                      // unreadable input or a fatal framing error
  bool stopped_early = false;         // intake closed before the end of the input
  std::optional<ResumePoint> resume;  // with stopped_early, when input was left
};

class InputReader {
 public:
  // `intake` ends when no more records may be accepted.
  // `bytes_read`, if given, is kept up to date with the input bytes read.
  InputReader(const std::vector<InputSource>& inputs, const PipelineOptions& options, Context intake,
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
  const PipelineOptions& options_;
  Context intake_;
  std::atomic<std::uint64_t>* bytes_read_;
  int wake_fd_ = -1;
};

}  // namespace orderflow
