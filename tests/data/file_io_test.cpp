// Whole-file reads and atomic writes (--stock-out, --summary FILE).
#include "data/base/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

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

}  // namespace
}  // namespace orderflow
