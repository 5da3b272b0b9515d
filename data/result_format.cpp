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
    case Defect::kInvalidUtf8:
      if (r.field == Field::kNone) {
        e += "invalid UTF-8 (offset " + std::to_string(r.defect_arg) + ")";
      } else {
        e += "field ";
        e += field;
        e += " is not valid UTF-8";
      }
      break;
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
  std::string error;  // scratch for error texts
  // RapidJSON escapes the rare strings that need it (control characters, '"', '\\').
  rapidjson::StringBuffer escaped;
  rapidjson::Writer<rapidjson::StringBuffer> escaper;

  Impl(const Catalog& c, const std::vector<std::string>& s) : catalog(c), sources(s), escaper(escaped) {}

  // A JSON string: copied as it is when nothing in it needs escaping (the
  // common case: ids and product ids are plain ASCII), else through RapidJSON.
  void str(std::string& out, std::string_view s) {
    bool plain = true;
    for (unsigned char c : s) {
      if (c < 0x20 || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    }
    if (plain) {
      out.push_back('"');
      out.append(s);
      out.push_back('"');
      return;
    }
    escaped.Clear();
    escaper.Reset(escaped);
    escaper.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    out.append(escaped.GetString(), escaped.GetSize());
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

  // One result line, by hand: the layout is fixed, only strings may need escaping.
  void record(const Batch& batch, const Record& r, std::string& out) {
    out += "{\"seq\":";
    append_int(out, r.seq);
    if (r.decoded && r.defect == Defect::kNone) {
      if (!r.id.empty()) {
        out += ",\"id\":";
        str(out, r.id);
      }
      if (r.op == Op::kPlace) {
        out += ",\"op\":\"place\",\"productId\":";
        str(out, r.product_text);
        out += ",\"amount\":";
        out += r.amount_text;
      } else {
        out += ",\"op\":\"reverse\"";
        if (r.product != kNoProduct) {
          out += ",\"productId\":";
          str(out, catalog.product(r.product).id);
          out += ",\"amount\":";
          append_int(out, r.amount);
        }
      }
    }
    switch (r.status) {
      case OrderStatus::kCompleted: out += ",\"status\":\"Completed\",\"total\":"; break;
      case OrderStatus::kReversed: out += ",\"status\":\"Reversed\",\"total\":"; break;
      case OrderStatus::kRejected: out += ",\"status\":\"Rejected\",\"reason\":\""; break;
      case OrderStatus::kCancelled: out += ",\"status\":\"Cancelled\",\"reason\":\""; break;
    }
    if (r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed) {
      append_money(out, r.total);
    } else {
      out += to_string(r.reason);
      out += "\",\"error\":";
      error.clear();
      error_text(batch, r, error);
      str(out, error);
    }
    out += "}\n";
  }
};

ResultFormatter::ResultFormatter(const Catalog& catalog, const std::vector<std::string>& sources)
    : impl_(std::make_unique<Impl>(catalog, sources)) {}
ResultFormatter::~ResultFormatter() = default;

void ResultFormatter::format(const Batch& batch, std::string& out) {
  out.reserve(out.size() + batch.records.size() * 112);
  for (const Record& r : batch.records) impl_->record(batch, r, out);
}

std::string ResultFormatter::error_text(const Batch& batch, const Record& r) const {
  std::string e;
  impl_->error_text(batch, r, e);
  return e;
}

}  // namespace orderflow
