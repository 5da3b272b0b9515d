#include "data/result_format.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "data/json_util.h"
#include "data/order_index.h"

namespace orderflow {

namespace {

void append_defect(std::string& e, const Batch& batch, const Record& r) {
  std::string_view field = to_string(r.field);
  switch (r.defect) {
    case Defect::kNone: e += "invalid record"; break;
    case Defect::kJsonSyntax:
      e += "invalid JSON: ";
      e += json_error_text(static_cast<rapidjson::ParseErrorCode>(r.json_code), r.defect_arg);
      break;
    case Defect::kNulByte: e += "NUL byte in record (offset " + std::to_string(r.defect_arg) + ")"; break;
    case Defect::kNotObject: e += "record is not a JSON object"; break;
    case Defect::kMissingField: e += "missing field "; e += field; break;
    case Defect::kWrongType:
      e += "field ";
      e += field;
      e += r.field == Field::kAmount ? " must be an integer" : " must be a string";
      break;
    case Defect::kDuplicateField: e += "field "; e += field; e += " appears twice"; break;
    case Defect::kBadOp: e += "field op must be place or reverse"; break;
    case Defect::kIdLength:
      e += "field id must be 1 to " + std::to_string(kIdBytesMax) + " bytes: got " + std::to_string(r.defect_arg);
      break;
    case Defect::kInvalidUtf8: e += "field "; e += field; e += " is not valid UTF-8"; break;
    case Defect::kTooLong: e += "record longer than " + std::to_string(r.defect_arg) + " bytes"; break;
    case Defect::kCsvQuote: e += "malformed CSV quoting"; break;
    case Defect::kCsvFieldCount:
      e += "expected " + std::to_string(batch.csv.columns) + " CSV fields, got " + std::to_string(r.defect_arg);
      break;
    case Defect::kEmptyElement: e += "empty element in JSON array"; break;
    case Defect::kArrayUnterminated: e += "JSON array not terminated (missing ])"; break;
    case Defect::kNotArray: e += "expected a JSON array ([)"; break;
    case Defect::kTrailingContent: e += "unexpected content after the JSON array"; break;
  }
}

}  // namespace

struct ResultFormatter::Impl {
  const Catalog& catalog;
  const std::vector<std::string>& sources;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w;
  std::string scratch;

  Impl(const Catalog& c, const std::vector<std::string>& s) : catalog(c), sources(s), w(buf) {}

  void str(std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void key(const char* k, unsigned n) { w.Key(k, n); }
  void money(Cents c) {
    scratch.clear();
    append_money(scratch, c);
    w.RawValue(scratch.data(), scratch.size(), rapidjson::kNumberType);
  }

  void error_text(const Batch& batch, const Record& r, std::string& e) const {
    switch (r.reason) {
      case Reason::kInvalidRecord:
        e += batch.file < sources.size() ? sources[batch.file] : std::string("?");
        e += ':';
        append_int(e, r.line);
        e += ": ";
        append_defect(e, batch, r);
        break;
      case Reason::kInvalidAmount:
        e += r.amount < kAmountMin ? "order amount must be at least 1: got "
                                   : "order amount must be at most 1000000000: got ";
        e += r.amount_text;
        break;
      case Reason::kUnknownProduct:
        e += "product ";
        e += r.product_text;
        e += " does not exist";
        break;
      case Reason::kInsufficientStock:
        e += "not enough stock for product ";
        e += catalog.product(r.product).id;
        e += ": got ";
        append_int(e, r.stock_seen);
        e += ", want ";
        append_int(e, r.amount);
        break;
      case Reason::kDuplicateId:
        e += "duplicate order id ";
        e += r.id;
        break;
      case Reason::kUnknownOrder:
        e += "order ";
        e += r.id;
        e += " does not exist";
        break;
      case Reason::kNotReversible:
        e += "order ";
        e += r.id;
        e += r.prior == OrderState::kReversed    ? " is already reversed"
             : r.prior == OrderState::kCancelled ? " was cancelled and cannot be reversed"
                                                 : " was rejected and cannot be reversed";
        break;
      case Reason::kDeadline: e += "deadline exceeded before the record was applied"; break;
      case Reason::kInterrupted: e += "interrupted before the record was applied"; break;
      case Reason::kNone: break;
    }
  }

  void record(const Batch& batch, const Record& r) {
    w.Reset(buf);
    w.StartObject();
    key("seq", 3);
    w.Uint64(r.seq);
    if (r.decoded && r.defect == Defect::kNone) {
      if (!r.id.empty()) {
        key("id", 2);
        str(r.id);
      }
      key("op", 2);
      str(to_string(r.op));
      if (r.op == Op::kPlace) {
        key("productId", 9);
        str(r.product_text);
        key("amount", 6);
        w.RawValue(r.amount_text.data(), r.amount_text.size(), rapidjson::kNumberType);
      } else if (r.product != kNoProduct) {
        key("productId", 9);
        str(catalog.product(r.product).id);
        key("amount", 6);
        w.Int64(r.amount);
      }
    }
    key("status", 6);
    str(to_string(r.status));
    if (r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed) {
      key("total", 5);
      money(r.total);
    } else {
      key("reason", 6);
      str(to_string(r.reason));
      key("error", 5);
      std::string e;
      error_text(batch, r, e);
      str(e);
    }
    w.EndObject();
  }
};

ResultFormatter::ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources)
    : impl_(std::make_unique<Impl>(catalog, sources)) {}
ResultFormatter::~ResultFormatter() = default;

void ResultFormatter::format(const Batch& batch, std::string& out) {
  Impl& m = *impl_;
  m.buf.Clear();
  for (const Record& r : batch.records) {
    m.record(batch, r);
    m.buf.Put('\n');
  }
  out.append(m.buf.GetString(), m.buf.GetSize());
}

std::string ResultFormatter::error_text(const Batch& batch, const Record& r) const {
  std::string e;
  impl_->error_text(batch, r, e);
  return e;
}

}  // namespace orderflow
