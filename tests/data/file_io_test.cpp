// Whole-file reads and atomic writes (--stock-out, --summary FILE).
#include "data/base/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/test_util.h"

namespace orderflow {
namespace {

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(FileIo, ReadFile) {
  testing::TempDir dir;
  std::string bytes("a\0b\xFF\n", 5);
  testing::write_file(dir.file("f"), bytes);
  Result<std::string> r = read_file(dir.file("f"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), bytes);
  EXPECT_EQ(read_file(dir.file("missing")).status().message(), "cannot open " + dir.file("missing") + ": No such file or directory");
  EXPECT_EQ(read_file(dir.path()).status().message(), "cannot read " + dir.path() + ": Is a directory");
}

TEST(FileIo, AtomicWriteReplacesAndKeepsPermissions) {
  testing::TempDir dir;
  const std::string path = dir.file("stock.csv");
  ASSERT_TRUE(write_file_atomically(path, "first\n").ok());
  EXPECT_EQ(testing::read_file(path), "first\n");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_TRUE(write_file_atomically(path, "second\n").ok());
  EXPECT_EQ(testing::read_file(path), "second\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(entries_in(dir.path()), 1u);  // no temporary file left behind
  // A relative path writes in the current folder.
  ASSERT_TRUE(write_file_atomically(path, "").ok());
  EXPECT_EQ(testing::read_file(path), "");
}

TEST(FileIo, AtomicWriteFailureLeavesNothing) {
  testing::TempDir dir;
  Status s = write_file_atomically(dir.file("no/such/dir/x"), "x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot write " + dir.file("no/such/dir/x") + ": No such file or directory");
  EXPECT_EQ(entries_in(dir.path()), 0u);
}

TEST(FileIo, AtomicWriteIntoAFifoWritesThroughIt) {
  testing::TempDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(write_file_atomically(fifo, "{\"records\":0}\n").ok());
  char buf[64] = {};
  ssize_t n = ::read(reader, buf, sizeof buf);
  ::close(reader);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "{\"records\":0}\n");
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced by a regular file";
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(FileIo, AtomicWriteThroughALinkToADeviceDoesNotReplaceIt) {
  // Through a link of our own, so that a regression replaces the link and not /dev/null.
  testing::TempDir dir;
  const std::string link = dir.file("null");
  ASSERT_EQ(::symlink("/dev/null", link.c_str()), 0);
  ASSERT_TRUE(write_file_atomically(link, "discarded\n").ok());
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced by a regular file";
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

// The one retrying write loop: a full non-blocking pipe asks when_full; a
// when_full that makes room lets every byte through, in order.
TEST(WriteAll, AFullPipeAsksWhenFullAndGoesOnWhenItMadeRoom) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
  std::string bytes(1 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
  std::string got;
  int asked = 0;
  auto drain = [&] {
    ++asked;
    char buf[1 << 16];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  EXPECT_EQ(write_all(p[1], bytes.data(), bytes.size(), drain), 0);
  drain();
  EXPECT_GT(asked, 1);  // 1 MB does not fit a pipe at once
  EXPECT_EQ(got, bytes);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(WriteAll, AWhenFullThatGivesUpFailsWithEagainAndCountsWhatWasWritten) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
  const std::string a(100, 'a'), b(1 << 20, 'b');
  const std::string_view parts[] = {a, b};
  std::uint64_t written = 0;
  EXPECT_EQ(write_all(p[1], parts, [] { return false; }, &written), EAGAIN);
  EXPECT_GT(written, a.size());
  EXPECT_LT(written, a.size() + b.size());
  std::string got;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(got.size(), written);
  EXPECT_EQ(got.substr(0, a.size()), a);
  EXPECT_EQ(got.find_first_not_of('b', a.size()), std::string::npos);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(WriteAll, ManyPartsEmptyOnesIncludedArriveInOrder) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/parts";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::vector<std::string> texts;
  for (int i = 0; i < 1500; ++i) texts.push_back(i % 7 == 0 ? "" : std::to_string(i) + ",");
  std::vector<std::string_view> parts(texts.begin(), texts.end());  // more than one writev's 512
  std::string want;
  for (const std::string& t : texts) want += t;
  std::uint64_t written = 0;
  EXPECT_EQ(write_all(fd, parts, {}, &written), 0);
  ::close(fd);
  EXPECT_EQ(written, want.size());
  EXPECT_EQ(read_file(path).value(), want);
  EXPECT_TRUE(write_all(-1, std::string_view("x")) == false && errno == EBADF);
}

}  // namespace
}  // namespace orderflow
