#pragma once
// Framer: cuts one input file's bytes into records, incrementally, without ever
// holding more than one record (at most `record_bytes_max` bytes) of carry-over.
//
// How depends on the format's Framing (data/codec/record_codec.h, one row per format):
//  - kLines (ndjson), kLinesWithHeader (csv): a record is a line (LF or CRLF).
//    Blank lines are not records. With a header, the first non-blank line is it.
//  - kArrayElements (json): one top-level array; each element is a record.
//    Elements are found by tracking strings and nesting, so a 10 GB array
//    streams through.
//  - auto: the first non-blank byte picks the row (detect_codec): '[' json,
//    '{' ndjson, else csv.
// A UTF-8 byte-order mark at the start of the file is skipped.
//
// A record longer than `record_bytes_max` becomes an invalid record (kTooLong)
// and the rest of it is skipped without being held in memory. Framing damage
// (an unterminated array, bytes after ']') also becomes an invalid record, so
// that every problem is reported on a numbered record.
//
// Not thread-safe: one Framer per file, used by one thread.
#include <cstdint>
#include <string>

#include "data/codec/csv.h"
#include "data/codec/record_codec.h"
#include "data/model/order.h"
#include "data/model/record.h"
#include "data/base/status.h"

namespace orderflow {

// Receives what a Framer cuts, in input order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // The file's format is known; called once, before its first record.
  virtual void begin_file(RecordFormat format, const CsvLayout& csv) = 0;
  // A complete record's bytes (valid until the call returns).
  virtual void record(std::uint64_t line, const char* bytes, std::size_t n) = 0;
  // A record that framing already found invalid; it has no bytes.
  virtual void invalid(std::uint64_t line, Defect defect, std::uint64_t arg) = 0;
};

class Framer {
 public:
  // `source` names the file in fatal error messages.
  Framer(InputFormat format, std::size_t record_bytes_max, std::string source);

  // Feeds the next bytes of the file. Returns a fatal error (a CSV header
  // without the needed columns); after one, the Framer must not be fed again.
  Status feed(const char* p, std::size_t n, RecordSink& sink);
  // The file has ended.
  Status finish(RecordSink& sink);

  // Resuming exactly (SPEC "Stopping", `--resume`): records that start before
  // byte `offset` of the file are framed but not handed on (a CSV header is
  // still read, a JSON array still entered), in every format and layout. A
  // record that starts at `offset` must be on `line`; `offset` inside a
  // record (or on another line) means the input is not the one the resume
  // point came from, and feed()/finish() fail saying so.
  void skip_before_offset(std::uint64_t offset, std::uint64_t line) {
    skip_before_ = offset;
    skip_line_expected_ = line;
  }

  // CSV: the delimiter (',', ';' or '\t'); 0 (the default) tells it from the
  // header line (detect_csv_delimiter). Spaces around unquoted fields are
  // trimmed, a quoted field may span lines (the record keeps the line of its
  // first line), and an all-empty row is skipped like a blank line.
  void set_csv_delimiter(char delimiter) { csv_delimiter_ = delimiter; }

  // Where the next record not yet handed to the sink starts (the start of any
  // carried-over partial record, or of an over-long one being skipped, which
  // is handed on only once its end is found): line and byte offset in the
  // file. For the summary's `resume`.
  std::uint64_t resume_line() const;
  std::uint64_t resume_offset() const;

  // The byte offset of the record being handed to the sink; valid inside
  // RecordSink::record()/invalid().
  std::uint64_t record_offset() const { return emit_offset_; }

 private:
  enum class Mode : std::uint8_t { kDetect, kLines, kArray, kDead };
  enum class ArrayState : std::uint8_t { kOpen, kAfterComma, kElement, kClosed };

  Status detect(const char*& p, const char* end, RecordSink& sink);
  Status feed_lines(const char* p, const char* end, RecordSink& sink);
  Status line(const char* p, std::size_t n, std::uint64_t line_no, std::uint64_t offset, RecordSink& sink);
  // Hand a record to the sink, unless it starts before skip_before_.
  void emit_record(std::uint64_t line, std::uint64_t offset, const char* p, std::size_t n, RecordSink& sink);
  void emit_invalid(std::uint64_t line, std::uint64_t offset, Defect defect, std::uint64_t arg, RecordSink& sink);
  bool keep(std::uint64_t line, std::uint64_t offset, std::uint64_t end);
  // The file offset of a byte of the block being fed.
  std::uint64_t off(const char* q) const { return base_offset_ + static_cast<std::uint64_t>(q - base_); }
  Status csv_header(const char* p, std::size_t n, std::uint64_t line_no, RecordSink& sink);
  // True when a CSV row's quoted field is still open at the end of the line
  // [p, p+n) (after the carried part of the row).
  bool csv_row_continues(const char* p, std::size_t n) const;
  CsvDialect dialect() const;
  void feed_array(const char* p, const char* end, RecordSink& sink);
  void end_element(RecordSink& sink);

  InputFormat format_;
  std::size_t record_bytes_max_;
  std::string source_;
  Mode mode_ = Mode::kDetect;
  RecordFormat record_format_ = RecordFormat::kNdjson;
  Framing framing_ = Framing::kLines;
  bool csv_header_seen_ = false;
  char csv_delimiter_ = 0;         // 0: told by the header
  CsvLayout csv_;
  std::size_t bom_seen_ = 0;       // bytes of a leading byte-order mark matched so far
  bool at_start_ = true;           // no byte of the file seen yet
  std::uint64_t line_ = 1;         // the line of the next byte
  std::uint64_t offset_ = 0;       // file offset of the byte after those fed so far
  const char* base_ = nullptr;     // the block being fed, and the file offset of its first byte
  std::uint64_t base_offset_ = 0;
  std::uint64_t emit_offset_ = 0;  // record_offset()
  std::uint64_t skip_before_ = 0;  // records starting before this offset give none (resuming)
  std::uint64_t skip_line_expected_ = 0;
  Status resume_error_;            // the resume point does not fit this input
  std::string carry_;              // a partial record (line or element)
  std::uint64_t carry_line_ = 1;   // the line it starts on
  std::uint64_t carry_offset_ = 0; // and its offset
  bool skipping_ = false;          // inside an over-long record (handed on when it ends)
  std::uint64_t skip_line_ = 0;    // the over-long line's start (lines; arrays use carry_*)
  std::uint64_t skip_offset_ = 0;
  // json array state
  ArrayState array_ = ArrayState::kOpen;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace orderflow
