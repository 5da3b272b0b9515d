#include "data/codec/result_format.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

#include "data/base/json_util.h"
#include "data/ledger/order_index.h"

namespace orderflow {

namespace {

void append_defect(std::string& e, const Batch& batch, const Record& r) {
  std::string_view field = to_string(r.field);
  switch (r.defect) {
    case Defect::kNone: e += "invalid record"; break;
    case Defect::kJsonSyntax:
      e += "invalid JSON: ";
      e += json_error_text(static_cast<rapidjson::ParseErrorCode>(r.json_code), r.defect_arg);
      break;
    case Defect::kNulByte: e += "NUL byte in record (offset " + std::to_string(r.defect_arg) + ")"; break;
    case Defect::kNotObject: e += "record is not a JSON object"; break;
    case Defect::kMissingField: e += "missing field "; e += field; break;
    case Defect::kWrongType:
      e += "field ";
      e += field;
      e += r.field == Field::kAmount ? " must be an integer" : " must be a string";
      break;
    case Defect::kDuplicateField: e += "field "; e += field; e += " appears twice"; break;
    case Defect::kBadOp: e += "field op must be place or reverse"; break;
    case Defect::kIdLength:
      e += "field id must be 1 to " + std::to_string(kIdBytesMax) + " bytes: got " + std::to_string(r.defect_arg);
      break;
    case Defect::kInvalidUtf8:
      if (r.field == Field::kNone) {
        e += "invalid UTF-8 (offset " + std::to_string(r.defect_arg) + ")";
      } else {
        e += "field ";
        e += field;
        e += " is not valid UTF-8";
      }
      break;
    case Defect::kTooLong: e += "record longer than " + std::to_string(r.defect_arg) + " bytes"; break;
    case Defect::kCsvQuote: e += "malformed CSV quoting"; break;
    case Defect::kCsvFieldCount:
      e += "expected " + std::to_string(batch.csv.columns) + " CSV fields, got " + std::to_string(r.defect_arg);
      break;
    case Defect::kEmptyElement: e += "empty element in JSON array"; break;
    case Defect::kArrayUnterminated: e += "JSON array not terminated (missing ])"; break;
    case Defect::kNotArray: e += "expected a JSON array ([)"; break;
    case Defect::kTrailingContent: e += "unexpected content after the JSON array"; break;
  }
}

}  // namespace

struct ResultFormatter::Impl {
  const Catalog& catalog;
  const std::vector<std::string>& sources;
  std::string error;  // scratch for error texts
  // RapidJSON escapes the rare strings that need it (control characters, '"', '\\').
  rapidjson::StringBuffer escaped;
  rapidjson::Writer<rapidjson::StringBuffer> escaper;

  Impl(const Catalog& c, const std::vector<std::string>& s) : catalog(c), sources(s), escaper(escaped) {}

  // The line being built: written through a raw pointer into a buffer that
  // begin() made large enough for the whole line (no per-field bounds checks).
  std::vector<char> line;
  char* p = nullptr;

  void begin(std::size_t need) {
    if (line.size() < need) line.resize(need * 2);
    p = line.data();
  }
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  void raw(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  // Decimal digits, two at a time from a table (half the divisions).
  void u64(std::uint64_t v) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char tmp[20];
    char* e = tmp + sizeof tmp;
    char* q = e;
    while (v >= 100) {
      const std::size_t pair = static_cast<std::size_t>(v % 100) * 2;
      v /= 100;
      q -= 2;
      std::memcpy(q, kPairs + pair, 2);
    }
    if (v >= 10) {
      q -= 2;
      std::memcpy(q, kPairs + static_cast<std::size_t>(v) * 2, 2);
    } else {
      *--q = static_cast<char>('0' + v);
    }
    raw(std::string_view(q, static_cast<std::size_t>(e - q)));
  }
  void i64(std::int64_t v) {
    if (v < 0) *p++ = '-';
    u64(v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v));
  }
  void cents(Cents c) {
    if (c < 0) *p++ = '-';
    std::uint64_t v = c < 0 ? 0 - static_cast<std::uint64_t>(c) : static_cast<std::uint64_t>(c);
    u64(v / 100);
    *p++ = '.';
    *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  // Room a JSON string of `s` may need: escaping can make a byte six.
  static std::size_t room(std::string_view s) { return 6 * s.size() + 2; }
  // A JSON string: copied as it is when nothing in it needs escaping (the
  // common case: ids and product ids are plain ASCII), else through RapidJSON.
  void str(std::string_view s) {
    if (!plain(s)) {
      escaped.Clear();
      escaper.Reset(escaped);
      escaper.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      raw(std::string_view(escaped.GetString(), escaped.GetSize()));
      return;
    }
    *p++ = '"';
    raw(s);
    *p++ = '"';
  }
  // True when no byte of s needs escaping in JSON (< 0x20, '"', '\\'):
  // eight bytes at a time.
  static bool plain(std::string_view s) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    auto bad = [&](std::uint64_t w) {
      // A byte below 0x20 (the high-bit test excludes bytes >= 0x80), or equal to '"' or '\\'.
      return (((w - kOnes * 0x20) & ~w & kHigh) | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
    };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (bad(w)) return false;
    }
    std::uint64_t tail = kOnes * 'a';  // padding that needs no escaping
    std::memcpy(&tail, s.data() + i, s.size() - i);
    return !bad(tail);
  }

  void error_text(const Batch& batch, const Record& r, std::string& e) const {
    switch (r.reason) {
      case Reason::kInvalidRecord:
        e += batch.file < sources.size() ? sources[batch.file] : std::string("?");
        e += ':';
        append_int(e, r.line);
        e += ": ";
        append_defect(e, batch, r);
        break;
      case Reason::kInvalidAmount:
        e += r.amount < kAmountMin ? "order amount must be at least 1: got "
                                   : "order amount must be at most 1000000000: got ";
        e += batch.text(r, r.amount_text);
        break;
      case Reason::kUnknownProduct:
        e += "product ";
        e += batch.text(r, r.product_text);
        e += " does not exist";
        break;
      case Reason::kInsufficientStock:
        e += "not enough stock for product ";
        e += catalog.product(r.product).id;
        e += ": got ";
        append_int(e, r.stock_seen);
        e += ", want ";
        append_int(e, r.amount);
        break;
      case Reason::kDuplicateId:
        e += "duplicate order id ";
        e += r.id;
        break;
      case Reason::kUnknownOrder:
        e += "order ";
        e += r.id;
        e += " does not exist";
        break;
      case Reason::kNotReversible:
        e += "order ";
        e += r.id;
        e += r.prior == OrderState::kReversed    ? " is already reversed"
             : r.prior == OrderState::kCancelled ? " was cancelled and cannot be reversed"
                                                 : " was rejected and cannot be reversed";
        break;
      case Reason::kDeadline: e += "deadline exceeded before the record was applied"; break;
      case Reason::kInterrupted: e += "interrupted before the record was applied"; break;
      case Reason::kNone: break;
    }
  }

  // One result line, by hand: the layout is fixed, only strings may need escaping.
  void record(const Batch& batch, const Record& r, std::string& out) {
    const bool ok = r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed;
    const bool fields = r.decoded && r.defect == Defect::kNone;
    const std::string_view amount_text = batch.text(r, r.amount_text);
    const std::string_view product_id = r.op == Op::kPlace ? batch.text(r, r.product_text)
                                        : r.product != kNoProduct ? std::string_view(catalog.product(r.product).id)
                                                                  : std::string_view();
    if (!ok) {
      error.clear();
      error_text(batch, r, error);
    }
    begin(160 + (fields ? room(r.id) + room(product_id) + amount_text.size() : 0) + (ok ? 0 : room(error)));
    lit("{\"seq\":");
    u64(r.seq);
    if (fields) {
      if (!r.id.empty()) {
        lit(",\"id\":");
        str(r.id);
      }
      if (r.op == Op::kPlace) {
        lit(",\"op\":\"place\",\"productId\":");
        str(product_id);
        lit(",\"amount\":");
        raw(amount_text);
      } else {
        lit(",\"op\":\"reverse\"");
        if (r.product != kNoProduct) {
          lit(",\"productId\":");
          str(product_id);
          lit(",\"amount\":");
          i64(r.amount);
        }
      }
    }
    switch (r.status) {
      case OrderStatus::kCompleted: lit(",\"status\":\"Completed\",\"total\":"); break;
      case OrderStatus::kReversed: lit(",\"status\":\"Reversed\",\"total\":"); break;
      case OrderStatus::kRejected: lit(",\"status\":\"Rejected\",\"reason\":\""); break;
      case OrderStatus::kCancelled: lit(",\"status\":\"Cancelled\",\"reason\":\""); break;
    }
    if (ok) {
      cents(r.total);
    } else {
      raw(to_string(r.reason));
      lit("\",\"error\":");
      str(error);
    }
    lit("}\n");
    out.append(line.data(), static_cast<std::size_t>(p - line.data()));
  }
};

ResultFormatter::ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources)
    : impl_(std::make_unique<Impl>(catalog, sources)) {}
ResultFormatter::~ResultFormatter() = default;

void ResultFormatter::format(const Batch& batch, std::string& out) {
  out.reserve(out.size() + batch.records.size() * 112);
  for (const Record& r : batch.records) impl_->record(batch, r, out);
}

std::string ResultFormatter::error_text(const Batch& batch, const Record& r) const {
  std::string e;
  impl_->error_text(batch, r, e);
  return e;
}

}  // namespace orderflow
