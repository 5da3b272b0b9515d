#include "data/codec/framer.h"

#include <cstring>
#include <vector>

#include "data/codec/csv.h"

namespace orderflow {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_blank(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t') return false;
  return true;
}

}  // namespace

Framer::Framer(InputFormat format, std::size_t record_bytes_max, std::string source)
    : format_(format), record_bytes_max_(record_bytes_max), source_(std::move(source)) {}

std::uint64_t Framer::resume_line() const {
  if (mode_ == Mode::kArray && array_ == ArrayState::kElement) return carry_line_;
  if (mode_ == Mode::kLines && skipping_) return skip_line_;
  return carry_.empty() ? line_ : carry_line_;
}

std::uint64_t Framer::resume_offset() const {
  if (mode_ == Mode::kArray && array_ == ArrayState::kElement) return carry_offset_;
  if (mode_ == Mode::kLines && skipping_) return skip_offset_;
  return carry_.empty() ? offset_ : carry_offset_;
}

bool Framer::keep(std::uint64_t line, std::uint64_t offset, std::uint64_t end) {
  if (skip_before_ == 0) return true;
  if (offset < skip_before_) {
    if (end > skip_before_ && resume_error_.ok())
      resume_error_ = Status::InvalidArgument(source_ + ": byte " + std::to_string(skip_before_) +
                                              " is inside the record on line " + std::to_string(line) +
                                              ": not the input the resume point came from");
    return false;
  }
  if (offset == skip_before_ && line != skip_line_expected_ && resume_error_.ok())
    resume_error_ = Status::InvalidArgument(source_ + ": the record at byte " + std::to_string(offset) + " is on line " +
                                            std::to_string(line) + ", not line " +
                                            std::to_string(skip_line_expected_) +
                                            ": not the input the resume point came from");
  skip_before_ = 0;  // everything from here on is handed on
  return true;
}

void Framer::emit_record(std::uint64_t line, std::uint64_t offset, const char* p, std::size_t n, RecordSink& sink) {
  if (!keep(line, offset, offset + n)) return;
  emit_offset_ = offset;
  sink.record(line, p, n);
}

void Framer::emit_invalid(std::uint64_t line, std::uint64_t offset, Defect defect, std::uint64_t arg,
                          RecordSink& sink) {
  if (!keep(line, offset, offset)) return;
  emit_offset_ = offset;
  sink.invalid(line, defect, arg);
}

Status Framer::feed(const char* p, std::size_t n, RecordSink& sink) {
  const char* end = p + n;
  base_ = p;
  base_offset_ = offset_;
  offset_ += n;
  Status s;
  if (mode_ == Mode::kDetect) s = detect(p, end, sink);
  if (s.ok() && mode_ == Mode::kLines) s = feed_lines(p, end, sink);
  if (s.ok() && mode_ == Mode::kArray) feed_array(p, end, sink);
  if (s.ok() && !resume_error_.ok()) s = resume_error_;
  return s;
}

// Skips a byte-order mark and blank space, then picks the mode from the first
// other byte, leaving `p` on it.
Status Framer::detect(const char*& p, const char* end, RecordSink& sink) {
  while (at_start_ && p < end) {
    if (bom_seen_ < 3 && *p == kBom[bom_seen_]) {
      ++bom_seen_;
      ++p;
      if (bom_seen_ == 3) at_start_ = false;
      continue;
    }
    at_start_ = false;
    // A broken mark is content: give its bytes back as the start of a line.
    if (bom_seen_ > 0) {
      carry_.assign(kBom, bom_seen_);
      carry_line_ = 1;
      carry_offset_ = 0;
    }
  }
  if (carry_.empty()) {
    while (p < end && is_space(*p)) {
      if (*p == '\n') ++line_;
      ++p;
    }
    if (p == end) return Status::Ok();
  }
  char first = carry_.empty() ? *p : carry_[0];
  const CodecInfo& codec = format_ == InputFormat::kAuto ? detect_codec(first) : codec_for(format_);
  record_format_ = codec.format;
  framing_ = codec.framing;
  switch (framing_) {
    case Framing::kArrayElements:
      mode_ = Mode::kArray;
      sink.begin_file(record_format_, csv_);
      if (first != '[') {
        emit_invalid(line_, carry_.empty() ? off(p) : 0, Defect::kNotArray, 0, sink);
        mode_ = Mode::kDead;
        carry_.clear();
        return Status::Ok();
      }
      ++p;  // the '['
      array_ = ArrayState::kOpen;
      return Status::Ok();
    case Framing::kLinesWithHeader:
      mode_ = Mode::kLines;
      return Status::Ok();  // begin_file once the header is read
    case Framing::kLines:
      break;
  }
  mode_ = Mode::kLines;
  sink.begin_file(record_format_, csv_);
  return Status::Ok();
}

Status Framer::feed_lines(const char* p, const char* end, RecordSink& sink) {
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (skipping_) {
      if (!nl) return Status::Ok();
      ++line_;
      p = nl + 1;
      skipping_ = false;
      // Handed on only now that its end is known: a stop while it was being
      // skipped resumes at its start, and it is not counted twice.
      emit_invalid(skip_line_, skip_offset_, Defect::kTooLong, record_bytes_max_, sink);
      continue;
    }
    if (!nl) {
      std::size_t add = static_cast<std::size_t>(end - p);
      if (carry_.empty()) {
        carry_line_ = line_;
        carry_offset_ = off(p);
      }
      if (carry_.size() + add > record_bytes_max_ + 1) {  // +1: a CR may still go
        skip_line_ = carry_line_;
        skip_offset_ = carry_offset_;
        carry_.clear();
        skipping_ = true;
        return Status::Ok();
      }
      carry_.append(p, add);
      return Status::Ok();
    }
    std::size_t len = static_cast<std::size_t>(nl - p);
    if (csv_row_continues(p, len)) {
      // A quoted CSV field holds this line break: the row goes on.
      if (carry_.empty()) {
        carry_line_ = line_;
        carry_offset_ = off(p);
      }
      ++line_;
      if (carry_.size() + len + 1 > record_bytes_max_ + 1) {
        // Too long: cut at this line break (a rest of it that spans more
        // lines is cut as rows of its own) -- the same line break at which a
        // row that grew too long before its line ended stops being skipped.
        emit_invalid(carry_line_, carry_offset_, Defect::kTooLong, record_bytes_max_, sink);
        carry_.clear();
      } else {
        carry_.append(p, len + 1);
      }
      p = nl + 1;
      continue;
    }
    Status s;
    if (!carry_.empty()) {
      if (carry_.size() + len > record_bytes_max_ + 1) {
        emit_invalid(carry_line_, carry_offset_, Defect::kTooLong, record_bytes_max_, sink);
      } else {
        carry_.append(p, len);
        s = line(carry_.data(), carry_.size(), carry_line_, carry_offset_, sink);
      }
      carry_.clear();
    } else {
      s = line(p, len, line_, off(p), sink);
    }
    if (!s.ok()) return s;
    ++line_;
    p = nl + 1;
  }
  return Status::Ok();
}

Status Framer::line(const char* p, std::size_t n, std::uint64_t line_no, std::uint64_t offset, RecordSink& sink) {
  if (n > 0 && p[n - 1] == '\r') --n;
  if (n > record_bytes_max_) {
    emit_invalid(line_no, offset, Defect::kTooLong, record_bytes_max_, sink);
    return Status::Ok();
  }
  if (is_blank(p, n)) return Status::Ok();
  if (framing_ == Framing::kLinesWithHeader && !csv_header_seen_) return csv_header(p, n, line_no, sink);
  // A spreadsheet's empty row (";;;") is a blank line, not a record.
  if (framing_ == Framing::kLinesWithHeader && csv_row_is_empty(std::string_view(p, n), dialect())) return Status::Ok();
  emit_record(line_no, offset, p, n, sink);
  return Status::Ok();
}

CsvDialect Framer::dialect() const { return CsvDialect{csv_.delimiter, true}; }

bool Framer::csv_row_continues(const char* p, std::size_t n) const {
  if (record_format_ != RecordFormat::kCsv || !csv_header_seen_) return false;
  // Most rows hold no quote at all: only those are scanned byte by byte.
  if (carry_.empty() && !std::memchr(p, '"', n)) return false;
  const CsvDialect d = dialect();
  if (carry_.empty()) return csv_row_open(std::string_view(p, n), false, d);
  // The row so far and this line scanned as one, from the row's start: a
  // chunk boundary may fall between a quote and its escaping twin, or before
  // a field's opening quote, where a carried-over "open" flag says too little.
  std::string row = carry_;
  row.append(p, n);
  return csv_row_open(row, false, d);
}

Status Framer::csv_header(const char* p, std::size_t n, std::uint64_t line_no, RecordSink& sink) {
  csv_header_seen_ = true;
  std::string row(p, n);
  std::vector<std::string_view> cells;
  std::string where = source_ + ":" + std::to_string(line_no) + ": ";
  csv_ = CsvLayout{};
  csv_.delimiter = csv_delimiter_ ? csv_delimiter_ : detect_csv_delimiter(row, {"productId", "amount"});
  if (!split_csv_row(row.data(), row.data() + row.size(), cells, dialect()))
    return Status::Corruption(where + "malformed CSV header");
  csv_.columns = static_cast<std::uint32_t>(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c) {
    int* slot = csv_iequals(cells[c], "id") ? &csv_.id : csv_iequals(cells[c], "op") ? &csv_.op
              : csv_iequals(cells[c], "productId") ? &csv_.product : csv_iequals(cells[c], "amount") ? &csv_.amount
              : nullptr;
    if (!slot) continue;  // unknown columns are ignored
    if (*slot >= 0) return Status::Corruption(where + "CSV header names column " + std::string(cells[c]) + " twice");
    *slot = static_cast<int>(c);
  }
  if (csv_.product < 0 || csv_.amount < 0) {
    std::string delim = csv_.delimiter == '\t' ? "tab" : std::string(1, csv_.delimiter);
    return Status::Corruption(where + "CSV header must name the columns productId and amount" +
                              " (and optionally id and op); is this CSV?" +
                              (csv_delimiter_ ? " (read with the delimiter " + delim + ")" : std::string()));
  }
  sink.begin_file(RecordFormat::kCsv, csv_);
  return Status::Ok();
}

void Framer::feed_array(const char* p, const char* end, RecordSink& sink) {
  // Bytes of the current element not yet copied into carry_ start at `run`.
  const char* run = (array_ == ArrayState::kElement && !skipping_) ? p : nullptr;
  auto flush_run = [&](const char* upto) {
    if (run && !skipping_) carry_.append(run, static_cast<std::size_t>(upto - run));
    run = nullptr;
  };
  for (; p < end; ++p) {
    char c = *p;
    switch (array_) {
      case ArrayState::kOpen:
      case ArrayState::kAfterComma:
        if (is_space(c)) {
          if (c == '\n') ++line_;
          continue;
        }
        if (c == ']') {
          if (array_ == ArrayState::kAfterComma) emit_invalid(line_, off(p), Defect::kEmptyElement, 0, sink);
          array_ = ArrayState::kClosed;
          continue;
        }
        if (c == ',') {
          emit_invalid(line_, off(p), Defect::kEmptyElement, 0, sink);
          array_ = ArrayState::kAfterComma;
          continue;
        }
        array_ = ArrayState::kElement;
        carry_.clear();
        carry_line_ = line_;
        carry_offset_ = off(p);
        depth_ = 0;
        in_string_ = escape_ = skipping_ = false;
        run = p;
        [[fallthrough]];
      case ArrayState::kElement:
        if (in_string_) {
          if (escape_) escape_ = false;
          else if (c == '\\') escape_ = true;
          else if (c == '"') in_string_ = false;
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (depth_ > 0) {
            --depth_;
          } else if (c == ']') {
            flush_run(p);
            end_element(sink);
            array_ = ArrayState::kClosed;
            continue;
          }  // a stray '}' stays in the element, where parsing will refuse it
        } else if (c == ',' && depth_ == 0) {
          flush_run(p);
          end_element(sink);
          array_ = ArrayState::kAfterComma;
          continue;
        }
        if (c == '\n') ++line_;
        if (run && carry_.size() + static_cast<std::size_t>(p + 1 - run) > record_bytes_max_) {
          skipping_ = true;  // handed on when the element ends (end_element)
          carry_.clear();
          run = nullptr;
        }
        continue;
      case ArrayState::kClosed:
        if (is_space(c)) {
          if (c == '\n') ++line_;
          continue;
        }
        emit_invalid(line_, off(p), Defect::kTrailingContent, 0, sink);
        mode_ = Mode::kDead;
        return;
    }
  }
  flush_run(end);
}

void Framer::end_element(RecordSink& sink) {
  if (skipping_) emit_invalid(carry_line_, carry_offset_, Defect::kTooLong, record_bytes_max_, sink);
  else emit_record(carry_line_, carry_offset_, carry_.data(), carry_.size(), sink);
  skipping_ = false;
  carry_.clear();
}

Status Framer::finish(RecordSink& sink) {
  Status s;
  switch (mode_) {
    case Mode::kDetect:
      if (at_start_ && bom_seen_ > 0) {  // the file is only part of a byte-order mark: content
        at_start_ = false;
        carry_.assign(kBom, bom_seen_);
        carry_line_ = 1;
        carry_offset_ = 0;
        const char* none = nullptr;
        s = detect(none, none, sink);
        if (s.ok() && mode_ == Mode::kLines) s = line(carry_.data(), carry_.size(), carry_line_, 0, sink);
      }
      break;
    case Mode::kLines:
      if (skipping_) emit_invalid(skip_line_, skip_offset_, Defect::kTooLong, record_bytes_max_, sink);
      else if (!carry_.empty()) s = line(carry_.data(), carry_.size(), carry_line_, carry_offset_, sink);
      break;
    case Mode::kArray:
      if (array_ == ArrayState::kOpen || array_ == ArrayState::kAfterComma)
        emit_invalid(line_, offset_, Defect::kArrayUnterminated, 0, sink);
      else if (array_ == ArrayState::kElement && skipping_)
        emit_invalid(carry_line_, carry_offset_, Defect::kTooLong, record_bytes_max_, sink);
      else if (array_ == ArrayState::kElement)
        emit_invalid(carry_line_, carry_offset_, Defect::kArrayUnterminated, 0, sink);
      break;
    case Mode::kDead:
      break;
  }
  carry_.clear();
  mode_ = Mode::kDead;
  if (s.ok() && !resume_error_.ok()) s = resume_error_;
  return s;
}

}  // namespace orderflow
