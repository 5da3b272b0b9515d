#include "net/payload_codec.h"

#include <zstd.h>

#include <cstring>

namespace orderflow {

namespace {

bool is_packed(std::string_view data) {
  static const unsigned char kMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
  return data.size() >= 4 && std::memcmp(data.data(), kMagic, 4) == 0;
}

}  // namespace

std::string_view pack_payload(std::string_view data, std::string& out) {
  if (data.size() < kPackMinBytes || is_packed(data)) return data;
  out.resize(ZSTD_compressBound(data.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 1);
  if (ZSTD_isError(n) || n >= data.size()) return data;
  out.resize(n);
  return out;
}

Status unpack_payload(std::string& data) {
  if (!is_packed(data)) return Status::Ok();
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kUnpackMaxBytes)
    return Status::Corruption("a compressed message that does not say its size, or is too large");
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n) || n != size)
    return Status::Corruption(std::string("a compressed message that does not decompress: ") +
                              (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  data = std::move(out);
  return Status::Ok();
}

}  // namespace orderflow
