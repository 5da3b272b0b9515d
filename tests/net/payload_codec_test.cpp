// Payload compression on the wire (net/payload_codec.h): what is packed
// unpacks to the same bytes, small or incompressible payloads go as they
// are, and a damaged or oversized frame is refused, never trusted.
#include "net/payload_codec.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

namespace orderflow {
namespace {

std::string result_lines(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i)
    s += "{\"seq\":" + std::to_string(i) + ",\"id\":\"o" + std::to_string(i) +
         "\",\"op\":\"place\",\"productId\":\"P000002\",\"amount\":7,\"status\":\"Completed\",\"total\":142.87}\n";
  return s;
}

TEST(PayloadCodecTest, PackedPayloadsUnpackToTheSameBytesAndAreSmaller) {
  const std::string text = result_lines(500);
  std::string scratch;
  std::string wire(pack_payload(text, scratch));
  EXPECT_LT(wire.size() * 3, text.size());
  EXPECT_NE(wire, text);
  ASSERT_TRUE(unpack_payload(wire).ok());
  EXPECT_EQ(wire, text);
}

TEST(PayloadCodecTest, SmallAndPlainPayloadsReadAsTheyAre) {
  std::string scratch;
  const std::string small = "OFV1 3 0 1\n7 o\n";
  EXPECT_EQ(pack_payload(small, scratch), small);
  std::string read = small;
  ASSERT_TRUE(unpack_payload(read).ok());
  EXPECT_EQ(read, small);
  std::string noise;  // incompressible: sent as it is
  std::uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 4096; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    noise += static_cast<char>(x & 0xff);
  }
  noise[0] = 'O', noise[1] = 'F';
  EXPECT_EQ(pack_payload(noise, scratch).data(), noise.data());
}

TEST(PayloadCodecTest, DamagedOrOversizedFramesAreRefused) {
  const std::string text = result_lines(200);
  std::string scratch;
  std::string wire(pack_payload(text, scratch));
  ASSERT_NE(wire, text);
  std::string cut = wire.substr(0, wire.size() / 2);
  EXPECT_FALSE(unpack_payload(cut).ok());
  // A frame whose header claims more than kUnpackMaxBytes is refused
  // before anything is allocated: magic, a descriptor with an 8-byte
  // content size (single segment), the size.
  std::string claim("\x28\xb5\x2f\xfd\xe0", 5);
  const std::uint64_t size = kUnpackMaxBytes + 1;
  for (int i = 0; i < 8; ++i) claim += static_cast<char>((size >> (8 * i)) & 0xff);
  ASSERT_EQ(ZSTD_getFrameContentSize(claim.data(), claim.size()), size);
  Status too_big = unpack_payload(claim);
  EXPECT_FALSE(too_big.ok());
  EXPECT_NE(too_big.message().find("too large"), std::string::npos) << too_big.message();
}

}  // namespace
}  // namespace orderflow
