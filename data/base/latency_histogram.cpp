#include "data/base/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace orderflow {

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  if (!(q > 0)) q = 0;  // NaN too
  if (q > 1) q = 1;
  // Nearest rank, 1-based: ceil(q * count), at least 1. The relative epsilon
  // keeps a product that lands a rounding error above an integer (0.07 * 100 is
  // 7.000000000000001 in doubles) on that integer.
  const double exact = q * static_cast<double>(count_);
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(exact * (1 - 1e-12)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(bucket_high(b), max_);
  }
  return max_;  // not reached: the buckets add up to count_
}

}  // namespace orderflow
