// Fault drills: the built binary run as a child process against the failures
// and hostile bytes a batch job meets — a full disk, unreadable and odd inputs,
// broken catalogs, closed or binary standard input, NUL bytes, a 100 MB line,
// 100,000 nested brackets, amounts and ids at and past their limits. Each drill
// checks the exit code, the message, and that every other record was still
// processed and counted (results and summary agree with the input).
// No timing assertions: run()'s timeout is only a guard against hangs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

constexpr char kCatalogHeader[] = "ID,ProductName,Stock,Variety,Price\n";

// An absolute bound on a child's peak RSS for the 100 MB drills, below
// 100 MB. Sanitizer runtimes (shadow memory, allocator caches per thread)
// need more: ASan's peak here grew from under 64 MB to 69 MB with this
// session's stage and commit threads. The tight check is the one relative to
// a tiny input's peak (within 32 MB), which holds under every build.
constexpr long kRssCeilingKb = (kSanitized ? 80 : 40) * 1024;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string place(const std::string& product, const std::string& amount, const std::string& id = "") {
  std::string s = "{";
  if (!id.empty()) s += "\"id\":\"" + id + "\",";
  return s + "\"productId\":\"" + product + "\",\"amount\":" + amount + "}\n";
}

// The results of a run, parsed: one JsonLine per output line, each checked to
// be valid JSON (UTF-8 included) with seq 1, 2, 3, ...
std::vector<JsonLine> results(const std::string& out) {
  std::vector<JsonLine> rs;
  for (const std::string& line : lines(out)) {
    rs.emplace_back(line);
    EXPECT_TRUE(rs.back().ok()) << rs.back().error() << ": " << line;
    EXPECT_EQ(rs.back().num("seq"), std::to_string(rs.size())) << line;
  }
  return rs;
}

// The --summary JSON, checked for records = completed + rejected + reversed + cancelled.
JsonLine summary_of(const std::string& path) {
  JsonLine s(read_file(path));
  EXPECT_TRUE(s.ok()) << s.text();
  if (s.ok()) {
    const auto& d = s.doc();
    EXPECT_EQ(d["records"].GetUint64(), d["completedOrders"].GetUint64() + d["rejectedOrders"].GetUint64() +
                                            d["reversedOrders"].GetUint64() + d["cancelledOrders"].GetUint64());
  }
  return s;
}

std::uint64_t count_of(const JsonLine& s, const char* key) { return s.ok() ? s.doc()[key].GetUint64() : ~0ull; }

// Text with '@' standing for a NUL byte.
std::string with_nul(std::string s) {
  for (char& c : s)
    if (c == '@') c = '\0';
  return s;
}

// Three good records: two Completed and one insufficient_stock (the built-in MWBLU has 20).
const char kGood[] =
    "{\"id\":\"g1\",\"productId\":\"MWBLU\",\"amount\":3}\n"
    "{\"productId\":\"MWLEM\",\"amount\":1}\n"
    "{\"productId\":\"MWBLU\",\"amount\":40}\n";

// kGood's results, starting at rs[first].
void expect_good_results(const std::vector<JsonLine>& rs, std::size_t first = 0) {
  ASSERT_GE(rs.size(), first + 3);
  EXPECT_EQ(rs[first].str("status"), "Completed");
  EXPECT_EQ(rs[first].num("total"), "5.37");
  EXPECT_EQ(rs[first + 1].str("status"), "Completed");
  EXPECT_EQ(rs[first + 2].str("reason"), "insufficient_stock");
}

// ---------------------------------------------------------------- full disk

TEST(FaultDrills, ResultsToDevFullFailWithTheErrnoMessage) {
  TempDir dir;
  write_file(dir.file("in.ndjson"), kGood);
  RunResult r = run({"process", "-q", dir.file("in.ndjson"), "-o", "/dev/full", "--summary", dir.file("sum.json")});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot write results to /dev/full: No space left on device\n");
  // Every record was still decided and counted.
  JsonLine s = summary_of(dir.file("sum.json"));
  EXPECT_EQ(count_of(s, "records"), 3u);
  EXPECT_EQ(count_of(s, "completedOrders"), 2u);
  EXPECT_EQ(count_of(s, "rejectedOrders"), 1u);
}

TEST(FaultDrills, StdoutOnDevFullFailsAndNamesStandardOutput) {
  TempDir dir;
  write_file(dir.file("in.ndjson"), kGood);
  RunOptions o;
  o.stdout_file = "/dev/full";
  RunResult r = run({"process", "-q", dir.file("in.ndjson"), "--summary", dir.file("sum.json")}, o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot write results to standard output: No space left on device\n");
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 3u);
}

TEST(FaultDrills, ManyResultsToDevFullStopPromptlyWithoutLosingCount) {
  // Far more results than one write: the first failed write stops the run;
  // whatever was accepted is still counted, once.
  TempDir dir;
  std::string in;
  for (int i = 0; i < 100000; ++i) in += place(i % 2 ? "MWBLU" : "NOPE", "1");
  write_file(dir.file("in.ndjson"), in);
  RunResult r = run({"process", "-q", dir.file("in.ndjson"), "-o", "/dev/full", "--summary", dir.file("sum.json")});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot write results to /dev/full: No space left on device\n");
  JsonLine s = summary_of(dir.file("sum.json"));
  EXPECT_GE(count_of(s, "records"), 1u);
  EXPECT_LE(count_of(s, "records"), 100000u);
}

TEST(FaultDrills, SummaryAndStockOutToDevFull) {
  TempDir dir;
  write_file(dir.file("in.ndjson"), kGood);
  RunResult r = run({"process", "-q", dir.file("in.ndjson"), "--summary", "/dev/full"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "/dev/full")) << r.err;
  EXPECT_TRUE(contains(r.err, "No space left on device")) << r.err;
  expect_good_results(results(r.out));  // the results themselves were written in full

  r = run({"process", "-q", dir.file("in.ndjson"), "--stock-out", "/dev/full"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "No space left on device")) << r.err;
  expect_good_results(results(r.out));
}

// ---------------------------------------------------------------- unreadable inputs

TEST(FaultDrills, PermissionDeniedInput) {
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  write_file(dir.file("locked.ndjson"), kGood);
  ASSERT_EQ(::chmod(dir.file("locked.ndjson").c_str(), 0), 0);
  RunOptions options;
  int probe = ::open(dir.file("locked.ndjson").c_str(), O_RDONLY);
  if (probe >= 0) {
    // Root reads through chmod 000 (CAP_DAC_OVERRIDE): run the child as
    // nobody instead, which needs the directory and good file readable to it.
    ::close(probe);
    ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
    ASSERT_EQ(::chmod(dir.file("good.ndjson").c_str(), 0644), 0);
    options.run_as_uid = 65534;
  }
  RunResult r = run({"process", "-q", dir.file("good.ndjson"), dir.file("locked.ndjson")}, options);
  if (options.run_as_uid >= 0 && r.exit_code == 127 && r.err.empty())
    GTEST_SKIP() << "running as root and nobody cannot reach the binary (a 0700 folder above the build?)";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot open " + dir.file("locked.ndjson") + ": Permission denied\n");
  EXPECT_EQ(r.out, "");  // inputs are opened up front: nothing runs
}

TEST(FaultDrills, ReadErrorMidRunKeepsTheRecordsBeforeIt) {
  // /proc/self/mem opens for anyone (root included) and its first read fails
  // with EIO (address 0 is never mapped): a read error that chmod cannot fake as root.
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  RunResult r = run({"process", "-q", dir.file("good.ndjson"), "/proc/self/mem", "--summary", dir.file("sum.json")});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot read /proc/self/mem: Input/output error\n");
  std::vector<JsonLine> rs = results(r.out);
  EXPECT_EQ(rs.size(), 3u);
  expect_good_results(rs);
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 3u);
}

TEST(FaultDrills, MissingFileAndDirectoryFailBeforeAnyWork) {
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  RunResult r = run({"process", "-q", dir.file("good.ndjson"), dir.file("missing.ndjson")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot open " + dir.file("missing.ndjson") + ": No such file or directory\n");
  EXPECT_EQ(r.out, "");

  r = run({"process", "-q", dir.file("good.ndjson"), dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot read " + dir.path() + ": Is a directory\n");
  EXPECT_EQ(r.out, "");
}

TEST(FaultDrills, DirectoryAsStandardInput) {
  // `orderflow process good.ndjson - < some_dir`: the shell can open a
  // directory, so only the read fails; the file before it is processed.
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  RunOptions o;
  o.stdin_file = dir.path();
  RunResult r = run({"process", "-q", dir.file("good.ndjson"), "-", "--summary", dir.file("sum.json")}, o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot read -: Is a directory\n");
  expect_good_results(results(r.out));
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 3u);
}

// ---------------------------------------------------------------- catalogs

TEST(FaultDrills, BrokenCatalogsAreFatalBeforeAnyRecord) {
  TempDir dir;
  write_file(dir.file("empty.csv"), "");
  write_file(dir.file("blank.csv"), "\n  \n");
  write_file(dir.file("header.csv"), kCatalogHeader);
  write_file(dir.file("empty.json"), "[]\n");
  struct Case {
    std::string catalog, message;
  } cases[] = {
      {dir.file("missing.csv"), "cannot open " + dir.file("missing.csv") + ": No such file or directory"},
      {dir.path(), "cannot read " + dir.path() + ": Is a directory"},
      {dir.file("empty.csv"), "catalog " + dir.file("empty.csv") + ":1: empty catalog"},
      {dir.file("blank.csv"), "catalog " + dir.file("blank.csv") + ":1: empty catalog"},
      {dir.file("header.csv"), "catalog " + dir.file("header.csv") + ":1: catalog has no products"},
      {dir.file("empty.json"), "catalog " + dir.file("empty.json") + ":1: catalog has no products"},
  };
  for (const Case& c : cases) {
    RunResult r = run_with_input({"process", "-q", "-c", c.catalog}, kGood);
    EXPECT_EQ(r.exit_code, 1) << c.catalog;
    EXPECT_EQ(r.err, "orderflow: error: " + c.message + "\n");
    EXPECT_EQ(r.out, "") << c.catalog;
  }
}

// ---------------------------------------------------------------- standard input

TEST(FaultDrills, EmptyStandardInputIsZeroRecords) {
  TempDir dir;
  RunOptions o;
  o.stdin_closed = true;  // /dev/null: end of input at once
  RunResult r = run({"process", "-q", "--summary", dir.file("sum.json")}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 0u);
}

TEST(FaultDrills, ClosedStandardInputIsAReadErrorNotAHang) {
  // fd 0 closed by the caller (`orderflow process <&-`): the program must not
  // read whatever it opens first on fd 0 (a signalfd would swallow signals and
  // wait forever); stdin reads fail with EBADF instead.
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  RunOptions o;
  o.stdin_fd_closed = true;
  RunResult r = run({"process", "-q", "--summary", dir.file("sum.json")}, o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot read -: Bad file descriptor\n");
  EXPECT_EQ(r.out, "");

  r = run({"process", "-q", dir.file("good.ndjson"), "-", "--summary", dir.file("sum.json")}, o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot read -: Bad file descriptor\n");
  expect_good_results(results(r.out));
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 3u);
}

TEST(FaultDrills, ClosedStandardOutputIsAWriteError) {
  // `orderflow process in.ndjson >&-`: results cannot be written, and nothing
  // the program opens may take fd 1 and receive them instead.
  TempDir dir;
  write_file(dir.file("good.ndjson"), kGood);
  RunOptions o;
  o.stdout_fd_closed = true;
  RunResult r = run({"process", "-q", dir.file("good.ndjson"), "--summary", dir.file("sum.json")}, o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot write results to standard output: Bad file descriptor\n");
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 3u);
  EXPECT_EQ(read_file(dir.file("good.ndjson")), kGood);  // the input was not written to
}

// Random bytes that do not start with a byte-order mark.
std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen() & 0xFF);
  s[0] = 'x';
  return s;
}

// Records the framer cuts from ndjson text: non-blank lines (CR stripped), after
// the leading white space that format detection skips.
std::size_t ndjson_records(const std::string& text) {
  std::size_t start = text.find_first_not_of(" \t\r\n");
  std::size_t n = 0;
  for (std::string line : lines(start == std::string::npos ? "" : text.substr(start))) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) ++n;
  }
  return n;
}

TEST(FaultDrills, RandomBinaryBytes) {
  TempDir dir;
  const std::string junk = random_bytes(256 << 10, 7);
  write_file(dir.file("junk.bin"), junk);

  RunResult r = run_in(dir, {"process", "-q", "-f", "ndjson", "junk.bin", "--summary", "sum.json"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  EXPECT_EQ(rs.size(), ndjson_records(junk));
  for (const JsonLine& j : rs) EXPECT_EQ(j.str("reason"), "invalid_record") << j.text();
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), rs.size());

  r = run_in(dir, {"process", "-q", "-f", "json", "junk.bin"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].str("error"), "junk.bin:1: expected a JSON array ([)");

  // Auto-detection reads it as CSV, whose header names no columns: fatal, with a message.
  r = run_in(dir, {"process", "-q", "junk.bin"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("orderflow: error: junk.bin:1: ", 0), 0u) << r.err;
  EXPECT_EQ(r.out, "");

  // The same bytes on standard input, through a pipe.
  r = run_with_input({"process", "-q", "-f", "ndjson"}, junk);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(results(r.out).size(), ndjson_records(junk));
}

TEST(FaultDrills, NulBytesInsideALine) {
  std::string in = kGood;
  in += with_nul("{\"id\":\"a@b\",\"productId\":\"MWBLU\",\"amount\":1}\n");
  in += with_nul("{\"productId\":\"MWBLU\",@\"amount\":1}\n");
  in += place("MWPEA", "2");
  RunResult r = run_with_input({"process", "-q"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  ASSERT_EQ(rs.size(), 6u);
  expect_good_results(rs);
  EXPECT_EQ(rs[3].str("error"), "-:4: NUL byte in record (offset 8)");
  EXPECT_EQ(rs[4].str("error"), "-:5: NUL byte in record (offset 21)");
  EXPECT_EQ(rs[5].str("status"), "Completed");

  std::string csv = with_nul("productId,amount\nMWBLU,1\nMW@LU,1\nMWBLU,2@\nMWLEM,3\n");
  r = run_with_input({"process", "-q"}, csv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].str("status"), "Completed");
  EXPECT_EQ(rs[1].str("error"), "-:3: NUL byte in record (offset 2)");
  EXPECT_EQ(rs[2].str("error"), "-:4: NUL byte in record (offset 7)");
  EXPECT_EQ(rs[3].str("status"), "Completed");
}

// ---------------------------------------------------------------- size limits

// The child's own peak RSS in KiB. wait4's ru_maxrss is an upper bound that
// also counts this process's size when it forked (test_util.h): when that is
// below the ceiling it proves the point; otherwise (many tests run in one
// process, sanitizers keeping earlier tests' memory) the child's own VmHWM,
// sampled from /proc while it ran, is what is left to judge by.
long own_peak_kb(const RunResult& r, long ceiling_kb) {
  return r.max_rss_kb > 0 && r.max_rss_kb < ceiling_kb ? r.max_rss_kb : r.sampled_hwm_kb;
}

RunResult run_sampled(const TempDir& dir, const std::vector<std::string>& args, const std::string& input = "") {
  RunOptions o;
  o.cwd = dir.path();
  o.stdin_data = input;
  o.sample_rss = true;
  return run(args, o);
}

// Peak RSS of the child on a tiny input: the baseline that a big input is compared with
// (sanitizer runtimes add tens of MB of their own).
long baseline_rss_kb(const TempDir& dir) {
  RunResult r = run_sampled(dir, {"process", "-q"}, kGood);
  EXPECT_EQ(r.exit_code, 0);
  // A tiny run may end before /proc is first read; ru_maxrss then bounds it from above.
  return r.sampled_hwm_kb > 0 ? r.sampled_hwm_kb : r.max_rss_kb;
}

// Writes head + `n` bytes of 'a' + tail in 1 MiB pieces, so that this process
// never holds the whole file: RunResult::max_rss_kb also counts the resident
// size this process had when it forked the child (see test_util.h).
void write_padded(const std::string& path, const std::string& head, std::size_t n, const std::string& tail) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string piece(1 << 20, 'a');
  std::fwrite(head.data(), 1, head.size(), f);
  for (std::size_t left = n; left > 0;) {
    std::size_t k = std::min(left, piece.size());
    ASSERT_EQ(std::fwrite(piece.data(), 1, k, f), k);
    left -= k;
  }
  std::fwrite(tail.data(), 1, tail.size(), f);
  ASSERT_EQ(std::fclose(f), 0);
}

TEST(FaultDrills, HundredMegabyteLineIsRejectedInBoundedMemory) {
  TempDir dir;
  const std::size_t kLineBytes = 100u << 20;
  write_padded(dir.file("big.ndjson"), "{\"id\":\"big\",\"x\":\"", kLineBytes, std::string("\"}\n") + kGood);
  const long base_kb = baseline_rss_kb(dir);
  RunResult r = run_sampled(dir, {"process", "-q", "big.ndjson", "--summary", "sum.json"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].str("error"), "big.ndjson:1: record longer than 1048576 bytes");
  expect_good_results(rs, 1);
  EXPECT_EQ(count_of(summary_of(dir.file("sum.json")), "records"), 4u);
  // The line is skipped, never held: the peak stays far below 100 MB, and
  // within a few MB of what a tiny input needs (sanitizer runtimes add their own).
  long peak_kb = own_peak_kb(r, kRssCeilingKb);
  ASSERT_GT(peak_kb, 0);
  ASSERT_GT(base_kb, 0);
  EXPECT_LT(peak_kb, kRssCeilingKb) << "ru_maxrss " << r.max_rss_kb << " KiB, VmHWM " << r.sampled_hwm_kb;
  EXPECT_LT(r.sampled_hwm_kb - base_kb, 32 * 1024) << "VmHWM " << r.sampled_hwm_kb << " KiB, baseline " << base_kb;

  // The same as one element of a JSON array.
  write_padded(dir.file("big.json"), "[{\"id\":\"big\",\"x\":\"", kLineBytes,
               "\"},\n{\"productId\":\"MWBLU\",\"amount\":3}]\n");
  r = run_sampled(dir, {"process", "-q", "big.json"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].str("error"), "big.json:1: record longer than 1048576 bytes");
  EXPECT_EQ(rs[1].str("status"), "Completed");
  peak_kb = own_peak_kb(r, kRssCeilingKb);
  ASSERT_GT(peak_kb, 0);
  EXPECT_LT(peak_kb, kRssCeilingKb) << "ru_maxrss " << r.max_rss_kb << " KiB, VmHWM " << r.sampled_hwm_kb;
  EXPECT_LT(r.sampled_hwm_kb - base_kb, 32 * 1024) << "VmHWM " << r.sampled_hwm_kb << " KiB, baseline " << base_kb;
}

TEST(FaultDrills, HundredThousandNestedBracketsDoNotOverflowTheStack) {
  // A recursive parser would need ~100,000 stack frames here; the decoder's is iterative.
  const std::size_t kDepth = 100000;
  const std::string open(kDepth, '['), close(kDepth, ']');
  const std::string deep = "{\"a\":" + open + close + ",\"productId\":\"MWBLU\",\"amount\":1}";
  const std::string unclosed = "{\"a\":" + open;
  TempDir dir;
  write_file(dir.file("deep.ndjson"), deep + "\n" + unclosed + "\n" + kGood);
  RunResult r = run_in(dir, {"process", "-q", "deep.ndjson"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].str("status"), "Completed") << rs[0].text();
  EXPECT_EQ(rs[1].str("reason"), "invalid_record");
  EXPECT_TRUE(contains(rs[1].str("error"), "deep.ndjson:2: invalid JSON:")) << rs[1].text();
  expect_good_results(rs, 2);

  // As a JSON array input: a deep member in an element, and an element that is
  // itself 100,000 arrays deep.
  write_file(dir.file("deep.json"), "[" + deep + ",\n" + open + close + ",\n{\"productId\":\"MWLEM\",\"amount\":2}]\n");
  r = run_in(dir, {"process", "-q", "deep.json"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].str("status"), "Completed") << rs[0].text();
  EXPECT_EQ(rs[1].str("error"), "deep.json:2: record is not a JSON object");
  EXPECT_EQ(rs[2].str("status"), "Completed");

  // An array left open 100,000 deep.
  r = run_with_input({"process", "-q", "-f", "json"}, "[" + open);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].str("error"), "-:1: JSON array not terminated (missing ])");
}

// ---------------------------------------------------------------- field limits

TEST(FaultDrills, AmountsAtAndPastTheEdges) {
  // One product with all the stock there can be at the highest price, so that
  // the largest amount completes and its total is the largest there can be.
  TempDir dir;
  write_file(dir.file("big.csv"), std::string(kCatalogHeader) + "BIG,Big,4611686018427387904,,92233720.36\n");
  const char* amounts[] = {"1000000000", "1000000001", "-1",  "0",   "9223372036854775807",
                           "9223372036854775808", "1.5", "1e3", "\"3\"", "3.0", "true", "1"};
  std::string in;
  for (const char* a : amounts) in += place("BIG", a);
  RunResult r = run_with_input({"process", "-q", "-c", dir.file("big.csv"), "--summary", dir.file("sum.json")}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  ASSERT_EQ(rs.size(), 12u);
  EXPECT_EQ(rs[0].str("status"), "Completed");
  EXPECT_EQ(rs[0].num("amount"), "1000000000");
  EXPECT_EQ(rs[0].num("total"), "92233720360000000.00");
  EXPECT_EQ(rs[1].str("error"), "order amount must be at most 1000000000: got 1000000001");
  EXPECT_EQ(rs[2].str("error"), "order amount must be at least 1: got -1");
  EXPECT_EQ(rs[3].str("error"), "order amount must be at least 1: got 0");
  EXPECT_EQ(rs[4].str("error"), "order amount must be at most 1000000000: got 9223372036854775807");
  EXPECT_EQ(rs[5].str("error"), "order amount must be at most 1000000000: got 9223372036854775808");
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(rs[static_cast<std::size_t>(i)].str("reason"), "invalid_amount");
  EXPECT_EQ(rs[5].num("amount"), "9223372036854775808");  // echoed exactly, not saturated
  const char* const shown[] = {": got 1.5", ": got 1e3", ": got \"3\"", ": got 3.0", ""};  // true: no text to show
  for (int i = 6; i <= 10; ++i) {
    EXPECT_EQ(rs[static_cast<std::size_t>(i)].str("reason"), "invalid_record") << rs[static_cast<std::size_t>(i)].text();
    EXPECT_EQ(rs[static_cast<std::size_t>(i)].str("error"),
              "-:" + std::to_string(i + 1) + ": field amount must be an integer" + shown[i - 6]);
  }
  EXPECT_EQ(rs[11].num("total"), "92233720.36");
  JsonLine s = summary_of(dir.file("sum.json"));
  EXPECT_EQ(count_of(s, "records"), 12u);
  EXPECT_EQ(count_of(s, "completedOrders"), 2u);
  EXPECT_EQ(s.num("revenue"), "92233720452233720.36");

  // The same edges in CSV, where leading zeros are allowed and echoed canonically.
  r = run_with_input({"process", "-q", "-c", dir.file("big.csv")},
                     "productId,amount\nBIG,1000000000\nBIG,1000000001\nBIG,0042\nBIG,1.5\nBIG,-1\nBIG,\" 3\"\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 6u);
  EXPECT_EQ(rs[0].str("status"), "Completed");
  EXPECT_EQ(rs[1].str("reason"), "invalid_amount");
  EXPECT_EQ(rs[2].num("amount"), "42");
  EXPECT_EQ(rs[3].str("error"), "-:5: field amount must be an integer: got \"1.5\"");
  EXPECT_EQ(rs[4].str("error"), "order amount must be at least 1: got -1");
  EXPECT_EQ(rs[5].num("amount"), "3");  // " 3": a spreadsheet's padding
}

TEST(FaultDrills, IdsAtTheLengthLimitAndEscaped) {
  const std::string id128 = std::string(128, 'a'), id129 = std::string(129, 'b');
  const std::string e64 = repeat("\xC3\xA9", 64);  // 64 x 'é': 128 bytes
  std::string in;
  in += place("MWBLU", "1", id128);                           // 1 Completed
  in += place("MWBLU", "1", id129);                           // 2 too long
  in += place("MWBLU", "1", e64);                             // 3 Completed: bytes count, not characters
  in += place("MWBLU", "1", e64 + "x");                       // 4 too long
  in += place("MW\\u0042LU", "1", "o1");                      // 5 MWBLU via an escape
  in += place("MWBLU", "1", "o\\u0031");                      // 6 duplicate of o1
  in += place("MWBLU", "1", "q\\\"\\\\\\n\\t\\u0001");        // 7 escapes echoed as valid JSON
  in += "{\"id\":\"o\\u0031\",\"op\":\"reverse\"}\n";         // 8 reverses o1
  in += place("MWBLU", "1", "");                              // 9 (no id)
  in += "{\"id\":\"\",\"productId\":\"MWBLU\",\"amount\":1}\n";  // 10 empty id
  RunResult r = run_with_input({"process", "-q"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);
  ASSERT_EQ(rs.size(), 10u);
  EXPECT_EQ(rs[0].str("status"), "Completed");
  EXPECT_EQ(rs[0].str("id"), id128);
  EXPECT_EQ(rs[1].str("error"), "-:2: field id must be 1 to 128 bytes: got 129");
  EXPECT_EQ(rs[2].str("status"), "Completed");
  EXPECT_EQ(rs[2].str("id"), e64);
  EXPECT_EQ(rs[3].str("error"), "-:4: field id must be 1 to 128 bytes: got 129");
  EXPECT_EQ(rs[4].str("status"), "Completed");
  EXPECT_EQ(rs[4].str("productId"), "MWBLU");
  EXPECT_EQ(rs[5].str("reason"), "duplicate_id");
  EXPECT_EQ(rs[5].str("error"), "duplicate order id o1");
  EXPECT_EQ(rs[6].str("status"), "Completed");
  EXPECT_EQ(rs[6].str("id"), "q\"\\\n\t\x01");
  EXPECT_EQ(rs[7].str("status"), "Reversed");
  EXPECT_EQ(rs[7].str("id"), "o1");
  EXPECT_EQ(rs[8].str("status"), "Completed");
  EXPECT_EQ(rs[9].str("error"), "-:10: field id must be 1 to 128 bytes: got 0");
}

TEST(FaultDrills, InvalidUtf8InAnIdIsRejectedAndNeverEchoed) {
  std::string in;
  in += place("MWBLU", "1", "bad\xFF");                  // 1 a raw invalid byte
  in += place("MWBLU", "1", "\xC0\xAF");                 // 2 an overlong '/'
  in += place("MWBLU", "1", "\\udc00");                  // 3 a lone surrogate escape
  in += place("MW\xED\xA0\x80", "1");                    // 4 an encoded surrogate in productId
  in += place("MWBLU", "1", "ok");                       // 5 fine
  RunResult r = run_with_input({"process", "-q"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<JsonLine> rs = results(r.out);  // every line valid UTF-8 JSON
  ASSERT_EQ(rs.size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rs[i].str("reason"), "invalid_record") << rs[i].text();
    // Named as UTF-8 by the decoder's own check, or as RapidJSON's encoding error.
    std::string e = rs[i].str("error");
    EXPECT_TRUE(contains(e, "UTF-8") || contains(e, "invalid encoding")) << rs[i].text();
    EXPECT_FALSE(rs[i].has("id")) << rs[i].text();
  }
  EXPECT_EQ(rs[4].str("status"), "Completed");

  r = run_with_input({"process", "-q"}, "id,productId,amount\nbad\xFF,MWBLU,1\nok,MWBLU,1\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rs = results(r.out);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].str("error"), "-:2: field id is not valid UTF-8");
  EXPECT_EQ(rs[1].str("status"), "Completed");
}

}  // namespace
}  // namespace orderflow::testing
