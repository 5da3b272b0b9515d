#pragma once
// How the ledger's `order_rows` table (schema version 2, docs/ledger.md)
// encodes an order: the one place its codes are defined.
//
// Each order is one row of few, small columns, because committing those rows
// is what a ledger run waits for (SQLite's one writer): with status, reason
// and product as words and run and seq apart, a row was ~40 bytes in 8
// columns; packed it is ~20 in 5, and a 1M-order run took 27% less time.
// People do not read the packed row: the `orders` view decodes it into the
// columns of schema version 1 (status and reason as words, product_id, run,
// seq, reversed_run, reversed_seq), joining the `order_statuses` and
// `order_reasons` tables, which hold the codes below.
//
//   code = status code | reason code << 2 | (catalog index + 1) << 8
//          (catalog index + 1 = 0: a basket — see order_items — or a product
//          the catalog does not have, whose id is then in order_rows.product_id)
//   placed, reversed = run << 40 | seq   (of the place and the reverse record)
//
// The codes are on disk: never renumber one; a new reason takes the next code
// (and a schema migration adds its row to order_reasons).
#include <cstdint>
#include <optional>
#include <utility>

#include "data/model/order.h"

namespace orderflow::order_row {

inline constexpr std::pair<OrderStatus, int> kStatusCodes[] = {
    {OrderStatus::kCompleted, 1},
    {OrderStatus::kRejected, 2},
    {OrderStatus::kReversed, 3},
};
inline constexpr std::pair<Reason, int> kReasonCodes[] = {
    {Reason::kNone, 0},
    {Reason::kInvalidRecord, 1},
    {Reason::kInvalidAmount, 2},
    {Reason::kUnknownProduct, 3},
    {Reason::kInsufficientStock, 4},
    {Reason::kDuplicateId, 5},
    {Reason::kUnknownOrder, 6},
    {Reason::kNotReversible, 7},
    {Reason::kDeadline, 8},
    {Reason::kInterrupted, 9},
};
static_assert(std::size(kReasonCodes) == kReasonCount, "a code per Reason");

inline constexpr int kSeqBits = 40;  // seq < 2^40 within a run
inline constexpr std::int64_t kSeqMask = (std::int64_t{1} << kSeqBits) - 1;
inline constexpr std::int64_t kStatusMask = 3;
inline constexpr std::int64_t kReversedCode = 3;

struct Decoded {
  OrderStatus status = OrderStatus::kRejected;
  Reason reason = Reason::kNone;
  std::uint32_t product = kNoProduct;  // catalog index, or kNoProduct
};

// REQUIRES: status is Completed, Rejected or Reversed (the statuses an order
// that took an id can end in).
constexpr std::int64_t encode(OrderStatus status, Reason reason, std::uint32_t product) {
  int s = 0;
  for (auto [st, c] : kStatusCodes)
    if (st == status) s = c;
  int r = 0;
  for (auto [re, c] : kReasonCodes)
    if (re == reason) r = c;
  const std::int64_t p = product == kNoProduct ? 0 : std::int64_t{product} + 1;
  return s | std::int64_t{r} << 2 | p << 8;
}

// nullopt: not a code encode() makes (a damaged or foreign row).
constexpr std::optional<Decoded> decode(std::int64_t code) {
  if (code < 0) return std::nullopt;
  Decoded d;
  bool status = false, reason = false;
  for (auto [st, c] : kStatusCodes)
    if (c == (code & kStatusMask)) d.status = st, status = true;
  for (auto [re, c] : kReasonCodes)
    if (c == ((code >> 2) & 63)) d.reason = re, reason = true;
  if (!status || !reason) return std::nullopt;
  const std::int64_t p = code >> 8;
  if (p > std::int64_t{UINT32_MAX}) return std::nullopt;
  d.product = p == 0 ? kNoProduct : static_cast<std::uint32_t>(p - 1);
  return d;
}

constexpr std::int64_t at(std::int64_t run, std::uint64_t seq) {
  return run << kSeqBits | static_cast<std::int64_t>(seq);
}
constexpr std::int64_t run_of(std::int64_t at) { return at >> kSeqBits; }
constexpr std::uint64_t seq_of(std::int64_t at) { return static_cast<std::uint64_t>(at & kSeqMask); }

}  // namespace orderflow::order_row
