#pragma once
// Batch: a run of consecutive records from one input file, the unit that moves
// between pipeline stages (the channel cost is paid per batch, not per record).
//
// A batch owns the bytes of its records (each followed by a NUL, for in-situ
// parsing), the decoded Records, and its formatted results. It is moved, never
// copied, between stages; one stage owns it at a time. `clear()` keeps the
// allocations so batches can be recycled.
#include <cstdint>
#include <string>
#include <vector>

#include "data/record.h"

namespace orderflow {

struct Batch {
  std::uint64_t index = 0;          // 0, 1, 2, ... in input order
  std::uint32_t file = 0;           // index into the run's input names
  RecordFormat format = RecordFormat::kNdjson;
  CsvLayout csv;                    // with kCsv
  std::vector<char> bytes;          // record bytes, each NUL-terminated
  std::vector<Record> records;      // seq ascending, contiguous
  std::string out;                  // formatted results (NDJSON lines)

  Batch() = default;
  Batch(Batch&&) noexcept = default;
  Batch& operator=(Batch&&) noexcept = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  char* data(const Record& r) { return bytes.data() + r.offset; }

  // Appends a record with the given bytes (copied, then NUL-terminated).
  Record& add(std::uint64_t seq, std::uint64_t line, const char* p, std::size_t n) {
    Record& r = records.emplace_back();
    r.seq = seq;
    r.line = line;
    r.offset = static_cast<std::uint32_t>(bytes.size());
    r.length = static_cast<std::uint32_t>(n);
    bytes.insert(bytes.end(), p, p + n);
    bytes.push_back('\0');
    return r;
  }

  void clear() {
    bytes.clear();
    records.clear();
    out.clear();
  }
};

}  // namespace orderflow
