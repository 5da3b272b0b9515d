#pragma once
// Batch: a run of consecutive records from one input file, the unit that moves
// between pipeline stages (the channel cost is paid per batch, not per record).
//
// A batch owns the bytes of its records (each followed by a NUL, for in-situ
// parsing), the decoded Records, and its formatted results. It is moved, never
// copied, between stages; one stage owns it at a time. `clear()` keeps the
// allocations so batches can be recycled.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "data/model/record.h"

namespace orderflow {

// The bytes of a batch's records: a growable buffer that, unlike
// std::vector<char>, never zero-fills what it is about to overwrite.
class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&& o) noexcept : data_(std::move(o.data_)), size_(o.size_), capacity_(o.capacity_) {
    o.size_ = o.capacity_ = 0;
  }
  ByteBuffer& operator=(ByteBuffer&& o) noexcept {
    data_ = std::move(o.data_);
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.size_ = o.capacity_ = 0;
    return *this;
  }

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }
  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    std::unique_ptr<char[]> bigger(new char[n]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = n;
  }
  // Appends n bytes and a NUL.
  void append_terminated(const char* p, std::size_t n) {
    if (size_ + n + 1 > capacity_) reserve(std::max(capacity_ * 2, size_ + n + 1));
    if (n) std::memcpy(data_.get() + size_, p, n);
    data_[size_ + n] = '\0';
    size_ += n + 1;
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// A block of input bytes as read. Records framed wholly inside one are not
// copied: the batches point into the block and keep it alive (shared
// ownership), so its bytes are parsed where they were read. The byte after
// each such record becomes its NUL terminator.
struct InputBlock {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
};
using InputBlockRef = std::shared_ptr<InputBlock>;

struct Batch {
  std::uint64_t index = 0;          // 0, 1, 2, ... in input order
  std::uint32_t file = 0;           // index into the run's input names
  std::uint64_t first_offset = 0;   // byte offset of records.front() in its file (a resume point)
  RecordFormat format = RecordFormat::kNdjson;
  CsvLayout csv;                    // with kCsv
  ByteBuffer bytes;                 // record bytes, each NUL-terminated (records copied here)
  std::vector<InputBlockRef> blocks;  // the input blocks other records point into
  std::vector<Record> records;      // seq ascending, contiguous
  std::vector<Item> items;          // the baskets' items (Record::items), in record order
  std::string out;                  // formatted results (NDJSON lines)
  std::vector<std::uint64_t> sums;  // per record, with a durable ledger: its checksum step (or empty)

  Batch() = default;
  Batch(Batch&&) noexcept = default;
  Batch& operator=(Batch&&) noexcept = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  char* data(const Record& r) { return (r.block ? blocks[r.block - 1u]->data.get() : bytes.data()) + r.offset; }
  const char* data(const Record& r) const {
    return (r.block ? blocks[r.block - 1u]->data.get() : bytes.data()) + r.offset;
  }
  // The text of one of r's fields.
  std::string_view text(const Record& r, TextSpan t) const { return {data(r) + t.offset, t.size}; }

  // A basket's items. REQUIRES: r.is_basket().
  Item* items_of(const Record& r) { return items.data() + r.items.first; }
  const Item* items_of(const Record& r) const { return items.data() + r.items.first; }

  // Appends a record with the given bytes (copied, then NUL-terminated).
  Record& add(std::uint64_t seq, std::uint64_t line, const char* p, std::size_t n) {
    Record& r = records.emplace_back();
    r.seq = seq;
    r.line = line;
    r.offset = static_cast<std::uint32_t>(bytes.size());
    r.length = static_cast<std::uint32_t>(n);
    bytes.append_terminated(p, n);
    return r;
  }

  // Appends a record whose n bytes stay in `block` at `offset`. REQUIRES: the
  // byte after them is in the block and may be overwritten (it becomes the NUL).
  Record& add_in_block(std::uint64_t seq, std::uint64_t line, const InputBlockRef& block, std::size_t offset,
                       std::size_t n) {
    if (blocks.empty() || blocks.back() != block) blocks.push_back(block);
    Record& r = records.emplace_back();
    r.seq = seq;
    r.line = line;
    r.block = static_cast<std::uint16_t>(blocks.size());
    r.offset = static_cast<std::uint32_t>(offset);
    r.length = static_cast<std::uint32_t>(n);
    block->data[offset + n] = '\0';
    return r;
  }

  void clear() {
    blocks.clear();
    bytes.clear();
    records.clear();
    items.clear();
    out.clear();
    sums.clear();
  }
};

}  // namespace orderflow
