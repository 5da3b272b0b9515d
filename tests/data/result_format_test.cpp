// ResultFormatter: one NDJSON line per record, fields in SPEC order, absent
// fields omitted, strings escaped as JSON requires, money with two decimals.
#include "data/codec/result_format.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>
#include <string>
#include <vector>

#include "data/codec/decoder.h"
#include "data/ledger/ledger.h"
#include "tests/test_util.h"

namespace orderflow {
namespace {

class ResultFormatTest : public ::testing::Test {
 protected:
  Catalog catalog = Catalog::builtin();
  std::vector<std::string> sources{"orders.ndjson", "second.csv"};
  OrderIndex index;
  std::unique_ptr<ProductStore> store;

  ResultFormatTest() {
    std::vector<std::int64_t> initial;
    for (const Product& p : catalog.products()) initial.push_back(p.stock);
    store = make_store(StoreKind::kSharded, initial, 1);
  }

  // Decodes and decides `records` as one batch (line = position + first_line)
  // and returns the formatted results.
  std::string process(const std::vector<std::string>& records, RecordFormat format = RecordFormat::kNdjson,
                      std::uint32_t file = 0, CsvLayout csv = {}) {
    Batch b;
    b.format = format;
    b.file = file;
    b.csv = csv;
    for (std::size_t i = 0; i < records.size(); ++i) b.add(next_seq_++, i + 1, records[i].data(), records[i].size());
    Decoder(catalog).decode(b);
    for (Record& r : b.records)
      if (resolve(r, index)) apply(r, *store, index, catalog);
    std::string out;
    ResultFormatter(catalog, sources).format(b, out);
    return out;
  }
  std::string one(const std::string& record) { return process({record}); }

  std::uint64_t next_seq_ = 1;
};

TEST_F(ResultFormatTest, TheSpecExample) {
  std::string out = process({
      R"({"id":"o1","productId":"MWBLU","amount":3})",
      R"({"productId":"MWBLU","amount":40})",
      R"({"id":"o1","op":"reverse"})",
      R"({"id":"o2","x":1 2})",
  });
  EXPECT_EQ(out,
            "{\"seq\":1,\"id\":\"o1\",\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":3,\"status\":\"Completed\",\"total\":5.37}\n"
            "{\"seq\":2,\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":40,\"status\":\"Rejected\",\"reason\":\"insufficient_stock\",\"error\":\"not enough stock for product MWBLU: got 17, want 40\"}\n"
            "{\"seq\":3,\"id\":\"o1\",\"op\":\"reverse\",\"productId\":\"MWBLU\",\"amount\":3,\"status\":\"Reversed\",\"total\":5.37}\n"
            "{\"seq\":4,\"status\":\"Rejected\",\"reason\":\"invalid_record\",\"error\":\"orders.ndjson:4: invalid JSON: missing a comma or '}' after an object member (offset 17)\"}\n");
}

TEST_F(ResultFormatTest, ReverseRecordsShowTheOrderTheyNameWhenKnown) {
  one(R"({"id":"r","productId":"NOPE","amount":1})");
  EXPECT_EQ(one(R"({"id":"r","op":"reverse"})"),
            R"({"seq":2,"id":"r","op":"reverse","status":"Rejected","reason":"not_reversible","error":"order r was rejected and cannot be reversed"})"
            "\n");
  EXPECT_EQ(one(R"({"id":"u","op":"reverse","productId":"MWBLU","amount":2})"),
            R"({"seq":3,"id":"u","op":"reverse","status":"Rejected","reason":"unknown_order","error":"order u does not exist"})"
            "\n");
  one(R"({"id":"c","productId":"MWPEA","amount":2})");
  one(R"({"id":"c","op":"reverse"})");
  EXPECT_EQ(one(R"({"id":"c","op":"reverse"})"),
            R"({"seq":6,"id":"c","op":"reverse","productId":"MWPEA","amount":2,"status":"Rejected","reason":"not_reversible","error":"order c is already reversed"})"
            "\n");
}

TEST_F(ResultFormatTest, RejectedPlaceRecordsEchoWhatTheyAskedFor) {
  EXPECT_EQ(one(R"({"productId":"MWBLU","amount":99999999999999999999})"),
            R"({"seq":1,"op":"place","productId":"MWBLU","amount":99999999999999999999,"status":"Rejected","reason":"invalid_amount","error":"order amount must be at most 1000000000: got 99999999999999999999"})"
            "\n");
  EXPECT_EQ(one(R"({"id":"d","productId":"NO\"PE","amount":-0})"),
            R"({"seq":2,"id":"d","op":"place","productId":"NO\"PE","amount":-0,"status":"Rejected","reason":"invalid_amount","error":"order amount must be at least 1: got -0"})"
            "\n");
  EXPECT_EQ(one(R"({"id":"d","productId":"MWBLU","amount":1})"),
            R"({"seq":3,"id":"d","op":"place","productId":"MWBLU","amount":1,"status":"Rejected","reason":"duplicate_id","error":"duplicate order id d"})"
            "\n");
}

TEST_F(ResultFormatTest, InvalidRecordsShowOnlySeqStatusReasonError) {
  EXPECT_EQ(one(R"({"id":"x","productId":"MWBLU","amount":"3"})"),
            R"({"seq":1,"status":"Rejected","reason":"invalid_record","error":"orders.ndjson:1: field amount must be an integer: got \"3\""})"
            "\n");
  CsvLayout csv{-1, -1, 0, 1, 2};
  EXPECT_EQ(process({"MWBLU,1", "MWBLU"}, RecordFormat::kCsv, 1, csv),
            R"({"seq":2,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79})"
            "\n"
            R"({"seq":3,"status":"Rejected","reason":"invalid_record","error":"second.csv:2: expected 2 CSV fields, got 1"})"
            "\n");
}

TEST_F(ResultFormatTest, StringsAreEscaped) {
  std::string out = one("{\"id\":\"q\\\"b\\\\s\\/\\n\\t\\u0001\\u001f\\u0000\xC3\xA9\",\"productId\":\"MW\\u0000\",\"amount\":1}");
  EXPECT_EQ(out,
            "{\"seq\":1,\"id\":\"q\\\"b\\\\s/\\n\\t\\u0001\\u001F\\u0000\xC3\xA9\",\"op\":\"place\",\"productId\":\"MW\\u0000\","
            "\"amount\":1,\"status\":\"Rejected\",\"reason\":\"unknown_product\",\"error\":\"product \\\"MW\\\\x00\\\" does not exist\"}\n");
  rapidjson::Document d;
  d.Parse(out.data(), out.size() - 1);
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(std::string(d["id"].GetString(), d["id"].GetStringLength()), std::string("q\"b\\s/\n\t\x01\x1f\0\xC3\xA9", 13));
}

TEST_F(ResultFormatTest, MoneyHasTwoDecimals) {
  EXPECT_EQ(one(R"({"productId":"MWLEM","amount":10})"),
            R"({"seq":1,"op":"place","productId":"MWLEM","amount":10,"status":"Completed","total":13.90})"
            "\n");
  EXPECT_EQ(one(R"({"productId":"MWORG","amount":1})"),
            R"({"seq":2,"op":"place","productId":"MWORG","amount":1,"status":"Completed","total":1.52})"
            "\n");
  Result<Catalog> cheap = Catalog::parse("ID,ProductName,Stock,Price\nP,p,2000000000,0.01\nR,r,2000000000,92233720.36\n", "c");
  ASSERT_TRUE(cheap.ok());
  catalog = std::move(cheap).value();
  store = make_store(StoreKind::kSharded, {2'000'000'000, 2'000'000'000}, 1);
  EXPECT_EQ(one(R"({"productId":"P","amount":1})"),
            R"({"seq":3,"op":"place","productId":"P","amount":1,"status":"Completed","total":0.01})"
            "\n");
  EXPECT_EQ(one(R"({"productId":"P","amount":100})"),
            R"({"seq":4,"op":"place","productId":"P","amount":100,"status":"Completed","total":1.00})"
            "\n");
  EXPECT_EQ(one(R"({"productId":"R","amount":1000000000})"),
            R"({"seq":5,"op":"place","productId":"R","amount":1000000000,"status":"Completed","total":92233720360000000.00})"
            "\n");
}

TEST_F(ResultFormatTest, CancelledRecords) {
  Batch b;
  std::string rec = R"({"id":"k","productId":"MWBLU","amount":2})";
  b.add(7, 1, rec.data(), rec.size());
  Decoder(catalog).decode(b);
  ASSERT_TRUE(resolve(b.records[0], index));
  cancel(b.records[0], index, Reason::kInterrupted);
  std::string out;
  ResultFormatter(catalog, sources).format(b, out);
  EXPECT_EQ(out,
            R"({"seq":7,"id":"k","op":"place","productId":"MWBLU","amount":2,"status":"Cancelled","reason":"interrupted","error":"interrupted before the record was applied"})"
            "\n");
}

TEST_F(ResultFormatTest, AppendsOneLinePerRecord) {
  std::string out = "previous\n";
  Batch b;
  for (int i = 0; i < 3; ++i) {
    std::string rec = R"({"productId":"MWCRA","amount":1})";
    b.add(static_cast<std::uint64_t>(10 + i), 1, rec.data(), rec.size());
  }
  Decoder(catalog).decode(b);
  for (Record& r : b.records)
    if (resolve(r, index)) apply(r, *store, index, catalog);
  ResultFormatter f(catalog, sources);
  f.format(b, out);
  f.format(b, out);  // the formatter can be reused
  std::vector<std::string> lines = testing::lines(out);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "previous");
  EXPECT_EQ(lines[1], R"({"seq":10,"op":"place","productId":"MWCRA","amount":1,"status":"Completed","total":1.49})");
  EXPECT_EQ(lines[6], R"({"seq":12,"op":"place","productId":"MWCRA","amount":1,"status":"Completed","total":1.49})");
}

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

// The formatter copies strings that need no escaping as they are and sends the
// others through RapidJSON's Writer; its "needs escaping" test works eight
// bytes at a time, so check every position of a character that must be
// escaped, around the word boundaries, against RapidJSON's own escaping.
TEST_F(ResultFormatTest, EscapesEveryCharacterThatNeedsItAtEveryPosition) {
  for (char special : {'"', '\\', '\x01', '\x1f', '\n', '\t'}) {
    for (std::size_t len = 1; len <= 18; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string id(len, 'x');
        id[at] = special;
        rapidjson::StringBuffer esc;
        rapidjson::Writer<rapidjson::StringBuffer> w(esc);
        w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
        // The record carries the id JSON-escaped, so it decodes back to `id`.
        std::string record = "{\"id\":" + std::string(esc.GetString(), esc.GetSize()) +
                             ",\"productId\":\"NOPE\",\"amount\":1}";
        std::string line = one(record);
        EXPECT_NE(line.find(",\"id\":" + std::string(esc.GetString(), esc.GetSize()) + ","), std::string::npos)
            << "len " << len << " at " << at << ": " << line;
        rapidjson::Document d;
        d.Parse(line.data(), line.size() - 1);
        ASSERT_FALSE(d.HasParseError()) << line;
        EXPECT_EQ(std::string(d["id"].GetString(), d["id"].GetStringLength()), id);
      }
    }
  }
}

TEST_F(ResultFormatTest, PlainAndNonAsciiStringsAreCopiedAsTheyAre) {
  std::string line = one(R"({"id":"caf\u00e9-0123456789","productId":"MWBLU","amount":1})");
  EXPECT_NE(line.find("\"id\":\"caf\xC3\xA9-0123456789\""), std::string::npos) << line;
}

}  // namespace
}  // namespace orderflow
