// End-to-end tests of the help a user sees: `--help` with plain metavars and
// defaults, `orderflow help [COMMAND]`, examples, --version naming the build,
// and bad values explained in words.
#include <gtest/gtest.h>

#include <string>

#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const char* const kCommands[] = {"process", "generate", "bench", "catalog"};

TEST(HelpE2E, HelpCommandEqualsDashDashHelp) {
  RunResult root = run({"help"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
  EXPECT_TRUE(testing::same_text(root.out, run({"--help"}).out));
  for (const char* c : kCommands) {
    RunResult h = run({"help", c});
    EXPECT_EQ(h.exit_code, 0) << c << h.err;
    EXPECT_TRUE(testing::same_text(h.out, run({c, "--help"}).out)) << c;
    EXPECT_NE(h.out.find(std::string("Usage: orderflow ") + c), std::string::npos) << h.out;
  }
  RunResult bad = run({"help", "proces"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.rfind("orderflow: error: ", 0), 0u) << bad.err;
}

TEST(HelpE2E, MetavarsAndDefaultsArePlain) {
  std::string process = run({"process", "--help"}).out;
  for (const char* want : {"Usage: orderflow process [OPTIONS] [FILE...]", "-c, --catalog FILE",
                           "-f, --format FORMAT", "-w, --workers N", "--timeout DURATION", "--store KIND",
                           "(default: 2048)", "input format: auto, ndjson, json, csv (default: auto)"})
    EXPECT_NE(process.find(want), std::string::npos) << want << "\n" << process;
  std::string generate = run({"generate", "--help"}).out;
  EXPECT_NE(generate.find("--ids, --no-ids "), std::string::npos) << generate;
  EXPECT_NE(generate.find("--reversals SHARE"), std::string::npos) << generate;
  // A metavar is the letter its text uses.
  for (const char* want : {"--min-items N ", "items per basket at least N", "--max-items K ", "items per basket at most K"})
    EXPECT_NE(generate.find(want), std::string::npos) << want << "\n" << generate;
  std::string bench = run({"bench", "--help"}).out;
  EXPECT_NE(bench.find("--workers LIST"), std::string::npos) << bench;
  EXPECT_NE(bench.find("(default: 1,2,4,8)"), std::string::npos) << bench;
  EXPECT_NE(bench.find("--work-time DURATION"), std::string::npos) << bench;
  for (const char* c : kCommands) {
    std::string h = run({c, "--help"}).out;
    // CLI11's own type names and decorations never reach the user.
    for (const char* raw : {"TEXT", "UINT", " INT", "FLOAT", "{false}", "Excludes:", "Needs:", "=", " in ["})
      EXPECT_EQ(h.find(raw), std::string::npos) << c << " shows " << raw << "\n" << h;
    EXPECT_NE(h.find("Examples:\n  orderflow "), std::string::npos) << c << "\n" << h;
  }
}

TEST(HelpE2E, BadValuesAreExplained) {
  RunResult word = run({"process", "-w", "abc"});
  EXPECT_EQ(word.exit_code, 2);
  EXPECT_EQ(word.err.rfind("orderflow: error: --workers: 'abc' is not a number from 1 to 256\n", 0), 0u) << word.err;
  RunResult zero = run({"process", "-w", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("'0' is out of range"), std::string::npos) << zero.err;
}

TEST(HelpE2E, VersionNamesTheBuild) {
  RunResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  std::vector<std::string> l = lines(r.out);
  ASSERT_GE(l.size(), 5u) << r.out;
  EXPECT_EQ(l[0].rfind("orderflow ", 0), 0u);
  for (const char* lib : {"compiler: ", "CLI11: ", "RapidJSON: ", "zlib: ", "zstd: "})
    EXPECT_NE(r.out.find(std::string("\n") + lib), std::string::npos) << lib << "\n" << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(HelpE2E, CatalogTakesDashF) {
  RunResult shortf = run({"catalog", "-f", "csv"});
  EXPECT_EQ(shortf.exit_code, 0) << shortf.err;
  EXPECT_TRUE(testing::same_text(shortf.out, run({"catalog", "--format", "csv"}).out));
  EXPECT_EQ(shortf.out.rfind("ID,ProductName,Stock,Variety,Price\n", 0), 0u);
}

}  // namespace
}  // namespace orderflow::testing

namespace orderflow::testing {
namespace {

// Errors say what they are about: which file a bad line is in, and what the
// user probably meant.
TEST(ErrorsE2E, ACatalogErrorSaysCatalogAndHintsWhenGivenOrders) {
  TempDir dir;
  write_file(dir.file("orders.ndjson"), "{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\n");
  RunResult r = run_in(dir, {"process", "-c", "orders.ndjson", "orders.ndjson"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "orderflow: error: catalog orders.ndjson:1: malformed CSV quoting\n"
            "hint: orders.ndjson looks like orders, not a catalog. -c takes the products (CSV with "
            "ID,ProductName,Stock,Variety,Price, or a JSON array); orders go after the command: "
            "orderflow process orders.ndjson\n");
  write_file(dir.file("orders.csv"), "id,productId,amount\no1,MWBLU,3\n");
  RunResult csv = run_in(dir, {"catalog", "-c", "orders.csv"});
  EXPECT_EQ(csv.exit_code, 1);
  EXPECT_EQ(csv.err.rfind("orderflow: error: catalog orders.csv:1: header has no ", 0), 0u) << csv.err;
  EXPECT_NE(csv.err.find("\nhint: orders.csv looks like orders"), std::string::npos) << csv.err;
  // A broken real catalog gets no such hint.
  write_file(dir.file("cat.csv"), "ID,ProductName,Stock,Price\nA,a,1,1.001\n");
  RunResult cat = run_in(dir, {"catalog", "-c", "cat.csv"});
  EXPECT_EQ(cat.err, "orderflow: error: catalog cat.csv:2: product A: bad price \"1.001\": price has more than two decimals\n");
}

TEST(ErrorsE2E, MostlyUnknownProductsWarnsNamingTheCatalog) {
  TempDir dir;
  RunResult gen = run({"generate", "-n", "100", "--products", "10", "--catalog-out", dir.file("cat.csv")});
  ASSERT_EQ(gen.exit_code, 0);
  // Forgetting -c: the built-in catalog has none of P000001...
  RunResult forgot = run_with_input({"process", "-q", "-o", "none"}, gen.out);
  EXPECT_EQ(forgot.exit_code, 0);
  EXPECT_EQ(forgot.err,
            "orderflow: warning: 100 of 100 records name a product that is not in the built-in catalog "
            "(no -c given); is it the right catalog?\n");
  RunResult wrong = run_in(dir, {"process", "-q", "-o", "none", "-c", "cat.csv"},
                           "{\"productId\":\"MWBLU\",\"amount\":1}\n{\"productId\":\"MWBLU\",\"amount\":1}\n"
                           "{\"productId\":\"P000001\",\"amount\":1}\n");
  EXPECT_EQ(wrong.err,
            "orderflow: warning: 2 of 3 records name a product that is not in catalog cat.csv; is it the right "
            "catalog?\n");
  // With the right catalog, or half or fewer unknown, nothing is said.
  EXPECT_EQ(run_in(dir, {"process", "-q", "-o", "none", "-c", "cat.csv"}, gen.out).err, "");
  EXPECT_EQ(run_with_input({"process", "-q", "-o", "none"},
                           "{\"productId\":\"NOPE\",\"amount\":1}\n{\"productId\":\"MWBLU\",\"amount\":1}\n")
                .err,
            "");
}

}  // namespace
}  // namespace orderflow::testing

#include <cstdio>
#include <filesystem>

#include "tests/sanitizers.h"

namespace orderflow::testing {
namespace {

// The "Examples:" lines of `orderflow [COMMAND] --help`.
std::vector<std::string> examples_of(const std::vector<std::string>& help_args) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& l : lines(run(help_args).out)) {
    if (l == "Examples:") in = true;
    else if (in && l.rfind("  orderflow ", 0) == 0) out.push_back(l.substr(2));
    else if (in) in = false;
  }
  return out;
}

// Every example the help shows works exactly as printed, run by /bin/sh in a
// folder that has the files the examples name (the first ones make them).
TEST(HelpE2E, EveryExampleWorksAsPrinted) {
  TempDir dir;
  std::vector<std::string> all = examples_of({"--help"});
  for (const char* c : {"generate", "process", "catalog", "help", "bench"}) {
    std::vector<std::string> e = examples_of({c, "--help"});
    ASSERT_FALSE(e.empty()) << c;
    all.insert(all.end(), e.begin(), e.end());
  }
  const std::string bin_dir = std::filesystem::path(binary()).parent_path().string();
  std::size_t ran = 0;
  for (const std::string& example : all) {
    // The contention benchmark's defaults take seconds, minutes under sanitizers.
    if (kSanitized && example.rfind("orderflow bench", 0) == 0) continue;
    if (example.find("day-*.csv") != std::string::npos && !file_exists(dir.file("day-1.csv"))) {
      ASSERT_EQ(std::system(("cd '" + dir.path() + "' && PATH='" + bin_dir +
                             "':$PATH orderflow generate -n 500 --products 100 -f csv > day-1.csv && cp catalog.csv stock.csv")
                                .c_str()),
                0);
    }
    std::string cmd = "cd '" + dir.path() + "' && PATH='" + bin_dir + "':$PATH; " + example + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << example;
    ++ran;
  }
  EXPECT_GE(ran, 10u);
}

}  // namespace
}  // namespace orderflow::testing
