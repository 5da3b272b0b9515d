#pragma once
// Decoder: turns a batch's raw records into decoded orders, in place.
//
// For each record not already invalid, the batch format's codec
// (data/codec/record_codec.h: JSON in situ with RapidJSON's SAX reader, with
// no nesting depth that can overflow the stack; or a CSV row) parses the
// bytes and checks every field; then the decoder decides what needs no shared
// state:
//   invalid_record  (unparseable, not an object, missing/mistyped field, ...)
//   invalid_amount  (an integer outside 1..1,000,000,000)
//   unknown_product (productId not in the catalog)
// The id's hash is computed here too. Records stay undecided (decided == false):
// duplicate_id outranks invalid_amount, so the Ledger has the last word.
//
// Decoding depends only on the record and the catalog, so batches can be
// decoded on any thread in any order. Not thread-safe itself: one Decoder per
// thread (it keeps parser scratch space). The catalog must outlive it.
#include <memory>

#include "data/model/batch.h"
#include "data/catalog/catalog.h"

namespace orderflow {

class Decoder {
 public:
  explicit Decoder(const Catalog& catalog);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes every record of `batch` whose `decoded` is false.
  void decode(Batch& batch);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
