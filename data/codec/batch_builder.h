#pragma once
// BatchBuilder: the RecordSink that packs framed records into Batches of at
// most `batch_records` records / about `batch_bytes` bytes, numbers them (seq
// across the whole run, batch index), and hands each full batch to `emit`.
// A batch never spans two files. Records framed inside the caller's current
// input block (use_block) are referenced, not copied.
//
// Not thread-safe: owned by the one thread that reads input.
#include <cstdint>
#include <functional>
#include <string_view>

#include "data/model/batch.h"
#include "data/codec/framer.h"

namespace orderflow {

class BatchBuilder final : public RecordSink {
 public:
  // `emit` is offered each full batch: it returns true after taking it (moving
  // from it, or swapping it with an empty batch whose allocations it recycles),
  // or false, leaving it untouched, to say "no more" (the run is stopping). After a refusal the batch stays held (not accepted), further
  // records are dropped, and stopped() is true.
  BatchBuilder(std::size_t batch_records, std::size_t batch_bytes, std::uint64_t first_seq,
               std::function<bool(Batch&)> emit);

  // Records from now on belong to input file `file`. Flushes the current batch.
  void start_file(std::uint32_t file);
  // The bytes fed from now on live in `block` (mutable, owned by the caller):
  // records wholly inside it are referenced instead of copied.
  void use_block(InputBlockRef block) { block_ = std::move(block); }
  // The framer whose record_offset() gives each batch's first_offset (none: 0).
  void use_framer(const Framer* framer) { framer_ = framer; }
  // Emits the current batch if it holds any record.
  void flush();

  void begin_file(RecordFormat format, const CsvLayout& csv) override;
  void record(std::uint64_t line, const char* bytes, std::size_t n) override;
  void invalid(std::uint64_t line, Defect defect, std::uint64_t arg) override;

  std::uint64_t next_seq() const { return next_seq_; }  // of the next record to arrive
  // The seq and line of the first record not yet emitted, if any is held.
  bool holding() const { return !current_.records.empty(); }
  std::uint64_t first_held_seq() const { return current_.records.front().seq; }
  std::uint64_t first_held_line() const { return current_.records.front().line; }
  std::uint64_t first_held_offset() const { return current_.first_offset; }
  bool stopped() const { return stopped_; }

  // Checksums (a durable ledger's continuation, data/ledger/ledger_db.h): with
  // keep_checksums(true) each record's record_checksum_step(seq, line, bytes),
  // taken before any stage parses the bytes in place, goes into Batch::sums.
  void keep_checksums(bool on) { keep_sums_ = on; }
  // Continuing a run: records with seq <= `seq` are checksummed and dropped
  // (never emitted); their checksums must add up to `checksum`. When they do
  // not, or the input ends before `seq`, skip_mismatch() becomes true and the
  // builder stops (stopped()) without emitting anything after them.
  void skip_through(std::uint64_t seq, std::uint64_t checksum) {
    skip_seq_ = seq;
    skip_expected_ = checksum;
  }
  bool skipping() const { return next_seq_ <= skip_seq_; }
  // True when the skipped records were not the expected ones; call finish_skip() at the end of the input first.
  bool skip_mismatch() const { return skip_mismatch_; }
  // The input ended: any record still to be skipped is missing.
  void finish_skip() {
    if (skipping()) {
      skip_mismatch_ = true;
      stopped_ = true;
    }
  }

 private:
  void fresh();
  void maybe_flush();
  // Checksums a record; true when it is to be skipped (continuing a run).
  bool skip(std::uint64_t line, std::string_view bytes);

  std::size_t batch_records_;
  std::size_t batch_bytes_;
  std::uint64_t next_seq_;
  std::uint64_t next_index_ = 0;
  std::function<bool(Batch&)> emit_;
  Batch current_;
  std::size_t held_bytes_ = 0;  // record bytes in current_, copied or referenced
  InputBlockRef block_;
  const Framer* framer_ = nullptr;
  bool stopped_ = false;
  bool keep_sums_ = false;
  std::uint64_t skip_seq_ = 0;        // records up to this seq are skipped
  std::uint64_t skip_expected_ = 0;
  std::uint64_t skip_sum_ = 0;
  bool skip_mismatch_ = false;
};

}  // namespace orderflow
