// Catalog: loading CSV and JSON catalogs, the exact "SOURCE:LINE: reason" of
// every kind of bad line, the built-in catalog, the `catalog` listings, and
// writing a catalog back in its own format (--stock-out).
#include "data/catalog/catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/test_util.h"

namespace orderflow {
namespace {

const char kHeader[] = "ID,ProductName,Stock,Variety,Price\n";

// The error message of a catalog that must not load.
std::string error_of(const std::string& text, const std::string& source) {
  Result<Catalog> c = Catalog::parse(text, source);
  if (c.ok()) return "(loaded " + std::to_string(c.value().size()) + " products)";
  EXPECT_EQ(c.status().code(), Status::Code::kCorruption);
  return c.status().message();
}
std::string csv_error(const std::string& rows) { return error_of(kHeader + rows, "cat.csv"); }
std::string json_error(const std::string& text) { return error_of(text, "cat.json"); }

Catalog load_ok(const std::string& text) {
  Result<Catalog> c = Catalog::parse(text, "cat");
  EXPECT_TRUE(c.ok()) << c.status().message();
  if (!c.ok()) return Catalog::builtin();
  return std::move(c).value();
}

std::vector<std::int64_t> stocks(const Catalog& c) {
  std::vector<std::int64_t> s;
  for (const Product& p : c.products()) s.push_back(p.stock);
  return s;
}

// ---- good catalogs -------------------------------------------------------

TEST(CatalogBuiltin, IsTheGoAppsProductsCsv) {
  Catalog c = Catalog::builtin();
  ASSERT_EQ(c.size(), 8u);
  EXPECT_EQ(c.format(), CatalogFormat::kCsv);
  const Product& blu = c.product(0);
  EXPECT_EQ(blu.id, "MWBLU");
  EXPECT_EQ(blu.name, "Mineral Water(Blueberry)");
  EXPECT_EQ(blu.product_name, "Mineral Water");
  EXPECT_EQ(blu.variety, "Blueberry");
  EXPECT_EQ(blu.price, 179);
  EXPECT_EQ(blu.stock, 20);
  EXPECT_EQ(c.find("MWMAN"), 7u);
  EXPECT_EQ(c.product(7).price, 279);
  EXPECT_EQ(c.product(7).stock, 30);
  EXPECT_EQ(c.find("NOPE"), kNoProduct);
  EXPECT_EQ(c.find("mwblu"), kNoProduct);  // ids are case-sensitive
  EXPECT_EQ(c.find(""), kNoProduct);
  // The embedded bytes are the repository's data/products.csv.
  EXPECT_EQ(std::string(builtin_catalog_csv()), testing::read_file(testing::source_path("data/products.csv")));
}

TEST(CatalogCsv, ColumnsByNameInAnyOrderWithExtras) {
  Catalog c = load_ok(
      "\xEF\xBB\xBF"
      "price,Extra,stock,id,PRODUCTNAME\r\n"
      "\r\n"
      "1.50,\"x, y\",7,A,Apple\r\n"
      "   \n"
      "0.05,,0,B,\"Big \"\"B\"\"\"\r\n");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.product(0).id, "A");
  EXPECT_EQ(c.product(0).name, "Apple");  // no Variety column: no parentheses
  EXPECT_EQ(c.product(0).price, 150);
  EXPECT_EQ(c.product(0).stock, 7);
  EXPECT_EQ(c.product(1).name, "Big \"B\"");
  EXPECT_EQ(c.product(1).price, 5);
  EXPECT_EQ(c.product(1).stock, 0);
  EXPECT_EQ(c.find("B"), 1u);
}

TEST(CatalogCsv, StockLimits) {
  Catalog c = load_ok(std::string(kHeader) + "A,a,4611686018427387904,v,1.00\nB,b,0,v,0\n");
  EXPECT_EQ(c.product(0).stock, kStockMax);
  EXPECT_EQ(c.product(1).stock, 0);
  EXPECT_EQ(c.product(1).price, 0);
}

TEST(CatalogJson, ArrayOfObjects) {
  Catalog c = load_ok(
      "\xEF\xBB\xBF  \n"
      "[\n"
      "  {\"id\": \"A\", \"name\": \"Apple\", \"price\": 1.79, \"stock\": 20, \"tags\": [\"x\", {\"y\": null}]},\n"
      "  {\"stock\": 0, \"price\": 2, \"name\": \"Caf\\u00e9\", \"id\": \"B\"},\n"
      "  {\"id\": \"C\", \"name\": \"c\", \"price\": 0.1, \"stock\": 4611686018427387904}\n"
      "]\n");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.format(), CatalogFormat::kJson);
  EXPECT_EQ(c.product(0).name, "Apple");
  EXPECT_EQ(c.product(0).price, 179);  // from the price's text, not a double
  EXPECT_EQ(c.product(0).stock, 20);
  EXPECT_EQ(c.product(1).name, "Caf\xC3\xA9");
  EXPECT_EQ(c.product(1).price, 200);
  EXPECT_EQ(c.product(2).price, 10);
  EXPECT_EQ(c.product(2).stock, kStockMax);
  EXPECT_EQ(c.find("C"), 2u);
}

TEST(CatalogJson, PricesThatAreNotExactDoublesStayExact) {
  Catalog c = load_ok(R"([{"id":"A","name":"a","price":0.29,"stock":1},{"id":"B","name":"b","price":92233720.36,"stock":1}])");
  EXPECT_EQ(c.product(0).price, 29);
  EXPECT_EQ(c.product(1).price, kPriceMaxCents);
}

// ---- bad catalogs: the exact "FILE:LINE: reason" ------------------------------

TEST(CatalogCsvErrors, EmptyAndHeaderOnly) {
  EXPECT_EQ(error_of("", "cat.csv"), "cat.csv:1: empty catalog");
  EXPECT_EQ(error_of(" \n\r\n\t\n", "cat.csv"), "cat.csv:1: empty catalog");
  EXPECT_EQ(error_of("\xEF\xBB\xBF", "cat.csv"), "cat.csv:1: empty catalog");
  EXPECT_EQ(error_of(kHeader, "cat.csv"), "cat.csv:1: catalog has no products");
  EXPECT_EQ(error_of(std::string("\n\n") + kHeader + "\n", "cat.csv"), "cat.csv:3: catalog has no products");
}

TEST(CatalogCsvErrors, Header) {
  EXPECT_EQ(error_of("ID,ProductName,Variety,Price\nA,a,v,1\n", "cat.csv"), "cat.csv:1: header has no Stock column");
  EXPECT_EQ(error_of("ProductName,Stock,Price\n", "cat.csv"), "cat.csv:1: header has no ID column");
  EXPECT_EQ(error_of("ID,Stock,Price\n", "cat.csv"), "cat.csv:1: header has no ProductName column");
  EXPECT_EQ(error_of("ID,ProductName,Stock\n", "cat.csv"), "cat.csv:1: header has no Price column");
  EXPECT_EQ(error_of("ID,ProductName,Stock,Price,price\n", "cat.csv"), "cat.csv:1: duplicate column price");
  EXPECT_EQ(error_of("ID,\"ProductName,Stock,Price\n", "cat.csv"), "cat.csv:1: malformed CSV quoting");
}

TEST(CatalogCsvErrors, BadLines) {
  // A missing column.
  EXPECT_EQ(csv_error("A,a,1,v,1.00\nB,b,1,v\n"), "cat.csv:3: expected 5 columns, got 4");
  EXPECT_EQ(csv_error("A,a,1,v,1.00,extra\n"), "cat.csv:2: expected 5 columns, got 6");
  // Bad numbers.
  EXPECT_EQ(csv_error("A,a,1a,v,1.00\n"), "cat.csv:2: product A: bad stock \"1a\": stock must be a non-negative integer");
  EXPECT_EQ(csv_error("A,a,,v,1.00\n"), "cat.csv:2: product A: bad stock \"\": empty stock");
  EXPECT_EQ(csv_error("A,a,1.5,v,1.00\n"), "cat.csv:2: product A: bad stock \"1.5\": stock must be a non-negative integer");
  EXPECT_EQ(csv_error("A,a,1,v,abc\n"), "cat.csv:2: product A: bad price \"abc\": price must start with a digit");
  EXPECT_EQ(csv_error("A,a,1,v,\n"), "cat.csv:2: product A: bad price \"\": empty price");
  EXPECT_EQ(csv_error("A,a,1,v,1e2\n"), "cat.csv:2: product A: bad price \"1e2\": price is not a plain decimal number");
  // A price with three decimals.
  EXPECT_EQ(csv_error("A,a,1,v,1.79\nB,b,1,v,1.001\n"),
            "cat.csv:3: product B: bad price \"1.001\": price has more than two decimals");
  EXPECT_EQ(csv_error("A,a,1,v,-1.00\n"), "cat.csv:2: product A: bad price \"-1.00\": price must start with a digit");
  EXPECT_EQ(csv_error("A,a,1,v,92233720.37\n"), "cat.csv:2: product A: bad price \"92233720.37\": price too large");
  // Negative and huge stock.
  EXPECT_EQ(csv_error("A,a,-1,v,1.00\n"), "cat.csv:2: product A: bad stock \"-1\": stock must be a non-negative integer");
  EXPECT_EQ(csv_error("A,a,4611686018427387905,v,1.00\n"),
            "cat.csv:2: product A: bad stock \"4611686018427387905\": stock larger than 2^62");
  EXPECT_EQ(csv_error("A,a,99999999999999999999999999,v,1.00\n"),
            "cat.csv:2: product A: bad stock \"99999999999999999999999999\": stock larger than 2^62");
  // Duplicate and empty ids.
  EXPECT_EQ(csv_error("A,a,1,v,1.00\n\nA,b,2,v,2.00\n"), "cat.csv:4: duplicate product id A");
  EXPECT_EQ(csv_error(",a,1,v,1.00\n"), "cat.csv:2: empty product id");
  // Quoting and encoding.
  EXPECT_EQ(csv_error("A,\"a,1,v,1.00\n"), "cat.csv:2: malformed CSV quoting");
  EXPECT_EQ(csv_error("A\xFF,a,1,v,1.00\n"), "cat.csv:2: product id is not valid UTF-8");
  EXPECT_EQ(csv_error("A,\xC0\xAF,1,v,1.00\n"), "cat.csv:2: product A: name is not valid UTF-8");
  // CRLF line ends do not shift line numbers.
  EXPECT_EQ(error_of(std::string("ID,ProductName,Stock,Variety,Price\r\nA,a,1,v,1\r\nB,b,x,v,1\r\n"), "cat.csv"),
            "cat.csv:3: product B: bad stock \"x\": stock must be a non-negative integer");
}

TEST(CatalogJsonErrors, EmptyArrayAndBadJson) {
  EXPECT_EQ(json_error("[]"), "cat.json:1: catalog has no products");
  EXPECT_EQ(json_error("\n\n  [ \n ]\n"), "cat.json:3: catalog has no products");
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1}"),
            "cat.json:1: invalid JSON: missing a comma or ']' after an array element (offset 42)");
  EXPECT_EQ(json_error("[\n{\"id\":\"A\",}\n]"), "cat.json:2: invalid JSON: missing a name for object member (offset 12)");
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1}]\n[]"),
            "cat.json:2: invalid JSON: the document root must not be followed by other values (offset 44)");
  EXPECT_EQ(json_error("[{\"id\":\"A\xFF\",\"name\":\"a\",\"price\":1,\"stock\":1}]"),
            "cat.json:1: invalid JSON: invalid encoding in string (offset 9)");
}

TEST(CatalogJsonErrors, NonObjectElements) {
  EXPECT_EQ(json_error("[1]"), "cat.json:1: product is not a JSON object");
  EXPECT_EQ(json_error("[\"x\"]"), "cat.json:1: product is not a JSON object");
  EXPECT_EQ(json_error("[null]"), "cat.json:1: product is not a JSON object");
  EXPECT_EQ(json_error("[[]]"), "cat.json:1: product is not a JSON object");
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1},\n true]"),
            "cat.json:2: product is not a JSON object");
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1},\n\n 5, {\"id\":\"B\"}]"),
            "cat.json:3: product is not a JSON object");
  // Scalars before objects do not shift the line of later elements.
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1},\n\"s\",\n{\"id\":\"A\"}]"),
            "cat.json:2: product is not a JSON object");
}

TEST(CatalogJsonErrors, EachElementNamesItsOwnLine) {
  const std::string a = "{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1}";
  EXPECT_EQ(json_error("[" + a + ",\n" + a + "]"), "cat.json:2: duplicate product id A");
  EXPECT_EQ(json_error("[\n" + a + ",\n\n  {\"id\":\"B\",\n\"name\":\"b\",\n\"price\":1.234,\"stock\":1}]"),
            "cat.json:4: product B: bad price 1.234: price has more than two decimals");
}

TEST(CatalogJsonErrors, BadMembers) {
  auto one = [](const std::string& members) { return json_error("[{" + members + "}]"); };
  EXPECT_EQ(one(R"("name":"a","price":1,"stock":1)"), "cat.json:1: missing \"id\"");
  EXPECT_EQ(one(R"("id":5,"name":"a","price":1,"stock":1)"), "cat.json:1: \"id\" must be a string");
  EXPECT_EQ(one(R"("id":"","name":"a","price":1,"stock":1)"), "cat.json:1: empty product id");
  EXPECT_EQ(one(R"("id":"A","price":1,"stock":1)"), "cat.json:1: product A: missing \"name\"");
  EXPECT_EQ(one(R"("id":"A","name":1,"price":1,"stock":1)"), "cat.json:1: product A: \"name\" must be a string");
  EXPECT_EQ(one(R"("id":"A","name":"a","stock":1)"), "cat.json:1: product A: missing \"price\"");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":"1.5","stock":1)"), "cat.json:1: product A: \"price\" must be a number");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1.505,"stock":1)"),
            "cat.json:1: product A: bad price 1.505: price has more than two decimals");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":-1,"stock":1)"),
            "cat.json:1: product A: bad price -1: price must start with a digit");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1e2,"stock":1)"),
            "cat.json:1: product A: bad price 1e2: price is not a plain decimal number");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1)"), "cat.json:1: product A: missing \"stock\"");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1,"stock":3.0)"), "cat.json:1: product A: \"stock\" must be an integer");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1,"stock":"3")"), "cat.json:1: product A: \"stock\" must be an integer");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1,"stock":-3)"),
            "cat.json:1: product A: bad stock -3: stock must be a non-negative integer");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1,"stock":4611686018427387905)"),
            "cat.json:1: product A: bad stock 4611686018427387905: stock larger than 2^62");
  EXPECT_EQ(one(R"("id":"A","name":"a","price":1,"stock":18446744073709551615)"),
            "cat.json:1: product A: bad stock 18446744073709551615: stock larger than 2^62");
}

TEST(CatalogJsonErrors, EscapesThatMakeInvalidUtf8) {
  // RapidJSON decodes a lone low surrogate escape into bytes that are not UTF-8.
  EXPECT_EQ(json_error(R"([{"id":"\udc00","name":"a","price":1,"stock":1}])"),
            "cat.json:1: product id is not valid UTF-8");
  EXPECT_EQ(json_error(R"([{"id":"A","name":"x\udc00","price":1,"stock":1}])"),
            "cat.json:1: product A: name is not valid UTF-8");
}

TEST(CatalogJsonErrors, DeepNestingIsRefusedNotRecursed) {
  // 64 levels (the top array included) are fine as JSON; 65 are refused.
  EXPECT_EQ(json_error(std::string(64, '[') + std::string(64, ']')), "cat.json:1: product is not a JSON object");
  EXPECT_EQ(json_error(std::string(65, '[') + std::string(65, ']')), "cat.json:1: JSON nested deeper than 64 levels");
  EXPECT_EQ(json_error("[\n" + std::string(100000, '[')), "cat.json:2: JSON nested deeper than 64 levels");
  EXPECT_EQ(json_error("[{\"id\":\"A\",\"x\":" + std::string(70, '[')), "cat.json:1: JSON nested deeper than 64 levels");
}

TEST(CatalogLoad, MissingFileAndDirectory) {
  testing::TempDir dir;
  Result<Catalog> missing = Catalog::load(dir.file("nope.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIOError);
  EXPECT_EQ(missing.status().message(), "cannot open " + dir.file("nope.csv") + ": No such file or directory");
  Result<Catalog> directory = Catalog::load(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().message(), "cannot read " + dir.path() + ": Is a directory");
  testing::write_file(dir.file("bad.csv"), std::string(kHeader) + "A,a,1,v,1.001\n");
  Result<Catalog> bad = Catalog::load(dir.file("bad.csv"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), dir.file("bad.csv") + ":2: product A: bad price \"1.001\": price has more than two decimals");
}

// ---- writing back and listing ----------------------------------------------

TEST(CatalogSave, CsvKeepsExtraColumnsAndOrder) {
  Catalog c = load_ok(
      "Price,Note,ID,ProductName,Stock,Variety\r\n"
      "1.79,\"sweet, cold\",A,Water,20,Blue\r\n"
      "\n"
      "0.5,\"say \"\"hi\"\"\",B, Spaced ,3,\r\n");
  EXPECT_EQ(c.serialize({7, 0}),
            "Price,Note,ID,ProductName,Stock,Variety\n"
            "1.79,\"sweet, cold\",A,Water,7,Blue\n"
            "0.5,\"say \"\"hi\"\"\",B,\" Spaced \",0,\n");
  // The written file loads back to the same products with the new stock.
  Catalog again = load_ok(c.serialize({7, 0}));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again.product(1).product_name, " Spaced ");
  EXPECT_EQ(stocks(again), (std::vector<std::int64_t>{7, 0}));
  EXPECT_EQ(again.serialize({7, 0}), c.serialize({7, 0}));
}

TEST(CatalogSave, BuiltinRoundTrips) {
  Catalog c = Catalog::builtin();
  EXPECT_EQ(c.serialize(stocks(c)), std::string(builtin_catalog_csv()));
}

TEST(CatalogSave, JsonKeepsMembersAndReplacesStock) {
  Catalog c = load_ok(
      "[{\"id\":\"A\",\"name\":\"Apple\",\"price\":1.79,\"stock\":20,\"tags\":[\"x\",{\"y\":null}],\"note\":\"caf\\u00e9\"},\n"
      " {\"stock\":5,\"id\":\"B\",\"name\":\"b\",\"price\":2}]");
  std::string out = c.serialize({17, 0});
  EXPECT_EQ(out,
            "[\n"
            "  {\"id\":\"A\",\"name\":\"Apple\",\"price\":1.79,\"stock\":17,\"tags\":[\"x\",{\"y\":null}],\"note\":\"caf\xC3\xA9\"},\n"
            "  {\"stock\":0,\"id\":\"B\",\"name\":\"b\",\"price\":2}\n"
            "]\n");
  Catalog again = load_ok(out);
  EXPECT_EQ(again.format(), CatalogFormat::kJson);
  EXPECT_EQ(stocks(again), (std::vector<std::int64_t>{17, 0}));
  EXPECT_EQ(again.product(0).price, 179);
  EXPECT_EQ(again.serialize({17, 0}), out);
}

TEST(CatalogListing, JsonSortedById) {
  Catalog c = load_ok(std::string(kHeader) + "Z,\"z\"\"q\",1,,0.05\nA,a,2,v,12\nM,m,3,w,1.5\n");
  EXPECT_EQ(c.listing_json(),
            "[\n"
            "  {\"id\":\"A\",\"name\":\"a(v)\",\"price\":12.00,\"stock\":2},\n"
            "  {\"id\":\"M\",\"name\":\"m(w)\",\"price\":1.50,\"stock\":3},\n"
            "  {\"id\":\"Z\",\"name\":\"z\\\"q\",\"price\":0.05,\"stock\":1}\n"
            "]\n");
}

TEST(CatalogListing, CsvSortedByIdInTheBuiltinLayout) {
  Catalog c = load_ok("[{\"id\":\"b\",\"name\":\"x, y\",\"price\":1,\"stock\":1},{\"id\":\"a\",\"name\":\"n\",\"price\":0.1,\"stock\":0}]");
  EXPECT_EQ(c.listing_csv(),
            "ID,ProductName,Stock,Variety,Price\n"
            "a,n,0,,0.10\n"
            "b,\"x, y\",1,,1.00\n");
}

}  // namespace
}  // namespace orderflow
