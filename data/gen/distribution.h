#pragma once
// Which product an order goes to: the `--dist` of `generate` and `bench`.
//
//   uniform     every product equally likely;
//   hot:SHARE   product 0 (the catalog's first) with probability SHARE, the
//               others uniformly otherwise; with one product, always product 0;
//   zipf:S      product k (0-based) with probability (k+1)^-S / H(n, S), where
//               H(n, S) = sum of i^-S for i = 1..n; S = 0 is uniform.
//
// Sampling draws from an Rng (data/base/random.h), so the same seed gives the same
// products everywhere — with one caveat for zipf: its table of cumulative
// probabilities is built with the platform libm's pow() in IEEE doubles. glibc's
// pow is the same on every machine running the same Debian release (and in
// practice across releases), so the same Debian gives the same bytes; a libm
// that rounds pow differently in the last bit could, rarely, move a draw that
// falls exactly on a table boundary. uniform and hot use no libm at all.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/random.h"
#include "data/base/status.h"

namespace orderflow {

// Limits, units last.
inline constexpr double kZipfExponentMax = 100.0;
// Zipf keeps one double per product: 8 bytes each.
inline constexpr std::uint32_t kSamplerProductsMax = 1u << 28;

struct Distribution {
  enum class Kind : std::uint8_t { kUniform, kHot, kZipf };
  Kind kind = Kind::kUniform;
  double param = 0;  // hot: the share, 0..1; zipf: the exponent S, 0..kZipfExponentMax
};

// Parses "uniform", "hot:SHARE" (0 <= SHARE <= 1) or "zipf:S" (0 <= S <= 100).
// Numbers are plain decimals ("0.99", "1", "1e-3"); nan, inf, signs, spaces and
// trailing text are refused. The error message says what was expected.
Result<Distribution> parse_distribution(std::string_view text);

// The canonical spelling: "uniform", "hot:0.99", "zipf:1.2" (shortest round-trip).
std::string to_string(const Distribution& d);

// Draws product indexes in 0..products-1. Immutable after construction:
// sample() is const and thread-safe given one Rng per thread. Never allocates
// after construction.
class ProductSampler {
 public:
  // REQUIRES: 1 <= products <= kSamplerProductsMax, d as parse_distribution gives.
  // Zipf builds its table here: O(products) time and 8 bytes per product.
  ProductSampler(const Distribution& d, std::uint32_t products);

  std::uint32_t sample(Rng& rng) const {
    switch (dist_.kind) {
      case Distribution::Kind::kUniform:
        return static_cast<std::uint32_t>(rng.below(products_));
      case Distribution::Kind::kHot:
        if (rng.chance(dist_.param) || products_ == 1) return 0;
        return 1 + static_cast<std::uint32_t>(rng.below(products_ - 1));
      case Distribution::Kind::kZipf:
        return sample_zipf(rng.unit());
    }
    return 0;
  }

  // The exact probability of product i under this distribution (for tests and reports).
  double probability(std::uint32_t i) const;

  std::uint32_t products() const { return products_; }
  const Distribution& distribution() const { return dist_; }

 private:
  std::uint32_t sample_zipf(double u) const;

  Distribution dist_;
  std::uint32_t products_;
  std::vector<double> cdf_;  // zipf: cdf_[k] = P(index <= k); cdf_.back() == 1
};

}  // namespace orderflow
