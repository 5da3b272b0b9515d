// The JSON record codec: a record is one JSON object (an NDJSON line, or an
// element of a JSON array: the formats differ only in framing). Parsed in
// situ with RapidJSON's SAX reader. A basket's items (SPEC.md "Linked orders")
// go to the batch's side table, Batch::items.
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "data/base/utf8.h"
#include "data/codec/field_checks.h"
#include "data/codec/record_codec.h"

namespace orderflow {

namespace {

using namespace codec;

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

Field field_of(const char* s, std::size_t n) {
  switch (n) {
    case 2: return std::memcmp(s, "id", 2) == 0 ? Field::kId : std::memcmp(s, "op", 2) == 0 ? Field::kOp : Field::kNone;
    case 6: return std::memcmp(s, "amount", 6) == 0 ? Field::kAmount : Field::kNone;
    case 5: return std::memcmp(s, "items", 5) == 0 ? Field::kItems : Field::kNone;
    case 9: return std::memcmp(s, "productId", 9) == 0 ? Field::kProductId : Field::kNone;
    default: return Field::kNone;
  }
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

class JsonCodec final : public RecordCodecLoop<JsonCodec> {
 public:
  void decode_record(Record& r, char* text, Batch& batch) {
    std::vector<Item>* items = &batch.items;  // a basket's items go to the batch's side table
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

 private:
  rapidjson::Reader reader;
  RecordHandler handler;
};

}  // namespace

std::unique_ptr<RecordCodec> make_json_codec() { return std::make_unique<JsonCodec>(); }

}  // namespace orderflow
