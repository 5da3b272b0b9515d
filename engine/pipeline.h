#pragma once
// The process pipeline: input files -> records -> decisions -> results.
//
//  reader ─raw─▶ decoders ─decoded─▶ router ─per shard─▶ appliers ─done─▶ writer
//  (1 thread)    (pool of W)         (1)                 (pool of W)       (1)
//
//  reader    frames input into batches (engine/stages/read_stage.h over
//            engine/input_reader.h); the only stage that watches intake.
//  decoders  parse and validate records (engine/stages/decode_stage.h over
//            data/codec/decoder.h), any batch, any order.
//  router    restores batch order and runs the order-index half of the ledger
//            (data/ledger/ledger.h resolve) in seq order, then splits each batch's
//            remaining records by owner (engine/stages/route_stage.h): with the
//            sharded store, worker k owns the products p with p % W == k, so each
//            product sees its orders in input order (and a reverse goes to the
//            owner of the product it undoes). With the other stores, workers
//            share one queue.
//  appliers  apply stock (data/ledger/ledger.h apply; engine/stages/apply_stage.h).
//            The applier that finishes a batch's last slice formats its results
//            and counts its statistics into its own partial Stats (reconciled
//            when read).
//  committer only with a durable ledger (PipelineOptions::ledger), between the
//            appliers and the writer: restores batch order and commits groups
//            of batches before their results may go out
//            (engine/stages/commit_stage.h).
//  writer    restores batch order (unless --unordered) and writes big chunks
//            (engine/stages/write_stage.h); written jobs go back to the reader
//            (engine/stages/job_pool.h).
// How stages stop and report failures: engine/stages/run_control.h.
// Every arrow is a bounded Channel of batches (engine/channel.h): the channel
// cost is paid per batch, and back-pressure keeps memory flat.
//
// Stopping: `intake` ending (graceful close) stops the reader only: every
// accepted record is still applied and written. `run` ending (hard stop or
// deadline) makes every accepted record not yet applied Cancelled, with
// reason deadline (if `run` hit its deadline) or interrupted; results are still
// written. A failing stage (write error, exception) stops the others promptly
// and is reported once.
//
// Determinism: with StoreKind::kSharded every record's outcome, and so the
// results stream, is what resolve() then apply() on each record in input order
// gives, for any workers/batch/buffer.
//
// Thread-safety: run() is called once; snapshot() and bytes_read() may be
// called from any thread while it runs. Prints nothing.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/codec/framer.h"
#include "data/codec/result_format.h"
#include "data/store/product_store.h"
#include "data/model/stats.h"
#include "data/model/summary.h"
#include "engine/context.h"
#include "engine/input_reader.h"
#include "engine/input_source.h"
#include "engine/pipeline_ledger.h"

namespace orderflow {

struct PipelineOptions {
  InputFormat format = InputFormat::kAuto;
  std::size_t record_bytes_max = kRecordBytesMaxDefault;
  std::size_t workers = 1;            // decoders and appliers, >= 1
  StoreKind store = StoreKind::kSharded;
  std::size_t batch_records = 2048;   // records per batch, >= 1 (bench/e2e.sh: 2048 beat 1024 and 4096)
  std::size_t buffer_batches = 8;     // capacity of each channel, in batches (0: rendezvous)
  bool unordered = false;             // results in completion order
  bool strict = false;                // the first invalid_record fails the run
  // Continuing a stopped run exactly (its summary's `resume`): inputs before
  // `resume_file` are skipped, and in it the records before byte
  // `resume_offset` (the record there must be on `resume_line`); the first
  // record handed on gets seq `first_seq`.
  std::uint64_t first_seq = 1;
  std::size_t resume_file = 0;
  std::uint64_t resume_offset = 0;
  std::uint64_t resume_line = 0;
  std::string output_name = "-";      // for error messages
  ResultFormat result_format = ResultFormat::kNdjson;  // the caller writes the CSV/TSV header
  char csv_delimiter = 0;             // CSV input: ',', ';' or '\t'; 0: told by each file's header
  // Once this ends, a results reader that takes no byte for a second is given
  // up (engine/output_writer.h); the run goes on without results output.
  Context output_give_up = Context::background();
  // A durable ledger (engine/pipeline_ledger.h), or null: in memory only.
  const PipelineLedger* ledger = nullptr;

  ReaderOptions reader() const {
    return {format, record_bytes_max, batch_records, first_seq, resume_file,
            resume_offset, resume_line, csv_delimiter, ledger};
  }
};

struct PipelineReport {
  Status status;                      // a runtime failure (input, output, internal), or ok
  bool output_closed = false;         // the results reader went away (EPIPE): stop quietly
  bool output_abandoned = false;      // the results reader stalled after output_give_up ended
  bool strict_failed = false;         // --strict met an invalid record; status says which
  bool cancelled = false;             // `run` ended before all accepted records were applied
  Stats stats;
  std::vector<std::int64_t> final_stock;
  RunFacts facts;                     // stopped is left kNone: the caller knows why it stopped
};

class Pipeline {
 public:
  // `out_fd` < 0 means no per-record results (-o none). The catalog, inputs
  // and options must outlive the pipeline.
  Pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
           const PipelineOptions& options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Runs the job; blocks until every thread it started has been joined.
  // REQUIRES: `intake` ends whenever `run` ends (e.g. intake = with_cancel(run)).
  PipelineReport run(const Context& run, const Context& intake);

  // Statistics of the records finished so far (SIGUSR1). Thread-safe.
  Stats snapshot() const;
  // Records finished so far (progress); cheaper than snapshot(). Thread-safe.
  std::uint64_t records_done() const;
  // Input bytes read so far (progress). Thread-safe.
  std::uint64_t bytes_read() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs a whole job that nothing stops early (tests, benchmarks).
PipelineReport run_pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                            const PipelineOptions& options);

}  // namespace orderflow
