// OutputWriter (engine/output_writer.h): every byte written once and in order,
// however the kernel splits the writes; a reader that went away is closed(),
// not an error; any other failure is a Status naming the output; a full
// non-blocking pipe is waited for, and given up only after give_up ended.
#include "engine/output_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/test_util.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

using testing::TempDir;
using testing::Watchdog;

// SIGPIPE ignored for one test (the header's requirement; cli/ does it for the program).
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

// Everything readable from `fd` until its write end is closed.
std::string drain(int fd) {
  std::string got;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) return got;
  }
}

std::string pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 23);
  return s;
}

TEST(OutputWriter, WritesEveryByteToAFileAndCountsThem) {
  TempDir dir;
  const std::string path = dir.file("out");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  OutputWriter w(fd, "out");
  EXPECT_TRUE(w.write("one\n"));
  EXPECT_TRUE(w.write("two\n", 4));
  EXPECT_TRUE(w.write(""));
  EXPECT_TRUE(w.write_parts({"th", "", "ree\n"}));
  EXPECT_EQ(w.bytes_written(), 14u);
  EXPECT_TRUE(w.status().ok());
  EXPECT_FALSE(w.closed());
  EXPECT_FALSE(w.abandoned());
  ::close(fd);
  EXPECT_EQ(testing::read_file(path), "one\ntwo\nthree\n");
}

TEST(OutputWriter, ManyPartsAndBigPartsThroughAPipeArriveWholeAndInOrder) {
  // More parts than one writev() takes, and parts larger than a pipe holds, so
  // that writes come back short and resume inside a part.
  Watchdog dog;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::string got;
  std::thread reader([&] { got = drain(p[0]); });
  std::vector<std::string> texts;
  for (int i = 0; i < 1500; ++i) texts.push_back(pattern(static_cast<std::size_t>(i % 7 == 0 ? 0 : 1 + i % 300), 'a'));
  texts.push_back(pattern(3 << 20, 'A'));
  texts.push_back(pattern(70000, '0'));
  std::vector<std::string_view> parts(texts.begin(), texts.end());
  std::string want;
  for (const std::string& t : texts) want += t;
  {
    OutputWriter w(p[1], "pipe");
    EXPECT_TRUE(w.write_parts(parts));
    EXPECT_TRUE(w.write(want.data(), want.size()));
    EXPECT_EQ(w.bytes_written(), 2 * want.size());
    EXPECT_TRUE(w.status().ok());
  }
  ::close(p[1]);
  reader.join();
  ::close(p[0]);
  EXPECT_TRUE(testing::same_text(got, want + want));
}

TEST(OutputWriter, ANegativeDescriptorDiscardsEverything) {
  OutputWriter w(-1, "none");
  EXPECT_TRUE(w.write("dropped\n"));
  EXPECT_TRUE(w.write_parts({"a", "b"}));
  EXPECT_TRUE(w.status().ok());
  EXPECT_FALSE(w.closed());
  EXPECT_EQ(w.bytes_written(), 0u);
}

TEST(OutputWriter, AReaderThatWentAwayClosesItQuietly) {
  IgnoreSigpipe ignore;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);  // `| head -1` has exited
  OutputWriter w(p[1], "standard output");
  EXPECT_FALSE(w.write("lost\n"));
  EXPECT_TRUE(w.closed());
  EXPECT_TRUE(w.status().ok()) << w.status().message();  // not an error
  EXPECT_FALSE(w.write("more\n"));                        // dropped from now on
  EXPECT_FALSE(w.write_parts({"x"}));
  EXPECT_EQ(w.bytes_written(), 0u);
  ::close(p[1]);
}

TEST(OutputWriter, AFailedWriteIsAStatusNamingWhatAndWhere) {
  int fd = ::open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  OutputWriter w(fd, "stock.csv", "the stock");
  EXPECT_FALSE(w.write("A,1\n"));
  EXPECT_FALSE(w.closed());
  ASSERT_FALSE(w.status().ok());
  EXPECT_EQ(w.status().code(), Status::Code::kIOError);
  EXPECT_EQ(w.status().message(), "cannot write the stock to stock.csv: No space left on device");
  EXPECT_FALSE(w.write("B,2\n"));  // stays failed, with the first reason
  EXPECT_EQ(w.status().message(), "cannot write the stock to stock.csv: No space left on device");
  ::close(fd);

  fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  OutputWriter results(fd, "out.ndjson");  // `what` defaults to "results"
  EXPECT_FALSE(results.write("{}\n"));
  EXPECT_EQ(results.status().message(), "cannot write results to out.ndjson: No space left on device");
  ::close(fd);
}

// A non-blocking pipe already full (nothing more fits).
struct FullPipe {
  int r = -1, w = -1;
  FullPipe() {
    int p[2];
    if (::pipe2(p, O_NONBLOCK) != 0) return;
    r = p[0];
    w = p[1];
    std::string chunk(4096, 'f');
    while (::write(w, chunk.data(), chunk.size()) > 0) {
    }
    // Blocking reads for the test's reader.
    ::fcntl(r, F_SETFL, ::fcntl(r, F_GETFL) & ~O_NONBLOCK);
  }
  ~FullPipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
};

TEST(OutputWriter, AFullNonBlockingPipeIsWaitedForUntilTheReaderTakesMore) {
  // give_up never ends: however long the reader dawdles (longer than
  // kStalledMs here), the writer waits and then writes everything.
  Watchdog dog;
  FullPipe pipe;
  ASSERT_GE(pipe.w, 0);
  const std::string text = pattern(200000, 'k');
  std::string got;
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(OutputWriter::kStalledMs + 300));
    got = drain(pipe.r);
  });
  {
    OutputWriter w(pipe.w, "fifo");
    EXPECT_TRUE(w.write(text));
    EXPECT_FALSE(w.abandoned());
    EXPECT_EQ(w.bytes_written(), text.size());
  }
  ::close(pipe.w);
  pipe.w = -1;
  reader.join();
  ASSERT_GE(got.size(), text.size());
  EXPECT_TRUE(testing::same_text(got.substr(got.size() - text.size()), text));  // after the filler
}

TEST(OutputWriter, AReaderThatTakesNothingIsAbandonedOnlyOnceGiveUpEnded) {
  Watchdog dog;
  FullPipe pipe;
  ASSERT_GE(pipe.w, 0);
  auto [give_up, end_waiting] = with_cancel(Context::background());
  OutputWriter w(pipe.w, "fifo", "results", give_up);
  bool wrote = true;
  std::thread writer([&] { wrote = w.write("stuck\n"); });
  // The writer is blocked (nothing fits). It may not give up before asked to.
  std::this_thread::sleep_for(std::chrono::milliseconds(OutputWriter::kStalledMs + 300));
  EXPECT_FALSE(w.abandoned());
  end_waiting();
  writer.join();  // returns about kStalledMs later
  EXPECT_FALSE(wrote);
  EXPECT_TRUE(w.abandoned());
  EXPECT_FALSE(w.closed());
  EXPECT_TRUE(w.status().ok());
  EXPECT_EQ(w.bytes_written(), 0u);
  // Given up means dropped from now on, like a closed output, even once the
  // reader makes room again.
  char room[8192];
  ASSERT_EQ(::read(pipe.r, room, sizeof room), static_cast<ssize_t>(sizeof room));
  EXPECT_FALSE(w.write("later\n"));
  EXPECT_FALSE(w.write_parts({"and", "later\n"}));
  EXPECT_EQ(w.bytes_written(), 0u);
}

}  // namespace
}  // namespace orderflow
