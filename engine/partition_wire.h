#pragma once
// The bytes orderflow puts on NATS JetStream (docs/nats.md "Messages"): pure
// encoding and decoding, no network. Three kinds of message:
//
//   orders   one run of consecutive records of one input file, as framed by
//            `submit` (their bytes, untouched, with seq, FILE:LINE, format and
//            CSV layout), so that every `serve` decodes exactly what `process`
//            would have decoded. Stream `NAME`, subject `NAME.in`.
//   votes    what a record's id owner decided that its product owner needs
//            (place: ok / duplicate_id; reverse: which product, the items of
//            a basket, or none), and the part votes of baskets whose items
//            several partitions own (the part's first failing item, or 0).
//            Stream `NAME_VOTES`, subject `NAME.votes.<K>` (K = receiver).
//   results  result lines of the records one partition finalised in one
//            orders message, each with the fields the summary counts.
//            Stream `NAME_RESULTS`, subject `NAME.results`.
//
// Every decoder checks what it reads and returns Corruption on anything else,
// never reading past the payload. Thread-compatible (plain functions).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/money.h"
#include "data/base/status.h"
#include "data/model/batch.h"
#include "data/model/order.h"

namespace orderflow {

// Subjects and stream names of a stream NAME.
struct StreamNames {
  std::string name;
  std::string orders_stream() const { return name; }
  std::string orders_subject() const { return name + ".in"; }
  std::string votes_stream() const { return name + "_VOTES"; }
  std::string votes_subject(std::uint32_t k) const { return name + ".votes." + std::to_string(k); }
  std::string votes_wildcard() const { return name + ".votes.*"; }
  std::string results_stream() const { return name + "_RESULTS"; }
  std::string results_subject() const { return name + ".results"; }
  std::string catalog_stream() const { return name + "_CATALOG"; }
  std::string catalog_subject() const { return name + ".catalog"; }
};

// A stream name JetStream and our subjects accept: 1..64 of A-Z a-z 0-9 _ -.
bool valid_stream_name(std::string_view name);

// ---- orders -------------------------------------------------------------

// Where an orders message sits in its submission: a chain hash over every
// earlier message of the same input (so a re-run of the same input yields
// the same ids), and its ordinal in that input.
struct SubmitMark {
  std::uint64_t chain = 0;
  std::uint64_t ordinal = 0;
};

struct OrdersHeader {
  std::uint64_t first_seq = 0;   // seq of the first record
  std::uint64_t count = 0;       // records in the message
  SubmitMark mark;
};

// Appends the records of `batch` (numbered from `first_seq`, whatever their
// own seq) under the file name `file_name`.
void encode_orders(const Batch& batch, std::string_view file_name, std::uint64_t first_seq, SubmitMark mark,
                   std::string& out);
// The header alone (to find where a stream ends).
Result<OrdersHeader> decode_orders_header(std::string_view payload);
// Fills `batch` (cleared first) with the records, undecoded, and `file_name`.
Result<OrdersHeader> decode_orders(std::string_view payload, Batch& batch, std::string& file_name);

// Chain step: the mark of the message after one with `prev` holding `batch`.
std::uint64_t chain_next(std::uint64_t prev, std::string_view file_name, const Batch& batch);
inline constexpr std::uint64_t kChainSeed = 0x6f72646572666c6fULL;  // "orderflo"

// ---- votes ---------------------------------------------------------------

enum class VoteKind : std::uint8_t { kOk, kDuplicate, kProduct, kNone, kItems };
struct Vote {
  std::uint64_t seq = 0;
  VoteKind kind = VoteKind::kOk;
  std::uint32_t product = kNoProduct;  // kProduct: the product a reverse undoes
  std::vector<StockItem> items;        // kItems: the basket a reverse undoes, in item order
};
struct VoteMessage {
  std::uint64_t orders_seq = 0;  // the orders message the votes are about
  std::uint32_t from = 0;        // the voting partition (0-based)
  std::vector<Vote> votes;       // seq ascending
};
// Appends one block; a payload may hold several (one per orders message).
void encode_votes(const VoteMessage& m, std::string& out);

// A basket part's vote (docs/nats.md "Baskets"): partition `from` reached
// basket `seq` and held its part (failed == 0) or found item `failed`
// (1-based) lacking, with `stock_seen` units there.
struct PartVote {
  std::uint64_t seq = 0;
  std::uint16_t failed = 0;
  std::int64_t stock_seen = 0;
};
struct PartVoteMessage {
  std::uint64_t orders_seq = 0;  // the orders message the baskets are in
  std::uint32_t from = 0;
  std::vector<PartVote> votes;   // seq ascending
};
void encode_part_votes(const PartVoteMessage& m, std::string& out);

// Decodes every block of a payload: id votes into `out`, part votes into
// `parts` (nullptr: a part-vote block is malformed).
Status decode_votes(std::string_view payload, std::vector<VoteMessage>& out,
                    std::vector<PartVoteMessage>* parts = nullptr);

// ---- results -------------------------------------------------------------

// One record's result as `results` needs it: the line and what the summary counts.
struct ResultEntry {
  std::uint64_t seq = 0;
  OrderStatus status = OrderStatus::kRejected;
  Reason reason = Reason::kNone;
  std::uint32_t product = kNoProduct;
  std::int64_t amount = 0;
  Cents total = 0;
  std::vector<StockItem> items;  // a basket Completed or Reversed: its items (the summary counts each)
  std::string_view line;  // NDJSON, ending in '\n' (points into the payload)
};
struct ResultsHeader {
  std::uint64_t orders_seq = 0;
  std::uint32_t from = 0;
  std::uint64_t count = 0;
};
void begin_results(std::uint64_t orders_seq, std::uint32_t from, std::uint64_t count, std::string& out);
void append_result(const ResultEntry& e, std::string& out);
// Decodes every entry of every block (a payload may hold the blocks of
// several orders messages); the lines point into `payload`.
Status decode_results(std::string_view payload, std::vector<ResultEntry>& entries);

}  // namespace orderflow
