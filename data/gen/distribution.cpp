#include "data/gen/distribution.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace orderflow {

namespace {

// A plain decimal number: from_chars, all of the text, finite.
bool parse_number(std::string_view text, double* out) {
  if (text.empty()) return false;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

Result<Distribution> parse_distribution(std::string_view text) {
  if (text == "uniform") return Distribution{};
  auto colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  double v = 0;
  if (kind == "hot") {
    if (colon == std::string_view::npos || !parse_number(arg, &v) || !(v >= 0 && v <= 1))
      return Status::InvalidArgument("distribution '" + std::string(text) +
                                     "': hot:SHARE needs a share between 0 and 1, e.g. hot:0.99");
    return Distribution{Distribution::Kind::kHot, v};
  }
  if (kind == "zipf") {
    if (colon == std::string_view::npos || !parse_number(arg, &v) || !(v >= 0 && v <= kZipfExponentMax))
      return Status::InvalidArgument("distribution '" + std::string(text) +
                                     "': zipf:S needs an exponent between 0 and 100, e.g. zipf:1.1");
    return Distribution{Distribution::Kind::kZipf, v};
  }
  return Status::InvalidArgument("unknown distribution '" + std::string(text) +
                                 "'; expected uniform, hot:SHARE or zipf:S");
}

std::string to_string(const Distribution& d) {
  if (d.kind == Distribution::Kind::kUniform) return "uniform";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d.param);
  return (d.kind == Distribution::Kind::kHot ? "hot:" : "zipf:") + std::string(buf, r.ptr);
}

ProductSampler::ProductSampler(const Distribution& d, std::uint32_t products)
    : dist_(d), products_(products) {
  assert(products >= 1 && products <= kSamplerProductsMax);
  if (dist_.kind != Distribution::Kind::kZipf) return;
  // Summed in index order, then normalised: every step is a fixed IEEE
  // operation, so the table depends only on pow().
  cdf_.resize(products_);
  double sum = 0;
  for (std::uint32_t k = 0; k < products_; ++k) {
    sum += std::pow(static_cast<double>(k) + 1, -dist_.param);
    cdf_[k] = sum;
  }
  for (double& c : cdf_) c /= sum;
  cdf_.back() = 1.0;  // sum / sum is 1 already; said for the reader
}

std::uint32_t ProductSampler::sample_zipf(double u) const {
  // The first k with u < cdf_[k]; u < 1 == cdf_.back(), so one always exists.
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  if (it == cdf_.end()) --it;
  return static_cast<std::uint32_t>(it - cdf_.begin());
}

double ProductSampler::probability(std::uint32_t i) const {
  if (i >= products_) return 0;
  switch (dist_.kind) {
    case Distribution::Kind::kUniform:
      return 1.0 / products_;
    case Distribution::Kind::kHot:
      if (products_ == 1) return 1.0;
      return i == 0 ? dist_.param : (1 - dist_.param) / (products_ - 1);
    case Distribution::Kind::kZipf:
      return i == 0 ? cdf_[0] : cdf_[i] - cdf_[i - 1];
  }
  return 0;
}

}  // namespace orderflow
