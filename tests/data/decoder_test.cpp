// Decoder: JSON and CSV records into decoded orders; every invalid_record
// defect with its error text, and the catalog-only checks (invalid_amount,
// unknown_product) in SPEC order.
#include "data/codec/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/base/hash.h"
#include "data/codec/result_format.h"

namespace orderflow {
namespace {

class DecoderTest : public ::testing::Test {
 protected:
  Catalog catalog = Catalog::builtin();
  std::vector<std::string> sources{"in"};
  Batch batch;

  // Decodes `records` as one batch of the given format; returns the records.
  std::vector<Record>& decode(RecordFormat format, const std::vector<std::string>& records, CsvLayout csv = {}) {
    batch = Batch();
    batch.format = format;
    batch.csv = csv;
    std::uint64_t seq = 1;
    for (const std::string& r : records) {
      batch.add(seq, seq, r.data(), r.size());
      ++seq;
    }
    Decoder decoder(catalog);
    decoder.decode(batch);
    return batch.records;
  }
  Record& json(const std::string& record) { return decode(RecordFormat::kNdjson, {record})[0]; }
  // The text of one of a decoded record's fields.
  std::string_view text(const Record& r, TextSpan field) const { return batch.text(r, field); }

  // The error text a rejected record would show.
  std::string error(const Record& r) {
    ResultFormatter f(catalog, sources);
    return f.error_text(batch, r);
  }
  // The error text of one JSON record, which must be an invalid_record.
  std::string invalid(const std::string& record) {
    Record& r = json(record);
    EXPECT_EQ(r.reason, Reason::kInvalidRecord) << record;
    return error(r);
  }
};

TEST_F(DecoderTest, PlaceRecord) {
  Record& r = json(R"({"id":"o1","productId":"MWMAN","amount":3})");
  EXPECT_TRUE(r.parsed);
  EXPECT_FALSE(r.decided);  // duplicate_id is the ledger's to decide
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_EQ(r.op, Op::kPlace);
  EXPECT_EQ(r.id, "o1");
  EXPECT_EQ(r.id_hash, hash_bytes("o1"));
  EXPECT_EQ(r.product, 7u);
  EXPECT_EQ(text(r, r.product_text), "MWMAN");
  EXPECT_EQ(r.amount, 3);
  EXPECT_EQ(text(r, r.amount_text), "3");
}

TEST_F(DecoderTest, ReverseRecordNeedsOnlyAnId) {
  Record& r = json(R"({"op":"reverse","id":"o1"})");
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_EQ(r.op, Op::kReverse);
  EXPECT_EQ(r.id, "o1");
  EXPECT_EQ(r.id_hash, hash_bytes("o1"));
  EXPECT_EQ(r.product, kNoProduct);
  // Place-only checks do not apply to a reverse record's extra fields.
  Record& extra = json(R"({"op":"reverse","id":"o1","productId":"NOPE","amount":0})");
  EXPECT_EQ(extra.reason, Reason::kNone);
  EXPECT_EQ(invalid(R"({"op":"reverse"})"), "in:1: missing field id");
  EXPECT_EQ(invalid(R"({"op":"reverse","id":""})"), "in:1: field id must be 1 to 128 bytes: got 0");
}

TEST_F(DecoderTest, RecordWithoutIdAndExplicitPlace) {
  Record& r = json(R"({"op":"place","productId":"MWBLU","amount":1000000000})");
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_TRUE(r.id.empty());
  EXPECT_EQ(r.id_hash, 0u);
  EXPECT_EQ(r.amount, 1'000'000'000);
}

TEST_F(DecoderTest, AmountsThatAreNotIntegers) {
  for (const char* amount : {"3.0", "\"3\"", "true", "false", "1e3", "1E3", "3.5", "-0.0", "null", "[3]", "{}", "{\"v\":3}"}) {
    std::string record = std::string(R"({"productId":"MWBLU","amount":)") + amount + "}";
    EXPECT_EQ(invalid(record).rfind("in:1: field amount must be an integer", 0), 0u) << amount;
    EXPECT_EQ(batch.records[0].defect, Defect::kWrongType);
    EXPECT_EQ(batch.records[0].field, Field::kAmount);
  }
}

TEST_F(DecoderTest, IntegersOutsideTheRangeAreInvalidAmounts) {
  struct Case {
    const char* amount;
    std::int64_t value;
  } cases[] = {
      {"0", 0},
      {"-0", 0},
      {"-5", -5},
      {"1000000001", 1'000'000'001},
      {"99999999999999999999999", INT64_MAX},
      {"-99999999999999999999999", INT64_MIN},
      {"9223372036854775808", INT64_MAX},
  };
  for (const Case& c : cases) {
    Record& r = json(std::string(R"({"productId":"NOPE","amount":)") + c.amount + "}");
    EXPECT_EQ(r.reason, Reason::kInvalidAmount) << c.amount;  // outranks unknown_product
    EXPECT_EQ(r.amount, c.value) << c.amount;
    EXPECT_EQ(text(r, r.amount_text), c.amount);
  }
  EXPECT_EQ(error(json(R"({"productId":"MWBLU","amount":0})")), "order amount must be at least 1: got 0");
  EXPECT_EQ(error(json(R"({"productId":"MWBLU","amount":-99999999999999999999999})")),
            "order amount must be at least 1: got -99999999999999999999999");
  EXPECT_EQ(error(json(R"({"productId":"MWBLU","amount":1000000001})")),
            "order amount must be at most 1000000000: got 1000000001");
  EXPECT_EQ(error(json(R"({"productId":"MWBLU","amount":99999999999999999999999})")),
            "order amount must be at most 1000000000: got 99999999999999999999999");
  EXPECT_EQ(json(R"({"productId":"MWBLU","amount":1})").reason, Reason::kNone);
  EXPECT_EQ(json(R"({"productId":"MWBLU","amount":1000000000})").reason, Reason::kNone);
}

TEST_F(DecoderTest, UnknownProduct) {
  Record& r = json(R"({"productId":"mwblu","amount":1})");
  EXPECT_EQ(r.reason, Reason::kUnknownProduct);
  EXPECT_EQ(r.product, kNoProduct);
  EXPECT_EQ(error(r), "product mwblu does not exist");
  EXPECT_EQ(json(R"({"productId":"","amount":1})").reason, Reason::kUnknownProduct);
}

TEST_F(DecoderTest, EscapesAreDecoded) {
  Record& r = json(R"({"id":"o\u0031\n","productId":"MW\u0042LU","amount":2})");
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_EQ(text(r, r.product_text), "MWBLU");
  EXPECT_EQ(r.product, 0u);
  EXPECT_EQ(r.id, "o1\n");
  EXPECT_EQ(r.id_hash, hash_bytes("o1\n"));
  Record& nul = json(R"({"id":"a\u0000b","productId":"MWBLU","amount":2})");
  EXPECT_EQ(nul.reason, Reason::kNone);
  EXPECT_EQ(nul.id, std::string_view("a\0b", 3));
}

TEST_F(DecoderTest, IdLength) {
  std::string id128(128, 'i');
  Record& ok = json(R"({"id":")" + id128 + R"(","productId":"MWBLU","amount":1})");
  EXPECT_EQ(ok.reason, Reason::kNone);
  EXPECT_EQ(ok.id, id128);
  EXPECT_EQ(invalid(R"({"id":")" + id128 + R"(x","productId":"MWBLU","amount":1})"),
            "in:1: field id must be 1 to 128 bytes: got 129");
  EXPECT_EQ(batch.records[0].defect, Defect::kIdLength);
  // Bytes, not characters: 64 two-byte characters are 128 bytes.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xC3\xA9";
  EXPECT_EQ(json(R"({"id":")" + wide + R"(","productId":"MWBLU","amount":1})").reason, Reason::kNone);
  EXPECT_EQ(invalid(R"({"id":")" + wide + R"(e","productId":"MWBLU","amount":1})"),
            "in:1: field id must be 1 to 128 bytes: got 129");
  // An escape counts as the bytes it stands for.
  EXPECT_EQ(json(R"({"id":")" + std::string(127, 'i') + R"(\u0041","productId":"MWBLU","amount":1})").reason,
            Reason::kNone);
}

TEST_F(DecoderTest, InvalidUtf8) {
  EXPECT_EQ(invalid("{\"id\":\"\xFF\",\"productId\":\"MWBLU\",\"amount\":1}"),
            "in:1: invalid UTF-8 (offset 7)");
  EXPECT_EQ(invalid("{\"productId\":\"MW\xC0\xAF\",\"amount\":1}"),
            "in:1: invalid UTF-8 (offset 16)");
  EXPECT_EQ(invalid("{\"productId\":\"MWBLU\",\"amount\":1,\"note\":\"\xED\xA0\x80\"}"),
            "in:1: invalid UTF-8 (offset 40)");
  // Escapes that would decode to something that is not UTF-8.
  EXPECT_EQ(invalid(R"({"id":"\ud800","productId":"MWBLU","amount":1})"),
            "in:1: invalid JSON: the surrogate pair in string is invalid (offset 7)");
  EXPECT_EQ(invalid(R"({"id":"\udc00","productId":"MWBLU","amount":1})"), "in:1: field id is not valid UTF-8");
  EXPECT_EQ(invalid(R"({"productId":"MW\udfffBLU","amount":1})"), "in:1: field productId is not valid UTF-8");
  // A valid surrogate pair is fine.
  Record& pair = json(R"({"id":"\ud83d\ude00","productId":"MWBLU","amount":1})");
  EXPECT_EQ(pair.reason, Reason::kNone);
  EXPECT_EQ(pair.id, "\xF0\x9F\x98\x80");
}

TEST_F(DecoderTest, NulBytes) {
  EXPECT_EQ(invalid(std::string("{\"productId\":\"MW") + '\0' + "BLU\",\"amount\":1}"), "in:1: NUL byte in record (offset 16)");
  EXPECT_EQ(batch.records[0].defect, Defect::kNulByte);
  EXPECT_EQ(invalid(std::string("{\"productId\":\"MWBLU\",\"amount\":1}") + '\0'), "in:1: NUL byte in record (offset 32)");
}

TEST_F(DecoderTest, SyntaxErrorsAndTrailingGarbage) {
  EXPECT_EQ(invalid(R"({"productId":"MWBLU","amount":1}})"),
            "in:1: invalid JSON: the document root must not be followed by other values (offset 32)");
  EXPECT_EQ(invalid(R"({"productId":"MWBLU","amount":1} {})"),
            "in:1: invalid JSON: the document root must not be followed by other values (offset 33)");
  EXPECT_EQ(invalid(R"({"id":"o2","x":1 2})"), "in:1: invalid JSON: missing a comma or '}' after an object member (offset 17)");
  EXPECT_EQ(invalid(R"({"productId":"MWBLU","amount":01})"),
            "in:1: invalid JSON: missing a comma or '}' after an object member (offset 31)");
  EXPECT_EQ(invalid("nope"), "in:1: invalid JSON: invalid value (offset 1)");
  EXPECT_EQ(invalid("{"), "in:1: invalid JSON: missing a name for object member (offset 1)");
  EXPECT_EQ(invalid(""), "in:1: invalid JSON: the document is empty (offset 0)");
  EXPECT_EQ(batch.records[0].defect, Defect::kJsonSyntax);
  // A syntax error anywhere wins over a defect found before it.
  EXPECT_EQ(invalid(R"({"amount":"3","id":5,})"), "in:1: invalid JSON: missing a name for object member (offset 21)");
}

TEST_F(DecoderTest, NotAnObject) {
  for (const char* record : {"[]", "[{\"productId\":\"MWBLU\",\"amount\":1}]", "\"x\"", "1", "null", "true"}) {
    EXPECT_EQ(invalid(record), "in:1: record is not a JSON object") << record;
    EXPECT_EQ(batch.records[0].defect, Defect::kNotObject);
  }
}

TEST_F(DecoderTest, MissingAndMistypedFields) {
  EXPECT_EQ(invalid(R"({"amount":1})"), "in:1: missing field productId");
  EXPECT_EQ(invalid(R"({"productId":"MWBLU"})"), "in:1: missing field amount");
  EXPECT_EQ(invalid(R"({})"), "in:1: missing field productId");
  EXPECT_EQ(invalid(R"({"id":5,"productId":"MWBLU","amount":1})"), "in:1: field id must be a string");
  EXPECT_EQ(invalid(R"({"id":null,"productId":"MWBLU","amount":1})"), "in:1: field id must be a string");
  EXPECT_EQ(invalid(R"({"productId":null,"amount":1})"), "in:1: field productId must be a string");
  EXPECT_EQ(invalid(R"({"productId":["MWBLU"],"amount":1})"), "in:1: field productId must be a string");
  EXPECT_EQ(invalid(R"({"productId":{"id":"MWBLU"},"amount":1})"), "in:1: field productId must be a string");
  EXPECT_EQ(invalid(R"({"op":1,"productId":"MWBLU","amount":1})"), "in:1: field op must be a string");
  EXPECT_EQ(invalid(R"({"op":"PLACE","productId":"MWBLU","amount":1})"), "in:1: field op must be place or reverse");
  EXPECT_EQ(invalid(R"({"op":"","productId":"MWBLU","amount":1})"), "in:1: field op must be place or reverse");
  EXPECT_EQ(batch.records[0].defect, Defect::kBadOp);
  // The first defect found is the one reported.
  EXPECT_EQ(invalid(R"({"amount":"3","id":5})"), "in:1: field amount must be an integer: got \"3\"");
  EXPECT_EQ(invalid(R"({"amount":3.0})"), "in:1: field amount must be an integer: got 3.0");
  EXPECT_EQ(invalid(R"({"amount":true})"), "in:1: field amount must be an integer");
}

TEST_F(DecoderTest, DuplicateFields) {
  EXPECT_EQ(invalid(R"({"productId":"MWBLU","amount":1,"amount":2})"), "in:1: field amount appears twice");
  EXPECT_EQ(invalid(R"({"id":"a","id":"a","productId":"MWBLU","amount":1})"), "in:1: field id appears twice");
  EXPECT_EQ(invalid(R"({"productId":"MWBLU","productId":"MWBLU","amount":1})"), "in:1: field productId appears twice");
  EXPECT_EQ(invalid(R"({"op":"place","op":"place","productId":"MWBLU","amount":1})"), "in:1: field op appears twice");
  EXPECT_EQ(batch.records[0].defect, Defect::kDuplicateField);
}

TEST_F(DecoderTest, UnknownFieldsAreIgnoredAtAnyDepth) {
  Record& r = json(
      R"({"x":1,"productId":"MWBLU","y":[{"amount":"bad","id":5}],"amount":4,"z":{"productId":null,"op":"bogus"},"Amount":"x"})");
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_EQ(r.amount, 4);
  EXPECT_EQ(r.product, 0u);
  // Deep nesting in an unknown field neither crashes nor matters.
  std::string deep = R"({"productId":"MWBLU","amount":1,"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(json(deep).reason, Reason::kNone);
  std::string unclosed = R"({"productId":"MWBLU","amount":1,"x":)" + std::string(100000, '[');
  EXPECT_EQ(json(unclosed).defect, Defect::kJsonSyntax);
}

TEST_F(DecoderTest, ArrayElementsDecodeLikeLines) {
  auto& rs = decode(RecordFormat::kJsonArray, {R"({"productId":"MWLEM","amount":2})", "  {\"id\":\"q\",\n\"op\":\"reverse\"} \n", "7"});
  EXPECT_EQ(rs[0].reason, Reason::kNone);
  EXPECT_EQ(rs[0].product, 1u);
  EXPECT_EQ(rs[1].reason, Reason::kNone);
  EXPECT_EQ(rs[1].op, Op::kReverse);
  EXPECT_EQ(rs[2].defect, Defect::kNotObject);
}

TEST_F(DecoderTest, FramingDefectsAreKeptAndDecodingIsDoneOnce) {
  batch = Batch();
  Record& framed = batch.add(1, 9, nullptr, 0);
  framed.reason = Reason::kInvalidRecord;
  framed.defect = Defect::kTooLong;
  framed.defect_arg = 1024;
  std::string good = R"({"productId":"MWBLU","amount":1})";
  batch.add(2, 10, good.data(), good.size());
  Decoder decoder(catalog);
  decoder.decode(batch);
  EXPECT_EQ(batch.records[0].defect, Defect::kTooLong);
  EXPECT_EQ(error(batch.records[0]), "in:9: record longer than 1024 bytes");
  EXPECT_EQ(batch.records[1].reason, Reason::kNone);
  // A second pass leaves decoded records alone.
  batch.records[1].amount = 77;
  decoder.decode(batch);
  EXPECT_EQ(batch.records[1].amount, 77);
}

// ---- CSV -------------------------------------------------------------------

class CsvDecoderTest : public DecoderTest {
 protected:
  CsvLayout full{0, 1, 2, 3, 5};  // id,op,productId,amount,extra
  Record& csv(const std::string& row, CsvLayout layout) { return decode(RecordFormat::kCsv, {row}, layout)[0]; }
  Record& csv(const std::string& row) { return csv(row, full); }
  std::string csv_invalid(const std::string& row, CsvLayout layout) {
    Record& r = csv(row, layout);
    EXPECT_EQ(r.reason, Reason::kInvalidRecord) << row;
    return error(r);
  }
  std::string csv_invalid(const std::string& row) { return csv_invalid(row, full); }
};

TEST_F(CsvDecoderTest, GoodRows) {
  Record& r = csv("o1,place,MWBLU,3,junk");
  EXPECT_EQ(r.reason, Reason::kNone);
  EXPECT_EQ(r.id, "o1");
  EXPECT_EQ(r.id_hash, hash_bytes("o1"));
  EXPECT_EQ(r.product, 0u);
  EXPECT_EQ(r.amount, 3);
  Record& defaults = csv(",,MWLEM,2,");
  EXPECT_EQ(defaults.reason, Reason::kNone);
  EXPECT_EQ(defaults.op, Op::kPlace);
  EXPECT_TRUE(defaults.id.empty());
  Record& quoted = csv("\"o,1\",\"reverse\",,,\"x\"\"y\"");
  EXPECT_EQ(quoted.reason, Reason::kNone);
  EXPECT_EQ(quoted.op, Op::kReverse);
  EXPECT_EQ(quoted.id, "o,1");
  // Columns in another order, without id and op.
  CsvLayout min{-1, -1, 1, 0, 2};
  Record& m = csv("5,MWPEA", min);
  EXPECT_EQ(m.reason, Reason::kNone);
  EXPECT_EQ(m.product, 3u);
  EXPECT_EQ(m.amount, 5);
}

TEST_F(CsvDecoderTest, AmountsAreCanonicalIntegers) {
  Record& lead = csv("a,,MWBLU,007,");
  EXPECT_EQ(lead.amount, 7);
  EXPECT_EQ(text(lead, lead.amount_text), "7");
  Record& neg = csv("a,,MWBLU,-007,");
  EXPECT_EQ(neg.reason, Reason::kInvalidAmount);
  EXPECT_EQ(text(neg, neg.amount_text), "-7");
  EXPECT_EQ(error(neg), "order amount must be at least 1: got -7");
  Record& zeros = csv("a,,MWBLU,000,");
  EXPECT_EQ(zeros.reason, Reason::kInvalidAmount);
  EXPECT_EQ(text(zeros, zeros.amount_text), "0");
  Record& huge = csv("a,,MWBLU,123456789012345678901234567890,");
  EXPECT_EQ(huge.reason, Reason::kInvalidAmount);
  EXPECT_EQ(text(huge, huge.amount_text), "123456789012345678901234567890");
  for (const char* amount : {"3.0", "+3", "1e3", "three", "-", "0x10"}) {
    EXPECT_EQ(csv_invalid(std::string("a,,MWBLU,") + amount + ","),
              std::string("in:1: field amount must be an integer: got \"") + amount + "\"")
        << amount;
  }
  EXPECT_EQ(csv_invalid("a,,MWBLU,\"3\"\"\","), "in:1: field amount must be an integer: got \"3\\\"\"");
  EXPECT_EQ(csv_invalid("a,,MWBLU,\"4 x\","), "in:1: field amount must be an integer: got \"4 x\"");
  // Spaces around an amount, quoted or not, are a spreadsheet's padding.
  for (const char* padded : {" 3", "3 ", "\" 3 \"", "\t3"}) {
    Record& r = csv(std::string("a,,MWBLU,") + padded + ",");
    EXPECT_EQ(r.reason, Reason::kNone) << padded;
    EXPECT_EQ(r.amount, 3) << padded;
  }
}

TEST_F(CsvDecoderTest, RowDefects) {
  EXPECT_EQ(csv_invalid("a,,MWBLU,3"), "in:1: expected 5 CSV fields, got 4");
  EXPECT_EQ(batch.records[0].defect, Defect::kCsvFieldCount);
  EXPECT_EQ(csv_invalid("a,,MWBLU,3,x,y"), "in:1: expected 5 CSV fields, got 6");
  EXPECT_EQ(csv_invalid("a,,\"MWBLU,3,"), "in:1: malformed CSV quoting");
  EXPECT_EQ(csv_invalid("a,,MW\"BLU,3,"), "in:1: malformed CSV quoting");
  EXPECT_EQ(csv_invalid(std::string("a,,MW") + '\0' + "U,3,"), "in:1: NUL byte in record (offset 5)");
  EXPECT_EQ(csv_invalid("a,bogus,MWBLU,3,"), "in:1: field op must be place or reverse");
  EXPECT_EQ(csv_invalid("a,,,3,"), "in:1: missing field productId");
  EXPECT_EQ(csv_invalid("a,,MWBLU,,"), "in:1: missing field amount");
  EXPECT_EQ(csv_invalid(",reverse,MWBLU,3,"), "in:1: missing field id");
  EXPECT_EQ(csv_invalid(std::string(129, 'i') + ",,MWBLU,3,"), "in:1: field id must be 1 to 128 bytes: got 129");
  EXPECT_EQ(csv(std::string(128, 'i') + ",,MWBLU,3,").reason, Reason::kNone);
  EXPECT_EQ(csv_invalid("a\xFF,,MWBLU,3,"), "in:1: field id is not valid UTF-8");
  EXPECT_EQ(csv_invalid("a,,MW\xED\xA0\x80,3,"), "in:1: field productId is not valid UTF-8");
  // Invalid UTF-8 in a column nobody reads is harmless.
  EXPECT_EQ(csv("a,,MWBLU,3,\xFF").reason, Reason::kNone);
}

TEST_F(CsvDecoderTest, UnknownProductKeepsItsText) {
  Record& r = csv("a,,\"MW\"\"X\",3,");
  EXPECT_EQ(r.reason, Reason::kUnknownProduct);
  EXPECT_EQ(text(r, r.product_text), "MW\"X");
  EXPECT_EQ(error(r), "product MW\"X does not exist");
}

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

// Records that might nest deeper than the recursive parser's bound switch to
// the iterative one; both must give the same answers around the switch.
TEST_F(DecoderTest, NestingJustBelowAndAboveTheRecursiveBoundDecodesAlike) {
  for (int depth : {1, 62, 63, 64, 65, 66, 200, 20000}) {
    std::string nested = std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
    Record& ok = json(R"({"x":)" + nested + R"(,"productId":"MWBLU","amount":2})");
    EXPECT_EQ(ok.reason, Reason::kNone) << depth;
    EXPECT_EQ(text(ok, ok.product_text), "MWBLU") << depth;
    // Unbalanced: a syntax error either way.
    EXPECT_EQ(json(R"({"x":)" + std::string(static_cast<std::size_t>(depth), '[') + R"(,"productId":"MWBLU","amount":2})").defect,
              Defect::kJsonSyntax)
        << depth;
    // Brackets inside strings count towards the bound but change nothing.
    Record& in_string = json(R"({"x":")" + std::string(static_cast<std::size_t>(depth), '{') + R"(","productId":"MWBLU","amount":2})");
    EXPECT_EQ(in_string.reason, Reason::kNone) << depth;
  }
}

}  // namespace
}  // namespace orderflow
