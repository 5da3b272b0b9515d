// ChunkWriter: chunks written whole and in order; a closed reader or a failing
// output stops the producer promptly and is reported; nothing hangs.
#include "engine/chunk_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "tests/test_util.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

using testing::TempDir;
using testing::Watchdog;

// Produces `chunks` chunks, chunk i filled with `fill(i)`; stops when the writer refuses.
// Returns how many chunks were handed over.
template <class Fill>
int produce(ChunkWriter& out, int chunks, Fill fill) {
  int given = 0;
  ChunkWriter::Chunk c;
  for (int i = 0; i < chunks; ++i) {
    if (!out.acquire(c)) break;
    EXPECT_EQ(c.size, 0u);
    std::string s = fill(i);
    EXPECT_LE(s.size(), out.chunk_bytes());
    s.copy(c.data.get(), s.size());
    c.size = s.size();
    if (!out.submit(std::move(c))) break;
    ++given;
  }
  return given;
}

TEST(ChunkWriterTest, WritesEveryChunkWholeAndInOrder) {
  Watchdog dog;
  TempDir dir;
  const std::string path = dir.file("out");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::string expected;
  auto fill = [](int i) { return std::string(static_cast<std::size_t>(1 + i % 97), static_cast<char>('a' + i % 26)); };
  for (int i = 0; i < 1000; ++i) expected += fill(i);
  {
    ChunkWriter out(fd, "out", "orders", 128, 3);
    EXPECT_EQ(produce(out, 1000, fill), 1000);
    out.finish();
    EXPECT_FALSE(out.closed());
    EXPECT_TRUE(out.status().ok());
    out.finish();  // idempotent
  }
  ::close(fd);
  EXPECT_TRUE(testing::same_text(testing::read_file(path), expected));
}

TEST(ChunkWriterTest, AWriteErrorIsReportedAndStopsTheProducer) {
  Watchdog dog;
  int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  ChunkWriter out(fd, "/dev/full", "orders", 64, 2);
  // Far more chunks than there are buffers: without the stop the producer
  // would block for ever in acquire().
  const int given = produce(out, 100000, [](int) { return std::string(64, 'x'); });
  EXPECT_LT(given, 100000);
  out.finish();
  EXPECT_FALSE(out.closed());
  EXPECT_EQ(out.status().message(), "cannot write orders to /dev/full: No space left on device");
  ChunkWriter::Chunk c;
  EXPECT_FALSE(out.acquire(c));
  ::close(fd);
}

TEST(ChunkWriterTest, AReaderThatLeftClosesItQuietly) {
  Watchdog dog;
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);  // as cli/ does: EPIPE instead of a signal
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);
  {
    ChunkWriter out(p[1], "pipe", "orders", 64, 2);
    EXPECT_LT(produce(out, 100000, [](int) { return std::string(64, 'y'); }), 100000);
    out.finish();
    EXPECT_TRUE(out.closed());
    EXPECT_TRUE(out.status().ok());
  }
  ::close(p[1]);
  ::sigaction(SIGPIPE, &old, nullptr);
}

TEST(ChunkWriterTest, TheDestructorWritesWhatIsQueuedAndJoins) {
  Watchdog dog;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  {
    ChunkWriter out(p[1], "pipe", "orders", 16, 2);
    EXPECT_EQ(produce(out, 2, [](int i) { return std::string(i == 0 ? "first," : "second"); }), 2);
  }  // no finish(): the destructor must still write both and join
  ::close(p[1]);
  char buf[64];
  std::string got;
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(p[0]);
  EXPECT_EQ(got, "first,second");
}

}  // namespace
}  // namespace orderflow
