#pragma once
// Record: one input record on its way through the run, from its bytes to its
// result. Filled in three steps, each by one owner at a time:
//   framer  -> where it is (seq, file, line) and its bytes in the batch;
//   decoder -> what it asks for (op, id, product, amount) or why it is invalid;
//   ledger  -> how it ended (status, reason, total, ...).
// The string views point into the owning Batch's bytes (in-situ decoded), so a
// Record is only meaningful together with its Batch. Thread-compatible.
#include <cstdint>
#include <string_view>

#include "data/money.h"
#include "data/order.h"

namespace orderflow {

struct OrderEntry;  // data/order_index.h

struct Record {
  // --- framer ---
  std::uint64_t seq = 0;        // 1-based across the whole run
  std::uint64_t line = 0;       // 1-based line of the record's first byte
  std::uint32_t offset = 0;     // the record's bytes in Batch::bytes (NUL-terminated)
  std::uint32_t length = 0;

  // --- decoder ---
  Op op = Op::kPlace;
  Reason reason = Reason::kNone;    // the first check that failed so far
  Defect defect = Defect::kNone;    // with kInvalidRecord: what is wrong
  Field field = Field::kNone;       // the field a Defect names
  std::uint16_t json_code = 0;      // rapidjson::ParseErrorCode for kJsonSyntax
  std::uint64_t defect_arg = 0;     // offset, length, limit or count, per Defect
  std::uint32_t product = kNoProduct;  // catalog index, when productId is known
  std::int64_t amount = 0;          // when amount is an integer in int64 range
  std::string_view id;              // empty: no id
  std::string_view product_text;    // productId as written (unescaped)
  std::string_view amount_text;     // amount as canonical integer text (for echoes)
  std::uint64_t id_hash = 0;        // hash_bytes(id), when id is not empty
  bool decoded = false;             // the decoder has looked at it (fields are meaningful)

  // --- ledger ---
  OrderStatus status = OrderStatus::kRejected;
  OrderState prior = OrderState::kPending;  // not_reversible: the order's state then
  std::int64_t stock_seen = 0;      // insufficient_stock: the stock there was
  Cents total = 0;                  // Completed / Reversed
  OrderEntry* entry = nullptr;      // the id's entry: taken (place) or named (reverse)
  bool decided = false;             // status/reason are final
};

// Where a record's bytes are parsed from.
enum class RecordFormat : std::uint8_t { kNdjson, kJsonArray, kCsv };

// Which CSV column holds each field (-1: absent), from a file's header.
struct CsvLayout {
  int id = -1, op = -1, product = -1, amount = -1;
  std::uint32_t columns = 0;
};

}  // namespace orderflow
