// Every input that once made a fuzz target fail (tests/fuzz/regressions/TARGET/)
// replayed through the target's own checks (tests/fuzz/fuzz_common.h), so each
// crash the fuzzers found stays a unit test of the ordinary suite. Also the
// committed seed corpora (tests/fuzz/corpus/TARGET/), which are cheap to replay.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_common.h"

namespace orderflow::fuzz {
namespace {

std::vector<std::filesystem::path> inputs_of(const std::string& target) {
  std::vector<std::filesystem::path> out;
  for (const char* kind : {"regressions", "corpus"}) {
    std::filesystem::path dir = std::filesystem::path(ORDERFLOW_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

std::string bytes_of(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `check` on every input of `target`; returns how many there were.
template <class Check>
std::size_t replay(const std::string& target, Check check) {
  throw_on_failure() = true;
  std::size_t n = 0;
  for (const auto& path : inputs_of(target)) {
    std::string bytes = bytes_of(path);
    try {
      check(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      ADD_FAILURE() << path << ": " << e.what();
    }
    ++n;
  }
  return n;
}

TEST(FuzzRegression, Ndjson) {
  EXPECT_GT(replay("ndjson", [](const std::uint8_t* d, std::size_t n) { check_records(InputFormat::kNdjson, d, n); }), 0u);
}

TEST(FuzzRegression, Csv) {
  EXPECT_GT(replay("csv", [](const std::uint8_t* d, std::size_t n) { check_records(InputFormat::kCsv, d, n); }), 0u);
}

TEST(FuzzRegression, JsonArray) {
  EXPECT_GT(replay("json_array", [](const std::uint8_t* d, std::size_t n) { check_records(InputFormat::kJsonArray, d, n); }), 0u);
}

TEST(FuzzRegression, Catalog) {
  EXPECT_GT(replay("catalog", check_catalog), 0u);
}

// The first crash csv_fuzz found, spelled out: a productId that starts with a
// control character is escaped in the "error" text too.
TEST(FuzzRegression, ControlCharacterInAnUnknownProductIsEscapedInTheError) {
  throw_on_failure() = true;
  const std::string in = "productId,amount\n\x1dMWMAN,1\nMW\x1a\x1f,2\n";
  EXPECT_NO_THROW(check_records(InputFormat::kCsv, reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
}

// What catalog_fuzz found: a JSON catalog that loads must also load again
// after --stock-out has written it, so values it could not write back are
// refused at load, with their line.
TEST(FuzzRegression, CatalogValuesThatStockOutCouldNotWriteBackAreRefused) {
  const std::string head = "[\n{\"id\":\"A\",\"name\":\"a\",\"price\":1,\"stock\":1,\n";
  auto error_of = [&](const std::string& extra) {
    Result<Catalog> c = Catalog::parse(head + extra + "}]\n", "c.json");
    return c.ok() ? std::string("loaded") : c.status().message();
  };
  EXPECT_EQ(error_of("\"x\":\"\\udc00\""), "c.json:3: string is not valid UTF-8");
  EXPECT_EQ(error_of("\"x\":{\"y\":[\"ok\",\"a\\udfff\"]}"), "c.json:3: string is not valid UTF-8");
  EXPECT_EQ(error_of("\"\\udc00\":1"), "c.json:3: key is not valid UTF-8");
  // A repeated name (or id) is not the one read later, but it is written back.
  EXPECT_EQ(error_of("\"name\":\"\\udc00\""), "c.json:3: string is not valid UTF-8");
  EXPECT_EQ(error_of("\"id\":\"\\udc00\""), "c.json:3: string is not valid UTF-8");
  // Just above DBL_MAX: RapidJSON accepts the text, strtod() gives infinity.
  EXPECT_EQ(error_of("\"x\":1.7976931348623159e308"), "c.json:3: number out of range");
  EXPECT_EQ(error_of("\"x\":[-1.7976931348623159e308]"), "c.json:3: number out of range");
  // Ids and names keep their own messages; good extra members still load and round-trip.
  EXPECT_EQ(error_of("\"x\":\"\\u00e9\\ud83d\\ude00\",\"y\":1e308"), "loaded");
  const std::string ok = head + "\"x\":\"\\u00e9\",\"y\":1e308}]\n";
  throw_on_failure() = true;
  EXPECT_NO_THROW(check_catalog(reinterpret_cast<const std::uint8_t*>(ok.data()), ok.size()));
}

}  // namespace
}  // namespace orderflow::fuzz
