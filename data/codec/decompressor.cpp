#include "data/codec/decompressor.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <limits>

namespace orderflow {

namespace {

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

// 0: not this magic; 1: `head` is a proper prefix of it; 2: it starts with it.
template <std::size_t N>
int match(std::string_view head, const unsigned char (&magic)[N]) {
  std::size_t n = std::min(head.size(), N);
  if (std::memcmp(head.data(), magic, n) != 0) return 0;
  return n == N ? 2 : 1;
}

// zlib takes uInt lengths: never offer it more than it can count.
constexpr std::size_t kZlibChunkMax = std::numeric_limits<uInt>::max();

}  // namespace

std::string_view to_string(Compression c) { return enum_name(kCompressions, c, "none"); }

std::optional<Compression> parse_compression(std::string_view name) { return enum_value(kCompressions, name); }

Compression sniff_compression(std::string_view head, bool* need_more) {
  int gz = match(head, kGzipMagic), zs = match(head, kZstdMagic);
  *need_more = gz == 1 || zs == 1;
  if (gz == 2) return Compression::kGzip;
  if (zs == 2) return Compression::kZstd;
  return Compression::kNone;
}

struct Decompressor::Impl {
  Compression kind;
  z_stream z{};
  ZSTD_DStream* zstd = nullptr;
  bool in_unit = true;        // inside a gzip member or zstd frame (the stream has begun with its magic)
  bool pending = false;       // the last call filled its output: more may be held

  explicit Impl(Compression k) : kind(k) {}
  ~Impl() {
    if (kind == Compression::kGzip) inflateEnd(&z);
    if (zstd) ZSTD_freeDStream(zstd);
  }

  Result<Step> gzip(const char* in, std::size_t in_bytes, char* out, std::size_t out_bytes) {
    Step step;
    while (true) {
      std::size_t in_n = std::min(in_bytes - step.consumed, kZlibChunkMax);
      std::size_t out_n = std::min(out_bytes - step.produced, kZlibChunkMax);
      if (out_n == 0) break;
      if (!in_unit) {
        if (in_n == 0) break;
        // Another member follows (`cat a.gz b.gz` is a valid gzip stream).
        inflateReset(&z);
        in_unit = true;
      }
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in + step.consumed));
      z.avail_in = static_cast<uInt>(in_n);
      z.next_out = reinterpret_cast<Bytef*>(out + step.produced);
      z.avail_out = static_cast<uInt>(out_n);
      int rc = inflate(&z, Z_NO_FLUSH);
      step.consumed += in_n - z.avail_in;
      step.produced += out_n - z.avail_out;
      if (rc == Z_STREAM_END) {
        in_unit = false;
        continue;
      }
      if (rc == Z_BUF_ERROR) break;  // no progress possible: needs more input or room
      if (rc != Z_OK)
        return Status::IOError(std::string("corrupt gzip stream (zlib: ") + (z.msg ? z.msg : "error " + std::to_string(rc)) + ")");
      if (z.avail_in == 0 && step.consumed == in_bytes && z.avail_out != 0) break;
      if (z.avail_out == 0 && step.produced == out_bytes) break;
    }
    pending = step.produced == out_bytes;
    return step;
  }

  Result<Step> zstd_step(const char* in, std::size_t in_bytes, char* out, std::size_t out_bytes) {
    ZSTD_inBuffer ib{in, in_bytes, 0};
    ZSTD_outBuffer ob{out, out_bytes, 0};
    while (ob.pos < ob.size) {
      std::size_t before_in = ib.pos, before_out = ob.pos;
      std::size_t rc = ZSTD_decompressStream(zstd, &ob, &ib);
      if (ZSTD_isError(rc)) return Status::IOError(std::string("corrupt zstd stream (") + ZSTD_getErrorName(rc) + ")");
      if (ib.pos == before_in && ob.pos == before_out) break;  // nothing to do (a call with no input after a frame)
      in_unit = rc != 0;  // 0: a frame is completely decoded and flushed
      // Input used up and room left: zstd has flushed all it could (zstd.h).
      if (ib.pos == ib.size && ob.pos < ob.size) break;
    }
    pending = ob.pos == ob.size;
    return Step{ib.pos, ob.pos};
  }
};

Result<Decompressor> Decompressor::create(Compression kind) {
  auto impl = std::make_unique<Impl>(kind);
  if (kind == Compression::kGzip) {
    // 15 + 16: the largest window, gzip header and trailer (not raw or zlib).
    if (inflateInit2(&impl->z, 15 + 16) != Z_OK) {
      impl->kind = Compression::kNone;  // nothing to end
      return Status::IOError("cannot start a gzip decompressor (out of memory)");
    }
  } else if (kind == Compression::kZstd) {
    impl->zstd = ZSTD_createDStream();
    if (!impl->zstd || ZSTD_isError(ZSTD_initDStream(impl->zstd)))
      return Status::IOError("cannot start a zstd decompressor (out of memory)");
  } else {
    return Status::InvalidArgument("no compression to undo");
  }
  return Decompressor(std::move(impl));
}

Decompressor::Decompressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decompressor::~Decompressor() = default;
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;

Result<Decompressor::Step> Decompressor::decompress(const char* in, std::size_t in_bytes, char* out,
                                                    std::size_t out_bytes) {
  return impl_->kind == Compression::kGzip ? impl_->gzip(in, in_bytes, out, out_bytes)
                                           : impl_->zstd_step(in, in_bytes, out, out_bytes);
}

bool Decompressor::has_pending_output() const { return impl_->pending; }

Status Decompressor::finish() const {
  if (!impl_->in_unit) return Status::Ok();
  return Status::IOError(std::string("truncated ") + std::string(to_string(impl_->kind)) +
                         " stream (the input ends inside compressed data)");
}

}  // namespace orderflow
