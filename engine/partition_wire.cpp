#include "engine/partition_wire.h"

#include <charconv>

#include "data/base/hash.h"
#include "data/codec/record_codec.h"

namespace orderflow {

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(p - buf));
}
void put_i64(std::string& out, std::int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(p - buf));
}

// Reads fields separated by one space, lines ended by '\n', from a payload.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool word(std::string_view& w) {
    const char* start = p_;
    while (p_ < end_ && *p_ != ' ' && *p_ != '\n' && *p_ != '\t') ++p_;
    if (p_ == start) return false;
    w = {start, static_cast<std::size_t>(p_ - start)};
    return true;
  }
  template <class T>
  bool num(T& v) {
    std::string_view w;
    if (!word(w)) return false;
    auto [q, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    return ec == std::errc() && q == w.data() + w.size();
  }
  bool hex(std::uint64_t& v) {
    std::string_view w;
    if (!word(w)) return false;
    auto [q, ec] = std::from_chars(w.data(), w.data() + w.size(), v, 16);
    return ec == std::errc() && q == w.data() + w.size();
  }
  bool sep(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    out = {p_, n};
    p_ += n;
    return true;
  }
  // The rest of the line including its '\n'.
  bool line(std::string_view& out) {
    const char* start = p_;
    while (p_ < end_ && *p_ != '\n') ++p_;
    if (p_ == end_) return false;
    ++p_;
    out = {start, static_cast<std::size_t>(p_ - start)};
    return true;
  }
  bool at_end() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

// Items as one word: "P:A,P:A,..." (catalog index : units).
void put_items(std::string& out, const std::vector<StockItem>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    put_u64(out, items[i].product);
    out += ':';
    put_u64(out, items[i].amount);
  }
}
bool parse_items(std::string_view w, std::vector<StockItem>& items) {
  const char* p = w.data();
  const char* end = w.data() + w.size();
  while (p < end) {
    StockItem it{};
    auto [q, ec] = std::from_chars(p, end, it.product);
    if (ec != std::errc() || q == end || *q != ':') return false;
    auto [r, ec2] = std::from_chars(q + 1, end, it.amount);
    if (ec2 != std::errc() || (r != end && *r != ',')) return false;
    items.push_back(it);
    if (items.size() > kItemsMax) return false;
    p = r == end ? end : r + 1;
    if (r != end && p == end) return false;  // a trailing comma
  }
  return !items.empty();
}

Status corrupt(const char* what) { return Status::Corruption(std::string("malformed ") + what + " message"); }

char format_char(RecordFormat f) { return codec_for(f).wire_tag; }

}  // namespace

bool valid_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// "OFB1 first count fmt id op product amount columns chain ordinal namelen\n" name "\n"
// then per record: "line defect arg len\n" bytes "\n".
void encode_orders(const Batch& batch, std::string_view file_name, std::uint64_t first_seq, SubmitMark mark,
                   std::string& out) {
  out += "OFB1 ";
  put_u64(out, first_seq);
  out += ' ';
  put_u64(out, batch.records.size());
  out += ' ';
  out += format_char(batch.format);
  for (int v : {batch.csv.id, batch.csv.op, batch.csv.product, batch.csv.amount}) {
    out += ' ';
    put_i64(out, v);
  }
  out += ' ';
  put_u64(out, batch.csv.columns);
  char hex[20];
  auto [hp, ec] = std::to_chars(hex, hex + sizeof hex, mark.chain, 16);
  (void)ec;
  out += ' ';
  out.append(hex, static_cast<std::size_t>(hp - hex));
  out += ' ';
  put_u64(out, mark.ordinal);
  out += ' ';
  put_u64(out, file_name.size());
  out += '\n';
  out += file_name;
  out += '\n';
  for (const Record& r : batch.records) {
    put_u64(out, r.line);
    out += ' ';
    put_u64(out, static_cast<std::uint64_t>(r.defect));
    out += ' ';
    put_u64(out, r.defect == Defect::kNone ? 0 : r.defect_arg);
    out += ' ';
    put_u64(out, r.length);
    out += '\n';
    out.append(batch.data(r), r.length);
    out += '\n';
  }
}

namespace {

Result<OrdersHeader> read_orders_header(Cursor& c, Batch* batch, std::string* file_name) {
  std::string_view magic, fmt, name;
  OrdersHeader h;
  int csv[4];
  std::uint32_t columns = 0;
  std::uint64_t name_len = 0;
  if (!c.word(magic) || magic != "OFB1" || !c.sep(' ') || !c.num(h.first_seq) || !c.sep(' ') || !c.num(h.count) ||
      !c.sep(' ') || !c.word(fmt) || fmt.size() != 1)
    return corrupt("orders");
  for (int& v : csv)
    if (!c.sep(' ') || !c.num(v)) return corrupt("orders");
  if (!c.sep(' ') || !c.num(columns) || !c.sep(' ') || !c.hex(h.mark.chain) || !c.sep(' ') ||
      !c.num(h.mark.ordinal) || !c.sep(' ') || !c.num(name_len) || !c.sep('\n') || !c.bytes(name_len, name) ||
      !c.sep('\n') || h.first_seq == 0)
    return corrupt("orders");
  if (batch) {
    const CodecInfo* codec = codec_for_wire_tag(fmt[0]);  // an unknown letter reads as ndjson, as it always did
    batch->format = codec ? codec->format : RecordFormat::kNdjson;
    batch->csv = CsvLayout{csv[0], csv[1], csv[2], csv[3], columns};
  }
  if (file_name) file_name->assign(name);
  return h;
}

}  // namespace

Result<OrdersHeader> decode_orders_header(std::string_view payload) {
  Cursor c(payload);
  return read_orders_header(c, nullptr, nullptr);
}

Result<OrdersHeader> decode_orders(std::string_view payload, Batch& batch, std::string& file_name) {
  batch.clear();
  Cursor c(payload);
  Result<OrdersHeader> h = read_orders_header(c, &batch, &file_name);
  if (!h.ok()) return h;
  if (h->count > payload.size()) return corrupt("orders");
  batch.records.reserve(h->count);
  for (std::uint64_t i = 0; i < h->count; ++i) {
    std::uint64_t line = 0, defect = 0, arg = 0, len = 0;
    std::string_view bytes;
    if (!c.num(line) || !c.sep(' ') || !c.num(defect) || !c.sep(' ') || !c.num(arg) || !c.sep(' ') ||
        !c.num(len) || !c.sep('\n') || !c.bytes(len, bytes) || !c.sep('\n') ||
        defect > static_cast<std::uint64_t>(Defect::kTrailingContent))
      return corrupt("orders");
    Record& r = batch.add(h->first_seq + i, line, bytes.data(), bytes.size());
    if (defect != 0) {
      r.reason = Reason::kInvalidRecord;
      r.defect = static_cast<Defect>(defect);
      r.defect_arg = arg;
    }
  }
  if (!c.at_end()) return corrupt("orders");
  return h;
}

std::uint64_t chain_next(std::uint64_t prev, std::string_view file_name, const Batch& batch) {
  std::uint64_t h = mix64(prev ^ hash_bytes(file_name));
  for (const Record& r : batch.records) {
    std::string_view bytes(batch.data(r), r.length);
    h = mix64(h ^ hash_bytes(bytes) ^ mix64(r.line * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(r.defect)));
  }
  return mix64(h + batch.records.size());
}

// "MAGIC orders_seq from count\n": the first line of a votes block of either kind.
static void put_votes_header(std::string& out, std::string_view magic, std::uint64_t orders_seq, std::uint64_t from,
                             std::uint64_t count) {
  out += magic;
  out += ' ';
  put_u64(out, orders_seq);
  out += ' ';
  put_u64(out, from);
  out += ' ';
  put_u64(out, count);
  out += '\n';
}

// "OFV1 orders_seq from count\n" then per vote "seq o|d|n|pPRODUCT|bP:A,P:A..\n".
void encode_votes(const VoteMessage& m, std::string& out) {
  put_votes_header(out, "OFV1", m.orders_seq, m.from, m.votes.size());
  for (const Vote& v : m.votes) {
    put_u64(out, v.seq);
    out += ' ';
    switch (v.kind) {
      case VoteKind::kOk: out += 'o'; break;
      case VoteKind::kDuplicate: out += 'd'; break;
      case VoteKind::kNone: out += 'n'; break;
      case VoteKind::kProduct:
        out += 'p';
        put_u64(out, v.product);
        break;
      case VoteKind::kItems:
        out += 'b';
        put_items(out, v.items);
        break;
    }
    out += '\n';
  }
}

// "OFP1 orders_seq from count\n" then per vote "seq failed stock_seen\n".
void encode_part_votes(const PartVoteMessage& m, std::string& out) {
  put_votes_header(out, "OFP1", m.orders_seq, m.from, m.votes.size());
  for (const PartVote& v : m.votes) {
    put_u64(out, v.seq);
    out += ' ';
    put_u64(out, v.failed);
    out += ' ';
    put_i64(out, v.stock_seen);
    out += '\n';
  }
}

namespace {

Result<PartVoteMessage> decode_part_block(Cursor& c, std::string_view payload) {
  PartVoteMessage m;
  std::uint64_t count = 0;
  if (!c.sep(' ') || !c.num(m.orders_seq) || !c.sep(' ') || !c.num(m.from) || !c.sep(' ') || !c.num(count) ||
      !c.sep('\n') || count > payload.size())
    return corrupt("votes");
  m.votes.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    PartVote v;
    if (!c.num(v.seq) || !c.sep(' ') || !c.num(v.failed) || !c.sep(' ') || !c.num(v.stock_seen) || !c.sep('\n') ||
        v.failed > kItemsMax)
      return corrupt("votes");
    m.votes.push_back(v);
  }
  return m;
}

// After the magic "OFV1".
Result<VoteMessage> decode_vote_block(Cursor& c, std::string_view payload) {
  VoteMessage m;
  std::uint64_t count = 0;
  if (!c.sep(' ') || !c.num(m.orders_seq) || !c.sep(' ') || !c.num(m.from) ||
      !c.sep(' ') || !c.num(count) || !c.sep('\n') || count > payload.size())
    return corrupt("votes");
  m.votes.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    Vote v;
    std::string_view w;
    if (!c.num(v.seq) || !c.sep(' ') || !c.word(w) || !c.sep('\n')) return corrupt("votes");
    if (w == "o") {
      v.kind = VoteKind::kOk;
    } else if (w == "d") {
      v.kind = VoteKind::kDuplicate;
    } else if (w == "n") {
      v.kind = VoteKind::kNone;
    } else if (w.size() > 1 && w[0] == 'p') {
      v.kind = VoteKind::kProduct;
      auto [q, ec] = std::from_chars(w.data() + 1, w.data() + w.size(), v.product);
      if (ec != std::errc() || q != w.data() + w.size()) return corrupt("votes");
    } else if (w.size() > 1 && w[0] == 'b') {
      v.kind = VoteKind::kItems;
      if (!parse_items(w.substr(1), v.items)) return corrupt("votes");
    } else {
      return corrupt("votes");
    }
    m.votes.push_back(std::move(v));
  }
  return m;
}

}  // namespace

Status decode_votes(std::string_view payload, std::vector<VoteMessage>& out, std::vector<PartVoteMessage>* parts) {
  Cursor c(payload);
  do {
    std::string_view magic;
    if (!c.word(magic)) return corrupt("votes");
    if (magic == "OFP1" && parts) {
      Result<PartVoteMessage> m = decode_part_block(c, payload);
      if (!m.ok()) return m.status();
      parts->push_back(std::move(m).value());
      continue;
    }
    if (magic != "OFV1") return corrupt("votes");
    Result<VoteMessage> m = decode_vote_block(c, payload);
    if (!m.ok()) return m.status();
    out.push_back(std::move(m).value());
  } while (!c.at_end());
  return Status::Ok();
}

// "OFR1 orders_seq from count\n" then per record
// "seq status reason product amount total[ P:A,P:A..]\t" + the NDJSON line
// (ending in '\n'); the items only for a basket Completed or Reversed.
void begin_results(std::uint64_t orders_seq, std::uint32_t from, std::uint64_t count, std::string& out) {
  out += "OFR1 ";
  put_u64(out, orders_seq);
  out += ' ';
  put_u64(out, from);
  out += ' ';
  put_u64(out, count);
  out += '\n';
}

void append_result(const ResultEntry& e, std::string& out) {
  put_u64(out, e.seq);
  out += ' ';
  put_u64(out, static_cast<std::uint64_t>(e.status));
  out += ' ';
  put_u64(out, static_cast<std::uint64_t>(e.reason));
  out += ' ';
  put_u64(out, e.product);
  out += ' ';
  put_i64(out, e.amount);
  out += ' ';
  put_i64(out, e.total);
  if (!e.items.empty()) {
    out += ' ';
    put_items(out, e.items);
  }
  out += '\t';
  out += e.line;
}

Status decode_results(std::string_view payload, std::vector<ResultEntry>& entries) {
  Cursor c(payload);
  do {
  std::string_view magic;
  ResultsHeader h;
  if (!c.word(magic) || magic != "OFR1" || !c.sep(' ') || !c.num(h.orders_seq) || !c.sep(' ') || !c.num(h.from) ||
      !c.sep(' ') || !c.num(h.count) || !c.sep('\n') || h.count > payload.size())
    return corrupt("results");
  for (std::uint64_t i = 0; i < h.count; ++i) {
    ResultEntry e;
    std::uint64_t status = 0, reason = 0;
    if (!c.num(e.seq) || !c.sep(' ') || !c.num(status) || !c.sep(' ') || !c.num(reason) || !c.sep(' ') ||
        !c.num(e.product) || !c.sep(' ') || !c.num(e.amount) || !c.sep(' ') || !c.num(e.total))
      return corrupt("results");
    if (c.sep(' ')) {
      std::string_view w;
      if (!c.word(w) || !parse_items(w, e.items)) return corrupt("results");
    }
    if (!c.sep('\t') || !c.line(e.line) || status > static_cast<std::uint64_t>(OrderStatus::kCancelled) ||
        reason >= static_cast<std::uint64_t>(kReasonCount))
      return corrupt("results");
    e.status = static_cast<OrderStatus>(status);
    e.reason = static_cast<Reason>(reason);
    entries.push_back(std::move(e));
  }
  } while (!c.at_end());
  return Status::Ok();
}

}  // namespace orderflow
