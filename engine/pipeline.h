#pragma once
// The process pipeline: input files -> records -> decisions -> results.
//
//  reader ─raw─▶ decoders ─orders─▶ router ─per shard─▶ appliers ─results─▶ writer
//
// run_pipeline() runs one whole `orderflow process` job and returns what
// happened; it prints nothing (cli/ decides what the user sees). Results are
// written to `out_fd` as NDJSON lines, in seq order unless options.unordered.
//
// Determinism: with StoreKind::kSharded every record's outcome, and so the
// results stream, is exactly what resolve() then apply() on each record in
// input order gives, for any workers/batch/buffer.
//
// Thread-safety: run_pipeline() may be called from one thread at a time per
// set of arguments; it starts and joins its own threads.
#include <cstdint>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "data/framer.h"
#include "data/product_store.h"
#include "data/stats.h"
#include "data/summary.h"

namespace orderflow {

struct InputSource {
  std::string name;  // as named in error texts and `resume` ("-" for stdin)
  int fd = -1;       // open for reading; not closed by the pipeline
};

struct PipelineOptions {
  InputFormat format = InputFormat::kAuto;
  std::size_t record_bytes_max = kRecordBytesMaxDefault;
  std::size_t workers = 1;            // >= 1
  StoreKind store = StoreKind::kSharded;
  std::size_t batch_records = 1024;   // records per batch, >= 1
  std::size_t buffer_batches = 16;    // capacity of each channel, in batches
  bool unordered = false;             // results in completion order
  bool strict = false;                // the first invalid_record fails the run
  std::uint64_t first_seq = 1;        // seq of the first record (resuming a run)
  std::string output_name = "-";     // for error messages
};

struct PipelineReport {
  Status status;                      // a runtime failure (input, output), or ok
  bool output_closed = false;         // the results reader went away (EPIPE): stop quietly
  bool strict_failed = false;         // --strict met an invalid record; status says which
  Stats stats;
  std::vector<std::int64_t> final_stock;
  RunFacts facts;
};

// Runs the job. `out_fd` < 0 means no per-record results (-o none).
PipelineReport run_pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                            const PipelineOptions& options);

}  // namespace orderflow
