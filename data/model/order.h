#pragma once
// The domain vocabulary: what a record asks for and how it ended (SPEC.md
// "Input records" and "Outcomes"). Enums, not strings: each has exactly one
// spelling, in the one table next to it (data/base/enum_table.h), given by
// to_string() and read back by parse_<enum>().
#include <cstdint>
#include <optional>
#include <string_view>

#include "data/base/enum_table.h"

namespace orderflow {

// Limits on a record's fields (SPEC.md), units last.
inline constexpr std::int64_t kAmountMin = 1;
inline constexpr std::int64_t kAmountMax = 1'000'000'000;
inline constexpr std::size_t kIdBytesMax = 128;
inline constexpr std::size_t kRecordBytesMaxDefault = 1 << 20;  // --max-record-bytes
inline constexpr std::int64_t kStockMax = std::int64_t{1} << 62;
inline constexpr std::uint32_t kNoProduct = UINT32_MAX;
// A Record's `product` when the record is a basket (SPEC.md "Linked orders"):
// its products are in its items, in the batch's side table.
inline constexpr std::uint32_t kBasketProduct = UINT32_MAX - 1;
inline constexpr std::size_t kItemsMax = 64;  // items in one basket, 1..kItemsMax

enum class Op : std::uint8_t { kPlace, kReverse };
inline constexpr EnumName<Op> kOps[] = {{Op::kPlace, "place"}, {Op::kReverse, "reverse"}};

// One product and its units: an item of a basket as the stores and the order
// index see it (the amount is already checked to be 1..kAmountMax).
struct StockItem {
  std::uint32_t product;
  std::uint32_t amount;
};

enum class OrderStatus : std::uint8_t { kCompleted, kRejected, kReversed, kCancelled };
inline constexpr EnumName<OrderStatus> kOrderStatuses[] = {
    {OrderStatus::kCompleted, "Completed"},
    {OrderStatus::kRejected, "Rejected"},
    {OrderStatus::kReversed, "Reversed"},
    {OrderStatus::kCancelled, "Cancelled"},
};

// Why a record was rejected or cancelled. kNone while undecided or when it succeeded.
enum class Reason : std::uint8_t {
  kNone,
  kInvalidRecord,
  kInvalidAmount,
  kUnknownProduct,
  kInsufficientStock,
  kDuplicateId,
  kUnknownOrder,
  kNotReversible,
  kDeadline,
  kInterrupted,
};
inline constexpr int kReasonCount = 10;
// The reason codes results and summaries print; kNone has none ("").
inline constexpr EnumName<Reason> kReasons[] = {
    {Reason::kNone, ""},
    {Reason::kInvalidRecord, "invalid_record"},
    {Reason::kInvalidAmount, "invalid_amount"},
    {Reason::kUnknownProduct, "unknown_product"},
    {Reason::kInsufficientStock, "insufficient_stock"},
    {Reason::kDuplicateId, "duplicate_id"},
    {Reason::kUnknownOrder, "unknown_order"},
    {Reason::kNotReversible, "not_reversible"},
    {Reason::kDeadline, "deadline"},
    {Reason::kInterrupted, "interrupted"},
};
static_assert(std::size(kReasons) == kReasonCount, "a row per Reason");

// What exactly is wrong with an invalid_record (printed as its error text).
enum class Defect : std::uint8_t {
  kNone,
  kJsonSyntax,       // RapidJSON parse error: code + offset
  kNulByte,          // a NUL byte inside the record: offset
  kNotObject,        // the record is valid JSON but not an object
  kMissingField,     // field
  kWrongType,        // field
  kDuplicateField,   // field
  kBadOp,            // op is neither "place" nor "reverse"
  kIdLength,         // id not 1..128 bytes: arg = length
  kInvalidUtf8,      // bytes that are not UTF-8: arg = offset (field kNone), or a field that decodes to none
  kTooLong,          // longer than --max-record-bytes: arg = limit
  kCsvQuote,         // malformed quoting in a CSV row
  kCsvFieldCount,    // a CSV row with the wrong number of fields: arg = count
  kEmptyElement,     // an empty element in a JSON array ("[1,,2]" or "[..,]")
  kArrayUnterminated,// the input ended inside a JSON array
  kNotArray,         // --format json input that does not start with '['
  kTrailingContent,  // bytes after the closing ']' of a JSON array
  kItemsMixed,       // a place record with items and a top-level productId or amount
  kItemCount,        // items is not 1..kItemsMax long: arg = count
  kItemNotObject,    // an element of items is not an object: arg = item (1-based)
  kItemMissingField, // field (productId/amount) missing in item arg
  kItemWrongType,    // field of item arg has the wrong type
  kItemDuplicateField,  // field appears twice in item arg
  kItemInvalidUtf8,  // productId of item arg decodes to bytes that are not UTF-8
};

// The record fields a Defect can name.
enum class Field : std::uint8_t { kNone, kId, kOp, kProductId, kAmount, kItems };
inline constexpr EnumName<Field> kFields[] = {
    {Field::kNone, ""},           {Field::kId, "id"},         {Field::kOp, "op"},
    {Field::kProductId, "productId"}, {Field::kAmount, "amount"}, {Field::kItems, "items"},
};

// The life of an order that took an id, as the order index remembers it.
// Not OrderStatus: a status is a record's result, known once it is decided;
// a state is what a later record sees of the order its id names, and that
// order may not be decided yet (kPending: a reverse of it waits). The other
// values are the statuses, named alike (state_of).
enum class OrderState : std::uint8_t { kPending, kCompleted, kRejected, kReversed, kCancelled };

// The state of an order decided with `s`.
constexpr OrderState state_of(OrderStatus s) {
  switch (s) {
    case OrderStatus::kCompleted: return OrderState::kCompleted;
    case OrderStatus::kRejected: return OrderState::kRejected;
    case OrderStatus::kReversed: return OrderState::kReversed;
    case OrderStatus::kCancelled: return OrderState::kCancelled;
  }
  return OrderState::kPending;  // not reached: every status is named above
}

// An order the order index remembers, as a handle that only the index that
// gave it out can read (data/ledger/order_index.h: state(), view(), ...): what
// a Record keeps of its id's order. What the bits mean is the index's business
// (an address in memory, a row number on disk, a slot in another process);
// nobody else looks inside. A value, 8 bytes; OrderRef{} names no order. Valid
// for the life of the index that gave it out.
class OrderRef {
 public:
  constexpr OrderRef() = default;
  static constexpr OrderRef from_bits(std::uint64_t bits) {
    OrderRef r;
    r.bits_ = bits;
    return r;
  }
  constexpr std::uint64_t bits() const { return bits_; }
  explicit constexpr operator bool() const { return bits_ != 0; }
  friend constexpr bool operator==(OrderRef a, OrderRef b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator<(OrderRef a, OrderRef b) { return a.bits_ < b.bits_; }

 private:
  std::uint64_t bits_ = 0;
};

std::string_view to_string(Op op);
std::string_view to_string(OrderStatus status);
std::string_view to_string(Reason reason);  // snake_case reason code; "" for kNone
std::string_view to_string(Field field);    // the JSON key: "id", "op", "productId", "amount", "items"
std::optional<Op> parse_op(std::string_view name);
std::optional<OrderStatus> parse_order_status(std::string_view name);
std::optional<Reason> parse_reason(std::string_view name);
std::optional<Field> parse_field(std::string_view name);

}  // namespace orderflow
