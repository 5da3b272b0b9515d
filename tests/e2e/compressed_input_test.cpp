// End-to-end tests of gzip and zstd input: told by the magic bytes, on files
// and on stdin, giving exactly the plain file's results; several members or
// frames are one stream; a truncated or corrupt stream exits 1 naming the
// file after the records before it were applied and written; memory stays
// flat (a 100 MB line inside a small .gz is skipped, never held).
// Unit tests of data/codec/decompressor.h: tests/data/decompressor_test.cpp.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/compress_util.h"
#include "tests/e2e/json_line.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

// Runs in dir/sub, so that error texts name each input the same way ("o:7: ...").
RunResult run_at(const TempDir& dir, const std::string& sub, const std::vector<std::string>& args) {
  RunOptions o;
  o.cwd = dir.file(sub);
  return run(args, o);
}

void write_at(const TempDir& dir, const std::string& sub, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir.file(sub));
  write_file(dir.file(sub + "/" + name), bytes);
}

std::string orders(const std::string& format, int count) {
  RunResult g = run({"generate", "-n", std::to_string(count), "--reversals", "0.05", "--invalid", "0.02", "-f",
                     format, "--seed", "5"});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  return g.out;
}

TEST(CompressedInputE2E, GzipAndZstdGiveThePlainFilesResults) {
  TempDir dir;
  for (const char* format : {"ndjson", "csv", "json"}) {
    std::string plain = orders(format, kSanitized ? 3000 : 30000);
    write_at(dir, "plain", "o", plain);
    write_at(dir, "gz", "o", gzip_bytes(plain));
    write_at(dir, "zst", "o", zstd_bytes(plain));
    RunResult want = run_at(dir, "plain", {"process", "-q", "o"});
    ASSERT_EQ(want.exit_code, 0) << want.err;
    ASSERT_GT(lines(want.out).size(), 1000u);
    RunResult want_stdin = run_with_input({"process", "-q"}, plain);
    for (const char* sub : {"gz", "zst"}) {
      RunResult got = run_at(dir, sub, {"process", "-q", "o"});
      EXPECT_EQ(got.exit_code, 0) << format << " " << sub << ": " << got.err;
      EXPECT_TRUE(same_text(got.out, want.out)) << format << " " << sub;
      // Standard input is told the same way.
      RunOptions o;
      o.stdin_file = dir.file(std::string(sub) + "/o");
      RunResult piped = run({"process", "-q"}, o);
      EXPECT_EQ(piped.exit_code, 0) << piped.err;
      EXPECT_TRUE(same_text(piped.out, want_stdin.out)) << format << " " << sub << " on stdin";
    }
  }
}

TEST(CompressedInputE2E, TheGzipAndZstdToolsOutputToo) {
  TempDir dir;
  std::string plain = orders("ndjson", 2000);
  write_file(dir.file("o.ndjson"), plain);
  RunResult want = run_with_input({"process", "-q"}, plain);
  for (const char* tool : {"gzip", "zstd"}) {
    std::string cmd = "cd '" + dir.path() + "' && " + tool + " -q -k -f o.ndjson 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) {
      std::printf("(%s not installed: checked with the library only)\n", tool);
      continue;
    }
    RunOptions o;
    o.stdin_file = dir.file(std::string("o.ndjson.") + (std::string(tool) == "gzip" ? "gz" : "zst"));
    RunResult got = run({"process", "-q"}, o);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_TRUE(same_text(got.out, want.out)) << tool;
  }
}

TEST(CompressedInputE2E, ConcatenatedMembersAndFramesAreOneStream) {
  TempDir dir;
  std::string a = orders("ndjson", 500), b = "{\"id\":\"z1\",\"productId\":\"MWBLU\",\"amount\":1}\n";
  write_at(dir, "plain", "ab", a + b);
  write_at(dir, "gz", "ab", gzip_bytes(a) + gzip_bytes(b));
  write_at(dir, "zst", "ab", zstd_bytes(a) + zstd_bytes(b));
  write_at(dir, "gz", "empty", gzip_bytes(""));
  RunResult want = run_at(dir, "plain", {"process", "-q", "ab"});
  EXPECT_TRUE(same_text(run_at(dir, "gz", {"process", "-q", "ab"}).out, want.out));
  EXPECT_TRUE(same_text(run_at(dir, "zst", {"process", "-q", "ab"}).out, want.out));
  // An empty compressed file after it adds nothing.
  RunResult mixed = run_at(dir, "gz", {"process", "-q", "ab", "empty"});
  EXPECT_EQ(mixed.exit_code, 0) << mixed.err;
  EXPECT_TRUE(same_text(mixed.out, want.out));
}

TEST(CompressedInputE2E, TruncatedStreamFailsNamingTheFileAfterTheRecordsBeforeIt) {
  TempDir dir;
  std::string plain = orders("ndjson", 20000);
  write_at(dir, "plain", "o", plain);
  RunResult full = run_at(dir, "plain", {"process", "-q", "o"});
  for (const char* kind : {"gzip", "zstd"}) {
    std::string packed = std::string(kind) == "gzip" ? gzip_bytes(plain) : zstd_bytes(plain);
    write_at(dir, kind, "o", packed.substr(0, packed.size() * 2 / 3));
    RunResult r = run_at(dir, kind, {"process", "-q", "o", "--summary", "s.json"});
    EXPECT_EQ(r.exit_code, 1) << kind;
    EXPECT_EQ(r.err, std::string("orderflow: error: cannot read o: truncated ") + kind +
                         " stream (the input ends inside compressed data)\n");
    // The records before the cut were applied and written, exactly as in the full run.
    std::size_t n = lines(r.out).size();
    EXPECT_GT(n, 1000u) << kind;
    EXPECT_LT(n, lines(full.out).size()) << kind;
    EXPECT_EQ(full.out.compare(0, r.out.size(), r.out), 0) << kind << ": not a prefix of the full results";
    JsonLine s(read_file(dir.file(std::string(kind) + "/s.json")));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.num("records"), std::to_string(n));
  }
  // Cut inside the gzip header: nothing to decode at all.
  write_file(dir.file("head.gz"), gzip_bytes(plain).substr(0, 5));
  RunResult head = run_in(dir, {"process", "-q", "head.gz"});
  EXPECT_EQ(head.exit_code, 1);
  EXPECT_NE(head.err.find("cannot read head.gz: truncated gzip stream"), std::string::npos) << head.err;
}

TEST(CompressedInputE2E, CorruptStreamFailsNamingTheFile) {
  TempDir dir;
  std::string plain = orders("ndjson", 5000);
  for (const char* kind : {"gz", "zst"}) {
    std::string packed = std::string(kind) == "gz" ? gzip_bytes(plain) : zstd_bytes(plain);
    for (std::size_t i = packed.size() / 2; i < packed.size() / 2 + 64; ++i) packed[i] = static_cast<char>(packed[i] ^ 0x5a);
    std::string name = std::string("bad.") + kind;
    write_file(dir.file(name), packed);
    RunResult r = run_in(dir, {"process", "-q", name});
    EXPECT_EQ(r.exit_code, 1) << kind << r.err;
    EXPECT_EQ(r.err.rfind("orderflow: error: cannot read " + name + ": corrupt " +
                              (std::string(kind) == "gz" ? "gzip" : "zstd") + " stream (",
                          0),
              0u)
        << r.err;
  }
  // Bytes that only look like a gzip header at first are not silently plain.
  RunResult fake = run_with_input({"process", "-q"}, "\x1f\x8bnot really gzip\n");
  EXPECT_EQ(fake.exit_code, 1);
  EXPECT_NE(fake.err.find("cannot read -: corrupt gzip stream"), std::string::npos) << fake.err;
  // A plain file shorter than a magic, starting like one, is plain.
  RunResult tiny = run_with_input({"process", "-q", "-f", "ndjson"}, "\x1f");
  EXPECT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_EQ(lines(tiny.out).size(), 1u);
}

TEST(CompressedInputE2E, AHundredMegabyteLineInASmallGzipIsSkippedInFlatMemory) {
  TempDir dir;
  const std::size_t kLineBytes = 100u << 20;
  // Compressed piece by piece, so this process never holds the 100 MB either.
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string packed;
  auto put = [&](const std::string& piece, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z.avail_in = static_cast<uInt>(piece.size());
    char buf[1 << 16];
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      packed.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  };
  put("{\"id\":\"big\",\"x\":\"", Z_NO_FLUSH);
  const std::string as(1 << 20, 'a');
  for (std::size_t i = 0; i < kLineBytes / as.size(); ++i) put(as, Z_NO_FLUSH);
  put("\"}\n{\"productId\":\"MWBLU\",\"amount\":3}\n", Z_FINISH);
  deflateEnd(&z);
  ASSERT_LT(packed.size(), 1u << 20);
  write_file(dir.file("big.ndjson.gz"), packed);
  RunOptions small;
  small.cwd = dir.path();
  small.stdin_data = "{\"productId\":\"MWBLU\",\"amount\":3}\n";
  small.sample_rss = true;
  RunResult base = run({"process", "-q"}, small);
  RunOptions o;
  o.cwd = dir.path();
  o.sample_rss = true;
  RunResult r = run({"process", "-q", "big.ndjson.gz"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(JsonLine(out[0]).str("error"), "big.ndjson.gz:1: record longer than 1048576 bytes");
  EXPECT_EQ(JsonLine(out[1]).str("status"), "Completed");
  long base_kb = base.sampled_hwm_kb > 0 ? base.sampled_hwm_kb : base.max_rss_kb;
  ASSERT_GT(r.sampled_hwm_kb, 0);
  EXPECT_LT(r.sampled_hwm_kb - base_kb, 32 * 1024) << "VmHWM " << r.sampled_hwm_kb << " KiB, baseline " << base_kb;
}

}  // namespace
}  // namespace orderflow::testing
