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

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Framer::Framer(InputFormat format, std::size_t record_bytes_max, std::string source)
    : format_(format), record_bytes_max_(record_bytes_max), source_(std::move(source)) {}

std::uint64_t Framer::resume_line() const {
  if (mode_ == Mode::kArray && array_ == ArrayState::kElement) return carry_line_;
  return carry_.empty() ? line_ : carry_line_;
}

Status Framer::feed(const char* p, std::size_t n, RecordSink& sink) {
  const char* end = p + n;
  if (mode_ == Mode::kDetect) {
    if (Status s = detect(p, end, sink); !s.ok()) return s;
    if (mode_ == Mode::kDetect) return Status::Ok();  // only blanks so far
  }
  switch (mode_) {
    case Mode::kLines: return feed_lines(p, end, sink);
    case Mode::kArray: feed_array(p, end, sink); return Status::Ok();
    default: return Status::Ok();
  }
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
  InputFormat f = format_;
  if (f == InputFormat::kAuto) f = first == '[' ? InputFormat::kJson : first == '{' ? InputFormat::kNdjson : InputFormat::kCsv;
  switch (f) {
    case InputFormat::kJson:
      mode_ = Mode::kArray;
      record_format_ = RecordFormat::kJsonArray;
      sink.begin_file(record_format_, csv_);
      if (first != '[') {
        sink.invalid(line_, Defect::kNotArray, 0);
        mode_ = Mode::kDead;
        carry_.clear();
        return Status::Ok();
      }
      ++p;  // the '['
      array_ = ArrayState::kOpen;
      return Status::Ok();
    case InputFormat::kCsv:
      mode_ = Mode::kLines;
      record_format_ = RecordFormat::kCsv;
      return Status::Ok();  // begin_file once the header is read
    default:
      mode_ = Mode::kLines;
      record_format_ = RecordFormat::kNdjson;
      sink.begin_file(record_format_, csv_);
      return Status::Ok();
  }
}

Status Framer::feed_lines(const char* p, const char* end, RecordSink& sink) {
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (skipping_) {
      if (!nl) return Status::Ok();
      ++line_;
      p = nl + 1;
      skipping_ = false;
      continue;
    }
    if (!nl) {
      std::size_t add = static_cast<std::size_t>(end - p);
      if (carry_.empty()) carry_line_ = line_;
      if (carry_.size() + add > record_bytes_max_ + 1) {  // +1: a CR may still go
        if (carry_line_ >= first_line_) sink.invalid(carry_line_, Defect::kTooLong, record_bytes_max_);
        carry_.clear();
        skipping_ = true;
        return Status::Ok();
      }
      carry_.append(p, add);
      return Status::Ok();
    }
    std::size_t len = static_cast<std::size_t>(nl - p);
    Status s;
    if (!carry_.empty()) {
      if (carry_.size() + len > record_bytes_max_ + 1) {
        if (carry_line_ >= first_line_) sink.invalid(carry_line_, Defect::kTooLong, record_bytes_max_);
      } else {
        carry_.append(p, len);
        s = line(carry_.data(), carry_.size(), carry_line_, sink);
      }
      carry_.clear();
    } else {
      s = line(p, len, line_, sink);
    }
    if (!s.ok()) return s;
    ++line_;
    p = nl + 1;
  }
  return Status::Ok();
}

Status Framer::line(const char* p, std::size_t n, std::uint64_t line_no, RecordSink& sink) {
  if (n > 0 && p[n - 1] == '\r') --n;
  if (n > record_bytes_max_) {
    if (line_no >= first_line_) sink.invalid(line_no, Defect::kTooLong, record_bytes_max_);
    return Status::Ok();
  }
  if (is_blank(p, n)) return Status::Ok();
  if (record_format_ == RecordFormat::kCsv && !csv_header_seen_) return csv_header(p, n, line_no, sink);
  if (line_no >= first_line_) sink.record(line_no, p, n);
  return Status::Ok();
}

Status Framer::csv_header(const char* p, std::size_t n, std::uint64_t line_no, RecordSink& sink) {
  csv_header_seen_ = true;
  std::string row(p, n);
  std::vector<std::string_view> cells;
  std::string where = source_ + ":" + std::to_string(line_no) + ": ";
  if (!split_csv_row(row.data(), row.data() + row.size(), cells))
    return Status::Corruption(where + "malformed CSV header");
  csv_ = CsvLayout{};
  csv_.columns = static_cast<std::uint32_t>(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c) {
    int* slot = iequals(cells[c], "id") ? &csv_.id : iequals(cells[c], "op") ? &csv_.op
              : iequals(cells[c], "productId") ? &csv_.product : iequals(cells[c], "amount") ? &csv_.amount
              : nullptr;
    if (!slot) continue;  // unknown columns are ignored
    if (*slot >= 0) return Status::Corruption(where + "CSV header names column " + std::string(cells[c]) + " twice");
    *slot = static_cast<int>(c);
  }
  if (csv_.product < 0 || csv_.amount < 0) {
    return Status::Corruption(where + "CSV header must name the columns productId and amount" +
                              " (and optionally id and op); is this CSV?");
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
          if (array_ == ArrayState::kAfterComma) sink.invalid(line_, Defect::kEmptyElement, 0);
          array_ = ArrayState::kClosed;
          continue;
        }
        if (c == ',') {
          sink.invalid(line_, Defect::kEmptyElement, 0);
          array_ = ArrayState::kAfterComma;
          continue;
        }
        array_ = ArrayState::kElement;
        carry_.clear();
        carry_line_ = line_;
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
          sink.invalid(carry_line_, Defect::kTooLong, record_bytes_max_);
          skipping_ = true;
          carry_.clear();
          run = nullptr;
        }
        continue;
      case ArrayState::kClosed:
        if (is_space(c)) {
          if (c == '\n') ++line_;
          continue;
        }
        sink.invalid(line_, Defect::kTrailingContent, 0);
        mode_ = Mode::kDead;
        return;
    }
  }
  flush_run(end);
}

void Framer::end_element(RecordSink& sink) {
  if (!skipping_) sink.record(carry_line_, carry_.data(), carry_.size());
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
        const char* none = nullptr;
        s = detect(none, none, sink);
        if (s.ok() && mode_ == Mode::kLines) s = line(carry_.data(), carry_.size(), carry_line_, sink);
      }
      break;
    case Mode::kLines:
      if (!skipping_ && !carry_.empty()) s = line(carry_.data(), carry_.size(), carry_line_, sink);
      break;
    case Mode::kArray:
      if (array_ == ArrayState::kOpen || array_ == ArrayState::kAfterComma)
        sink.invalid(line_, Defect::kArrayUnterminated, 0);
      else if (array_ == ArrayState::kElement && !skipping_)
        sink.invalid(carry_line_, Defect::kArrayUnterminated, 0);
      break;
    case Mode::kDead:
      break;
  }
  carry_.clear();
  mode_ = Mode::kDead;
  return s;
}

}  // namespace orderflow
