// InputReader (engine/input_reader.h): files and pipes framed into numbered
// records and batched in order; gzip and zstd read like plain input; a
// closing intake or a deadline stops a reader that waits on an idle pipe, and
// the resume point names the first record not accepted; unreadable input is a
// Status naming it.
#include "engine/input_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/compress_util.h"
#include "tests/test_util.h"
#include "tests/wait_until.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::Watchdog;

constexpr auto kHangGuard = 30s;  // a hang is a failure; never a speed check

struct Seen {
  std::uint64_t seq;
  std::uint32_t file;
  std::uint64_t line;
  std::string text;
  bool operator==(const Seen&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{seq " << s.seq << ", file " << s.file << ", line " << s.line << ", " << s.text << "}";
}

// What a run handed on. Filled by emit on the reader's thread; read it after run() returned.
struct Got {
  ReaderOutcome outcome;
  std::vector<Seen> records;
  std::vector<std::size_t> batch_sizes;
};

// The NDJSON line of record i (1-based), of varying length.
std::string line(int i) {
  return R"({"id":"o)" + std::to_string(i) + R"(","productId":"A","amount":)" + std::to_string(1 + i % 9) + "}";
}
std::string lines_text(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += line(i) + "\n";
  return s;
}

// Collects every batch; `accept(batch index)` false refuses that batch (intake ended).
class Collector {
 public:
  explicit Collector(std::function<bool(std::size_t)> accept = nullptr) : accept_(std::move(accept)) {}
  bool operator()(Batch& b) {
    std::lock_guard<std::mutex> lock(mu_);
    if (accept_ && !accept_(batches_.size())) return false;
    Batch taken = std::move(b);
    for (const Record& r : taken.records)
      records_.push_back({r.seq, taken.file, r.line, std::string(taken.data(r), r.length)});
    batches_.push_back(taken.records.size());
    return true;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_.size();
  }
  std::vector<Seen> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  std::vector<std::size_t> batch_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  std::function<bool(std::size_t)> accept_;
  std::mutex mu_;
  std::vector<Seen> records_;
  std::vector<std::size_t> batches_;
};

Got read(const std::vector<InputSource>& inputs, const ReaderOptions& o = {}, Context intake = Context::background(),
         std::atomic<std::uint64_t>* bytes = nullptr, Collector* collector = nullptr) {
  Collector own;
  Collector& c = collector ? *collector : own;
  InputReader reader(inputs, o, std::move(intake), bytes);
  Got g;
  g.outcome = reader.run([&c](Batch& b) { return c(b); });
  g.records = c.records();
  g.batch_sizes = c.batch_sizes();
  return g;
}

// The records lines[from..to] of file `file` would be, numbered from `first_seq`.
std::vector<Seen> expected(int from, int to, std::uint32_t file = 0, std::uint64_t first_seq = 1, std::uint64_t first_line = 1) {
  std::vector<Seen> v;
  for (int i = from; i <= to; ++i)
    v.push_back({first_seq + static_cast<std::uint64_t>(i - from), file, first_line + static_cast<std::uint64_t>(i - from), line(i)});
  return v;
}

// An input file written in a TempDir, open for reading while it lives.
class InputFile {
 public:
  InputFile(const TempDir& dir, const std::string& name, const std::string& bytes) {
    testing::write_file(dir.file(name), bytes);
    fd_ = ::open(dir.file(name).c_str(), O_RDONLY);
  }
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// A pipe: the reader gets `r`, the test writes to `w`.
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~Pipe() {
    close_write();
    if (r >= 0) ::close(r);
  }
  void write(const std::string& s) const {
    std::size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::write(w, s.data() + done, s.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  void close_write() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

using testing::wait_until;

TEST(InputReader, ReadsAFileIntoNumberedRecordsInBatchesOfAtMostBatchRecords) {
  TempDir dir;
  const std::string text = lines_text(1, 10);
  InputFile in(dir, "in.ndjson", text);
  ReaderOptions o;
  o.batch_records = 3;
  std::atomic<std::uint64_t> bytes{0};
  Got g = read({{"in.ndjson", in.fd()}}, o, Context::background(), &bytes);
  EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
  EXPECT_FALSE(g.outcome.stopped_early);
  EXPECT_FALSE(g.outcome.resume.has_value());
  EXPECT_EQ(g.records, expected(1, 10));
  ASSERT_FALSE(g.batch_sizes.empty());
  for (std::size_t n : g.batch_sizes) {
    EXPECT_GE(n, 1u);
    EXPECT_LE(n, 3u);
  }
  EXPECT_EQ(bytes.load(), text.size());
}

TEST(InputReader, SeveralInputsAreNumberedAcrossFilesAndLinesWithinEach) {
  TempDir dir;
  InputFile a(dir, "a", lines_text(1, 4)), empty(dir, "empty", ""), b(dir, "b", lines_text(5, 7));
  Got g = read({{"a", a.fd()}, {"empty", empty.fd()}, {"b", b.fd()}});
  EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
  std::vector<Seen> want = expected(1, 4, 0);
  for (const Seen& s : expected(5, 7, 2, 5)) want.push_back(s);
  EXPECT_EQ(g.records, want);
}

TEST(InputReader, AnUnterminatedLastLineIsARecord) {
  TempDir dir;
  InputFile in(dir, "in", lines_text(1, 2) + line(3));
  Got g = read({{"in", in.fd()}});
  EXPECT_TRUE(g.outcome.status.ok());
  EXPECT_EQ(g.records, expected(1, 3));
}

TEST(InputReader, RecordsTricklingThroughAPipeAreHandedOnBeforeItEnds) {
  // A producer that writes a record now and then (`tail -f | orderflow`):
  // each must reach emit while the pipe is still open, not sit in a batch.
  Watchdog dog;
  Pipe pipe;
  ASSERT_GE(pipe.r, 0);
  Collector c;
  std::vector<InputSource> inputs{{"-", pipe.r}};
  ReaderOptions o;
  o.batch_records = 1000;
  auto running = std::async(std::launch::async, [&] { return read(inputs, o, Context::background(), nullptr, &c); });
  pipe.write(line(1) + "\n");
  EXPECT_TRUE(wait_until([&] { return c.count() == 1; })) << "the first record was held back";
  pipe.write(line(2) + "\n" + line(3).substr(0, 5));  // and half of the third
  EXPECT_TRUE(wait_until([&] { return c.count() == 2; })) << "the second record was held back";
  pipe.write(line(3).substr(5) + "\n");
  pipe.close_write();
  Got g = running.get();
  EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
  EXPECT_FALSE(g.outcome.stopped_early);
  EXPECT_EQ(g.records, expected(1, 3));
}

TEST(InputReader, GzipAndZstdFilesReadAsTheirPlainText) {
  TempDir dir;
  const std::string text = lines_text(1, 3000);
  for (const auto& [name, packed] : {std::pair{std::string("in.gz"), testing::gzip_bytes(text)},
                                     std::pair{std::string("in.zst"), testing::zstd_bytes(text)}}) {
    ASSERT_LT(packed.size(), text.size()) << name;
    InputFile in(dir, name, packed);
    std::atomic<std::uint64_t> bytes{0};
    Got g = read({{name, in.fd()}}, {}, Context::background(), &bytes);
    EXPECT_TRUE(g.outcome.status.ok()) << name << ": " << g.outcome.status.message();
    EXPECT_EQ(g.records, expected(1, 3000)) << name;
    EXPECT_EQ(bytes.load(), packed.size()) << name << ": bytes_read counts the bytes read, compressed";
  }
}

TEST(InputReader, CompressedInputThroughAPipeInSmallPiecesReadsTheSame) {
  // The magic bytes arrive one at a time, then the rest in odd-sized pieces.
  Watchdog dog;
  const std::string text = lines_text(1, 500);
  for (const std::string& packed : {testing::gzip_bytes(text), testing::zstd_bytes(text)}) {
    Pipe pipe;
    ASSERT_GE(pipe.r, 0);
    std::vector<InputSource> inputs{{"-", pipe.r}};
    auto running = std::async(std::launch::async, [&] { return read(inputs); });
    std::size_t at = 0;
    for (; at < 4; ++at) {
      pipe.write(packed.substr(at, 1));
      std::this_thread::sleep_for(2ms);
    }
    for (std::size_t piece = 7; at < packed.size(); at += piece, piece = piece * 3 % 1000 + 1)
      pipe.write(packed.substr(at, piece));
    pipe.close_write();
    Got g = running.get();
    EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
    EXPECT_EQ(g.records, expected(1, 500));
  }
}

TEST(InputReader, ATruncatedOrCorruptCompressedInputIsAnErrorNamingIt) {
  TempDir dir;
  const std::string text = lines_text(1, 2000);
  const std::string gz = testing::gzip_bytes(text), zst = testing::zstd_bytes(text);
  std::string flipped = gz;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x55);
  for (const auto& [name, bytes] : {std::pair{std::string("cut.gz"), gz.substr(0, gz.size() / 2)},
                                    std::pair{std::string("cut.zst"), zst.substr(0, zst.size() / 2)},
                                    std::pair{std::string("flipped.gz"), flipped}}) {
    InputFile in(dir, name, bytes);
    Got g = read({{name, in.fd()}});
    ASSERT_FALSE(g.outcome.status.ok()) << name;
    EXPECT_EQ(g.outcome.status.code(), Status::Code::kIOError) << name;
    EXPECT_EQ(g.outcome.status.message().rfind("cannot read " + name + ": ", 0), 0u) << g.outcome.status.message();
    EXPECT_LT(g.records.size(), 2000u) << name;
    for (std::size_t i = 0; i < g.records.size(); ++i) EXPECT_EQ(g.records[i].text, line(static_cast<int>(i + 1)));
  }
}

TEST(InputReader, UnreadableInputIsAnIOErrorNamingItAfterTheInputsBeforeIt) {
  TempDir dir;
  InputFile a(dir, "a", lines_text(1, 2));
  int folder = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(folder, 0);
  Got g = read({{"a", a.fd()}, {"folder", folder}});
  ::close(folder);
  ASSERT_FALSE(g.outcome.status.ok());
  EXPECT_EQ(g.outcome.status.code(), Status::Code::kIOError);
  EXPECT_EQ(g.outcome.status.message(), "cannot read folder: Is a directory");
  EXPECT_EQ(g.records, expected(1, 2));  // the records before the failure still count
}

TEST(InputReader, AClosingIntakeWakesAReaderWaitingOnAnIdlePipe) {
  Watchdog dog;
  Pipe pipe;
  ASSERT_GE(pipe.r, 0);
  auto [intake, close_intake] = with_cancel(Context::background());
  Collector c;
  std::vector<InputSource> inputs{{"-", pipe.r}};
  auto running = std::async(std::launch::async, [&, intake = intake] { return read(inputs, {}, intake, nullptr, &c); });
  const std::string first = lines_text(1, 2);
  pipe.write(first);
  ASSERT_TRUE(wait_until([&] { return c.count() == 2; }));
  std::this_thread::sleep_for(20ms);  // the reader is back in poll(), with no data
  close_intake();
  const bool woke = running.wait_for(kHangGuard) == std::future_status::ready;
  pipe.close_write();  // (unblocks a reader that was not woken)
  Got g = running.get();
  ASSERT_TRUE(woke) << "a closed intake did not wake the reader";
  EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
  EXPECT_TRUE(g.outcome.stopped_early);
  ASSERT_TRUE(g.outcome.resume.has_value());
  EXPECT_EQ(g.outcome.resume->file, "-");
  EXPECT_EQ(g.outcome.resume->seq, 3u);
  EXPECT_EQ(g.outcome.resume->line, 3u);
  EXPECT_EQ(g.outcome.resume->offset, first.size());
  EXPECT_EQ(g.records, expected(1, 2));
}

TEST(InputReader, AnIntakeClosedBeforeTheStartReadsNothing) {
  TempDir dir;
  InputFile in(dir, "in", lines_text(1, 5));
  auto [intake, close_intake] = with_cancel(Context::background());
  close_intake();
  Got g = read({{"in", in.fd()}}, {}, intake);
  EXPECT_TRUE(g.outcome.status.ok());
  EXPECT_TRUE(g.outcome.stopped_early);
  ASSERT_TRUE(g.outcome.resume.has_value());
  EXPECT_EQ(g.outcome.resume->file, "in");
  EXPECT_EQ(g.outcome.resume->seq, 1u);
  EXPECT_EQ(g.outcome.resume->line, 1u);
  EXPECT_EQ(g.outcome.resume->offset, 0u);
  EXPECT_TRUE(g.records.empty());
}

TEST(InputReader, ADeadlineStopsAReaderWaitingOnAnIdlePipe) {
  // Nobody cancels anything: the deadline alone must end the wait.
  Watchdog dog;
  Pipe pipe;
  ASSERT_GE(pipe.r, 0);
  auto [intake, unused] = with_timeout(Context::background(), 100ms);
  std::vector<InputSource> inputs{{"-", pipe.r}};
  auto running = std::async(std::launch::async, [&, intake = intake] { return read(inputs, {}, intake); });
  const bool stopped = running.wait_for(kHangGuard) == std::future_status::ready;
  pipe.close_write();
  Got g = running.get();
  ASSERT_TRUE(stopped) << "the deadline did not stop the reader";
  EXPECT_TRUE(g.outcome.stopped_early);
  ASSERT_TRUE(g.outcome.resume.has_value());
  EXPECT_EQ(g.outcome.resume->seq, 1u);
}

TEST(InputReader, ARefusedBatchStopsTheReadAtItsFirstRecord) {
  TempDir dir;
  InputFile in(dir, "in", lines_text(1, 6));
  ReaderOptions o;
  o.batch_records = 2;
  Collector c([](std::size_t batch) { return batch == 0; });  // intake ends after the first batch
  Got g = read({{"in", in.fd()}}, o, Context::background(), nullptr, &c);
  EXPECT_TRUE(g.outcome.status.ok());
  EXPECT_TRUE(g.outcome.stopped_early);
  ASSERT_TRUE(g.outcome.resume.has_value());
  EXPECT_EQ(g.outcome.resume->file, "in");
  EXPECT_EQ(g.outcome.resume->seq, 3u);
  EXPECT_EQ(g.outcome.resume->line, 3u);
  EXPECT_EQ(g.outcome.resume->offset, lines_text(1, 2).size());
  EXPECT_EQ(g.records, expected(1, 2));
}

TEST(InputReader, ResumingSkipsTheFilesAndRecordsDoneBefore) {
  TempDir dir;
  InputFile a(dir, "a", lines_text(1, 3)), b(dir, "b", lines_text(4, 8));
  ReaderOptions o;
  o.resume_file = 1;
  o.resume_offset = lines_text(4, 5).size();  // b's third record, line 3
  o.resume_line = 3;
  o.first_seq = 6;
  Got g = read({{"a", a.fd()}, {"b", b.fd()}}, o);
  EXPECT_TRUE(g.outcome.status.ok()) << g.outcome.status.message();
  EXPECT_EQ(g.records, expected(6, 8, 1, 6, 3));
}

TEST(InputReader, AResumePointInsideARecordIsRefused) {
  TempDir dir;
  InputFile in(dir, "in", lines_text(1, 5));
  ReaderOptions o;
  o.resume_offset = 5;  // inside the first record: not the input the point came from
  o.resume_line = 1;
  Got g = read({{"in", in.fd()}}, o);
  ASSERT_FALSE(g.outcome.status.ok());
  EXPECT_EQ(g.outcome.status.message(),
            "in: byte 5 is inside the record on line 1: not the input the resume point came from");
  for (const Seen& r : g.records) EXPECT_NE(r.line, 1u) << "the record the point is inside was handed on";
}

}  // namespace
}  // namespace orderflow
