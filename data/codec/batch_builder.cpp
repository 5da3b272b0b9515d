#include "data/codec/batch_builder.h"

#include <algorithm>

#include "data/ledger/record_checksum.h"

namespace orderflow {

BatchBuilder::BatchBuilder(std::size_t batch_records, std::size_t batch_bytes, std::uint64_t first_seq,
                           std::function<bool(Batch&)> emit)
    : batch_records_(batch_records == 0 ? 1 : batch_records),
      batch_bytes_(batch_bytes),
      next_seq_(first_seq),
      emit_(std::move(emit)) {
  fresh();
}

void BatchBuilder::fresh() {
  // `emit` took the last batch by moving from it, or by swapping a recycled
  // (cleared) one in: either way clear() keeps whatever capacity is there.
  current_.clear();
  current_.records.reserve(std::min<std::size_t>(batch_records_, 4096));
  // No reserve for bytes: most records stay in the reader's input blocks, and
  // the copied ones (cut by a block's end) grow it as needed.
}

void BatchBuilder::flush() {
  if (current_.records.empty() || stopped_) return;
  current_.index = next_index_;
  const std::uint32_t file = current_.file;
  const RecordFormat format = current_.format;
  const CsvLayout csv = current_.csv;
  if (!emit_(current_)) {
    stopped_ = true;  // current_ stays held: not accepted
    return;
  }
  ++next_index_;
  held_bytes_ = 0;
  fresh();
  current_.file = file;  // the next batch continues the same file
  current_.format = format;
  current_.csv = csv;
}

void BatchBuilder::start_file(std::uint32_t file) {
  flush();
  current_.file = file;
  current_.format = RecordFormat::kNdjson;
  current_.csv = CsvLayout{};
}

void BatchBuilder::begin_file(RecordFormat format, const CsvLayout& csv) {
  current_.format = format;
  current_.csv = csv;
}

void BatchBuilder::maybe_flush() {
  if (current_.records.size() >= batch_records_ || held_bytes_ >= batch_bytes_) flush();
}

bool BatchBuilder::skip(std::uint64_t line, std::string_view bytes) {
  const std::uint64_t sum = record_checksum_step(next_seq_, line, bytes);
  if (next_seq_ > skip_seq_) {
    if (keep_sums_) current_.sums.push_back(sum);
    return false;
  }
  skip_sum_ += sum;
  if (next_seq_++ == skip_seq_ && skip_sum_ != skip_expected_) {
    skip_mismatch_ = true;
    stopped_ = true;
  }
  return true;
}

void BatchBuilder::record(std::uint64_t line, const char* bytes, std::size_t n) {
  if (stopped_) return;
  if ((keep_sums_ || skip_seq_) && skip(line, std::string_view(bytes, n))) return;
  if (current_.records.empty()) current_.first_offset = framer_ ? framer_->record_offset() : 0;
  const char* base = block_ ? block_->data.get() : nullptr;
  if (base && bytes >= base && bytes + n < base + block_->capacity) {
    current_.add_in_block(next_seq_++, line, block_, static_cast<std::size_t>(bytes - base), n);
  } else {
    current_.add(next_seq_++, line, bytes, n);  // from the framer's carry-over: copied
  }
  held_bytes_ += n + 1;
  maybe_flush();
}

void BatchBuilder::invalid(std::uint64_t line, Defect defect, std::uint64_t arg) {
  if (stopped_) return;
  const char tag[2] = {'\0', static_cast<char>(defect)};  // no record's bytes start with a NUL
  if ((keep_sums_ || skip_seq_) && skip(line, std::string_view(tag, 2))) return;
  if (current_.records.empty()) current_.first_offset = framer_ ? framer_->record_offset() : 0;
  Record& r = current_.add(next_seq_++, line, nullptr, 0);
  r.reason = Reason::kInvalidRecord;
  r.defect = defect;
  r.defect_arg = arg;
  maybe_flush();
}

}  // namespace orderflow
