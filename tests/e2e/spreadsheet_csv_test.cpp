// End-to-end tests of CSV as spreadsheets export it: ';' and TAB delimiters
// (told from the header, or --delimiter), quoted fields across lines, padded
// fields, PLACE/Reverse, empty rows; each case decides exactly as its NDJSON
// twin. Errors quote the offending value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

// The same orders, canonical, as NDJSON: what each spreadsheet file must decide.
const char kTwin[] =
    "{\"id\":\"o1\",\"op\":\"place\",\"productId\":\"MWLEM\",\"amount\":4}\n"
    "{\"id\":\"o2\",\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":25}\n"
    "{\"id\":\"o 3\",\"op\":\"place\",\"productId\":\"MWBLU\",\"amount\":3}\n"
    "{\"id\":\"o1\",\"op\":\"reverse\"}\n"
    "{\"id\":\"multi\\nline\",\"op\":\"place\",\"productId\":\"MWSTR\",\"amount\":2}\n"
    "{\"id\":\"o5\",\"productId\":\"MWMAN\",\"amount\":30}\n"
    "{\"id\":\"o6\",\"op\":\"place\",\"productId\":\"NOPE\",\"amount\":1}\n"
    "{\"id\":\"o2\",\"op\":\"reverse\"}\n";

std::string semicolons() {
  return "id;op;productId;amount\r\n"
         "o1;PLACE; MWLEM ;4 \r\n"
         "o2;Place;MWBLU;\"25\"\r\n"
         ";;;\r\n"
         "\"o 3\" ; place ; \"MWBLU\" ; 3\r\n"
         "o1;Reverse;;\r\n"
         "\"multi\nline\";place;MWSTR;2\r\n"
         " ; ; ; \r\n"
         "o5;;MWMAN;30\r\n"
         "o6;place;NOPE;1\r\n"
         "o2;REVERSE;;\r\n";
}

std::string tabs() {
  return "ID\tOp\tProductId\tAmount\n"
         "o1\tplace\tMWLEM\t4\n"
         "o2\tplace\tMWBLU\t25\n"
         "\"o 3\"\tplace\tMWBLU\t3\n"
         "\t\t\t\n"
         "o1\treverse\t\t\n"
         "\"multi\nline\"\tplace\tMWSTR\t2\n"
         "o5\t\tMWMAN\t30\n"
         "o6\tplace\tNOPE\t1\n"
         "o2\treverse\t\t\n";
}

std::string commas() {
  return "id , op , productId , amount\n"
         "o1,place,MWLEM,4\n"
         "o2,place,MWBLU,25\n"
         "\"o 3\",place,MWBLU,3\n"
         ",,,\n"
         "o1,reverse,,\n"
         "\"multi\n"
         "line\",place,MWSTR,2\n"
         "o5,,MWMAN,30\n"
         "o6,PLACE,NOPE,1\n"
         "o2,reverse,,\n";
}

TEST(SpreadsheetCsvE2E, EveryDialectDecidesLikeItsNdjsonTwin) {
  RunResult twin = run_with_input({"process", "-q"}, kTwin);
  ASSERT_EQ(twin.exit_code, 0) << twin.err;
  ASSERT_EQ(lines(twin.out).size(), 8u);
  // Sanity: the twin has every outcome the cases are about.
  for (const char* want : {"\"Completed\"", "\"Reversed\"", "insufficient_stock", "unknown_product"})
    EXPECT_NE(twin.out.find(want), std::string::npos) << want;
  struct Case {
    const char* name;
    std::string csv;
    std::vector<std::string> extra;
  } cases[] = {
      {"semicolons, told", semicolons(), {}},
      {"semicolons, --delimiter", semicolons(), {"--delimiter", ";"}},
      {"tabs, told", tabs(), {}},
      {"tabs, --delimiter tab", tabs(), {"--delimiter", "tab"}},
      {"commas, padded header", commas(), {}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"process", "-q"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    RunResult r = run_with_input(args, c.csv);
    EXPECT_EQ(r.exit_code, 0) << c.name << ": " << r.err;
    EXPECT_TRUE(testing::same_text(r.out, twin.out)) << c.name;
  }
}

TEST(SpreadsheetCsvE2E, ErrorsQuoteTheValueAndNameTheRowsFirstLine) {
  RunResult r = run_with_input({"process", "-q"},
                               "productId;amount\n"
                               "MWBLU;\"4 x\"\n"
                               "\" MWLEM \";1\n"
                               "\"MW\nBLU\";1\n"
                               "MWBLU;1.5\n"
                               "MWBLU;\"open\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 5u) << r.out;
  EXPECT_EQ(JsonLine(out[0]).str("error"), "-:2: field amount must be an integer: got \"4 x\"");
  EXPECT_EQ(JsonLine(out[1]).str("error"), "product \" MWLEM \" does not exist");
  EXPECT_EQ(JsonLine(out[2]).str("error"), "product \"MW\\nBLU\" does not exist");
  EXPECT_EQ(JsonLine(out[3]).str("error"), "-:6: field amount must be an integer: got \"1.5\"");  // line 4 held two
  EXPECT_EQ(JsonLine(out[4]).str("error"), "-:7: malformed CSV quoting");  // a quote left open to the end
  RunResult op = run_with_input({"process", "-q"}, "op,productId,amount\nbuy,MWBLU,1\n");
  EXPECT_EQ(JsonLine(lines(op.out)[0]).str("error"), "-:2: field op must be place or reverse");
}

TEST(SpreadsheetCsvE2E, AWrongDelimiterIsFatalAndSaysWhichOneWasUsed) {
  RunResult r = run_with_input({"process", "-q", "--delimiter", ";"}, "productId,amount\nMWBLU,1\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "orderflow: error: -:1: CSV header must name the columns productId and amount (and optionally id and "
            "op); is this CSV? (read with the delimiter ;)\n");
  RunResult bad = run({"process", "--delimiter", "|"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace orderflow::testing
