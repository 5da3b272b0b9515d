// End-to-end tests of results as CSV and TSV: one fixed header, every line
// parsed back by a strict RFC 4180 reader (or TSV's escapes) gives exactly the
// fields of the NDJSON result of the same record; chosen by --output-format or
// by -o's extension.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

using Row = std::vector<std::string>;

// A strict RFC 4180 reader: quoted fields may hold ',', '"' (doubled) and line
// breaks; anything else after a closing quote is an error (the test fails).
std::vector<Row> parse_csv(const std::string& text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' && field.empty()) {
      ++i;
      for (;;) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quote";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n') {
        ADD_FAILURE() << "text after a closing quote at byte " << i;
        return rows;
      }
      any = true;
      continue;
    }
    if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      EXPECT_NE(c, '"') << "a bare quote inside an unquoted field at byte " << i;
      EXPECT_NE(c, '\r') << "a bare CR at byte " << i;
      field += c;
      any = true;
    }
    ++i;
  }
  EXPECT_FALSE(any) << "the last line has no line break";
  return rows;
}

std::vector<Row> parse_tsv(const std::string& text) {
  std::vector<Row> rows;
  for (const std::string& line : lines(text)) {
    Row row(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '\t') {
        row.emplace_back();
      } else if (c == '\\' && i + 1 < line.size()) {
        char e = line[++i];
        row.back() += e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
      } else {
        row.back() += c;
      }
    }
    rows.push_back(row);
  }
  return rows;
}

// The nine columns a CSV/TSV row must hold for this NDJSON result.
Row expected_row(const std::string& ndjson_line) {
  JsonLine j(ndjson_line);
  EXPECT_TRUE(j.ok()) << ndjson_line;
  auto s = [&](const char* k) { return j.has(k) ? j.str(k) : std::string(); };
  auto n = [&](const char* k) { return j.has(k) ? j.num(k) : std::string(); };
  return {n("seq"), s("id"), s("op"), s("productId"), n("amount"), s("status"), n("total"), s("reason"), s("error")};
}

const Row kHeader{"seq", "id", "op", "productId", "amount", "status", "total", "reason", "error"};

// Every outcome, and ids and texts that need CSV quoting or TSV escapes.
const char kOrders[] =
    "{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\n"
    "{\"id\":\"a,b \\\"quoted\\\"\",\"productId\":\"MWBLU\",\"amount\":40}\n"
    "{\"id\":\"line\\nbreak\\ttab\\\\back\",\"productId\":\"MW,X\",\"amount\":1}\n"
    "{\"id\":\"o1\",\"op\":\"reverse\"}\n"
    "{\"id\":\"o1\",\"op\":\"reverse\"}\n"
    "{\"id\":\"nope\",\"op\":\"reverse\"}\n"
    "{\"productId\":\"MWLEM\",\"amount\":0}\n"
    "not json, \"at all\"\n"
    "{\"id\":\"o1\",\"productId\":\"MWLEM\",\"amount\":1}\n"
    "{\"id\":\"cr\\r\",\"productId\":\"MWLEM\",\"amount\":2}\n";

TEST(ResultsFormatE2E, CsvAndTsvParseBackToTheNdjsonFields) {
  RunResult nd = run_with_input({"process", "-q"}, kOrders);
  ASSERT_EQ(nd.exit_code, 0) << nd.err;
  std::vector<std::string> want = lines(nd.out);
  ASSERT_EQ(want.size(), 10u);
  for (const char* fmt : {"csv", "tsv"}) {
    RunResult r = run_with_input({"process", "-q", "--output-format", fmt}, kOrders);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<Row> rows = std::string(fmt) == "csv" ? parse_csv(r.out) : parse_tsv(r.out);
    ASSERT_EQ(rows.size(), want.size() + 1) << r.out;
    EXPECT_EQ(rows[0], kHeader) << fmt;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(rows[i + 1].size(), 9u) << fmt << " line " << i + 2;
      EXPECT_EQ(rows[i + 1], expected_row(want[i])) << fmt << " line " << i + 2 << "\n" << want[i];
    }
  }
}

TEST(ResultsFormatE2E, GeneratedStreamWithEveryOutcomeRoundTrips) {
  RunResult gen = run({"generate", "-n", "3000", "--reversals", "0.1", "--invalid", "0.05", "--seed", "3"});
  ASSERT_EQ(gen.exit_code, 0);
  RunResult nd = run_with_input({"process", "-q", "-w", "2"}, gen.out);
  RunResult csv = run_with_input({"process", "-q", "-w", "2", "--output-format", "csv"}, gen.out);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::vector<std::string> want = lines(nd.out);
  std::vector<Row> rows = parse_csv(csv.out);
  ASSERT_EQ(rows.size(), want.size() + 1);
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(rows[i + 1], expected_row(want[i])) << want[i];
}

TEST(ResultsFormatE2E, ToldByTheOutputsExtension) {
  TempDir dir;
  write_file(dir.file("o.ndjson"), "{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\n");
  ASSERT_EQ(run_in(dir, {"process", "-q", "o.ndjson", "-o", "r.csv"}).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("r.csv")),
            "seq,id,op,productId,amount,status,total,reason,error\n1,o1,place,MWBLU,3,Completed,5.37,,\n");
  ASSERT_EQ(run_in(dir, {"process", "-q", "o.ndjson", "-o", "r.TSV"}).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("r.TSV")),
            "seq\tid\top\tproductId\tamount\tstatus\ttotal\treason\terror\n1\to1\tplace\tMWBLU\t3\tCompleted\t5.37\t\t\n");
  // --output-format wins over the extension.
  ASSERT_EQ(run_in(dir, {"process", "-q", "o.ndjson", "-o", "r.csv", "--output-format", "ndjson"}).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("r.csv")).rfind("{\"seq\":1,", 0), 0u);
  // An empty input still gets its header, so a reader sees the columns.
  write_file(dir.file("empty.ndjson"), "");
  ASSERT_EQ(run_in(dir, {"process", "-q", "empty.ndjson", "-o", "e.csv"}).exit_code, 0);
  EXPECT_EQ(read_file(dir.file("e.csv")), "seq,id,op,productId,amount,status,total,reason,error\n");
  // A continued run (--resume) appends to a file that has its header already.
  write_file(dir.file("two.ndjson"), "{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\n{\"id\":\"o2\",\"productId\":\"MWBLU\",\"amount\":1}\n");
  write_file(dir.file("s.json"), "{\"stopped\":\"interrupted\",\"resume\":{\"file\":\"two.ndjson\",\"line\":2,\"seq\":2,\"offset\":43}}");
  RunResult more = run_in(dir, {"process", "-q", "two.ndjson", "--resume", "s.json", "--output-format", "csv"});
  EXPECT_EQ(more.out, "2,o2,place,MWBLU,1,Completed,1.79,,\n") << more.err;
}

TEST(ResultsFormatE2E, BadFormatIsAUsageError) {
  RunResult r = run({"process", "--output-format", "xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("xml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace orderflow::testing
