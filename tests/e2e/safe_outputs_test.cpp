// End-to-end tests of SPEC.md "Outputs are safe" (issue 12, items 4-8, 12):
// outputs checked before anything is read, no output that is an input or
// another output, `-` as stdout for each, --stock-out written last, through
// symlinks, members kept as written, an advisory lock between two runs, and
// the summary's "stopped" on every path.
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/e2e/child.h"
#include "tests/e2e/json_line.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const char kOrders[] =
    "{\"id\":\"o1\",\"productId\":\"A\",\"amount\":2}\n"
    "{\"id\":\"o2\",\"productId\":\"A\",\"amount\":3}\n";
const char kCatalog[] = "ID,ProductName,Stock,Variety,Price\nA,Apple,100,Red,1.25\n";

// Item 4: `-o` naming an input destroyed it; `--summary F -o F` replaced the results.
TEST(SafeOutputs, AnOutputThatIsAnInputOrAnotherOutputIsAUsageErrorAndNothingIsWritten) {
  TempDir dir;
  write_file(dir.file("x.ndjson"), kOrders);
  RunResult same = run_in(dir, {"process", "x.ndjson", "-o", "x.ndjson"});
  EXPECT_EQ(same.exit_code, 2) << same.err;
  EXPECT_NE(same.err.find("-o x.ndjson is the same file as the input x.ndjson"), std::string::npos) << same.err;
  EXPECT_EQ(read_file(dir.file("x.ndjson")), kOrders);
  // Through another name of the same file (a symbolic link, ./).
  ASSERT_EQ(::symlink("x.ndjson", dir.file("link.ndjson").c_str()), 0);
  EXPECT_EQ(run_in(dir, {"process", "x.ndjson", "-o", "link.ndjson"}).exit_code, 2);
  EXPECT_EQ(run_in(dir, {"process", "./x.ndjson", "--summary", "x.ndjson", "-o", "none"}).exit_code, 2);
  EXPECT_EQ(read_file(dir.file("x.ndjson")), kOrders);
  // Two outputs on one file, neither existing yet.
  RunResult twice = run_in(dir, {"process", "x.ndjson", "-o", "f.json", "--summary", "./f.json"});
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_FALSE(file_exists(dir.file("f.json")));
  // Standard input that is a regular file counts as an input too.
  RunOptions o;
  o.cwd = dir.path();
  o.stdin_file = dir.file("x.ndjson");
  RunResult from_stdin = run({"process", "-o", "x.ndjson"}, o);
  EXPECT_EQ(from_stdin.exit_code, 2) << from_stdin.err;
  EXPECT_EQ(read_file(dir.file("x.ndjson")), kOrders);
  // The results may not overwrite the catalog either; --stock-out may (the nightly job).
  write_file(dir.file("cat.csv"), kCatalog);
  EXPECT_EQ(run_in(dir, {"process", "x.ndjson", "-c", "cat.csv", "-o", "cat.csv"}).exit_code, 2);
  EXPECT_EQ(read_file(dir.file("cat.csv")), kCatalog);
  // Devices may be named by several outputs.
  EXPECT_EQ(run_in(dir, {"process", "x.ndjson", "-q", "-o", "/dev/null", "--summary", "/dev/null"}).exit_code, 0);
}

// Item 5: with a summary in a missing folder the run used to rewrite --stock-out, then exit 1.
TEST(SafeOutputs, EveryOutputIsCheckedBeforeAnythingIsReadOrWritten) {
  TempDir dir;
  write_file(dir.file("x.ndjson"), kOrders);
  write_file(dir.file("stock.csv"), kCatalog);
  RunResult r = run_in(dir, {"process", "x.ndjson", "-c", "stock.csv", "--stock-out", "stock.csv", "-o", "r.ndjson",
                             "--summary", "/nonexistent/s.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--summary /nonexistent/s.json: no folder /nonexistent"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir.file("stock.csv")), kCatalog) << "the stock was taken although the run failed";
  EXPECT_FALSE(file_exists(dir.file("r.ndjson")));
  ASSERT_EQ(::mkdir(dir.file("folder").c_str(), 0755), 0);
  EXPECT_EQ(run_in(dir, {"process", "x.ndjson", "--stock-out", "folder"}).exit_code, 2);
  if (::geteuid() != 0) {  // root writes anywhere
    ASSERT_EQ(::mkdir(dir.file("ro").c_str(), 0555), 0);
    EXPECT_EQ(run_in(dir, {"process", "x.ndjson", "--summary", "ro/s.json"}).exit_code, 2);
  }
}

// Item 6: `--stock-out -` created a file named "-".
TEST(SafeOutputs, DashIsStandardOutputForEachOutputAndStockComesLast) {
  TempDir dir;
  write_file(dir.file("cat.csv"), kCatalog);
  RunResult r = run_in(dir, {"process", "-q", "-c", "cat.csv", "-o", "-", "--summary", "-", "--stock-out", "-"}, kOrders);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(file_exists(dir.file("-")));
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u + 1u + 2u) << r.out;  // two results, the summary, the catalog (header + row)
  EXPECT_EQ(JsonLine(out[2]).num("records"), "2");
  EXPECT_EQ(out[3], "ID,ProductName,Stock,Variety,Price");
  EXPECT_EQ(out[4], "A,Apple,95,Red,1.25");
}

// Item 12: --stock-out through a symlink replaced the link with a regular file;
// a JSON catalog's big integers came back as rounded doubles.
TEST(SafeOutputs, StockOutWritesThroughASymlinkAndKeepsMembersAsWritten) {
  TempDir dir;
  const std::string json =
      "[{\"id\":\"A\",\"name\":\"Apple\",\"price\":1.10,\"stock\":100,"
      "\"sku\":123456789012345678901234567890,\"dims\":{\"w\":1e2,\"h\":[1,2.50]}}]\n";
  ASSERT_EQ(::mkdir(dir.file("real").c_str(), 0755), 0);
  write_file(dir.file("real/cat.json"), json);
  ASSERT_EQ(::symlink("real/cat.json", dir.file("cat.json").c_str()), 0);
  RunResult r = run_in(dir, {"process", "-q", "-o", "none", "-c", "cat.json", "--stock-out", "cat.json"}, kOrders);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st;
  ASSERT_EQ(::lstat(dir.file("cat.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced by a regular file";
  EXPECT_EQ(read_file(dir.file("real/cat.json")),
            "[\n  {\"id\":\"A\",\"name\":\"Apple\",\"price\":1.10,\"stock\":95,"
            "\"sku\":123456789012345678901234567890,\"dims\":{\"w\":1e2,\"h\":[1,2.50]}}\n]\n");
}

// Item 7: two runs on one stock file kept only one run's changes.
TEST(StockLock, TwoRunsOnOneStockFileLoseNoUpdate) {
  TempDir dir;
  write_file(dir.file("par.csv"), "ID,ProductName,Stock,Variety,Price\nP,Pear,1000000,Green,0.10\n");
  std::string orders;
  for (int i = 0; i < 4000; ++i) orders += "{\"productId\":\"P\",\"amount\":1}\n";
  write_file(dir.file("p1.ndjson"), orders);
  write_file(dir.file("p2.ndjson"), orders);
  for (int round = 0; round < 3; ++round) {
    Child a({{"process", dir.file("p1.ndjson"), "-q", "-o", "none", "-c", dir.file("par.csv"), "--stock-out",
              dir.file("par.csv")},
             false, false});
    Child b({{"process", dir.file("p2.ndjson"), "-q", "-o", "none", "-c", dir.file("par.csv"), "--stock-out",
              dir.file("par.csv")},
             false, false});
    EXPECT_EQ(a.finish(), 0) << a.err();
    EXPECT_EQ(b.finish(), 0) << b.err();
  }
  EXPECT_EQ(read_file(dir.file("par.csv")),
            "ID,ProductName,Stock,Variety,Price\nP,Pear," + std::to_string(1000000 - 6 * 4000) + ",Green,0.10\n");
}

// The second run waits for the first, then reads the stock file the first
// one left (a new inode: the lock follows it); --no-wait fails at once.
TEST(StockLock, ASecondRunWaitsForTheLockOrFailsAtOnceWithNoWait) {
  TempDir dir;
  const std::string cat = dir.file("par.csv");
  write_file(cat, "ID,ProductName,Stock,Variety,Price\nP,Pear,100,Green,0.10\n");
  write_file(dir.file("p.ndjson"), "{\"productId\":\"P\",\"amount\":1}\n");
  int held = ::open(cat.c_str(), O_RDONLY | O_CLOEXEC);  // not inherited by the children
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);  // "the first run"
  RunResult busy = run({"process", dir.file("p.ndjson"), "-q", "-o", "none", "-c", cat, "--stock-out", cat, "--no-wait"});
  EXPECT_EQ(busy.exit_code, 1) << busy.err;
  EXPECT_NE(busy.err.find("is locked by another orderflow run"), std::string::npos) << busy.err;
  Child waiter({{"process", dir.file("p.ndjson"), "-q", "-o", "none", "-c", cat, "--stock-out", cat}, false, false});
  std::this_thread::sleep_for(300ms);
  int st = 0;
  EXPECT_EQ(::waitpid(waiter.pid(), &st, WNOHANG), 0) << "it did not wait for the lock";
  // The first run replaces the file and releases its lock.
  write_file(dir.file("new.csv"), "ID,ProductName,Stock,Variety,Price\nP,Pear,50,Green,0.10\n");
  ASSERT_EQ(std::rename(dir.file("new.csv").c_str(), cat.c_str()), 0);
  ::close(held);
  EXPECT_EQ(waiter.finish(), 0) << waiter.err();
  EXPECT_EQ(read_file(cat), "ID,ProductName,Stock,Variety,Price\nP,Pear,49,Green,0.10\n");
}

// Item 8: --strict and a fatal CSV header left "stopped":null; after 141 no summary was written.
TEST(SummaryStopped, FailuresAndAClosedReaderAreInTheSummaryFile) {
  TempDir dir;
  write_file(dir.file("bad.ndjson"), "{\"productId\":\"MWBLU\",\"amount\":1}\n{oops\n{\"productId\":\"MWBLU\",\"amount\":1}\n");
  RunResult strict = run_in(dir, {"process", "bad.ndjson", "--strict", "-q", "-o", "none", "--summary", "s.json"});
  EXPECT_EQ(strict.exit_code, 1) << strict.err;
  JsonLine s(read_file(dir.file("s.json")));
  EXPECT_EQ(s.str("stopped"), "failed");
  EXPECT_NE(s.str("error").find("bad.ndjson:2"), std::string::npos) << s.text();

  write_file(dir.file("bad.csv"), "product,qty\nMWBLU,1\n");
  RunResult header = run_in(dir, {"process", "bad.csv", "-q", "-o", "none", "--summary", "h.json"});
  EXPECT_EQ(header.exit_code, 1) << header.err;
  JsonLine h(read_file(dir.file("h.json")));
  EXPECT_EQ(h.str("stopped"), "failed");
  EXPECT_NE(h.str("error").find("CSV header"), std::string::npos) << h.text();

  // A reader that goes away (| head -1): quiet exit 141, and the summary file says so.
  Stream big = make_stream(dir, 200000, 3);
  write_file(dir.file("big.ndjson"), big.bytes);
  Child c({{"process", dir.file("big.ndjson"), "-c", big.catalog, "-q", "--summary", dir.file("c.json")}});
  EXPECT_FALSE(c.read_out_line().empty());
  c.close_stdout();
  EXPECT_EQ(c.finish(), 141) << c.err();
  EXPECT_EQ(c.err(), "");
  ASSERT_TRUE(file_exists(dir.file("c.json")));
  EXPECT_EQ(JsonLine(read_file(dir.file("c.json"))).str("stopped"), "output_closed");
}

}  // namespace
}  // namespace orderflow::testing
