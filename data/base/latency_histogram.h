#pragma once
// LatencyHistogram: a compact log-bucket histogram of non-negative integers
// (nanoseconds, in `bench`), after HdrHistogram: exact below 64, and above that
// 32 buckets per power of two, so a bucket is at most 1/32 (3.1%) of its
// values wide. 1,920 fixed buckets (15 KiB) cover the whole uint64 range:
// recording never allocates and never fails, and merging two histograms is
// adding their buckets.
//
// Percentiles are by nearest rank: percentile(q) is the smallest recorded value
// v such that at least ceil(q * count) samples are <= v, reported as the
// highest value of v's bucket (never above the largest value recorded). So it
// is exact for values below 64 and at most 3.1% above the exact value otherwise.
//
// Thread-compatible: one histogram per thread, merged afterwards. Never
// allocates.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace orderflow {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 5;                         // 32 buckets per power of two
  static constexpr std::uint64_t kExactBelow = 2u << kSubBucketBits;  // 64: one bucket per value below
  static constexpr std::size_t kBuckets = (64 - kSubBucketBits + 1) << kSubBucketBits;  // 1920

  // The bucket that holds v.
  static constexpr std::size_t bucket_of(std::uint64_t v) noexcept {
    if (v < kExactBelow) return static_cast<std::size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 1 - kSubBucketBits;  // >= 1
    // (v >> shift) is in [32, 64): the top 6 bits of v.
    return (static_cast<std::size_t>(shift) << kSubBucketBits) + static_cast<std::size_t>(v >> shift);
  }
  // The smallest and largest value that fall in bucket b.
  static constexpr std::uint64_t bucket_low(std::size_t b) noexcept {
    if (b < kExactBelow) return b;
    const unsigned shift = static_cast<unsigned>(b >> kSubBucketBits) - 1;
    const std::uint64_t top = (b & ((1u << kSubBucketBits) - 1)) | (1u << kSubBucketBits);
    return top << shift;
  }
  static constexpr std::uint64_t bucket_high(std::size_t b) noexcept {
    if (b < kExactBelow) return b;
    const unsigned shift = static_cast<unsigned>(b >> kSubBucketBits) - 1;
    return bucket_low(b) + ((std::uint64_t{1} << shift) - 1);
  }

  void record(std::uint64_t v) noexcept {
    ++counts_[bucket_of(v)];
    ++count_;
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t b = 0; b < kBuckets; ++b) counts_[b] += other.counts_[b];
    count_ += other.count_;
    if (other.min_ < min_) min_ = other.min_;
    if (other.max_ > max_) max_ = other.max_;
  }

  std::uint64_t count() const noexcept { return count_; }
  // 0 when nothing was recorded.
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }

  // See the file comment. q is clamped to (0, 1]; 0 when nothing was recorded.
  std::uint64_t percentile(double q) const noexcept;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace orderflow
