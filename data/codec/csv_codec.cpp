// The CSV record codec: a record is one row (RFC 4180, data/codec/csv.h) whose
// columns the file's header named (Batch::csv).
#include <cstring>
#include <string_view>
#include <vector>

#include "data/base/utf8.h"
#include "data/codec/csv.h"
#include "data/codec/field_checks.h"
#include "data/codec/record_codec.h"

namespace orderflow {

namespace {

using namespace codec;

// `text` without the spaces and TABs around it (a CSV amount quoted with them).
std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

class CsvCodec final : public RecordCodecLoop<CsvCodec> {
 public:
  void decode_record(Record& r, char* text, Batch& batch) {
    const CsvLayout& layout = batch.csv;
    if (const void* nul = std::memchr(text, '\0', r.length)) {
      set_defect(r, Defect::kNulByte, Field::kNone, static_cast<std::uint64_t>(static_cast<const char*>(nul) - text));
      return;
    }
    if (!split_csv_row(text, text + r.length, cells, CsvDialect{layout.delimiter, true}))
      return set_defect(r, Defect::kCsvQuote);
    if (cells.size() != layout.columns) return set_defect(r, Defect::kCsvFieldCount, Field::kNone, cells.size());
    auto cell = [&](int col) { return col < 0 ? std::string_view() : cells[static_cast<std::size_t>(col)]; };
    unsigned seen = 0;
    std::string_view op = cell(layout.op);
    if (op.empty() || csv_iequals(op, "place")) r.op = Op::kPlace;  // spreadsheets write PLACE, Place
    else if (csv_iequals(op, "reverse")) r.op = Op::kReverse;
    else return set_defect(r, Defect::kBadOp, Field::kOp);
    if (std::string_view id = cell(layout.id); !id.empty()) {
      if (id.size() > kIdBytesMax) return set_defect(r, Defect::kIdLength, Field::kId, id.size());
      if (!is_valid_utf8(id)) return set_defect(r, Defect::kInvalidUtf8, Field::kId);
      r.id = id;
      seen |= bit(Field::kId);
    }
    if (std::string_view product = cell(layout.product); !product.empty()) {
      if (!is_valid_utf8(product)) return set_defect(r, Defect::kInvalidUtf8, Field::kProductId);
      r.product_text = span_of(text, product);
      seen |= bit(Field::kProductId);
    }
    if (std::string_view amount = trim_spaces(cell(layout.amount)); !amount.empty()) {
      if (!canonical_integer(amount)) {
        r.amount_text = span_of(text, amount);  // quoted in the error text
        return set_defect(r, Defect::kWrongType, Field::kAmount, kWrongTypeQuoted);
      }
      r.amount_text = span_of(text, amount);
      r.amount = integer_value(amount);
      seen |= bit(Field::kAmount);
    }
    check_required(r, seen);
  }

 private:
  std::vector<std::string_view> cells;
};

}  // namespace

std::unique_ptr<RecordCodec> make_csv_codec() { return std::make_unique<CsvCodec>(); }

}  // namespace orderflow
