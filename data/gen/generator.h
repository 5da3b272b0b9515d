#pragma once
// Generator: a reproducible synthetic order stream (`orderflow generate`).
//
// Contract:
//  - Same catalog + same GeneratorOptions (seed included) -> the same bytes, on
//    any machine (see data/base/random.h; zipf's caveat in data/gen/distribution.h).
//  - Records are numbered from 1 (seq). Each is, by one draw per record:
//      malformed  with probability `invalid`,
//      reverse    with probability `reversals`, naming `o<t>` where t is
//                 chosen uniformly among the earlier well-formed place records
//                 not yet named by a reversal (so no order is reversed twice);
//                 when there is none, the record is a place record instead
//                 (so above about 0.5 the real share of reversals falls short
//                 of `reversals`: each needs a place record of its own),
//      place      otherwise: product from the distribution, amount uniform in
//                 1..max_amount, id `o<seq>` (ids are unique: seq is).
//    (With invalid == reversals == 0 no such draw is made.)
//    A place record is a basket with probability `baskets` (one more draw,
//    made only when baskets > 0, so streams without baskets are unchanged):
//    min_items..max_items items (uniform), each with its own product from the
//    distribution (a product may repeat) and amount uniform in 1..max_amount.
//    Baskets need a JSON format (CSV rows are single-item orders).
//  - Malformed records cycle, by the same Rng, through the Malformation kinds;
//    `orderflow process` rejects each as expected_reason(kind) says, and never
//    rejects a well-formed record as invalid_record, invalid_amount or
//    unknown_product. Every record lives on one line, in every format.
//  - Formats:
//      ndjson  {"id":"o1","productId":"MWBLU","amount":3}   one per line
//              {"id":"o7","op":"reverse"}
//              {"id":"o9","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":1}]}
//      csv     header "id,op,productId,amount" ("op,productId,amount" without
//              ids), rows "o1,place,MWBLU,3" and "o7,reverse,,"
//      json    "[" newline, the ndjson objects one per line separated by ",",
//              newline "]" newline; no records: "[\n]\n".
//
// No I/O, no threads: fill() writes into the caller's buffer, whole records
// only, so the caller decides where bytes go and how big the chunks are.
// Formatting is straight into that buffer from per-product fragments built once;
// nothing is allocated per record. Memory: with reversals > 0, 4 bytes per
// place record (8 beyond 2^32 records) to remember the ids reversals may name;
// otherwise constant. Thread-compatible (one Generator per thread); the catalog
// is only read during construction.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/enum_table.h"
#include "data/catalog/catalog.h"
#include "data/gen/distribution.h"
#include "data/model/order.h"
#include "data/base/random.h"
#include "data/base/status.h"

namespace orderflow {

// Limits, units last.
inline constexpr std::uint64_t kGenerateCountMax = 1'000'000'000'000;   // records
inline constexpr std::uint32_t kSyntheticProductsMax = 1'000'000;       // --products
inline constexpr std::size_t kGenerateChunkBytes = 1 << 20;             // a good fill() buffer

enum class StreamFormat : std::uint8_t { kNdjson, kCsv, kJsonArray };

// The one table of stream formats (data/base/enum_table.h): `generate -f`'s names.
inline constexpr EnumName<StreamFormat> kStreamFormats[] = {
    {StreamFormat::kNdjson, "ndjson"},
    {StreamFormat::kCsv, "csv"},
    {StreamFormat::kJsonArray, "json"},
};
std::string_view to_string(StreamFormat f);  // "ndjson", "csv", "json"
std::optional<StreamFormat> parse_stream_format(std::string_view name);

// The deliberately malformed records, as ndjson/json | csv write them.
enum class Malformation : std::uint8_t {
  kSyntax,          // {"id":"o5","productId":"X" "amount":3}  |  amount cell 3"  (stray quote)
  kAmountZero,      // "amount":0                               |  0
  kAmountFraction,  // "amount":3.5                             |  3.5
  kAmountText,      // "amount":"3"                             |  3pcs
  kMissingProduct,  // no productId                             |  empty productId cell
  kUnknownProduct,  // a productId not in the catalog           |  the same
  kNotObject,       // ["o5","X",3]                             |  one field too many
};
inline constexpr int kMalformationCount = 7;

// How `orderflow process` rejects a record of that kind.
Reason expected_reason(Malformation m);

struct GeneratorOptions {
  std::uint64_t count = 1000;          // records, 0..kGenerateCountMax
  Distribution dist;                   // which products the orders go to
  std::int64_t max_amount = 15;        // amounts uniform in 1..max_amount (<= kAmountMax)
  double reversals = 0;                // share of reverse records, 0..1
  double invalid = 0;                  // share of malformed records, 0..1 (sum with reversals <= 1)
  bool ids = true;                     // give each record an id o<seq> (reversals need it)
  double baskets = 0;                  // share of place records that are baskets, 0..1
  std::uint32_t min_items = 2;         // items per basket, uniform in min_items..max_items,
  std::uint32_t max_items = 3;         //   1 <= min_items <= max_items <= kItemsMax
  StreamFormat format = StreamFormat::kNdjson;
  std::uint64_t seed = 1;
};

// The options' own consistency: ranges, reversals + invalid <= 1, reversals
// need ids. The message is written for a user ("--reversals needs ids ...").
Status validate(const GeneratorOptions& o);

// What was generated so far, by kind.
struct GeneratorCounts {
  std::uint64_t records = 0;
  std::uint64_t placed = 0;     // well-formed place records (baskets included)
  std::uint64_t baskets = 0;    // of which baskets
  std::uint64_t items = 0;      // the baskets' items
  std::uint64_t reversals = 0;
  std::uint64_t malformed = 0;
  std::array<std::uint64_t, kMalformationCount> by_malformation{};
};

class Generator {
 public:
  // Fails (InvalidArgument) when validate(options) does, when the catalog is
  // empty or has more than kSamplerProductsMax products, or when a product id
  // cannot be written in the chosen format (CR, LF or NUL in CSV). The catalog
  // is not needed after this returns.
  static Result<Generator> create(const Catalog& catalog, const GeneratorOptions& options);

  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;
  ~Generator();

  // The most bytes one fill() step may need: fill() writes nothing into a
  // buffer smaller than this.
  std::size_t record_bytes_max() const { return record_bytes_max_; }

  // Writes the next whole records (with the csv header or json brackets where
  // they fall) into buf[0, cap) and returns how many bytes it wrote. Returns 0
  // only when done(). REQUIRES: cap >= record_bytes_max().
  std::size_t fill(char* buf, std::size_t cap);

  // Every record and the closing bytes have been written.
  bool done() const { return stage_ == Stage::kDone; }
  const GeneratorCounts& counts() const { return counts_; }

 private:
  enum class Stage : std::uint8_t { kHeader, kRecords, kFooter, kDone };
  Generator(const GeneratorOptions& options, ProductSampler sampler);

  char* place(char* p, std::uint32_t product, std::uint64_t amount);
  char* basket(char* p);
  char* reverse(char* p, std::uint64_t target);
  char* malformed(char* p, Malformation m, std::uint32_t product, std::uint64_t amount);
  char* product_fragment(char* p, std::uint32_t product) const;
  void remember_placed(std::uint64_t seq);
  std::uint64_t take_placed(std::uint64_t i);  // removes the i-th remembered seq
  std::uint64_t placed_size() const;

  GeneratorOptions o_;
  Rng rng_;
  ProductSampler sampler_;
  Stage stage_ = Stage::kHeader;
  std::uint64_t seq_ = 0;  // the last record written
  // seq_ in decimal, kept up to date by an increment in place (ids are o<seq>):
  // cheaper than converting every record's number afresh.
  char seq_text_[24] = {'0'};
  std::size_t seq_len_ = 1;
  void next_seq();
  char* put_seq(char* p) const;
  GeneratorCounts counts_;
  std::size_t record_bytes_max_ = 0;
  // Each product's id as the format writes it (JSON string with quotes, or
  // CSV field), all in one string: product i is [offset_[i], offset_[i+1]).
  std::string fragments_;
  std::vector<std::size_t> offset_;
  std::string unknown_product_;  // already formatted, like a fragment
  // Seqs of place records a reversal may still name (only when reversals > 0).
  std::vector<std::uint32_t> placed32_;
  std::vector<std::uint64_t> placed64_;  // used instead when count > UINT32_MAX
};

// A synthetic catalog in the CSV layout of data/products.csv: products
// P000001.. (zero-padded to at least 6 digits, as many as `products` needs),
// named Product(000001).., each with `stock`, prices in 0.50..99.99 drawn from
// `seed` (a stream separate from the orders'). REQUIRES: 1 <= products <=
// kSyntheticProductsMax, 0 <= stock <= kStockMax.
std::string synthetic_catalog_csv(std::uint32_t products, std::int64_t stock, std::uint64_t seed);

}  // namespace orderflow
