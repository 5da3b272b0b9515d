#include "data/codec/result_format.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>

#include "data/base/json_util.h"
#include "data/base/utf8.h"
#include "data/ledger/order_index.h"

namespace orderflow {

namespace {

// A value from the input inside an error text: in double quotes when asked
// (a string) or when spaces at its ends or control characters inside would
// otherwise be invisible ("product \" MWLEM \" does not exist"); inside
// quotes '"', '\\' and control characters are escaped. At most
// kShownValueBytesMax bytes are shown ("..." after), and a byte that is not
// UTF-8 becomes '?', so the text is always valid in a JSON result.
constexpr std::size_t kShownValueBytesMax = 64;

void append_value(std::string& e, std::string_view v, bool quote) {
  bool odd = v.empty() || v.front() == ' ' || v.back() == ' ';
  for (char c : v) odd = odd || static_cast<unsigned char>(c) < 0x20;
  std::string shown(v.substr(0, kShownValueBytesMax));
  if (v.size() > kShownValueBytesMax) {
    // Cut at a character boundary: drop a partial UTF-8 sequence at the end.
    std::size_t end = shown.size();
    while (end > 0 && (static_cast<unsigned char>(shown[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && static_cast<unsigned char>(shown[end - 1]) >= 0xC0) --end;
    if (end > 0 && end < shown.size() && !is_valid_utf8(shown)) shown.resize(end);
  }
  for (std::size_t bad; (bad = find_invalid_utf8(shown)) != std::string::npos;) shown[bad] = '?';
  if (v.size() > kShownValueBytesMax) shown += "...";
  if (!quote && !odd) {
    e += shown;
    return;
  }
  e += '"';
  for (char c : shown) {
    if (c == '"' || c == '\\') e += '\\';
    if (c == '\n') e += "\\n";
    else if (c == '\r') e += "\\r";
    else if (c == '\t') e += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20) e += "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 0xF]) + "0123456789abcdef"[c & 0xF];
    else e += c;
  }
  e += '"';
}

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
      e += r.field == Field::kAmount ? " must be an integer" : r.field == Field::kItems ? " must be an array" : " must be a string";
      if (r.field == Field::kAmount && r.defect_arg != 0) {
        e += ": got ";
        append_value(e, batch.text(r, r.amount_text), r.defect_arg == kWrongTypeQuoted);
      }
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
    case Defect::kItemsMixed: e += "field items cannot be combined with a top-level productId or amount"; break;
    case Defect::kItemCount:
      e += "field items must hold 1 to " + std::to_string(kItemsMax) + " items: got " + std::to_string(r.defect_arg);
      break;
    case Defect::kItemNotObject: e += "items: item " + std::to_string(r.defect_arg) + " is not an object"; break;
    case Defect::kItemMissingField:
      e += "items: item " + std::to_string(r.defect_arg) + ": missing field ";
      e += field;
      break;
    case Defect::kItemWrongType:
      e += "items: item " + std::to_string(r.defect_arg) + ": field ";
      e += field;
      e += r.field == Field::kAmount ? " must be an integer" : " must be a string";
      break;
    case Defect::kItemDuplicateField:
      e += "items: item " + std::to_string(r.defect_arg) + ": field ";
      e += field;
      e += " appears twice";
      break;
    case Defect::kItemInvalidUtf8:
      e += "items: item " + std::to_string(r.defect_arg) + ": field productId is not valid UTF-8";
      break;
  }
}

// A basket's rejection that names one of its items ("item":K, "item K: ...").
bool names_item(const Record& r) {
  return r.is_basket() && r.items.failed != 0 &&
         (r.reason == Reason::kInvalidAmount || r.reason == Reason::kUnknownProduct ||
          r.reason == Reason::kInsufficientStock);
}

}  // namespace

std::string_view to_string(ResultFormat f) { return enum_name(kResultFormats, f, "ndjson"); }

std::optional<ResultFormat> parse_result_format(std::string_view text) { return enum_value(kResultFormats, text); }

std::optional<ResultFormat> result_format_for_path(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    if (path.size() <= ext.size()) return false;
    for (std::size_t i = 0; i < ext.size(); ++i) {
      char c = path[path.size() - ext.size() + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != ext[i]) return false;
    }
    return true;
  };
  for (const ResultFormatRow& row : kResultFormats)
    if (!row.extension.empty() && ends(row.extension)) return row.value;
  return std::nullopt;
}

std::string_view result_header(ResultFormat f) {
  switch (f) {
    case ResultFormat::kNdjson: return "";
    case ResultFormat::kCsv: return "seq,id,op,productId,amount,status,total,reason,error\n";
    case ResultFormat::kTsv: return "seq\tid\top\tproductId\tamount\tstatus\ttotal\treason\terror\n";
  }
  return "";
}

struct ResultFormatter::Impl {
  const Catalog& catalog;
  const std::vector<std::string>& sources;
  ResultFormat format = ResultFormat::kNdjson;
  std::string error;  // scratch for error texts
  std::string items_cell, units_cell;  // scratch for a basket's CSV/TSV cells
  // RapidJSON escapes the rare strings that need it (control characters, '"', '\\').
  rapidjson::StringBuffer escaped;
  rapidjson::Writer<rapidjson::StringBuffer> escaper;

  Impl(const Catalog& c, const std::vector<std::string>& s, ResultFormat f)
      : catalog(c), sources(s), format(f), escaper(escaped) {}

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
    if (s.empty()) return;  // an empty view may hold a null pointer: memcpy(p, nullptr, 0) is undefined
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
    // A basket's rejection that names an item: "item K: " and that item's text.
    TextSpan amount_text = r.amount_text, product_text = r.product_text;
    std::uint32_t product = r.product;
    std::int64_t amount = r.amount, stock_seen = r.stock_seen;
    if (names_item(r)) {
      const Item& it = batch.items_of(r)[r.items.failed - 1];
      e += "item ";
      append_int(e, r.items.failed);
      e += ": ";
      amount_text = it.amount_text;
      product_text = it.product_text;
      product = it.product;
      amount = it.amount;
      stock_seen = it.stock_seen;
    }
    switch (r.reason) {
      case Reason::kInvalidRecord:
        e += batch.file < sources.size() ? sources[batch.file] : std::string("?");
        e += ':';
        append_int(e, r.line);
        e += ": ";
        append_defect(e, batch, r);
        break;
      case Reason::kInvalidAmount:
        e += amount < kAmountMin ? "order amount must be at least 1: got "
                                   : "order amount must be at most 1000000000: got ";
        e += batch.text(r, amount_text);
        break;
      case Reason::kUnknownProduct:
        e += "product ";
        append_value(e, batch.text(r, product_text), false);
        e += " does not exist";
        break;
      case Reason::kInsufficientStock:
        e += "not enough stock for product ";
        e += catalog.product(product).id;
        e += ": got ";
        append_int(e, stock_seen);
        e += ", want ";
        append_int(e, amount);
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

  // A basket's item's productId: as written, or (a reverse's copy) the catalog's.
  std::string_view item_product(const Batch& batch, const Record& r, const Item& it) const {
    return it.product_text.empty() && it.product != kNoProduct ? std::string_view(catalog.product(it.product).id)
                                                               : batch.text(r, it.product_text);
  }
  // Room the items array of a basket needs.
  std::size_t items_room(const Batch& batch, const Record& r) const {
    std::size_t n = 16;
    const Item* items = batch.items_of(r);
    for (std::uint16_t k = 0; k < r.items.count; ++k)
      n += 40 + room(item_product(batch, r, items[k])) + std::max<std::size_t>(items[k].amount_text.size, 20);
    return n;
  }
  // "items":[{"productId":"MWBLU","amount":2},...]
  void items_array(const Batch& batch, const Record& r) {
    lit(",\"items\":[");
    const Item* items = batch.items_of(r);
    for (std::uint16_t k = 0; k < r.items.count; ++k) {
      if (k) *p++ = ',';
      lit("{\"productId\":");
      str(item_product(batch, r, items[k]));
      lit(",\"amount\":");
      if (items[k].amount_text.empty()) i64(items[k].amount);
      else raw(batch.text(r, items[k].amount_text));
      *p++ = '}';
    }
    *p++ = ']';
  }

  // Room a CSV/TSV cell of `s` may need (quotes doubled, or escapes).
  static std::size_t cell_room(std::string_view s) { return 2 * s.size() + 2; }
  // One CSV cell (RFC 4180: quoted only when it must be) or TSV cell (escaped).
  void cell(std::string_view s) {
    if (format == ResultFormat::kTsv) {
      for (char c : s) {
        switch (c) {
          case '\t': *p++ = '\\'; *p++ = 't'; break;
          case '\n': *p++ = '\\'; *p++ = 'n'; break;
          case '\r': *p++ = '\\'; *p++ = 'r'; break;
          case '\\': *p++ = '\\'; *p++ = '\\'; break;
          default: *p++ = c;
        }
      }
      return;
    }
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
      raw(s);
      return;
    }
    *p++ = '"';
    for (char c : s) {
      if (c == '"') *p++ = '"';
      *p++ = c;
    }
    *p++ = '"';
  }

  // One CSV/TSV line: all nine columns, empty ones included (result_format.h).
  void delimited(const Batch& batch, const Record& r, std::string& out) {
    const char sep = format == ResultFormat::kTsv ? '\t' : ',';
    const bool ok = r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed;
    const bool fields = r.parsed && r.defect == Defect::kNone;
    const bool basket = fields && r.is_basket();
    // A basket: its items as "P1:2;P2:1" in productId, its total units in amount.
    if (basket) {
      items_cell.clear();
      const Item* items = batch.items_of(r);
      for (std::uint16_t k = 0; k < r.items.count; ++k) {
        if (k) items_cell += ';';
        items_cell += item_product(batch, r, items[k]);
        items_cell += ':';
        if (items[k].amount_text.empty()) append_int(items_cell, items[k].amount);
        else items_cell += batch.text(r, items[k].amount_text);
      }
      units_cell.clear();
      append_int(units_cell, r.amount);
    }
    const std::string_view amount_text = basket ? std::string_view(units_cell) : batch.text(r, r.amount_text);
    const std::string_view product_id = basket                      ? std::string_view(items_cell)
                                        : r.op == Op::kPlace        ? batch.text(r, r.product_text)
                                        : r.product != kNoProduct ? std::string_view(catalog.product(r.product).id)
                                                                  : std::string_view();
    if (!ok) {
      error.clear();
      error_text(batch, r, error);
    }
    begin(160 + (fields ? cell_room(r.id) + cell_room(product_id) + amount_text.size() : 0) +
          (ok ? 0 : cell_room(error)));
    u64(r.seq);
    *p++ = sep;
    if (fields) {
      cell(r.id);
      *p++ = sep;
      raw(to_string(r.op));
      *p++ = sep;
      if (r.op == Op::kPlace) {
        cell(product_id);
        *p++ = sep;
        raw(amount_text);
      } else {
        if (basket) {
          cell(product_id);
          *p++ = sep;
          raw(amount_text);
        } else if (r.product != kNoProduct) {
          cell(product_id);
          *p++ = sep;
          i64(r.amount);
        } else {
          *p++ = sep;
        }
      }
    } else {
      *p++ = sep;  // id
      *p++ = sep;  // op
      *p++ = sep;  // productId
    }
    *p++ = sep;
    raw(to_string(r.status));
    *p++ = sep;
    if (ok) {
      cents(r.total);
      *p++ = sep;
      *p++ = sep;
    } else {
      *p++ = sep;
      raw(to_string(r.reason));
      *p++ = sep;
      cell(error);
    }
    *p++ = '\n';
    out.append(line.data(), static_cast<std::size_t>(p - line.data()));
  }

  // One result line, by hand: the layout is fixed, only strings may need escaping.
  void record(const Batch& batch, const Record& r, std::string& out) {
    if (format != ResultFormat::kNdjson) return delimited(batch, r, out);
    const bool ok = r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed;
    const bool fields = r.parsed && r.defect == Defect::kNone;
    const bool basket = fields && r.is_basket();
    const std::string_view amount_text = basket ? std::string_view() : batch.text(r, r.amount_text);
    const std::string_view product_id = basket                      ? std::string_view()
                                        : r.op == Op::kPlace        ? batch.text(r, r.product_text)
                                        : r.product != kNoProduct ? std::string_view(catalog.product(r.product).id)
                                                                  : std::string_view();
    if (!ok) {
      error.clear();
      error_text(batch, r, error);
    }
    begin(160 + (fields ? room(r.id) + room(product_id) + amount_text.size() : 0) + (ok ? 0 : room(error)) +
          (basket ? items_room(batch, r) : 0));
    lit("{\"seq\":");
    u64(r.seq);
    if (fields) {
      if (!r.id.empty()) {
        lit(",\"id\":");
        str(r.id);
      }
      if (basket) {
        if (r.op == Op::kPlace) lit(",\"op\":\"place\"");
        else lit(",\"op\":\"reverse\"");
        items_array(batch, r);
      } else if (r.op == Op::kPlace) {
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
      if (basket && names_item(r)) {
        lit("\",\"item\":");
        u64(r.items.failed);
        lit(",\"error\":");
      } else {
        lit("\",\"error\":");
      }
      str(error);
    }
    lit("}\n");
    out.append(line.data(), static_cast<std::size_t>(p - line.data()));
  }
};

ResultFormatter::ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources,
                                 ResultFormat format)
    : impl_(std::make_unique<Impl>(catalog, sources, format)) {}
ResultFormatter::~ResultFormatter() = default;

void ResultFormatter::format(const Batch& batch, std::string& out) {
  out.reserve(out.size() + batch.records.size() * 112);
  for (const Record& r : batch.records) impl_->record(batch, r, out);
}

void ResultFormatter::format_one(const Batch& batch, const Record& r, std::string& out) {
  impl_->record(batch, r, out);
}

std::string ResultFormatter::error_text(const Batch& batch, const Record& r) const {
  std::string e;
  impl_->error_text(batch, r, e);
  return e;
}

}  // namespace orderflow
