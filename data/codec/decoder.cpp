#include "data/codec/decoder.h"

#include <array>
#include <vector>

#include "data/base/hash.h"
#include "data/codec/record_codec.h"

namespace orderflow {

struct Decoder::Impl {
  const Catalog& catalog;
  // One codec per format, made when a batch of that format first comes.
  std::array<std::unique_ptr<RecordCodec>, kRecordFormats> codecs;

  explicit Impl(const Catalog& c) : catalog(c) {}

  RecordCodec& codec(RecordFormat f) {
    std::unique_ptr<RecordCodec>& c = codecs[static_cast<std::size_t>(f)];
    if (!c) c = codec_for(f).make();
    return *c;
  }

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
  while (from < batch.records.size() && batch.records[from].parsed) ++from;
  impl_->codec(batch.format).decode(batch, from);
  impl_->classify(batch, from);
}

}  // namespace orderflow
