// Unit tests of data/codec/decompressor.h: any feeding gives the same bytes,
// every cut is truncated, sniffing waits for the whole magic.
#include "data/codec/decompressor.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/compress_util.h"

namespace orderflow::testing {
namespace {

std::string inflate_all(Compression kind, const std::string& packed, std::size_t in_step, std::size_t out_step,
                        Status* end) {
  Result<Decompressor> d = Decompressor::create(kind);
  EXPECT_TRUE(d.ok());
  std::string out;
  std::string buf(out_step, '\0');
  std::size_t at = 0;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    std::size_t n = std::min(in_step, packed.size() - at);
    Result<Decompressor::Step> s = d->decompress(packed.data() + at, n, buf.data(), buf.size());
    if (!s.ok()) {
      *end = s.status();
      return out;
    }
    at += s->consumed;
    out.append(buf.data(), s->produced);
    if (at == packed.size() && s->produced == 0 && !d->has_pending_output()) break;
  }
  *end = d->finish();
  return out;
}

TEST(Decompressor, AnyFeedingGivesTheSameBytes) {
  std::string plain;
  for (int i = 0; i < 3000; ++i) plain += "{\"id\":\"o" + std::to_string(i) + "\",\"productId\":\"MWBLU\",\"amount\":3}\n";
  for (Compression kind : {Compression::kGzip, Compression::kZstd}) {
    std::string packed = kind == Compression::kGzip ? gzip_bytes(plain) + gzip_bytes("tail\n")
                                                    : zstd_bytes(plain) + zstd_bytes("tail\n");
    for (auto [in_step, out_step] : {std::pair<std::size_t, std::size_t>{1, 1}, {1, 4096}, {7, 3}, {1 << 20, 1 << 20}}) {
      Status end;
      EXPECT_EQ(inflate_all(kind, packed, in_step, out_step, &end), plain + "tail\n")
          << to_string(kind) << " " << in_step << "/" << out_step;
      EXPECT_TRUE(end.ok()) << end.message();
    }
  }
}

TEST(Decompressor, EveryCutIsTruncated) {
  const std::string plain = "{\"productId\":\"MWBLU\",\"amount\":3}\n";
  for (Compression kind : {Compression::kGzip, Compression::kZstd}) {
    std::string packed = kind == Compression::kGzip ? gzip_bytes(plain) : zstd_bytes(plain);
    for (std::size_t cut = kCompressionMagicBytesMax; cut < packed.size(); ++cut) {
      Status end;
      inflate_all(kind, packed.substr(0, cut), 1 << 20, 1 << 20, &end);
      EXPECT_FALSE(end.ok()) << to_string(kind) << " cut at " << cut << " of " << packed.size();
    }
  }
}

TEST(Decompressor, SniffNeedsTheWholeMagic) {
  bool more = false;
  EXPECT_EQ(sniff_compression("\x1f", &more), Compression::kNone);
  EXPECT_TRUE(more);
  EXPECT_EQ(sniff_compression("\x1f\x8b", &more), Compression::kGzip);
  EXPECT_FALSE(more);
  EXPECT_EQ(sniff_compression("\x28\xb5\x2f", &more), Compression::kNone);
  EXPECT_TRUE(more);
  EXPECT_EQ(sniff_compression("\x28\xb5\x2f\xfd", &more), Compression::kZstd);
  EXPECT_EQ(sniff_compression("{\"id\"", &more), Compression::kNone);
  EXPECT_FALSE(more);
  EXPECT_EQ(sniff_compression("", &more), Compression::kNone);
  EXPECT_TRUE(more);
}

}  // namespace
}  // namespace orderflow::testing
