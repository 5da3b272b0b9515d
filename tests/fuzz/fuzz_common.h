#pragma once
// Shared checks for the libFuzzer targets (tests/fuzz/*_fuzz.cpp): the record
// path of `orderflow process` — framer, decoder, ledger, result formatter — run
// single-threaded on arbitrary bytes, with the invariants SPEC.md promises:
//
//  - framing does not depend on how the bytes arrive: the input fed in one
//    chunk, split at a point chosen from the bytes, and (small inputs) byte by
//    byte gives identical records, defects and fatal errors;
//  - every framed record gets exactly one result line, in seq order;
//  - every line is valid JSON (UTF-8 validated) with a status and, when it is
//    not a success, a reason from the allowed set and an error text;
//  - stock is conserved: initial - final = completed - reversed units, per product.
// And for the catalog loader (check_catalog): a bad catalog is an error naming
// "SOURCE:LINE: "; a loaded one has at least one product, unique non-empty
// UTF-8 ids that find() returns, prices and stock in range; `orderflow
// catalog` prints valid JSON; --stock-out's text (serialize) loads back into
// the same products.
//
// A violated invariant aborts (libFuzzer records it as a crash), or throws
// std::runtime_error when throw_on_failure() is set: the GoogleTest suite
// replays every input that once failed (tests/fuzz/regressions/TARGET/) that way.
// No libFuzzer dependency: the fuzz targets (-DORDERFLOW_FUZZ=ON, clang) and
// tests/data/fuzz_regression_test.cpp both include it.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "data/model/batch.h"
#include "data/codec/batch_builder.h"
#include "data/catalog/catalog.h"
#include "data/codec/decoder.h"
#include "data/codec/framer.h"
#include "data/ledger/ledger.h"
#include "data/ledger/order_index.h"
#include "data/store/product_store.h"
#include "data/codec/result_format.h"
#include "data/base/utf8.h"

namespace orderflow::fuzz {

inline bool& throw_on_failure() {
  static bool on = false;
  return on;
}

[[noreturn]] inline void fail(const char* what, const std::string& detail = "") {
  if (throw_on_failure()) throw std::runtime_error(std::string("invariant violated: ") + what + " " + detail);
  std::fprintf(stderr, "fuzz invariant violated: %s %s\n", what, detail.c_str());
  std::abort();
}
#define FUZZ_CHECK(cond, detail) \
  do {                           \
    if (!(cond)) ::orderflow::fuzz::fail(#cond, (detail)); \
  } while (0)

// FNV-1a: a stable, input-derived choice (split point, record limit).
inline std::uint64_t hash_of(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Writes down everything a Framer hands over, as comparable text.
class Recorder final : public RecordSink {
 public:
  std::vector<std::string> events;
  void begin_file(RecordFormat format, const CsvLayout& csv) override {
    events.push_back("begin " + std::to_string(static_cast<int>(format)) + " " + std::to_string(csv.id) + " " +
                     std::to_string(csv.op) + " " + std::to_string(csv.product) + " " +
                     std::to_string(csv.amount) + " " + std::to_string(csv.columns));
  }
  void record(std::uint64_t line, const char* bytes, std::size_t n) override {
    events.push_back("record " + std::to_string(line) + " " + std::string(bytes, n));
  }
  void invalid(std::uint64_t line, Defect defect, std::uint64_t arg) override {
    events.push_back("invalid " + std::to_string(line) + " " + std::to_string(static_cast<int>(defect)) + " " +
                     std::to_string(arg));
  }
};

// Frames `data` fed in pieces that end at each of `cuts` (ascending), then the rest.
inline std::vector<std::string> frame_events(InputFormat format, std::size_t record_bytes_max,
                                             const std::uint8_t* data, std::size_t size,
                                             const std::vector<std::size_t>& cuts) {
  Framer framer(format, record_bytes_max, "fuzz");
  Recorder rec;
  std::string fatal;
  std::size_t at = 0;
  auto feed = [&](std::size_t upto) {
    if (!fatal.empty() || upto <= at) return;
    Status s = framer.feed(reinterpret_cast<const char*>(data) + at, upto - at, rec);
    at = upto;
    if (!s.ok()) fatal = s.message();
  };
  for (std::size_t c : cuts) feed(c);
  feed(size);
  if (fatal.empty()) {
    Status s = framer.finish(rec);
    if (!s.ok()) fatal = s.message();
  }
  if (!fatal.empty()) rec.events.push_back("fatal " + fatal);
  return rec.events;
}

inline bool allowed_reason(std::string_view r) {
  static const char* const kReasons[] = {"invalid_record", "invalid_amount", "unknown_product", "insufficient_stock",
                                         "duplicate_id",   "unknown_order",  "not_reversible"};
  for (const char* k : kReasons)
    if (r == k) return true;
  return false;
}

inline std::string str_member(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "<none>";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// Checks one formatted line; adds the units it moved to units_taken (+ taken, - given back).
inline void check_line(const std::string& line, std::uint64_t want_seq, const Catalog& catalog,
                       std::vector<std::int64_t>& units_taken) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  FUZZ_CHECK(!d.HasParseError() && d.IsObject(), line);
  FUZZ_CHECK(d.HasMember("seq") && d["seq"].IsUint64() && d["seq"].GetUint64() == want_seq, line);
  std::string status = str_member(d, "status");
  if (status == "Completed" || status == "Reversed") {
    FUZZ_CHECK(d.HasMember("total") && d["total"].IsNumber() && !d.HasMember("reason"), line);
    std::uint32_t p = catalog.find(str_member(d, "productId"));
    FUZZ_CHECK(p != kNoProduct && d.HasMember("amount") && d["amount"].IsInt64(), line);
    std::int64_t amount = d["amount"].GetInt64();
    FUZZ_CHECK(amount >= kAmountMin && amount <= kAmountMax, line);
    units_taken[p] += status == "Completed" ? amount : -amount;
  } else {
    FUZZ_CHECK(status == "Rejected", line);  // nothing cancels a run that nothing stops
    FUZZ_CHECK(allowed_reason(str_member(d, "reason")), line);
    FUZZ_CHECK(d.HasMember("error") && d["error"].IsString() && d["error"].GetStringLength() > 0, line);
  }
  if (d.HasMember("id")) {
    FUZZ_CHECK(d["id"].IsString(), line);
    std::size_t n = d["id"].GetStringLength();
    FUZZ_CHECK(n >= 1 && n <= kIdBytesMax, line);
  }
}

// The whole check for one record format.
inline void check_records(InputFormat format, const std::uint8_t* data, std::size_t size) {
  static const Catalog catalog = Catalog::builtin();
  const std::uint64_t h = hash_of(data, size);
  static const std::size_t kLimits[] = {24, 300, kRecordBytesMaxDefault};
  const std::size_t record_bytes_max = kLimits[h % 3];

  // 1. Framing is independent of how the bytes arrive.
  std::vector<std::string> whole = frame_events(format, record_bytes_max, data, size, {});
  std::vector<std::string> split = frame_events(format, record_bytes_max, data, size, {(h >> 8) % (size + 1)});
  FUZZ_CHECK(whole == split, "split at " + std::to_string((h >> 8) % (size + 1)));
  if (size <= 4096) {
    std::vector<std::size_t> every(size);
    for (std::size_t i = 0; i < size; ++i) every[i] = i + 1;
    FUZZ_CHECK(whole == frame_events(format, record_bytes_max, data, size, every), "byte by byte");
  }
  std::size_t framed = 0;
  for (const std::string& e : whole) framed += e.rfind("record ", 0) == 0 || e.rfind("invalid ", 0) == 0;

  // 2. Batches as the reader makes them, decoded, decided, formatted.
  std::vector<Batch> batches;
  BatchBuilder builder(1 + (h >> 16) % 7, 4096, 1, [&](Batch& b) {
    batches.push_back(std::move(b));
    return true;
  });
  builder.start_file(0);
  Framer framer(format, record_bytes_max, "fuzz");
  Status s = framer.feed(reinterpret_cast<const char*>(data), size, builder);
  if (s.ok()) s = framer.finish(builder);
  builder.flush();

  std::vector<std::int64_t> initial;
  for (const Product& p : catalog.products()) initial.push_back(p.stock);
  std::unique_ptr<ProductStore> store = make_store(StoreKind::kSharded, initial, 1);
  OrderIndex index;
  Decoder decoder(catalog);
  const std::vector<std::string> sources{"fuzz"};
  ResultFormatter formatter(catalog, sources);
  std::vector<std::int64_t> units_taken(catalog.size(), 0);
  std::uint64_t seq = 1;
  std::size_t records = 0;
  for (Batch& b : batches) {
    decoder.decode(b);
    for (Record& r : b.records) {
      if (resolve(r, index)) FUZZ_CHECK(apply(r, *store, index, catalog) == ApplyResult::kDone, "");
      FUZZ_CHECK(r.decided, "undecided record");
    }
    records += b.records.size();
    std::string out;
    formatter.format(b, out);
    FUZZ_CHECK(!out.empty() || b.records.empty(), "");
    FUZZ_CHECK(out.empty() || out.back() == '\n', out);
    std::size_t pos = 0;
    while (pos < out.size()) {
      std::size_t nl = out.find('\n', pos);
      check_line(out.substr(pos, nl - pos), seq++, catalog, units_taken);
      pos = nl + 1;
    }
  }
  FUZZ_CHECK(records == framed, std::to_string(records) + " records, " + std::to_string(framed) + " framed");
  FUZZ_CHECK(seq - 1 == records, std::to_string(seq - 1) + " lines, " + std::to_string(records) + " records");
  for (std::uint32_t p = 0; p < catalog.size(); ++p) {
    FUZZ_CHECK(store->stock(p) >= 0, "");
    FUZZ_CHECK(initial[p] - store->stock(p) == units_taken[p], catalog.product(p).id);
  }
}

inline void check_same_products(const Catalog& a, const Catalog& b, const std::string& text) {
  FUZZ_CHECK(a.size() == b.size(), text);
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    const Product& x = a.product(i);
    const Product& y = b.product(i);
    FUZZ_CHECK(x.id == y.id && x.name == y.name && x.price == y.price && x.stock == y.stock, text);
  }
}

// The whole check for the catalog loader.
inline void check_catalog(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<Catalog> loaded = Catalog::parse(bytes, "fuzz.csv");
  if (!loaded.ok()) {
    const std::string& msg = loaded.status().message();
    FUZZ_CHECK(msg.rfind("fuzz.csv:", 0) == 0 && msg.find(": ", 9) != std::string::npos, msg);
    return;
  }
  const Catalog& cat = loaded.value();
  FUZZ_CHECK(cat.size() >= 1, "");
  for (std::uint32_t i = 0; i < cat.size(); ++i) {
    const Product& p = cat.product(i);
    FUZZ_CHECK(!p.id.empty() && is_valid_utf8(p.id) && is_valid_utf8(p.name), p.id);
    FUZZ_CHECK(cat.find(p.id) == i, p.id);
    FUZZ_CHECK(p.price >= 0 && p.price <= kPriceMaxCents, p.id);
    FUZZ_CHECK(p.stock >= 0 && p.stock <= kStockMax, p.id);
  }
  std::string listing = cat.listing_json();
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(listing.data(), listing.size());
  FUZZ_CHECK(!d.HasParseError() && d.IsArray() && d.Size() == cat.size(), listing);

  std::vector<std::int64_t> stock;
  for (const Product& p : cat.products()) stock.push_back(p.stock);
  std::string saved = cat.serialize(stock);
  Result<Catalog> again = Catalog::parse(saved, "saved");
  FUZZ_CHECK(again.ok(), again.ok() ? "" : again.status().message() + "\n" + saved);
  check_same_products(cat, again.value(), saved);
}

}  // namespace orderflow::fuzz
