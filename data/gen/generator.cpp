#include "data/gen/generator.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "data/codec/csv.h"
#include "data/base/money.h"

namespace orderflow {

std::string_view to_string(StreamFormat f) { return enum_name(kStreamFormats, f); }

std::optional<StreamFormat> parse_stream_format(std::string_view name) { return enum_value(kStreamFormats, name); }

namespace {

// Checked in release builds too: each is one compare per fill() or record.
#define OF_CHECK(cond) ((cond) ? void(0) : std::abort())

// Writes the literal's bytes (without its NUL) at p; the length is a constant.
template <std::size_t N>
inline char* put(char* p, const char (&lit)[N]) {
  std::memcpy(p, lit, N - 1);
  return p + N - 1;
}

inline char* put(char* p, const char* s, std::size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes v in decimal at p (at most 20 bytes) and returns the end.
inline char* put_uint(char* p, std::uint64_t v) {
  char tmp[20];
  char* t = tmp + sizeof tmp;
  while (v >= 100) {
    std::uint64_t r = v % 100;
    v /= 100;
    t -= 2;
    std::memcpy(t, kDigitPairs + 2 * r, 2);
  }
  if (v >= 10) {
    t -= 2;
    std::memcpy(t, kDigitPairs + 2 * v, 2);
  } else {
    *--t = static_cast<char>('0' + v);
  }
  std::size_t n = static_cast<std::size_t>(tmp + sizeof tmp - t);
  std::memcpy(p, t, n);
  return p + n;
}

// `s` as a JSON string literal, quotes included. `s` is valid UTF-8 (the catalog checks).
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void append_fragment(std::string& out, std::string_view id, StreamFormat f) {
  if (f == StreamFormat::kCsv) append_csv_field(out, id);
  else append_json_string(out, id);
}

// A product id that the catalog does not have: NOPE, NOPE1, NOPE2, ...
std::string unknown_product_id(const Catalog& catalog) {
  std::string id = "NOPE";
  for (std::uint64_t n = 1; catalog.find(id) != kNoProduct; ++n) id = "NOPE" + std::to_string(n);
  return id;
}

// Bytes a record needs besides its product fragment: ids and amounts of at most
// 20 digits, the longest fixed text (well under 100 bytes), and separators.
constexpr std::size_t kRecordOverheadBytes = 160;
// Bytes an item of a basket needs besides its product fragment: {"productId":,"amount":N},
constexpr std::size_t kItemOverheadBytes = 48;
// Short product fragments are copied with a fixed size; fragments_ ends with this much padding.
constexpr std::size_t kFragmentPadBytes = 16;

}  // namespace

Reason expected_reason(Malformation m) {
  switch (m) {
    case Malformation::kAmountZero: return Reason::kInvalidAmount;
    case Malformation::kUnknownProduct: return Reason::kUnknownProduct;
    default: return Reason::kInvalidRecord;
  }
}

Status validate(const GeneratorOptions& o) {
  auto share = [](double v) { return v >= 0 && v <= 1; };  // false for NaN
  if (o.count > kGenerateCountMax)
    return Status::InvalidArgument("--count must be at most " + std::to_string(kGenerateCountMax));
  if (o.max_amount < kAmountMin || o.max_amount > kAmountMax)
    return Status::InvalidArgument("--max-amount must be between 1 and " + std::to_string(kAmountMax));
  if (!share(o.reversals)) return Status::InvalidArgument("--reversals must be a share between 0 and 1");
  if (!share(o.invalid)) return Status::InvalidArgument("--invalid must be a share between 0 and 1");
  if (o.reversals + o.invalid > 1 + 1e-12)
    return Status::InvalidArgument("--reversals plus --invalid must be at most 1 (they are shares of the same records)");
  if (o.reversals > 0 && !o.ids)
    return Status::InvalidArgument("--reversals needs order ids (a reverse record names the id it undoes); drop --no-ids");
  if (!share(o.baskets)) return Status::InvalidArgument("--baskets must be a share between 0 and 1");
  if (o.min_items < 1 || o.max_items > kItemsMax || o.min_items > o.max_items)
    return Status::InvalidArgument("--min-items and --max-items must satisfy 1 <= min <= max <= " +
                                   std::to_string(kItemsMax));
  if (o.baskets > 0 && o.format == StreamFormat::kCsv)
    return Status::InvalidArgument("--baskets needs --format ndjson or json (CSV rows are single-item orders)");
  if (o.dist.kind == Distribution::Kind::kHot && !share(o.dist.param))
    return Status::InvalidArgument("hot:SHARE needs a share between 0 and 1");
  if (o.dist.kind == Distribution::Kind::kZipf && !(o.dist.param >= 0 && o.dist.param <= kZipfExponentMax))
    return Status::InvalidArgument("zipf:S needs an exponent between 0 and 100");
  return Status::Ok();
}

Result<Generator> Generator::create(const Catalog& catalog, const GeneratorOptions& options) {
  if (Status s = validate(options); !s.ok()) return s;
  if (catalog.size() == 0) return Status::InvalidArgument("the catalog has no products to order");
  if (catalog.size() > kSamplerProductsMax)
    return Status::InvalidArgument("the catalog has more than " + std::to_string(kSamplerProductsMax) + " products");
  const auto n = static_cast<std::uint32_t>(catalog.size());
  if (options.format == StreamFormat::kCsv) {
    for (const Product& p : catalog.products())
      if (p.id.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
        return Status::InvalidArgument("product id '" + p.id + "' holds a line break or NUL and cannot be written as CSV; use --format ndjson or json");
  }
  Generator g(options, ProductSampler(options.dist, n));
  std::size_t longest = 0;
  g.offset_.reserve(n + 1);
  for (const Product& p : catalog.products()) {
    g.offset_.push_back(g.fragments_.size());
    append_fragment(g.fragments_, p.id, options.format);
    longest = std::max(longest, g.fragments_.size() - g.offset_.back());
  }
  g.offset_.push_back(g.fragments_.size());
  g.fragments_.append(kFragmentPadBytes, ' ');
  append_fragment(g.unknown_product_, unknown_product_id(catalog), options.format);
  longest = std::max(longest, g.unknown_product_.size());
  g.record_bytes_max_ = kRecordOverheadBytes + longest;
  if (options.baskets > 0) g.record_bytes_max_ += options.max_items * (kItemOverheadBytes + longest);
  return g;
}

Generator::Generator(const GeneratorOptions& options, ProductSampler sampler)
    : o_(options), rng_(options.seed), sampler_(std::move(sampler)) {}
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;
Generator::~Generator() = default;

void Generator::next_seq() {
  ++seq_;
  std::size_t i = seq_len_;
  while (i > 0 && seq_text_[i - 1] == '9') seq_text_[--i] = '0';
  if (i > 0) {
    ++seq_text_[i - 1];
  } else {  // 99..9 + 1: one digit more
    std::memmove(seq_text_ + 1, seq_text_, seq_len_);
    seq_text_[0] = '1';
    ++seq_len_;
  }
}

char* Generator::put_seq(char* p) const {
  // A fixed-size copy (the record's room covers it), then keep only the digits.
  std::memcpy(p, seq_text_, sizeof seq_text_);
  return p + seq_len_;
}

char* Generator::product_fragment(char* p, std::uint32_t product) const {
  const std::size_t n = offset_[product + 1] - offset_[product];
  if (n <= kFragmentPadBytes) {  // a fixed-size copy (fragments_ is padded, the record has room)
    std::memcpy(p, fragments_.data() + offset_[product], kFragmentPadBytes);
    return p + n;
  }
  return put(p, fragments_.data() + offset_[product], n);
}

void Generator::remember_placed(std::uint64_t seq) {
  if (o_.count <= UINT32_MAX) placed32_.push_back(static_cast<std::uint32_t>(seq));
  else placed64_.push_back(seq);
}
std::uint64_t Generator::placed_size() const {
  return o_.count <= UINT32_MAX ? placed32_.size() : placed64_.size();
}
std::uint64_t Generator::take_placed(std::uint64_t i) {
  // Swap with the last and drop it: O(1), and the order of the rest is still
  // a pure function of the draws.
  auto take = [i](auto& v) -> std::uint64_t {
    std::uint64_t seq = v[i];
    v[i] = v.back();
    v.pop_back();
    return seq;
  };
  return o_.count <= UINT32_MAX ? take(placed32_) : take(placed64_);
}

// {"id":"o1","productId":"MWBLU","amount":3}   |   o1,place,MWBLU,3
char* Generator::place(char* p, std::uint32_t product, std::uint64_t amount) {
  if (o_.format == StreamFormat::kCsv) {
    if (o_.ids) p = put(put_seq(put(p, "o")), ",");
    p = product_fragment(put(p, "place,"), product);
    *p++ = ',';
    return put_uint(p, amount);
  }
  p = o_.ids ? put(put_seq(put(p, "{\"id\":\"o")), "\",\"productId\":") : put(p, "{\"productId\":");
  p = put(product_fragment(p, product), ",\"amount\":");
  p = put_uint(p, amount);
  *p++ = '}';
  return p;
}

// {"id":"o9","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":1}]}
char* Generator::basket(char* p) {
  const auto amounts = static_cast<std::uint64_t>(o_.max_amount);
  const std::uint64_t n = o_.min_items + rng_.below(o_.max_items - o_.min_items + 1);
  p = o_.ids ? put(put_seq(put(p, "{\"id\":\"o")), "\",\"items\":[") : put(p, "{\"items\":[");
  for (std::uint64_t k = 0; k < n; ++k) {
    const std::uint32_t product = sampler_.sample(rng_);
    if (k) *p++ = ',';
    p = put(p, "{\"productId\":");
    p = put(product_fragment(p, product), ",\"amount\":");
    p = put_uint(p, 1 + rng_.below(amounts));
    *p++ = '}';
  }
  counts_.items += n;
  return put(p, "]}");
}

// {"id":"o7","op":"reverse"}   |   o7,reverse,,
char* Generator::reverse(char* p, std::uint64_t target) {
  if (o_.format == StreamFormat::kCsv) return put(put_uint(put(p, "o"), target), ",reverse,,");
  return put(put_uint(put(p, "{\"id\":\"o"), target), "\",\"op\":\"reverse\"}");
}

char* Generator::malformed(char* p, Malformation m, std::uint32_t product, std::uint64_t amount) {
  auto fragment = [&](char* q) {
    return m == Malformation::kUnknownProduct ? put(q, unknown_product_.data(), unknown_product_.size())
                                              : product_fragment(q, product);
  };
  if (o_.format == StreamFormat::kCsv) {
    if (o_.ids) p = put(put_seq(put(p, "o")), ",");
    p = put(p, "place,");
    if (m != Malformation::kMissingProduct) p = fragment(p);
    *p++ = ',';
    switch (m) {
      case Malformation::kSyntax: return put(put_uint(p, amount), "\"");  // a stray quote
      case Malformation::kAmountZero: return put(p, "0");
      case Malformation::kAmountFraction: return put(put_uint(p, amount), ".5");
      case Malformation::kAmountText: return put(put_uint(p, amount), "pcs");
      case Malformation::kNotObject: return put(put_uint(p, amount), ",extra");  // a fifth field
      default: return put_uint(p, amount);  // kMissingProduct, kUnknownProduct
    }
  }
  if (m == Malformation::kNotObject) {  // ["o5","MWBLU",3]
    *p++ = '[';
    if (o_.ids) p = put(put_seq(put(p, "\"o")), "\",");
    p = put(product_fragment(p, product), ",");
    p = put_uint(p, amount);
    *p++ = ']';
    return p;
  }
  p = o_.ids ? put(put_seq(put(p, "{\"id\":\"o")), "\",") : put(p, "{");
  if (m != Malformation::kMissingProduct) {
    p = fragment(put(p, "\"productId\":"));
    // kSyntax: the comma between the members is missing.
    p = m == Malformation::kSyntax ? put(p, " ") : put(p, ",");
  }
  p = put(p, "\"amount\":");
  switch (m) {
    case Malformation::kAmountZero: p = put(p, "0"); break;
    case Malformation::kAmountFraction: p = put(put_uint(p, amount), ".5"); break;
    case Malformation::kAmountText: p = put(put_uint(put(p, "\""), amount), "\""); break;
    default: p = put_uint(p, amount); break;
  }
  *p++ = '}';
  return p;
}

std::size_t Generator::fill(char* buf, std::size_t cap) {
  OF_CHECK(cap >= record_bytes_max_);
  char* p = buf;
  char* const end = buf + cap;
  if (stage_ == Stage::kHeader) {
    if (o_.format == StreamFormat::kCsv && o_.ids) p = put(p, "id,op,productId,amount\n");
    else if (o_.format == StreamFormat::kCsv) p = put(p, "op,productId,amount\n");
    else if (o_.format == StreamFormat::kJsonArray) p = put(p, "[\n");
    stage_ = Stage::kRecords;
  }
  const bool json = o_.format == StreamFormat::kJsonArray;
  const bool mixed = o_.invalid > 0 || o_.reversals > 0;
  const double reverse_below = o_.invalid + o_.reversals;
  const auto amounts = static_cast<std::uint64_t>(o_.max_amount);
  // Uniform products and amounts both fit 32 bits: draw them from one engine output.
  const bool pair_draws = sampler_.distribution().kind == Distribution::Kind::kUniform && amounts <= 0x100000000u;
  while (stage_ == Stage::kRecords) {
    if (seq_ == o_.count) {
      stage_ = Stage::kFooter;
      break;
    }
    if (static_cast<std::size_t>(end - p) < record_bytes_max_) return static_cast<std::size_t>(p - buf);
    char* const start = p;
    next_seq();
    if (json && seq_ > 1) p = put(p, ",\n");
    double u = mixed ? rng_.unit() : 1.0;
    if (u < o_.invalid) {
      auto m = static_cast<Malformation>(rng_.below(kMalformationCount));
      std::uint32_t product = sampler_.sample(rng_);
      p = malformed(p, m, product, 1 + rng_.below(amounts));
      ++counts_.malformed;
      ++counts_.by_malformation[static_cast<std::size_t>(m)];
    } else if (u < reverse_below && placed_size() > 0) {
      p = reverse(p, take_placed(rng_.below(placed_size())));
      ++counts_.reversals;
    } else if (o_.baskets > 0 && rng_.unit() < o_.baskets) {
      p = basket(p);
      if (o_.reversals > 0) remember_placed(seq_);
      ++counts_.placed;
      ++counts_.baskets;
    } else if (pair_draws) {
      auto [product, amount] = rng_.below_pair(sampler_.products(), amounts);  // one engine output
      p = place(p, product, 1 + std::uint64_t{amount});
      if (o_.reversals > 0) remember_placed(seq_);
      ++counts_.placed;
    } else {
      std::uint32_t product = sampler_.sample(rng_);
      p = place(p, product, 1 + rng_.below(amounts));
      if (o_.reversals > 0) remember_placed(seq_);
      ++counts_.placed;
    }
    if (!json) *p++ = '\n';
    ++counts_.records;
    OF_CHECK(static_cast<std::size_t>(p - start) <= record_bytes_max_);
  }
  if (stage_ == Stage::kFooter) {
    if (static_cast<std::size_t>(end - p) < record_bytes_max_) return static_cast<std::size_t>(p - buf);
    if (json && o_.count > 0) p = put(p, "\n]\n");
    else if (json) p = put(p, "]\n");
    stage_ = Stage::kDone;
  }
  return static_cast<std::size_t>(p - buf);
}

std::string synthetic_catalog_csv(std::uint32_t products, std::int64_t stock, std::uint64_t seed) {
  OF_CHECK(products >= 1 && products <= kSyntheticProductsMax && stock >= 0 && stock <= kStockMax);
  // Prices come from their own stream, so the catalog never shifts the orders' draws.
  Rng rng(seed ^ 0x9E3779B97F4A7C15ull);
  std::size_t width = std::max<std::size_t>(6, std::to_string(products).size());
  std::string out = "ID,ProductName,Stock,Variety,Price\n";
  out.reserve(out.size() + static_cast<std::size_t>(products) * (2 * width + 36));
  std::string number;
  for (std::uint32_t i = 1; i <= products; ++i) {
    number = std::to_string(i);
    number.insert(0, width - number.size(), '0');
    out += 'P';
    out += number;
    out += ",Product,";
    append_int(out, stock);
    out += ',';
    out += number;
    out += ',';
    append_money(out, 50 + static_cast<Cents>(rng.below(9950)));  // 0.50 .. 99.99
    out += '\n';
  }
  return out;
}

}  // namespace orderflow
