#pragma once
// Record: one input record on its way through the run, from its bytes to its
// result. Filled in three steps, each by one owner at a time:
//   framer  -> where it is (seq, file, line) and its bytes in the batch;
//   decoder -> what it asks for (op, id, product, amount) or why it is invalid;
//   ledger  -> how it ended (status, reason, total, ...).
// The string views point into the owning Batch's bytes (in-situ decoded), so a
// Record is only meaningful together with its Batch. Thread-compatible.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/base/money.h"
#include "data/model/order.h"

namespace orderflow {

// A field's text inside its record's own bytes (decoded in place there): where
// it starts, counted from the record's first byte, and its length. Half the
// size of a string_view; Batch::text() turns it back into one.
struct TextSpan {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  bool empty() const { return size == 0; }
};

// Where a basket's items are in its batch's side table (Batch::items): the
// items [first, first + count). `failed` names the item a rejection is about
// (1-based, as "item":K prints it; 0: none).
struct ItemRange {  // trivial: it shares its bytes with Record::product_text
  std::uint32_t first;
  std::uint16_t count;
  std::uint16_t failed;
};

// One item of a basket (SPEC.md "Linked orders"). Single-item orders have no
// Item: their product and amount stay in the Record, which does not grow for
// baskets (104 bytes; every stage reads every record). A basket's items live in
// Batch::items, and the Record points at them (Record::items).
struct Item {
  std::uint32_t product = kNoProduct;  // [D] catalog index, when productId is known;
                                       //     kBasketProduct: a basket (see `items`)
  std::uint32_t unused = 0;
  std::int64_t amount = 0;             // [D] when amount is an integer in int64 range
  TextSpan product_text;               // [D] productId as written (empty: a reverse's copy, use the catalog id)
  TextSpan amount_text;                // [D] amount as canonical integer text
  std::int64_t stock_seen = 0;         // [L] insufficient_stock: what this item's owner saw
};

struct Record {
  // Fields are grouped by size (no padding: 104 bytes); the comment after each
  // says which step writes it: [F]ramer, [D]ecoder, [L]edger. Every stage
  // reads and writes every record, so its size is memory traffic: a field
  // that only one outcome needs shares its bytes with the others (see below).
  std::uint64_t seq = 0;            // [F] 1-based across the whole run
  std::uint64_t line = 0;           // [F] 1-based line of the record's first byte
  std::uint32_t offset = 0;         // [F] the record's bytes (NUL-terminated) in its batch's
  std::uint32_t length = 0;         //     bytes (block 0) or in input block `block` (1-based)
  std::uint32_t product = kNoProduct;  // [D] catalog index, when productId is known;
                                       //     kBasketProduct: a basket (see `items`)
  std::uint16_t block = 0;          // [F] see offset
  std::uint16_t json_code = 0;      // [D] rapidjson::ParseErrorCode for kJsonSyntax
  Op op = Op::kPlace;               // [D]
  Reason reason = Reason::kNone;    // [D][L] the first check that failed so far
  Defect defect = Defect::kNone;    // [F][D] with kInvalidRecord: what is wrong
  Field field = Field::kNone;       // [D] the field a Defect names
  bool parsed = false;              // [D] the decoder has parsed it (fields are meaningful; not `decided`)
  OrderStatus status = OrderStatus::kRejected;  // [L]
  OrderState prior = OrderState::kPending;      // [L] not_reversible: the order's state then
  bool decided = false;             // [L] status/reason are final
  // One value that depends on how the record ended; the outcomes that use
  // them exclude each other, so they share 8 bytes. Read only the one that
  // `reason`/`status` says was written.
  union {
    std::uint64_t defect_arg = 0;   // [F][D] reason kInvalidRecord: offset, length, limit or count, per Defect
    std::int64_t stock_seen;        // [L] reason kInsufficientStock: the stock there was
    Cents total;                    // [L] status Completed / Reversed
  };
  std::int64_t amount = 0;          // [D] when amount is an integer in int64 range
                                    //     (a basket: the sum of its items' amounts)
  std::string_view id;              // [D] empty: no id
  // A single-item order has a productId; a basket has items instead (the two
  // exclude each other: a record with both is invalid), so they share 8 bytes.
  // is_basket() says which one was written.
  union {
    TextSpan product_text{};        // [D] productId as written (unescaped)
    ItemRange items;                // [D][L] a basket's items in Batch::items (product == kBasketProduct)
  };
  TextSpan amount_text;             // [D] amount as canonical integer text (for echoes)
  std::uint64_t id_hash = 0;        // [D] hash_bytes(id), when id is not empty
  OrderRef order;                   // [L] the id's order in the order index: taken (place) or named (reverse)

  bool is_basket() const { return product == kBasketProduct; }
};
static_assert(sizeof(Record) == 104, "Record is laid out without padding");

// Where a record's bytes are parsed from (data/codec/record_codec.h has the table of them).
enum class RecordFormat : std::uint8_t { kNdjson, kJsonArray, kCsv };
inline constexpr std::size_t kRecordFormats = 3;
// An input's format as asked for (--format): one of them, or detected.
enum class InputFormat : std::uint8_t { kAuto, kNdjson, kJsonArray, kCsv };

// Which CSV column holds each field (-1: absent), from a file's header.
// Defect::kWrongType on the amount keeps the value in Record::amount_text, and
// its defect_arg says how the error text shows it: quoted ("4 x", a string) or
// as written (3.0, a JSON number). 0: not kept.
inline constexpr std::uint64_t kWrongTypeQuoted = 1;
inline constexpr std::uint64_t kWrongTypeAsWritten = 2;

struct CsvLayout {
  int id = -1, op = -1, product = -1, amount = -1;
  std::uint32_t columns = 0;
  char delimiter = ',';  // ',', ';' or '\t' (told by the header, or --delimiter)
};

}  // namespace orderflow
