// End-to-end tests of `orderflow process`: the built binary run as a child
// process on files and standard input, with exact output and exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

// Every line of `out` is a valid JSON object (valid UTF-8 included).
void expect_json_lines(const std::string& out) {
  for (const std::string& line : lines(out)) {
    JsonLine j(line);
    EXPECT_TRUE(j.ok()) << j.error() << ": " << line;
  }
}

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

const char kSpecInput[] =
    "{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\n"
    "{\"productId\":\"MWBLU\",\"amount\":40}\n"
    "{\"id\":\"o1\",\"op\":\"reverse\"}\n"
    "{\"id\":\"o2\",\"x\":1 2}\n";

const char kSpecResults[] =
    "{\"seq\":1,\"id\":\"o1\",\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":3,\"status\":\"Completed\",\"total\":5.37}\n"
    "{\"seq\":2,\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":40,\"status\":\"Rejected\",\"reason\":\"insufficient_stock\",\"error\":\"not enough stock for product MWBLU: got 17, want 40\"}\n"
    "{\"seq\":3,\"id\":\"o1\",\"op\":\"reverse\",\"productId\":\"MWBLU\",\"amount\":3,\"status\":\"Reversed\",\"total\":5.37}\n"
    "{\"seq\":4,\"status\":\"Rejected\",\"reason\":\"invalid_record\",\"error\":\"orders.ndjson:4: invalid JSON: missing a comma or '}' after an object member (offset 17)\"}\n";

TEST(ProcessE2E, SpecResultsExample) {
  TempDir dir;
  write_file(dir.file("orders.ndjson"), kSpecInput);
  RunResult r = run_in(dir, {"process", "orders.ndjson"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kSpecResults);
  EXPECT_EQ(r.err.rfind("orderflow: 4 records in ", 0), 0u) << r.err;
}

TEST(ProcessE2E, SpecSummaryExample) {
  TempDir dir;
  write_file(dir.file("orders.ndjson"), kSpecInput);
  RunResult r = run_in(dir, {"process", "orders.ndjson", "--summary", "-", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(r.out.substr(0, sizeof kSpecResults - 1), kSpecResults);  // results first, then the summary
  JsonLine s(out[4]);
  ASSERT_TRUE(s.ok()) << out[4];
  EXPECT_EQ(s.num("records"), "4");
  EXPECT_EQ(s.num("completedOrders"), "1");
  EXPECT_EQ(s.num("rejectedOrders"), "2");
  EXPECT_EQ(s.num("reversedOrders"), "1");
  EXPECT_EQ(s.num("cancelledOrders"), "0");
  EXPECT_EQ(s.num("revenue"), "0.00");
  const rapidjson::Value& rej = s.doc()["rejections"];
  ASSERT_TRUE(rej.IsObject());
  EXPECT_EQ(rej.MemberCount(), 2u);
  EXPECT_EQ(rej["insufficient_stock"].GetInt(), 1);
  EXPECT_EQ(rej["invalid_record"].GetInt(), 1);
  EXPECT_TRUE(s.is_null("stopped"));
  EXPECT_TRUE(s.is_null("resume"));
  EXPECT_NE(s.num("elapsedSeconds"), "<not a number>");
  EXPECT_NE(s.num("ordersPerSecond"), "<not a number>");
  EXPECT_EQ(s.str("store"), "sharded");
  EXPECT_NE(s.num("workers"), "<not a number>");
  const rapidjson::Value& products = s.doc()["products"];
  ASSERT_TRUE(products.IsArray());
  ASSERT_EQ(products.Size(), 8u);
  const char* ids[] = {"MWBLU", "MWCRA", "MWLEM", "MWMAN", "MWORG", "MWPEA", "MWRAS", "MWSTR"};
  for (rapidjson::SizeType i = 0; i < 8; ++i) EXPECT_STREQ(products[i]["id"].GetString(), ids[i]);
  EXPECT_EQ(products[0]["stock"].GetInt(), 20);
  EXPECT_EQ(products[0]["sold"].GetInt(), 0);
  const rapidjson::Value& raw0 = s.raw()["products"][0];
  EXPECT_STREQ(raw0["revenue"].GetString(), "0.00");
}

TEST(ProcessE2E, SeqRunsAcrossFilesAndStdin) {
  TempDir dir;
  write_file(dir.file("a.ndjson"), "{\"id\":\"a1\",\"productId\":\"MWBLU\",\"amount\":1}\n{\"productId\":\"MWLEM\",\"amount\":2}\nnope\n");
  write_file(dir.file("b.csv"), "amount,productId,id\n4,MWPEA,b1\n5,MWPEA\n");
  write_file(dir.file("c.json"), "[\n {\"productId\":\"MWRAS\",\"amount\":6},\n 7\n]\n");
  const std::string input = "\n{\"id\":\"s1\",\"productId\":\"MWORG\",\"amount\":3}\n{\"id\":\"a1\",\"op\":\"reverse\"}\n[]\n";
  RunResult r = run_in(dir, {"process", "-q", "a.ndjson", "-", "b.csv", "c.json"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"J({"seq":1,"id":"a1","op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":2,"op":"place","productId":"MWLEM","amount":2,"status":"Completed","total":2.78}
{"seq":3,"status":"Rejected","reason":"invalid_record","error":"a.ndjson:3: invalid JSON: invalid value (offset 1)"}
{"seq":4,"id":"s1","op":"place","productId":"MWORG","amount":3,"status":"Completed","total":4.56}
{"seq":5,"id":"a1","op":"reverse","productId":"MWBLU","amount":1,"status":"Reversed","total":1.79}
{"seq":6,"status":"Rejected","reason":"invalid_record","error":"-:4: record is not a JSON object"}
{"seq":7,"id":"b1","op":"place","productId":"MWPEA","amount":4,"status":"Completed","total":13.16}
{"seq":8,"status":"Rejected","reason":"invalid_record","error":"b.csv:3: expected 3 CSV fields, got 2"}
{"seq":9,"op":"place","productId":"MWRAS","amount":6,"status":"Completed","total":10.74}
{"seq":10,"status":"Rejected","reason":"invalid_record","error":"c.json:3: record is not a JSON object"}
)J");
}

TEST(ProcessE2E, NoFileMeansStdinAndEmptyInputIsFine) {
  RunResult r = run_with_input({"process", "-q"}, "{\"productId\":\"MWMAN\",\"amount\":2}\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, R"J({"seq":1,"op":"place","productId":"MWMAN","amount":2,"status":"Completed","total":5.58})J"
                   "\n");
  RunOptions closed;
  closed.stdin_closed = true;
  RunResult empty = run({"process", "--summary", "-"}, closed);
  EXPECT_EQ(empty.exit_code, 0);
  std::vector<std::string> out = lines(empty.out);
  ASSERT_EQ(out.size(), 1u);
  JsonLine s(out[0]);
  EXPECT_EQ(s.num("records"), "0");
  EXPECT_EQ(s.num("revenue"), "0.00");
  EXPECT_EQ(empty.err.rfind("orderflow: 0 records in ", 0), 0u) << empty.err;
  RunResult blank = run_with_input({"process", "-q"}, "\n\r\n   \n");
  EXPECT_EQ(blank.exit_code, 0);
  EXPECT_EQ(blank.out, "");
}

TEST(ProcessE2E, BlankLinesCrlfAndByteOrderMark) {
  TempDir dir;
  write_file(dir.file("w.ndjson"),
             "\xEF\xBB\xBF{\"productId\":\"MWBLU\",\"amount\":1}\r\n\r\n   \r\n{\"productId\":\"MWBLU\",\"amount\":\"x\"}\r\n"
             "{\"productId\":\"MWBLU\",\"amount\":2}");
  write_file(dir.file("w.csv"), "\xEF\xBB\xBFproductId,amount\r\n\r\nMWLEM,1\r\nMWLEM,x\r\n");
  RunResult r = run_in(dir, {"process", "-q", "w.ndjson", "w.csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"J({"seq":1,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"w.ndjson:4: field amount must be an integer: got \"x\""}
{"seq":3,"op":"place","productId":"MWBLU","amount":2,"status":"Completed","total":3.58}
{"seq":4,"op":"place","productId":"MWLEM","amount":1,"status":"Completed","total":1.39}
{"seq":5,"status":"Rejected","reason":"invalid_record","error":"w.csv:4: field amount must be an integer: got \"x\""}
)J");
}

TEST(ProcessE2E, OverLongRecordsWithMaxRecordBytes) {
  TempDir dir;
  const std::string pad(200, 'p');
  write_file(dir.file("long.ndjson"), "{\"productId\":\"MWBLU\",\"amount\":1}\n{\"productId\":\"MWBLU\",\"amount\":1,\"pad\":\"" + pad +
                                          "\"}\n{\"productId\":\"MWBLU\",\"amount\":2}\n");
  write_file(dir.file("long.json"), "[{\"productId\":\"MWLEM\",\"amount\":1},\n{\"pad\":\"" + pad + "\"},\n{\"productId\":\"MWLEM\",\"amount\":2}]");
  RunResult r = run_in(dir, {"process", "-q", "--max-record-bytes", "50", "long.ndjson", "long.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"J({"seq":1,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"long.ndjson:2: record longer than 50 bytes"}
{"seq":3,"op":"place","productId":"MWBLU","amount":2,"status":"Completed","total":3.58}
{"seq":4,"op":"place","productId":"MWLEM","amount":1,"status":"Completed","total":1.39}
{"seq":5,"status":"Rejected","reason":"invalid_record","error":"long.json:2: record longer than 50 bytes"}
{"seq":6,"op":"place","productId":"MWLEM","amount":2,"status":"Completed","total":2.78}
)J");
}

TEST(ProcessE2E, DefaultRecordLimitIsOneMebibyte) {
  const std::string head = "{\"productId\":\"MWBLU\",\"amount\":1,\"pad\":\"";
  const std::string tail = "\"}";
  std::string fits = head + std::string((1u << 20) - head.size() - tail.size(), 'p') + tail;
  ASSERT_EQ(fits.size(), 1u << 20);
  std::string over = head + std::string((1u << 20) + 1 - head.size() - tail.size(), 'p') + tail;
  RunResult r = run_with_input({"process", "-q"}, fits + "\r\n" + over + "\n{\"productId\":\"MWBLU\",\"amount\":2}\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            R"J({"seq":1,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"-:2: record longer than 1048576 bytes"}
{"seq":3,"op":"place","productId":"MWBLU","amount":2,"status":"Completed","total":3.58}
)J");
}

TEST(ProcessE2E, InvalidUtf8IsNeverEchoed) {
  TempDir dir;
  const std::string ndjson =
      "{\"id\":\"\xFF\",\"productId\":\"MWBLU\",\"amount\":1}\n"
      "{\"id\":\"ok1\",\"productId\":\"MW\xC0\xAF\",\"amount\":1}\n"
      "{\"id\":\"\\udc00\",\"productId\":\"MWBLU\",\"amount\":1}\n"
      "{\"productId\":\"MW\\udfff\",\"amount\":1}\n"
      "{\"productId\":\"MWBLU\",\"amount\":1,\"x\":\"\xED\xA0\x80\"}\n"
      "\xFF\xFE garbage\n"
      "{\"productId\":\"\xF4\x90\x80\x80\",\"amount\":1}\n"
      "{\"productId\":\"MW\xE2\x82\",\"amount\":1}\n"
      "{\"\xFF\":1,\"productId\":\"MWBLU\",\"amount\":1}\n";
  write_file(dir.file("bad.ndjson"), ndjson);
  write_file(dir.file("bad.csv"), "id,productId,amount\n\xFF,MWBLU,1\nx,MW\xFF,1\ny,MWBLU,1\xFF\nz,MWBLU,1,\xFF\n");
  const std::string odd_name = std::string("odd\xFF") + "name.ndjson";
  write_file(dir.file(odd_name), "{nope}\n");
  RunResult r = run_in(dir, {"process", "-q", "bad.ndjson", "bad.csv", odd_name, "--summary", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_json_lines(r.out);
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 9u + 4u + 1u + 1u);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    JsonLine j(out[i]);
    EXPECT_EQ(j.str("reason"), "invalid_record") << out[i];
    EXPECT_EQ(j.keys(), (std::vector<std::string>{"seq", "status", "reason", "error"})) << out[i];
  }
  EXPECT_EQ(JsonLine(out[2]).str("error"), "bad.ndjson:3: field id is not valid UTF-8");
  EXPECT_EQ(JsonLine(out[3]).str("error"), "bad.ndjson:4: field productId is not valid UTF-8");
  EXPECT_EQ(JsonLine(out[9]).str("error"), "bad.csv:2: field id is not valid UTF-8");
  EXPECT_EQ(JsonLine(out[10]).str("error"), "bad.csv:3: field productId is not valid UTF-8");
  EXPECT_EQ(JsonLine(out[13]).str("error"), "odd?name.ndjson:1: invalid JSON: missing a name for object member (offset 1)");
}

// Control characters must be escaped in output and refused raw in input,
// wherever a string falls in memory (vectorised scanners work on aligned blocks).
TEST(ProcessE2E, ControlCharactersAtEveryAlignment) {
  std::string input;
  std::vector<std::string> ids;
  for (int pad = 0; pad < 16; ++pad) {
    for (int c = 1; c < 0x20; ++c) {
      // An escaped control character in a 16+ byte id: valid, and must come back escaped.
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      std::string id = std::string(static_cast<std::size_t>(pad) + 16, 'p') + static_cast<char>(c) + std::string(20, 'x');
      ids.push_back(id);
      input += "{\"id\":\"" + std::string(static_cast<std::size_t>(pad) + 16, 'p') + esc + std::string(20, 'x') +
               "\",\"productId\":\"NOPE\",\"amount\":1}\n";
      if (c == '\t' || c == '\n' || c == '\r') continue;
      // The same character raw inside a string: not JSON.
      input += "{\"id\":\"" + std::string(static_cast<std::size_t>(pad) + 16, 'q') + static_cast<char>(c) + std::string(20, 'x') +
               "\",\"productId\":\"NOPE\",\"amount\":1}\n";
      ids.push_back("");
    }
  }
  for (const char* batch : {"1", "3", "1024"}) {
    RunResult r = run_with_input({"process", "-q", "--batch", batch}, input);
    EXPECT_EQ(r.exit_code, 0);
    std::vector<std::string> out = lines(r.out);
    ASSERT_EQ(out.size(), ids.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      JsonLine j(out[i]);
      ASSERT_TRUE(j.ok()) << "batch " << batch << ": " << j.error() << ": " << out[i];
      if (ids[i].empty()) {
        EXPECT_EQ(j.str("reason"), "invalid_record") << out[i];
      } else {
        EXPECT_EQ(j.str("reason"), "unknown_product") << out[i];
        EXPECT_EQ(j.str("id"), ids[i]) << out[i];
      }
    }
  }
}

TEST(ProcessE2E, StrictStopsAtTheFirstInvalidRecord) {
  TempDir dir;
  write_file(dir.file("s.ndjson"),
             "{\"productId\":\"MWBLU\",\"amount\":1}\n{\"productId\":\"NOPE\",\"amount\":2}\n\nnope\n{\"productId\":\"MWBLU\",\"amount\":4}\n");
  write_file(dir.file("stock.csv"), "old stock file\n");
  for (const char* batch : {"1", "1024"}) {
    RunResult r = run_in(dir, {"process", "-q", "--strict", "--batch", batch, "s.ndjson", "--stock-out", "stock.csv"});
    EXPECT_EQ(r.exit_code, 1) << batch;
    EXPECT_EQ(r.out,
              R"J({"seq":1,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":2,"op":"place","productId":"NOPE","amount":2,"status":"Rejected","reason":"unknown_product","error":"product NOPE does not exist"}
)J") << batch;
    EXPECT_EQ(r.err, "orderflow: error: s.ndjson:4: invalid JSON: invalid value (offset 1) (--strict)\n") << batch;
    EXPECT_EQ(read_file(dir.file("stock.csv")), "old stock file\n");  // a failed run leaves it intact
  }
  // A framing defect (over-long record) is an invalid_record too.
  RunResult tl = run_with_input({"process", "-q", "--strict", "--max-record-bytes", "40"},
                                "{\"productId\":\"MWBLU\",\"amount\":1}\n{\"productId\":\"MWBLU\",\"amount\":1,\"pad\":\"xxxxxxxx\"}\n");
  EXPECT_EQ(tl.exit_code, 1);
  EXPECT_EQ(lines(tl.out).size(), 1u);
  EXPECT_EQ(tl.err, "orderflow: error: -:2: record longer than 40 bytes (--strict)\n");
  // Other rejections are outcomes, not failures.
  RunResult ok = run_with_input({"process", "-q", "--strict"},
                                "{\"productId\":\"NOPE\",\"amount\":1}\n{\"productId\":\"MWBLU\",\"amount\":0}\n{\"id\":\"x\",\"op\":\"reverse\"}\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(lines(ok.out).size(), 3u);
}

TEST(ProcessE2E, StockOutCsvKeepsColumnsAndIsAtomic) {
  TempDir dir;
  write_file(dir.file("cat.csv"),
             "Price,Note,ID,ProductName,Stock\r\n1.25,\"cold, still\",A,Water,10\r\n0.50,,B,\"Soda \"\"X\"\"\",3\r\n");
  write_file(dir.file("o.ndjson"), "{\"id\":\"1\",\"productId\":\"A\",\"amount\":4}\n{\"productId\":\"B\",\"amount\":3}\n"
                                   "{\"productId\":\"A\",\"amount\":1}\n{\"id\":\"1\",\"op\":\"reverse\"}\n");
  write_file(dir.file("stock.csv"), "previous\n");
  RunResult r = run_in(dir, {"process", "-q", "-c", "cat.csv", "o.ndjson", "--stock-out", "stock.csv", "-o", "none"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(dir.file("stock.csv")),
            "Price,Note,ID,ProductName,Stock\n1.25,\"cold, still\",A,Water,9\n0.50,,B,\"Soda \"\"X\"\"\",0\n");
  // The written catalog is a catalog: run again on it.
  RunResult again = run_in(dir, {"process", "-q", "-c", "stock.csv", "--stock-out", "stock2.csv", "-o", "none"},
                           "{\"productId\":\"A\",\"amount\":9}\n");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(dir.file("stock2.csv")),
            "Price,Note,ID,ProductName,Stock\n1.25,\"cold, still\",A,Water,0\n0.50,,B,\"Soda \"\"X\"\"\",0\n");

  // Failed runs leave the old file as it was, and no temporary file behind.
  const std::string before = read_file(dir.file("stock.csv"));
  const std::size_t entries = files_in(dir.path());
  RunResult missing = run_in(dir, {"process", "-q", "-c", "cat.csv", "o.ndjson", "nope.ndjson", "--stock-out", "stock.csv"});
  EXPECT_EQ(missing.exit_code, 1);
  write_file(dir.file("bad.csv"), "Price,ID,ProductName,Stock\n1.001,A,a,1\n");
  RunResult bad_catalog = run_in(dir, {"process", "-q", "-c", "bad.csv", "o.ndjson", "--stock-out", "stock.csv"});
  EXPECT_EQ(bad_catalog.exit_code, 1);
  write_file(dir.file("header.csv"), "id,amount\n1,1\n");
  RunResult bad_input = run_in(dir, {"process", "-q", "-c", "cat.csv", "o.ndjson", "header.csv", "--stock-out", "stock.csv"});
  EXPECT_EQ(bad_input.exit_code, 1);
  if (file_exists("/dev/full")) {
    RunResult full = run_in(dir, {"process", "-q", "-c", "cat.csv", "o.ndjson", "-o", "/dev/full", "--stock-out", "stock.csv"});
    EXPECT_EQ(full.exit_code, 1);
    EXPECT_EQ(full.err, "orderflow: error: cannot write results to /dev/full: No space left on device\n");
  }
  EXPECT_EQ(read_file(dir.file("stock.csv")), before);
  EXPECT_EQ(files_in(dir.path()), entries + 2);  // bad.csv and header.csv
}

TEST(ProcessE2E, StockOutJsonRoundTrips) {
  TempDir dir;
  write_file(dir.file("cat.json"),
             "[\n  {\"id\":\"A\",\"name\":\"Apple\",\"price\":1.79,\"stock\":20,\"origin\":{\"country\":\"NZ\"}},\n"
             "  {\"id\":\"B\",\"name\":\"Banana\",\"price\":0.25,\"stock\":5}\n]\n");
  RunResult r = run_in(dir, {"process", "-q", "-c", "cat.json", "--stock-out", "out.json"},
                       "{\"productId\":\"A\",\"amount\":3}\n{\"productId\":\"B\",\"amount\":5}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.file("out.json")),
            "[\n  {\"id\":\"A\",\"name\":\"Apple\",\"price\":1.79,\"stock\":17,\"origin\":{\"country\":\"NZ\"}},\n"
            "  {\"id\":\"B\",\"name\":\"Banana\",\"price\":0.25,\"stock\":0}\n]\n");
  RunResult listed = run_in(dir, {"catalog", "-c", "out.json"});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_EQ(listed.out,
            "[\n  {\"id\":\"A\",\"name\":\"Apple\",\"price\":1.79,\"stock\":17},\n  {\"id\":\"B\",\"name\":\"Banana\",\"price\":0.25,\"stock\":0}\n]\n");
}

TEST(ProcessE2E, OutputFileAndNone) {
  TempDir dir;
  write_file(dir.file("orders.ndjson"), kSpecInput);
  write_file(dir.file("res.ndjson"), std::string(10000, 'x'));  // truncated, not appended to
  RunResult r = run_in(dir, {"process", "-q", "orders.ndjson", "-o", "res.ndjson"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(dir.file("res.ndjson")), kSpecResults);
  RunResult none = run_in(dir, {"process", "-q", "orders.ndjson", "-o", "none", "--summary", "-"});
  EXPECT_EQ(none.exit_code, 0);
  std::vector<std::string> out = lines(none.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(JsonLine(out[0]).num("records"), "4");
  EXPECT_FALSE(file_exists(dir.file("none")));
  RunResult dash = run_in(dir, {"process", "-q", "orders.ndjson", "-o", "-"});
  EXPECT_EQ(dash.out, kSpecResults);
  RunResult unwritable = run_in(dir, {"process", "-q", "orders.ndjson", "-o", "no/such/dir/res"});
  // Checked before anything is read (SPEC "Outputs are safe"): a usage error.
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_EQ(unwritable.err,
            "orderflow: error: -o no/such/dir/res: no folder no/such/dir: No such file or directory\n");
}

TEST(ProcessE2E, SummaryFileAccountsForEveryRecord) {
  TempDir dir;
  std::string input;
  // Forty-odd records of every kind, on the built-in catalog.
  const char* products[] = {"MWBLU", "MWLEM", "MWSTR", "NOPE"};
  for (int i = 0; i < 48; ++i) {
    std::string id = std::string("o").append(std::to_string(i % 40));
    switch (i % 6) {
      case 0: input += "{\"id\":\"" + id + "\",\"op\":\"reverse\"}\n"; break;
      case 1: input += "{\"productId\":\"MWBLU\",\"amount\":" + std::to_string(i % 5) + "}\n"; break;
      case 2: input += "{\"bad\":true}\n"; break;
      default:
        input += "{\"id\":\"" + id + "\",\"productId\":\"" + products[i % 4] + "\",\"amount\":" + std::to_string(1 + i % 9) + "}\n";
    }
    if (i % 7 == 3) input += "{\"id\":\"o" + std::to_string(i - 1) + "\",\"op\":\"reverse\"}\n";
  }
  input += "{\"id\":\"o9\",\"op\":\"reverse\"}\n{\"id\":\"o9\",\"op\":\"reverse\"}\n";  // reversed at most once
  write_file(dir.file("mix.ndjson"), input);
  RunResult r = run_in(dir, {"process", "-q", "mix.ndjson", "-o", "res.ndjson", "--summary", "sum.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::map<std::string, long long> count, sold;
  long long revenue = 0;
  std::vector<std::string> results = lines(read_file(dir.file("res.ndjson")));
  for (const std::string& line : results) {
    JsonLine j(line);
    ASSERT_TRUE(j.ok()) << line;
    std::string status = j.str("status");
    ++count[status];
    if (status == "Rejected") ++count["reason:" + j.str("reason")];
    long long sign = status == "Completed" ? 1 : status == "Reversed" ? -1 : 0;
    if (sign != 0) {
      revenue += sign * cents_of(j.num("total"));
      sold[j.str("productId")] += sign * std::stoll(j.num("amount"));
    }
  }
  ASSERT_GT(count["Completed"], 0);
  ASSERT_GT(count["Reversed"], 0);
  ASSERT_GT(count["reason:not_reversible"], 0);
  std::vector<std::string> summary_lines = lines(read_file(dir.file("sum.json")));
  ASSERT_EQ(summary_lines.size(), 1u);
  JsonLine s(summary_lines[0]);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.num("records"), std::to_string(results.size()));
  EXPECT_EQ(s.num("completedOrders"), std::to_string(count["Completed"]));
  EXPECT_EQ(s.num("rejectedOrders"), std::to_string(count["Rejected"]));
  EXPECT_EQ(s.num("reversedOrders"), std::to_string(count["Reversed"]));
  EXPECT_EQ(s.num("cancelledOrders"), "0");
  EXPECT_EQ(cents_of(s.num("revenue")), revenue);
  long long rejected = 0;
  for (auto it = s.doc()["rejections"].MemberBegin(); it != s.doc()["rejections"].MemberEnd(); ++it) {
    EXPECT_EQ(it->value.GetInt64(), count[std::string("reason:") + it->name.GetString()]) << it->name.GetString();
    rejected += it->value.GetInt64();
  }
  EXPECT_EQ(rejected, count["Rejected"]);
  const std::map<std::string, long long> initial = {{"MWBLU", 20}, {"MWCRA", 20}, {"MWLEM", 30}, {"MWMAN", 30},
                                                    {"MWORG", 20}, {"MWPEA", 30}, {"MWRAS", 20}, {"MWSTR", 30}};
  const rapidjson::Value& products_json = s.doc()["products"];
  ASSERT_EQ(products_json.Size(), initial.size());
  long long product_revenue = 0;
  for (rapidjson::SizeType i = 0; i < products_json.Size(); ++i) {
    std::string id = products_json[i]["id"].GetString();
    EXPECT_EQ(products_json[i]["sold"].GetInt64(), sold[id]) << id;
    EXPECT_EQ(products_json[i]["stock"].GetInt64(), initial.at(id) - sold[id]) << id;
    product_revenue += cents_of(s.raw()["products"][i]["revenue"].GetString());
  }
  EXPECT_EQ(product_revenue, revenue);
}

TEST(ProcessE2E, SummaryThroughALinkToStdoutWritesThere) {
  TempDir dir;
  ASSERT_EQ(::symlink("/dev/stdout", dir.file("sum").c_str()), 0);
  RunResult r = run_in(dir, {"process", "-q", "-o", "none", "--summary", "sum"}, "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(JsonLine(out[0]).num("completedOrders"), "1");
  struct stat st;
  ASSERT_EQ(::lstat(dir.file("sum").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced by a regular file";
}

TEST(ProcessE2E, FormatIsDetectedPerFileOrForced) {
  TempDir dir;
  write_file(dir.file("a.txt"), "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  write_file(dir.file("b.txt"), "[{\"productId\":\"MWBLU\",\"amount\":1},\n{\"productId\":\"MWBLU\",\"amount\":2}]\n");
  RunResult autodetect = run_in(dir, {"process", "-q", "a.txt", "b.txt"});
  EXPECT_EQ(lines(autodetect.out).size(), 3u);
  EXPECT_EQ(autodetect.out.find("Rejected"), std::string::npos) << autodetect.out;
  RunResult as_json = run_in(dir, {"process", "-q", "--format", "json", "a.txt", "b.txt"});
  EXPECT_EQ(as_json.exit_code, 0);
  EXPECT_EQ(as_json.out,
            R"J({"seq":1,"status":"Rejected","reason":"invalid_record","error":"a.txt:1: expected a JSON array ([)"}
{"seq":2,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79}
{"seq":3,"op":"place","productId":"MWBLU","amount":2,"status":"Completed","total":3.58}
)J");
  RunResult as_ndjson = run_in(dir, {"process", "-q", "-f", "ndjson", "b.txt"});
  EXPECT_EQ(as_ndjson.out,
            R"J({"seq":1,"status":"Rejected","reason":"invalid_record","error":"b.txt:1: invalid JSON: invalid value (offset 34)"}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"b.txt:2: invalid JSON: the document root must not be followed by other values (offset 32)"}
)J");
  RunResult as_csv = run_in(dir, {"process", "-q", "-f", "csv", "a.txt"});
  EXPECT_EQ(as_csv.exit_code, 1);
  EXPECT_EQ(as_csv.out, "");
  EXPECT_EQ(as_csv.err, "orderflow: error: a.txt:1: malformed CSV header\n");
  RunResult explicit_auto = run_in(dir, {"process", "-q", "--format", "auto", "b.txt"});
  EXPECT_EQ(lines(explicit_auto.out).size(), 2u);
}

TEST(ProcessE2E, CsvColumnsInAnyOrderWithOptionalIdAndOp) {
  RunResult r = run_with_input({"process", "-q", "-f", "csv"},
                               "Amount,junk,PRODUCTID\n2,\"x,y\",MWBLU\n\n3,,MWCRA\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"J({"seq":1,"op":"place","productId":"MWBLU","amount":2,"status":"Completed","total":3.58}
{"seq":2,"op":"place","productId":"MWCRA","amount":3,"status":"Completed","total":4.47}
)J");
  RunResult full = run_with_input({"process", "-q"}, "op,amount,id,productId\n,1,c1,MWLEM\nplace,2,c2,MWLEM\nreverse,,c1,\nreverse,,c1,\n");
  EXPECT_EQ(full.out, R"J({"seq":1,"id":"c1","op":"place","productId":"MWLEM","amount":1,"status":"Completed","total":1.39}
{"seq":2,"id":"c2","op":"place","productId":"MWLEM","amount":2,"status":"Completed","total":2.78}
{"seq":3,"id":"c1","op":"reverse","productId":"MWLEM","amount":1,"status":"Reversed","total":1.39}
{"seq":4,"id":"c1","op":"reverse","productId":"MWLEM","amount":1,"status":"Rejected","reason":"not_reversible","error":"order c1 is already reversed"}
)J");
}

TEST(ProcessE2E, JsonArrayInput) {
  RunResult r = run_with_input({"process", "-q"},
                               "\xEF\xBB\xBF [\n"
                               "  {\"id\":\"j1\", \"productId\":\"MWSTR\", \"amount\":2, \"meta\":{\"tags\":[\"a]\", \"b,\"]}},\n"
                               "  {\"id\":\"j1\", \"op\":\"reverse\"},\n"
                               "  {\"productId\":\"MW\\\"]\", \"amount\":1},,\n"
                               "  {\"productId\":\"MWSTR\",\n   \"amount\":3}\n"
                               "] \n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"J({"seq":1,"id":"j1","op":"place","productId":"MWSTR","amount":2,"status":"Completed","total":3.78}
{"seq":2,"id":"j1","op":"reverse","productId":"MWSTR","amount":2,"status":"Reversed","total":3.78}
{"seq":3,"op":"place","productId":"MW\"]","amount":1,"status":"Rejected","reason":"unknown_product","error":"product MW\"] does not exist"}
{"seq":4,"status":"Rejected","reason":"invalid_record","error":"-:4: empty element in JSON array"}
{"seq":5,"op":"place","productId":"MWSTR","amount":3,"status":"Completed","total":5.67}
)J");
  RunResult broken = run_with_input({"process", "-q"}, "[{\"productId\":\"MWSTR\",\"amount\":1}] trailing\n");
  EXPECT_EQ(broken.out, R"J({"seq":1,"op":"place","productId":"MWSTR","amount":1,"status":"Completed","total":1.89}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"-:1: unexpected content after the JSON array"}
)J");
  RunResult open = run_with_input({"process", "-q"}, "[{\"productId\":\"MWSTR\",\"amount\":1},\n");
  EXPECT_EQ(open.out, R"J({"seq":1,"op":"place","productId":"MWSTR","amount":1,"status":"Completed","total":1.89}
{"seq":2,"status":"Rejected","reason":"invalid_record","error":"-:2: JSON array not terminated (missing ])"}
)J");
}

TEST(ProcessE2E, UsageErrorsExit2WithAHint) {
  RunResult flag = run({"process", "--bogus"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_EQ(flag.out, "");
  EXPECT_NE(flag.err.find("orderflow: error: "), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("--bogus"), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("--help"), std::string::npos) << flag.err;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"process", "--format", "xml"},
           {"process", "-f"},
           {"process", "--workers", "0"},
           {"process", "--max-record-bytes", "0"},
           {"process", "--store", "bogus"},
           {"process", "--batch", "many"},
       }) {
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args[1];
    EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  RunResult format = run({"process", "--format", "xml"});
  EXPECT_NE(format.err.find("xml"), std::string::npos) << format.err;
  RunResult typo = run({"proces", "orders.ndjson"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err.rfind("orderflow: error: unknown command 'proces'; did you mean 'process'?\n", 0), 0u) << typo.err;
  RunResult unknown = run({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("orderflow: error: unknown command 'frobnicate'", 0), 0u) << unknown.err;
  EXPECT_NE(unknown.err.find("--help"), std::string::npos) << unknown.err;
}

TEST(ProcessE2E, NoCommandPrintsHelpToStderrAndExits2) {
  RunResult r = run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Usage"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("process"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("catalog"), std::string::npos) << r.err;
  RunResult help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("process"), std::string::npos);
}

TEST(ProcessE2E, Version) {
  RunResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  // "orderflow MAJOR.MINOR.PATCH\n", then the build (tests/e2e/help_test.cpp)
  const std::string prefix = "orderflow ";
  ASSERT_EQ(r.out.rfind(prefix, 0), 0u) << r.out;
  ASSERT_NE(r.out.find('\n'), std::string::npos);
  std::string version = r.out.substr(prefix.size(), r.out.find('\n') - prefix.size());
  int dots = 0;
  for (char c : version) {
    if (c == '.') ++dots;
    else EXPECT_TRUE(c >= '0' && c <= '9') << r.out;
  }
  EXPECT_EQ(dots, 2) << r.out;
  EXPECT_NE(version.front(), '.');
  EXPECT_NE(version.back(), '.');
  EXPECT_EQ(r.err, "");
}

TEST(ProcessE2E, RuntimeFailuresExit1) {
  TempDir dir;
  write_file(dir.file("good.ndjson"), "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  RunResult missing = run_in(dir, {"process", "good.ndjson", "missing.ndjson"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");  // nothing is processed when an input cannot be opened
  EXPECT_EQ(missing.err, "orderflow: error: cannot open missing.ndjson: No such file or directory\n");
  std::filesystem::create_directory(dir.file("folder"));
  RunResult folder = run_in(dir, {"process", "folder"});
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_EQ(folder.out, "");
  EXPECT_EQ(folder.err, "orderflow: error: cannot read folder: Is a directory\n");
  write_file(dir.file("cat.csv"), "ID,ProductName,Stock,Price\nA,a,1,1.00\n\nB,b,1,1.001\n");
  RunResult catalog = run_in(dir, {"process", "-c", "cat.csv", "good.ndjson"});
  EXPECT_EQ(catalog.exit_code, 1);
  EXPECT_EQ(catalog.out, "");
  EXPECT_EQ(catalog.err, "orderflow: error: catalog cat.csv:4: product B: bad price \"1.001\": price has more than two decimals\n");
  RunResult no_catalog = run_in(dir, {"process", "-c", "nope.csv", "good.ndjson"});
  EXPECT_EQ(no_catalog.exit_code, 1);
  EXPECT_EQ(no_catalog.err, "orderflow: error: cannot open nope.csv: No such file or directory\n");
  write_file(dir.file("cat.json"), "[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1},\n 5]");
  RunResult json_catalog = run_in(dir, {"process", "-c", "cat.json", "good.ndjson"});
  EXPECT_EQ(json_catalog.exit_code, 1);
  EXPECT_EQ(json_catalog.err, "orderflow: error: catalog cat.json:2: product is not a JSON object\n");
  write_file(dir.file("h.csv"), "\nid,amount\n1,1\n");
  RunResult header = run_in(dir, {"process", "-q", "good.ndjson", "h.csv"});
  EXPECT_EQ(header.exit_code, 1);
  EXPECT_EQ(header.out, R"J({"seq":1,"op":"place","productId":"MWBLU","amount":1,"status":"Completed","total":1.79})J"
                        "\n");
  EXPECT_EQ(header.err,
            "orderflow: error: h.csv:2: CSV header must name the columns productId and amount (and optionally id and op); "
            "is this CSV?\n");
}

TEST(ProcessE2E, QuietMeansNothingOnStderr) {
  RunResult loud = run_with_input({"process", "-o", "none"}, "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  EXPECT_EQ(loud.exit_code, 0);
  EXPECT_EQ(loud.err.rfind("orderflow: 1 records in ", 0), 0u) << loud.err;
  EXPECT_NE(loud.err.find("revenue 1.79"), std::string::npos) << loud.err;
  RunResult quiet = run_with_input({"process", "-q", "-o", "none"}, "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
  EXPECT_EQ(quiet.out, "");
}

// Runs `orderflow ARGS` through the shell with stdout on /dev/full; returns
// the exit code and stderr.
std::pair<int, std::string> run_into_dev_full(const TempDir& dir, const std::string& args) {
  std::string cmd = "cd '" + dir.path() + "' && timeout 120 '" + std::string(binary()) + "' " + args + " >/dev/full 2>err.txt";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(dir.file("err.txt"))};
}

TEST(ProcessE2E, WriteErrorsOnStdoutAreRuntimeFailures) {
  if (!file_exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  write_file(dir.file("o.ndjson"), "{\"productId\":\"MWBLU\",\"amount\":1}\n");
  auto [code, err] = run_into_dev_full(dir, "process -q o.ndjson");
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "orderflow: error: cannot write results to standard output: No space left on device\n");
  auto [summary_code, summary_err] = run_into_dev_full(dir, "process -q -o none --summary - o.ndjson");
  EXPECT_EQ(summary_code, 1);
  EXPECT_EQ(summary_err, "orderflow: error: cannot write the summary to standard output: No space left on device\n");
  auto [both_code, both_err] = run_into_dev_full(dir, "process -q --summary - o.ndjson");
  EXPECT_EQ(both_code, 1);
  EXPECT_NE(both_err.find("orderflow: error: cannot write results to standard output: No space left on device\n"),
            std::string::npos)
      << both_err;
}

TEST(ProcessE2E, ClosedStdoutStopsQuietly) {
  TempDir dir;
  std::string input;
  for (int i = 0; i < 50000; ++i) input += "{\"productId\":\"MWMAN\",\"amount\":1}\n";
  write_file(dir.file("many.ndjson"), input);
  // A shell pipeline, as a user would write it; `timeout` only guards against a hang.
  const std::string script = "timeout 120 '" + std::string(binary()) +
                             "' process -q many.ndjson 2>err.txt | head -n 1 >first.txt; echo ${PIPESTATUS[0]} >rc.txt";
  write_file(dir.file("run.sh"), script + "\n");
  std::string cmd = "cd '" + dir.path() + "' && bash run.sh";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_file(dir.file("first.txt")),
            R"J({"seq":1,"op":"place","productId":"MWMAN","amount":1,"status":"Completed","total":2.79})J"
            "\n");
  EXPECT_EQ(read_file(dir.file("err.txt")), "");
  EXPECT_EQ(read_file(dir.file("rc.txt")), "141\n");
}

}  // namespace
}  // namespace orderflow::testing
