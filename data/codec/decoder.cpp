#include "data/codec/decoder.h"

#include <rapidjson/reader.h>

#include <cstring>
#include <vector>

#include "data/codec/csv.h"
#include "data/base/hash.h"
#include "data/base/utf8.h"

namespace orderflow {

namespace {

// No kParseValidateEncodingFlag: the whole record is checked for UTF-8 first,
// in one fast pass. RapidJSON's recursive parser is faster than its iterative
// one, but deep nesting would overflow the stack: a record longer than
// kRecursiveDepthMax bytes that holds more than that many '{' and '[' uses the
// iterative one (a shorter record cannot nest that deep).
constexpr unsigned kJsonFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;
constexpr unsigned kDeepJsonFlags = kJsonFlags | rapidjson::kParseIterativeFlag;
constexpr std::uint32_t kRecursiveDepthMax = 64;
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

// The number of '{' and '[' bytes in [p, p + n): a bound on the nesting depth.
std::size_t opening_brackets(const char* p, std::size_t n) {
  constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  std::size_t count = 0;
  auto word = [&](std::uint64_t w) {
    // '{' (0x7B) and '[' (0x5B) are the only bytes b with (b | 0x20) == 0x7B.
    const std::uint64_t x = (w | (kOnes * 0x20)) ^ (kOnes * '{');
    const std::uint64_t zero_bytes = ~(((x & kLow7) + kLow7) | x | kLow7);  // high bit of each zero byte
    count += static_cast<std::size_t>(((zero_bytes >> 7) * kOnes) >> 56);  // the multiply adds them up
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    word(w);
  }
  if (i < n) {
    std::uint64_t w = kOnes * ' ';  // padding that counts as nothing
    std::memcpy(&w, p + i, n - i);
    word(w);
  }
  return count;
}

void set_defect(Record& r, Defect d, Field f = Field::kNone, std::uint64_t arg = 0) {
  r.reason = Reason::kInvalidRecord;
  r.defect = d;
  r.field = f;
  r.defect_arg = arg;
}

// `text` without the spaces and TABs around it (a CSV amount quoted with them).
std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Integer text as JSON writes it: -?(0|[1-9][0-9]*). Leading zeros (CSV may
// have them) are dropped, rewriting the record's own bytes if a sign must move,
// so the text can be echoed as a JSON number. False when not an integer.
bool canonical_integer(std::string_view& text) {
  if (text.size() == 1) return text[0] >= '0' && text[0] <= '9';  // the usual amount
  bool neg = !text.empty() && text[0] == '-';
  std::size_t i = neg ? 1 : 0;
  if (i == text.size()) return false;
  for (std::size_t k = i; k < text.size(); ++k)
    if (text[k] < '0' || text[k] > '9') return false;
  std::size_t first = i;
  while (first + 1 < text.size() && text[first] == '0') ++first;
  if (first == i) return true;
  if (neg) {
    // The text lives in the batch's mutable buffer: move the sign next to the digits.
    char* p = const_cast<char*>(text.data());
    p[first - 1] = '-';
    text.remove_prefix(first - 1);
  } else {
    text.remove_prefix(first);
  }
  return true;
}

// The amount's value, saturated to int64 beyond its range (only the range check reads it then).
std::int64_t integer_value(std::string_view text) {
  bool neg = text[0] == '-';
  std::int64_t v = 0;
  for (std::size_t i = neg ? 1 : 0; i < text.size(); ++i) {
    int d = text[i] - '0';
    if (v > (INT64_MAX - d) / 10) return neg ? INT64_MIN : INT64_MAX;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

Field field_of(const char* s, std::size_t n) {
  switch (n) {
    case 2: return std::memcmp(s, "id", 2) == 0 ? Field::kId : std::memcmp(s, "op", 2) == 0 ? Field::kOp : Field::kNone;
    case 6: return std::memcmp(s, "amount", 6) == 0 ? Field::kAmount : Field::kNone;
    case 5: return std::memcmp(s, "items", 5) == 0 ? Field::kItems : Field::kNone;
    case 9: return std::memcmp(s, "productId", 9) == 0 ? Field::kProductId : Field::kNone;
    default: return Field::kNone;
  }
}

unsigned bit(Field f) { return 1u << static_cast<unsigned>(f); }

// Where `s` lies in the record that starts at `base`.
TextSpan span_of(const char* base, std::string_view s) {
  return TextSpan{static_cast<std::uint32_t>(s.data() - base), static_cast<std::uint32_t>(s.size())};
}

// SAX handler for one JSON record. Collects the first semantic defect but
// lets the parser run on, so that a syntax error anywhere wins.
//
// Depths: 1 is the record's members; a basket's `items` array is depth 2, its
// item objects' members depth 3. Items are appended to `items` (the batch's
// side table) as they are met; the caller drops them if the record is not a
// basket after all.
struct RecordHandler {
  Record* r = nullptr;
  const char* base = nullptr;  // r's first byte: where TextSpans count from
  int depth = 0;
  Field key = Field::kNone;
  unsigned seen = 0;
  Defect defect = Defect::kNone;
  Field defect_field = Field::kNone;
  std::uint64_t defect_arg = 0;
  // The items array, while it is being read.
  std::vector<Item>* items = nullptr;
  std::size_t first_item = 0;  // where this record's items start in *items
  bool in_items = false;       // inside the top-level items array
  std::uint32_t item_count = 0;  // elements of items so far (also beyond kItemsMax)
  Field item_key = Field::kNone;
  unsigned item_seen = 0;
  std::uint64_t units = 0;     // sum of the item amounts (saturated)

  void reset(Record* rec, const char* text, std::vector<Item>* item_table) {
    r = rec;
    base = text;
    depth = 0;
    key = Field::kNone;
    seen = 0;
    defect = Defect::kNone;
    defect_field = Field::kNone;
    defect_arg = 0;
    items = item_table;
    first_item = item_table->size();
    in_items = false;
    item_count = 0;
    item_key = Field::kNone;
    item_seen = 0;
    units = 0;
  }
  // The item being read (depth 3), or nullptr beyond kItemsMax.
  Item* item() { return item_count <= kItemsMax ? &items->back() : nullptr; }
  bool in_item() const { return in_items && depth == 3; }
  // A value at depth 3: belongs to item_key of the current item.
  bool item_value_wrong_type() {
    if (item_key != Field::kNone) fail(Defect::kItemWrongType, item_key, item_count);
    return true;
  }
  // A value or container that is an element of items (depth 2): not an object.
  void item_element_not_object() {
    ++item_count;
    fail(Defect::kItemNotObject, Field::kItems, item_count);
  }
  void fail(Defect d, Field f = Field::kNone, std::uint64_t arg = 0) {
    if (defect != Defect::kNone) return;
    defect = d;
    defect_field = f;
    defect_arg = arg;
  }
  // A scalar value: at depth 0 the record is not an object; at depth 1 it
  // belongs to `key`. Returns the key it belongs to (kNone if irrelevant).
  Field scalar() {
    if (depth == 0) {
      fail(Defect::kNotObject);
      return Field::kNone;
    }
    return depth == 1 ? key : Field::kNone;
  }
  bool wrong_type_if_known() {
    if (in_items) {
      if (depth == 2) item_element_not_object();
      else if (depth == 3) item_value_wrong_type();
      return true;
    }
    if (Field f = scalar(); f != Field::kNone) fail(Defect::kWrongType, f);
    return true;
  }
  bool Null() { return wrong_type_if_known(); }
  bool Bool(bool) { return wrong_type_if_known(); }
  bool Int(int) { return wrong_type_if_known(); }
  bool Uint(unsigned) { return wrong_type_if_known(); }
  bool Int64(std::int64_t) { return wrong_type_if_known(); }
  bool Uint64(std::uint64_t) { return wrong_type_if_known(); }
  bool Double(double) { return wrong_type_if_known(); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    if (in_items) {
      if (depth == 2) {
        item_element_not_object();
      } else if (depth == 3 && item_key == Field::kAmount) {
        std::string_view text(s, n);
        if (!canonical_integer(text)) {
          fail(Defect::kItemWrongType, Field::kAmount, item_count);
        } else if (Item* it = item()) {
          it->amount_text = span_of(base, text);
          it->amount = integer_value(text);
          const std::uint64_t a = it->amount < 0 ? 0 : static_cast<std::uint64_t>(it->amount);
          units = units + a < units ? UINT64_MAX : units + a;
        }
      } else if (depth == 3) {
        item_value_wrong_type();
      }
      return true;
    }
    Field f = scalar();
    if (f == Field::kAmount) {
      std::string_view text(s, n);
      if (!canonical_integer(text)) {
        if (defect == Defect::kNone) r->amount_text = span_of(base, text);  // shown in the error text
        fail(Defect::kWrongType, Field::kAmount, kWrongTypeAsWritten);
      } else {
        r->amount_text = span_of(base, text);
        r->amount = integer_value(text);
      }
    } else if (f != Field::kNone) {
      fail(Defect::kWrongType, f);
    }
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (in_items) {
      if (depth == 2) {
        item_element_not_object();
      } else if (depth == 3 && item_key == Field::kProductId) {
        if (!is_valid_utf8(std::string_view(s, n))) fail(Defect::kItemInvalidUtf8, Field::kProductId, item_count);
        else if (Item* it = item()) it->product_text = span_of(base, std::string_view(s, n));
      } else if (depth == 3) {
        item_value_wrong_type();
      }
      return true;
    }
    Field f = scalar();
    // The reader validates raw bytes, but decodes a lone low-surrogate escape
    // ("\udc00") into bytes that are not UTF-8; such a field must not be echoed.
    if ((f == Field::kId || f == Field::kProductId) && !is_valid_utf8(std::string_view(s, n))) {
      fail(Defect::kInvalidUtf8, f);
      return true;
    }
    switch (f) {
      case Field::kId:
        if (n == 0 || n > kIdBytesMax) fail(Defect::kIdLength, Field::kId, n);
        else r->id = std::string_view(s, n);
        break;
      case Field::kOp:
        if (n == 5 && std::memcmp(s, "place", 5) == 0) r->op = Op::kPlace;
        else if (n == 7 && std::memcmp(s, "reverse", 7) == 0) r->op = Op::kReverse;
        else fail(Defect::kBadOp, Field::kOp);
        break;
      case Field::kProductId:
        r->product_text = span_of(base, std::string_view(s, n));
        break;
      case Field::kAmount:
        if (defect == Defect::kNone) r->amount_text = span_of(base, std::string_view(s, n));  // shown in the error text
        fail(Defect::kWrongType, Field::kAmount, kWrongTypeQuoted);
        break;
      case Field::kItems:
        fail(Defect::kWrongType, f);
        break;
      case Field::kNone:
        break;
    }
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (in_item()) {
      item_key = field_of(s, n);
      if (item_key != Field::kProductId && item_key != Field::kAmount) {
        item_key = Field::kNone;  // unknown fields of an item are ignored, like a record's
      } else {
        if (item_seen & bit(item_key)) fail(Defect::kItemDuplicateField, item_key, item_count);
        item_seen |= bit(item_key);
      }
      return true;
    }
    if (depth != 1) return true;
    key = field_of(s, n);
    if (key != Field::kNone) {
      if (seen & bit(key)) fail(Defect::kDuplicateField, key);
      seen |= bit(key);
    }
    return true;
  }
  bool StartObject() {
    if (in_items && depth == 2) {  // an item
      ++item_count;
      if (item_count <= kItemsMax) items->emplace_back();
      item_key = Field::kNone;
      item_seen = 0;
    } else if (in_items && depth == 3) {
      item_value_wrong_type();
    } else if (depth == 1 && key != Field::kNone) {
      fail(Defect::kWrongType, key);
    }
    ++depth;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    if (in_items && depth == 2) {  // the end of an item: both fields are required
      if (!(item_seen & bit(Field::kProductId))) fail(Defect::kItemMissingField, Field::kProductId, item_count);
      else if (!(item_seen & bit(Field::kAmount))) fail(Defect::kItemMissingField, Field::kAmount, item_count);
    }
    return true;
  }
  bool StartArray() {
    if (in_items && depth == 2) item_element_not_object();
    else if (in_items && depth == 3) item_value_wrong_type();
    else if (depth == 0) fail(Defect::kNotObject);
    else if (depth == 1 && key == Field::kItems) in_items = true;
    else if (depth == 1 && key != Field::kNone) fail(Defect::kWrongType, key);
    ++depth;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    if (in_items && depth == 1) {
      in_items = false;
      if (item_count < 1 || item_count > kItemsMax) fail(Defect::kItemCount, Field::kItems, item_count);
    }
    return true;
  }
};

}  // namespace

struct Decoder::Impl {
  const Catalog& catalog;
  rapidjson::Reader reader;
  RecordHandler handler;
  std::vector<std::string_view> cells;

  explicit Impl(const Catalog& c) : catalog(c) {}

  std::vector<Item>* items = nullptr;  // the batch being decoded's item table

  void decode_json(Record& r, char* text) {
    if (!is_ascii(std::string_view(text, r.length))) {
      if (std::size_t bad = find_invalid_utf8(std::string_view(text, r.length)); bad != std::string_view::npos) {
        // A NUL byte before it is the first thing wrong.
        const void* nul = std::memchr(text, '\0', bad);
        if (nul) return nul_byte(r, text, nul);
        set_defect(r, Defect::kInvalidUtf8, Field::kNone, bad);
        return;
      }
    }
    handler.reset(&r, text, items);
    rapidjson::InsituStringStream stream(text);
    const bool deep = r.length > kRecursiveDepthMax && opening_brackets(text, r.length) > kRecursiveDepthMax;
    rapidjson::ParseResult pr = deep ? reader.Parse<kDeepJsonFlags>(stream, handler)
                                     : reader.Parse<kJsonFlags>(stream, handler);
    // In-situ parsing takes a NUL byte for the end of the record: one inside it
    // stops the parse early (with an error, or a success short of the end). The
    // bytes from where it stopped on are still as read.
    const std::size_t stop = pr.IsError() ? pr.Offset() : stream.Tell();
    if (pr.IsError() || stop != r.length) {
      if (const void* nul = std::memchr(text + stop, '\0', r.length - std::min<std::size_t>(stop, r.length))) {
        items->resize(handler.first_item);
        return nul_byte(r, text, nul);
      }
    }
    if (pr.IsError()) {
      items->resize(handler.first_item);
      set_defect(r, Defect::kJsonSyntax, Field::kNone, pr.Offset());
      r.json_code = static_cast<std::uint16_t>(pr.Code());
      return;
    }
    if (handler.defect != Defect::kNone) {
      items->resize(handler.first_item);
      set_defect(r, handler.defect, handler.defect_field, handler.defect_arg);
      return;
    }
    if (!(handler.seen & bit(Field::kItems))) return check_required(r, handler.seen);
    // A basket (SPEC.md "Linked orders"): items instead of productId and amount.
    if (r.op == Op::kReverse) {  // a reverse names its order; items are ignored, like productId
      items->resize(handler.first_item);
      return check_required(r, handler.seen);
    }
    if (handler.seen & (bit(Field::kProductId) | bit(Field::kAmount))) {
      items->resize(handler.first_item);
      return set_defect(r, Defect::kItemsMixed, Field::kItems);
    }
    r.product = kBasketProduct;
    r.items = ItemRange{static_cast<std::uint32_t>(handler.first_item), static_cast<std::uint16_t>(handler.item_count), 0};
    r.amount = handler.units > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(handler.units);
  }

  static void nul_byte(Record& r, const char* text, const void* nul) {
    set_defect(r, Defect::kNulByte, Field::kNone, static_cast<std::uint64_t>(static_cast<const char*>(nul) - text));
  }

  void check_required(Record& r, unsigned seen) {
    if (r.op == Op::kReverse) {
      if (!(seen & bit(Field::kId))) set_defect(r, Defect::kMissingField, Field::kId);
      return;
    }
    if (!(seen & bit(Field::kProductId))) return set_defect(r, Defect::kMissingField, Field::kProductId);
    if (!(seen & bit(Field::kAmount))) return set_defect(r, Defect::kMissingField, Field::kAmount);
  }

  void decode_csv(Record& r, char* text, const CsvLayout& layout) {
    if (const void* nul = std::memchr(text, '\0', r.length)) {
      set_defect(r, Defect::kNulByte, Field::kNone, static_cast<std::uint64_t>(static_cast<const char*>(nul) - text));
      return;
    }
    if (!split_csv_row(text, text + r.length, cells, CsvDialect{layout.delimiter, true}))
      return set_defect(r, Defect::kCsvQuote);
    if (cells.size() != layout.columns) return set_defect(r, Defect::kCsvFieldCount, Field::kNone, cells.size());
    auto cell = [&](int col) { return col < 0 ? std::string_view() : cells[static_cast<std::size_t>(col)]; };
    unsigned seen = 0;
    std::string_view op = cell(layout.op);
    if (op.empty() || csv_iequals(op, "place")) r.op = Op::kPlace;  // spreadsheets write PLACE, Place
    else if (csv_iequals(op, "reverse")) r.op = Op::kReverse;
    else return set_defect(r, Defect::kBadOp, Field::kOp);
    if (std::string_view id = cell(layout.id); !id.empty()) {
      if (id.size() > kIdBytesMax) return set_defect(r, Defect::kIdLength, Field::kId, id.size());
      if (!is_valid_utf8(id)) return set_defect(r, Defect::kInvalidUtf8, Field::kId);
      r.id = id;
      seen |= bit(Field::kId);
    }
    if (std::string_view product = cell(layout.product); !product.empty()) {
      if (!is_valid_utf8(product)) return set_defect(r, Defect::kInvalidUtf8, Field::kProductId);
      r.product_text = span_of(text, product);
      seen |= bit(Field::kProductId);
    }
    if (std::string_view amount = trim_spaces(cell(layout.amount)); !amount.empty()) {
      if (!canonical_integer(amount)) {
        r.amount_text = span_of(text, amount);  // quoted in the error text
        return set_defect(r, Defect::kWrongType, Field::kAmount, kWrongTypeQuoted);
      }
      r.amount_text = span_of(text, amount);
      r.amount = integer_value(amount);
      seen |= bit(Field::kAmount);
    }
    check_required(r, seen);
  }

  // The checks that need only the catalog, in SPEC order after duplicate_id.
  // The checks that need only the catalog, in SPEC order after duplicate_id,
  // for a whole batch: the product look-ups' cache misses (large catalogs)
  // overlap, as every slot is prefetched before the first one is read.
  void classify(Batch& batch, std::size_t from) {
    auto needs_product = [](const Record& r) {
      return r.reason == Reason::kNone && r.op == Op::kPlace && !r.is_basket() && r.amount >= kAmountMin &&
             r.amount <= kAmountMax;
    };
    const ProductIndex& index = catalog.index();
    hashes.clear();
    for (std::size_t i = from; i < batch.records.size(); ++i) {
      const Record& r = batch.records[i];
      if (!needs_product(r)) continue;
      hashes.push_back(hash_bytes(batch.text(r, r.product_text)));
      index.prefetch(hashes.back());
    }
    std::size_t k = 0;
    for (std::size_t i = from; i < batch.records.size(); ++i) {
      Record& r = batch.records[i];
      if (!r.id.empty()) r.id_hash = hash_bytes(r.id);
      if (r.reason != Reason::kNone || r.op != Op::kPlace) continue;
      if (r.is_basket()) {
        classify_basket(batch, r);
        continue;
      }
      if (!needs_product(r)) {
        r.reason = Reason::kInvalidAmount;
        continue;
      }
      r.product = index.find(batch.text(r, r.product_text), hashes[k++]);
      if (r.product == kNoProduct) r.reason = Reason::kUnknownProduct;
    }
  }
  std::vector<std::uint64_t> hashes;  // scratch for classify

  // A basket's checks, SPEC order: the first item with an amount out of
  // range, else the first unknown product; `items.failed` names it.
  void classify_basket(Batch& batch, Record& r) {
    Item* items = batch.items_of(r);
    const std::uint16_t n = r.items.count;
    for (std::uint16_t k = 0; k < n; ++k) {
      if (items[k].amount < kAmountMin || items[k].amount > kAmountMax) {
        r.reason = Reason::kInvalidAmount;
        r.items.failed = static_cast<std::uint16_t>(k + 1);
        return;
      }
    }
    const ProductIndex& index = catalog.index();
    for (std::uint16_t k = 0; k < n; ++k) {
      const std::string_view id = batch.text(r, items[k].product_text);
      items[k].product = index.find(id, hash_bytes(id));
      if (items[k].product == kNoProduct) {
        r.reason = Reason::kUnknownProduct;
        r.items.failed = static_cast<std::uint16_t>(k + 1);
        return;
      }
    }
  }
};

Decoder::Decoder(const Catalog& catalog) : impl_(std::make_unique<Impl>(catalog)) {}
Decoder::~Decoder() = default;

void Decoder::decode(Batch& batch) {
  // Records are decoded in order, and once: a batch is either new or was
  // decoded in full (a cancelled run may skip decoding altogether).
  std::size_t from = 0;
  while (from < batch.records.size() && batch.records[from].decoded) ++from;
  impl_->items = &batch.items;
  for (std::size_t i = from; i < batch.records.size(); ++i) {
    Record& r = batch.records[i];
    r.decoded = true;
    if (r.reason == Reason::kNone) {
      char* text = batch.data(r);
      if (batch.format == RecordFormat::kCsv) impl_->decode_csv(r, text, batch.csv);
      else impl_->decode_json(r, text);
    }
  }
  impl_->classify(batch, from);
}

}  // namespace orderflow
