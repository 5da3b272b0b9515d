// The one translation unit that defines the helpers of tests/test_util.h, and
// tests of the helpers themselves.
#include "tests/test_util_impl.h"

#include <gtest/gtest.h>

namespace orderflow::testing {
namespace {

TEST(TestUtil, LinesSplitsAndKeepsUnterminatedTail) {
  EXPECT_EQ(lines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(lines("").empty());
}

TEST(TestUtil, RunsTheBinaryAndCollectsExitCode) {
  RunResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("orderflow"), std::string::npos);
}

TEST(TestUtil, TempDirIsRemoved) {
  std::string path;
  {
    TempDir d;
    path = d.path();
    write_file(d.file("x"), "1");
    EXPECT_TRUE(file_exists(d.file("x")));
  }
  EXPECT_FALSE(file_exists(path));
}

}  // namespace
}  // namespace orderflow::testing
