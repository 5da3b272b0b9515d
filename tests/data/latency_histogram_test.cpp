// LatencyHistogram (data/base/latency_histogram.h): bucket layout, exactness below
// 64, relative error above, nearest-rank percentiles on known samples, merge.
#include "data/base/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

namespace orderflow {
namespace {

using H = LatencyHistogram;

TEST(LatencyHistogram, BucketsAreContiguousAndCoverEveryValue) {
  EXPECT_EQ(H::kBuckets, 1920u);
  EXPECT_EQ(H::bucket_of(0), 0u);
  EXPECT_EQ(H::bucket_of(63), 63u);
  EXPECT_EQ(H::bucket_of(64), 64u);
  EXPECT_EQ(H::bucket_of(UINT64_MAX), H::kBuckets - 1);
  EXPECT_EQ(H::bucket_high(H::kBuckets - 1), UINT64_MAX);
  for (std::size_t b = 0; b + 1 < H::kBuckets; ++b) {
    ASSERT_LE(H::bucket_low(b), H::bucket_high(b)) << b;
    ASSERT_EQ(H::bucket_high(b) + 1, H::bucket_low(b + 1)) << b;
    ASSERT_EQ(H::bucket_of(H::bucket_low(b)), b);
    ASSERT_EQ(H::bucket_of(H::bucket_high(b)), b);
  }
}

TEST(LatencyHistogram, BucketWidthIsAtMostOneThirtySecondOfItsValues) {
  for (std::size_t b = H::kExactBelow; b < H::kBuckets; ++b) {
    const std::uint64_t width = H::bucket_high(b) - H::bucket_low(b) + 1;
    ASSERT_LE(width * 32, H::bucket_low(b)) << b;
  }
}

TEST(LatencyHistogram, EmptyReportsZero) {
  auto h = std::make_unique<H>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->percentile(0.5), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
}

TEST(LatencyHistogram, PercentilesOfOneToHundredAreExact) {
  auto h = std::make_unique<H>();
  for (std::uint64_t v = 100; v >= 1; --v) h->record(v);  // order does not matter
  EXPECT_EQ(h->count(), 100u);
  EXPECT_EQ(h->percentile(0.50), 50u);
  EXPECT_EQ(h->percentile(0.99), 99u);  // 99 is in [98, 99]: the bucket's top is exact
  EXPECT_EQ(h->percentile(0.07), 7u);   // 0.07 * 100 is 7.000000000000001 in doubles
  EXPECT_EQ(h->percentile(1.0), 100u);
  EXPECT_EQ(h->percentile(0.001), 1u);  // rank at least 1
  EXPECT_EQ(h->min(), 1u);
  EXPECT_EQ(h->max(), 100u);
}

TEST(LatencyHistogram, NearestRankOnASkewedSample) {
  // 980 fast samples at 20 ns, 20 slow ones at 5000 ns: p50 is fast, p99 slow.
  auto h = std::make_unique<H>();
  for (int i = 0; i < 980; ++i) h->record(20);
  for (int i = 0; i < 20; ++i) h->record(5000);
  EXPECT_EQ(h->percentile(0.50), 20u);
  EXPECT_EQ(h->percentile(0.98), 20u);  // rank 980 is the last fast one
  EXPECT_EQ(h->percentile(0.99), 5000u);  // clamped to the largest value recorded
}

TEST(LatencyHistogram, LargeValuesWithinTheBucketBound) {
  auto h = std::make_unique<H>();
  for (std::uint64_t i = 1; i <= 1000; ++i) h->record(i * 1000);  // 1 us .. 1 ms
  const std::uint64_t p50 = h->percentile(0.50), p99 = h->percentile(0.99);
  EXPECT_GE(p50, 500'000u);
  EXPECT_LE(p50, 500'000u + 500'000u / 32);
  EXPECT_GE(p99, 990'000u);
  EXPECT_LE(p99, 990'000u + 990'000u / 32);
  EXPECT_EQ(h->max(), 1'000'000u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  auto a = std::make_unique<H>(), b = std::make_unique<H>(), all = std::make_unique<H>();
  for (std::uint64_t v = 1; v <= 5000; v += 3) {
    (v % 2 ? a : b)->record(v * 7);
    all->record(v * 7);
  }
  a->merge(*b);
  EXPECT_EQ(a->count(), all->count());
  EXPECT_EQ(a->min(), all->min());
  EXPECT_EQ(a->max(), all->max());
  for (double q : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) EXPECT_EQ(a->percentile(q), all->percentile(q)) << q;
}

TEST(LatencyHistogram, OddQuantilesAreClamped) {
  auto h = std::make_unique<H>();
  h->record(5);
  h->record(9);
  EXPECT_EQ(h->percentile(0), 5u);
  EXPECT_EQ(h->percentile(-1), 5u);
  EXPECT_EQ(h->percentile(2), 9u);
}

}  // namespace
}  // namespace orderflow
