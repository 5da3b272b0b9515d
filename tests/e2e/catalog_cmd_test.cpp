// End-to-end tests of `orderflow catalog`: the catalog sorted by id, as JSON
// (default) or CSV, from the built-in catalog or a file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <sys/wait.h>

#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const char kBuiltinJson[] =
    "[\n"
    "  {\"id\":\"MWBLU\",\"name\":\"Mineral Water(Blueberry)\",\"price\":1.79,\"stock\":20},\n"
    "  {\"id\":\"MWCRA\",\"name\":\"Mineral Water(Cranberry)\",\"price\":1.49,\"stock\":20},\n"
    "  {\"id\":\"MWLEM\",\"name\":\"Mineral Water(Lemon-Lime)\",\"price\":1.39,\"stock\":30},\n"
    "  {\"id\":\"MWMAN\",\"name\":\"Mineral Water(Mango)\",\"price\":2.79,\"stock\":30},\n"
    "  {\"id\":\"MWORG\",\"name\":\"Mineral Water(Orange)\",\"price\":1.52,\"stock\":20},\n"
    "  {\"id\":\"MWPEA\",\"name\":\"Mineral Water(Peach)\",\"price\":3.29,\"stock\":30},\n"
    "  {\"id\":\"MWRAS\",\"name\":\"Mineral Water(Raspberry)\",\"price\":1.79,\"stock\":20},\n"
    "  {\"id\":\"MWSTR\",\"name\":\"Mineral Water(Strawberry)\",\"price\":1.89,\"stock\":30}\n"
    "]\n";

const char kBuiltinCsv[] =
    "ID,ProductName,Stock,Variety,Price\n"
    "MWBLU,Mineral Water,20,Blueberry,1.79\n"
    "MWCRA,Mineral Water,20,Cranberry,1.49\n"
    "MWLEM,Mineral Water,30,Lemon-Lime,1.39\n"
    "MWMAN,Mineral Water,30,Mango,2.79\n"
    "MWORG,Mineral Water,20,Orange,1.52\n"
    "MWPEA,Mineral Water,30,Peach,3.29\n"
    "MWRAS,Mineral Water,20,Raspberry,1.79\n"
    "MWSTR,Mineral Water,30,Strawberry,1.89\n";

TEST(CatalogE2E, BuiltinAsJsonSortedById) {
  RunResult r = run({"catalog"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(testing::same_text(r.out, kBuiltinJson));
  EXPECT_EQ(r.err, "");
  rapidjson::Document d;
  d.Parse(r.out.data(), r.out.size());
  ASSERT_TRUE(d.IsArray());
  EXPECT_EQ(d.Size(), 8u);
  RunResult explicit_json = run({"catalog", "--format", "json"});
  EXPECT_TRUE(testing::same_text(explicit_json.out, kBuiltinJson));
}

TEST(CatalogE2E, BuiltinAsCsv) {
  RunResult r = run({"catalog", "--format", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(testing::same_text(r.out, kBuiltinCsv));
}

TEST(CatalogE2E, FromACsvFile) {
  TempDir dir;
  write_file(dir.file("cat.csv"),
             "Extra,price,id,stock,productname,variety\r\n"
             "x,0.5,ZED,3,\"Fizz, Extra\",Lime\r\n"
             "\r\n"
             "y,12,ALP,0,Plain,\r\n");
  RunResult json = run({"catalog", "-c", dir.file("cat.csv")});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out,
            "[\n"
            "  {\"id\":\"ALP\",\"name\":\"Plain\",\"price\":12.00,\"stock\":0},\n"
            "  {\"id\":\"ZED\",\"name\":\"Fizz, Extra(Lime)\",\"price\":0.50,\"stock\":3}\n"
            "]\n");
  RunResult csv = run({"catalog", "--catalog", dir.file("cat.csv"), "--format", "csv"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out,
            "ID,ProductName,Stock,Variety,Price\n"
            "ALP,Plain,0,,12.00\n"
            "ZED,\"Fizz, Extra\",3,Lime,0.50\n");
}

TEST(CatalogE2E, FromAJsonFile) {
  TempDir dir;
  write_file(dir.file("cat.json"),
             "[{\"id\":\"b\",\"name\":\"Bee \\\"q\\\"\",\"price\":0.07,\"stock\":4611686018427387904,\"x\":[1]},\n"
             " {\"id\":\"a\",\"name\":\"caf\\u00e9\",\"price\":92233720.36,\"stock\":1}]\n");
  RunResult json = run({"catalog", "-c", dir.file("cat.json")});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out,
            "[\n"
            "  {\"id\":\"a\",\"name\":\"caf\xC3\xA9\",\"price\":92233720.36,\"stock\":1},\n"
            "  {\"id\":\"b\",\"name\":\"Bee \\\"q\\\"\",\"price\":0.07,\"stock\":4611686018427387904}\n"
            "]\n");
  RunResult csv = run({"catalog", "-c", dir.file("cat.json"), "--format", "csv"});
  EXPECT_EQ(csv.out,
            "ID,ProductName,Stock,Variety,Price\n"
            "a,caf\xC3\xA9,1,,92233720.36\n"
            "b,\"Bee \"\"q\"\"\",4611686018427387904,,0.07\n");
  // Whatever the catalog, every line of the listing is JSON the way a reader expects.
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.out.data(), json.out.size());
  EXPECT_FALSE(d.HasParseError());
}

TEST(CatalogE2E, BadCatalogsExit1) {
  TempDir dir;
  write_file(dir.file("dup.csv"), "ID,ProductName,Stock,Price\nA,a,1,1\nA,b,1,1\n");
  RunResult dup = run({"catalog", "-c", dir.file("dup.csv")});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.out, "");
  EXPECT_EQ(dup.err, "orderflow: error: catalog " + dir.file("dup.csv") + ":3: duplicate product id A\n");
  write_file(dir.file("scalar.json"), "[\n1\n]");
  RunResult scalar = run({"catalog", "-c", dir.file("scalar.json")});
  EXPECT_EQ(scalar.exit_code, 1);
  EXPECT_EQ(scalar.err, "orderflow: error: catalog " + dir.file("scalar.json") + ":2: product is not a JSON object\n");
  write_file(dir.file("empty.csv"), "ID,ProductName,Stock,Price\n");
  RunResult empty = run({"catalog", "-c", dir.file("empty.csv")});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.err, "orderflow: error: catalog " + dir.file("empty.csv") + ":1: catalog has no products\n");
  RunResult missing = run({"catalog", "-c", dir.file("nope.csv")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "orderflow: error: cannot open " + dir.file("nope.csv") + ": No such file or directory\n");
  RunResult folder = run({"catalog", "-c", dir.path()});
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_EQ(folder.err, "orderflow: error: cannot read " + dir.path() + ": Is a directory\n");
}

TEST(CatalogE2E, UsageErrorsExit2) {
  RunResult format = run({"catalog", "--format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(format.out, "");
  EXPECT_EQ(format.err.rfind("orderflow: error: ", 0), 0u) << format.err;
  EXPECT_NE(format.err.find("--help"), std::string::npos) << format.err;
  RunResult flag = run({"catalog", "--bogus"});
  EXPECT_EQ(flag.exit_code, 2);
  RunResult typo = run({"catalgo"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err.rfind("orderflow: error: unknown command 'catalgo'; did you mean 'catalog'?\n", 0), 0u) << typo.err;
}

TEST(CatalogE2E, WriteErrorIsARuntimeFailure) {
  if (!file_exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  std::string cmd = "timeout 60 '" + std::string(binary()) + "' catalog >/dev/full 2>'" + dir.file("err") + "'";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(read_file(dir.file("err")), "orderflow: error: cannot write to standard output: No space left on device\n");
}

}  // namespace
}  // namespace orderflow::testing
