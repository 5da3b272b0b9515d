// The one translation unit that defines the helpers of tests/test_util.h, and
// tests of the helpers themselves.
#include "tests/test_util_impl.h"

#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>

#include "data/base/status.h"

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

TEST(TestUtil, SameTextNamesTheFirstDifferingLineAndBothVersions) {
  EXPECT_TRUE(same_text("a\nb\n", "a\nb\n"));
  const ::testing::AssertionResult r = same_text("a\nb\nc\n", "a\nB\nc\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(std::string(r.message()), "texts differ (3 and 3 lines), first at line 2:\n  got:  b\n  want: B");
}

TEST(TestUtil, SameTextSeesMissingLinesAndAFinalLineBreak) {
  const ::testing::AssertionResult shorter = same_text("a\n", "a\nb\n");
  ASSERT_FALSE(shorter);
  EXPECT_NE(std::string(shorter.message()).find("line 2:\n  got:  <none>\n  want: b"), std::string::npos)
      << shorter.message();
  const ::testing::AssertionResult unterminated = same_text("a\nb", "a\nb\n");
  ASSERT_FALSE(unterminated);
  EXPECT_NE(std::string(unterminated.message()).find("line break"), std::string::npos) << unterminated.message();
}

TEST(TestUtil, SameTextShowsOnlyThePartOfALongLineThatDiffers) {
  std::string got(100000, 'x'), want = got;
  want[50000] = 'y';
  const ::testing::AssertionResult r = same_text(got, want);
  ASSERT_FALSE(r);
  const std::string m = r.message();
  EXPECT_LT(m.size(), 600u);
  EXPECT_NE(m.find("[100000 bytes, from byte 49921] "), std::string::npos) << m;
  EXPECT_NE(m.find(std::string(80, 'x') + "y"), std::string::npos) << m;
}

TEST(TestUtil, ValueOfReturnsTheValue) {
  EXPECT_EQ(value_of(Result<std::string>(std::string("v"))), "v");
  Result<int> seven(7);
  EXPECT_EQ(value_of(seven), 7);
}

Result<int> broken() { return Status::InvalidArgument("cat.csv:2: no such column"); }

void take_broken_value() {
  try {
    (void)value_of(broken());
    ADD_FAILURE() << "value_of did not stop at an error";
  } catch (const TestAbort& e) {
    EXPECT_EQ(std::string(e.what()), "cat.csv:2: no such column");
  }
}

TEST(TestUtil, ValueOfAnErrorFailsTheTestWithItsMessageInsteadOfCrashing) {
  EXPECT_NONFATAL_FAILURE(take_broken_value(), "expected a value, got: cat.csv:2: no such column");
}

}  // namespace
}  // namespace orderflow::testing
