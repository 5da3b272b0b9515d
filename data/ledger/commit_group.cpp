#include "data/ledger/commit_group.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace orderflow {

namespace {

// The first 8 bytes of `id`, big-endian, zero-padded: ordered as the ids are
// wherever they differ in those bytes (0 is the smallest byte).
std::uint64_t id_prefix(std::string_view id) {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < 8; ++k) v = v << 8 | (k < id.size() ? static_cast<unsigned char>(id[k]) : 0u);
  return v;
}

// Sorts a group's orders by id, as LedgerDb::commit() inserts them. It sorts
// 16-byte keys that compare as integers and moves each order once: with
// std::sort on the orders themselves, memcmp was most of this thread's time
// (7.7% of a 1M-order run's CPU samples; the sort is 0.7% now).
void sort_by_id(std::vector<LedgerOrderWrite>& orders) {
  struct Key {
    std::uint64_t prefix;
    std::uint32_t at;
  };
  std::vector<Key> keys(orders.size());
  for (std::size_t k = 0; k < orders.size(); ++k) keys[k] = {id_prefix(orders[k].id), static_cast<std::uint32_t>(k)};
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return orders[a.at].id < orders[b.at].id;
  });
  std::vector<LedgerOrderWrite> sorted;
  sorted.reserve(orders.size());
  for (const Key& k : keys) sorted.push_back(orders[k.at]);
  orders = std::move(sorted);
}

}  // namespace

CommitGroupBuilder::CommitGroupBuilder(const Catalog& catalog, std::int64_t run, const LedgerCheckpoint& start,
                                       Stats stats, std::vector<std::int64_t> stock, bool keep_results)
    : catalog_(catalog),
      keep_results_(keep_results),
      checkpoint_(start),
      stats_(std::move(stats)),
      stock_(std::move(stock)),
      changed_(catalog.size(), 0) {
  group_.run = run;
  if (stats_.products.size() < catalog.size()) stats_.products.resize(catalog.size());
}

bool CommitGroupBuilder::add(const Batch& b) {
  if (closed_) return false;
  assert(b.sums.size() >= b.records.size());  // --strict may cut records off the end
  std::size_t n = 0;  // records of b that go into the group
  for (const Record& r : b.records) {
    if (r.status == OrderStatus::kCancelled) {
      closed_ = true;
      break;
    }
    ++n;
    stats_.count(r, b.items);
    checkpoint_.checksum += b.sums[n - 1];
    if (r.op == Op::kPlace) {
      if (!r.id.empty() && r.reason != Reason::kInvalidRecord && r.reason != Reason::kDuplicateId) {
        LedgerOrderWrite w;
        w.id = r.id;
        if (!r.is_basket()) {
          w.product = r.product;
          w.product_id = r.product != kNoProduct ? std::string_view(catalog_.product(r.product).id)
                                                 : b.text(r, r.product_text);
        }
        w.amount = r.amount;
        w.status = r.status;
        w.reason = r.reason;
        w.total = r.status == OrderStatus::kCompleted ? r.total : 0;
        w.seq = r.seq;
        if (r.is_basket()) {
          w.items_first = static_cast<std::uint32_t>(group_.items.size());
          w.items_count = r.items.count;
          for (std::uint16_t k = 0; k < r.items.count; ++k) {
            const Item& it = b.items[r.items.first + k];
            group_.items.push_back({it.product != kNoProduct ? std::string_view(catalog_.product(it.product).id)
                                                             : b.text(r, it.product_text),
                                    it.amount});
          }
        }
        group_.orders.push_back(w);
      }
      if (r.status == OrderStatus::kCompleted) change_stock(b, r, -1);
    } else if (r.status == OrderStatus::kReversed) {
      group_.reversals.push_back({r.id, r.seq});
      change_stock(b, r, +1);
    }
  }
  if (n == 0) return !closed_;
  const Record& last = b.records[n - 1];
  checkpoint_.seq = last.seq;
  checkpoint_.line = last.line;
  checkpoint_.input = b.file;
  // The results of the records taken: all of b.out, or its first n lines.
  std::size_t bytes = b.out.size();
  if (n < b.records.size()) {
    bytes = 0;
    for (std::size_t k = 0; k < n && bytes < b.out.size(); ++k) {
      const void* nl = std::memchr(b.out.data() + bytes, '\n', b.out.size() - bytes);
      bytes = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - b.out.data()) + 1 : b.out.size();
    }
  }
  checkpoint_.results_bytes += bytes;
  if (keep_results_ && bytes > 0) compress(std::string_view(b.out.data(), bytes), false);
  records_ += n;
  return !closed_;
}

void CommitGroupBuilder::change_stock(const Batch& b, const Record& r, int sign) {
  auto change = [&](std::uint32_t p, std::int64_t amount) {
    stock_[p] += sign * amount;
    if (!changed_[p]) {
      changed_[p] = 1;
      changed_list_.push_back(p);
    }
  };
  if (!r.is_basket()) return change(r.product, r.amount);
  for (std::uint16_t k = 0; k < r.items.count; ++k) {
    const Item& it = b.items[r.items.first + k];
    change(it.product, it.amount);
  }
}

void CommitGroupBuilder::ZstdFree::operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }

void CommitGroupBuilder::compress(std::string_view bytes, bool end) {
  if (zstd_failed_) return;
  if (!zstd_) {
    zstd_.reset(ZSTD_createCCtx());
    // compress_results()'s fast level: results are read back only after a crash.
    if (!zstd_ || ZSTD_isError(ZSTD_CCtx_setParameter(zstd_.get(), ZSTD_c_compressionLevel, 1))) {
      zstd_failed_ = true;
      return;
    }
  }
  results_size_ += bytes.size();
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  for (;;) {
    const std::size_t room = ZSTD_compressBound(in.size - in.pos) + ZSTD_CStreamOutSize();
    if (results_zstd_.size() - results_zstd_at_ < room) results_zstd_.resize(results_zstd_at_ + room);
    ZSTD_outBuffer out{results_zstd_.data(), results_zstd_.size(), results_zstd_at_};
    const std::size_t left = ZSTD_compressStream2(zstd_.get(), &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    results_zstd_at_ = out.pos;
    if (ZSTD_isError(left)) {
      zstd_failed_ = true;
      return;
    }
    // Done when the input is taken, and with `end` when the frame is flushed.
    if (in.pos == in.size && (!end || left == 0)) return;
  }
}

std::unique_ptr<CommitGroupBuilder::Prepared> CommitGroupBuilder::take() {
  auto p = std::make_unique<Prepared>();
  group_.stock.clear();
  std::sort(changed_list_.begin(), changed_list_.end());
  for (std::uint32_t pr : changed_list_) group_.stock.emplace_back(pr, stock_[pr]);
  group_.checkpoint = checkpoint_;
  group_.results_written = results_written;
  if (results_size_ > 0) compress({}, true);
  if (zstd_failed_) return nullptr;
  p->stats = stats_;
  p->group = std::move(group_);
  p->group.stats = &p->stats;
  if (results_size_ > 0) {
    const std::size_t used = results_zstd_at_;
    results_zstd_.resize(used);
    p->results_zstd = std::move(results_zstd_);
    p->group.results_zstd = p->results_zstd;
    p->group.results_size = results_size_;
    results_zstd_ = std::string();
    results_zstd_.reserve(used + used / 4);  // about the next group's: grown once, not per batch
  }
  sort_by_id(p->group.orders);
  group_ = LedgerGroup{};
  group_.run = p->group.run;
  clear();
  return p;
}

void CommitGroupBuilder::clear() {
  group_.orders.clear();
  group_.reversals.clear();
  group_.items.clear();
  group_.stock.clear();
  for (std::uint32_t p : changed_list_) changed_[p] = 0;
  changed_list_.clear();
  results_zstd_at_ = 0;
  results_size_ = 0;
  records_ = 0;
}

}  // namespace orderflow
