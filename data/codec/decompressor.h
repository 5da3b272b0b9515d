#pragma once
// Decompressor: gzip (zlib) and zstd (libzstd) streams turned back into the
// bytes they hold, incrementally, into buffers the caller owns — a pure data
// transformation (no I/O): engine/input_reader.cpp feeds it what it read and
// frames what comes out, so compressed input goes through the same framer,
// limits and FILE:LINE errors as plain input, in flat memory (the state is
// zlib's 32 KiB window or zstd's frame window, nothing per input size).
//
// A compression kind is told by the stream's magic bytes (sniff). Several
// concatenated gzip members or zstd frames are one stream (`cat a.gz b.gz`).
//
// Errors: a corrupt stream is reported by decompress(), a stream that ends
// inside a member/frame by finish(), as an IOError whose message says what is
// wrong ("truncated gzip stream"); the caller names the input.
//
// Not thread-safe: one Decompressor per input stream. Movable, not copyable.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "data/base/enum_table.h"
#include "data/base/status.h"

namespace orderflow {

enum class Compression { kNone, kGzip, kZstd };

inline constexpr EnumName<Compression> kCompressions[] = {
    {Compression::kNone, "none"},
    {Compression::kGzip, "gzip"},
    {Compression::kZstd, "zstd"},
};
std::string_view to_string(Compression c);  // "none", "gzip", "zstd"
std::optional<Compression> parse_compression(std::string_view name);

// Bytes that must be seen before sniff() can decide (the longest magic).
constexpr std::size_t kCompressionMagicBytesMax = 4;

// What the first bytes of a stream say. With fewer than
// kCompressionMagicBytesMax bytes that are a prefix of a magic, `*need_more` is
// set true (the caller reads more, unless at the end of its input, and asks
// again); otherwise false.
Compression sniff_compression(std::string_view head, bool* need_more);

class Decompressor {
 public:
  // REQUIRES: kind != kNone.
  static Result<Decompressor> create(Compression kind);
  ~Decompressor();
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;

  struct Step {
    std::size_t consumed = 0;  // input bytes used up (the rest must be fed again)
    std::size_t produced = 0;  // bytes written to `out`
  };
  // Decompresses from `in` into `out` (out_bytes > 0) as far as either allows.
  // A corrupt stream is an IOError.
  Result<Step> decompress(const char* in, std::size_t in_bytes, char* out, std::size_t out_bytes);

  // True when output is still held inside the decompressor (a call with no
  // new input may produce more).
  bool has_pending_output() const;

  // At the end of the input: ok when the stream ended at a member/frame
  // boundary, else an IOError ("truncated gzip stream").
  Status finish() const;

 private:
  struct Impl;
  explicit Decompressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
