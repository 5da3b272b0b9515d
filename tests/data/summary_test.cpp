// data/model/summary.h: the names of how a run stopped (the summary's
// "stopped", SPEC.md "Summary"), and what a RunFacts says before anything is
// known. The summary's JSON and text themselves: tests/cli/summary_report_test.cpp.
#include "data/model/summary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace orderflow {
namespace {

TEST(Summary, EachStopCauseHasItsSpecName) {
  EXPECT_EQ(to_string(StopCause::kNone), "");
  EXPECT_EQ(to_string(StopCause::kInterrupted), "interrupted");
  EXPECT_EQ(to_string(StopCause::kTerminated), "terminated");
  EXPECT_EQ(to_string(StopCause::kDeadline), "deadline");
  EXPECT_EQ(to_string(StopCause::kFailed), "failed");
  EXPECT_EQ(to_string(StopCause::kOutputClosed), "output_closed");
}

TEST(Summary, ADefaultRunFactsIsAFinishedRunWithNothingToResume) {
  const RunFacts f;
  EXPECT_EQ(f.stopped, StopCause::kNone);
  EXPECT_TRUE(f.error.empty());
  EXPECT_FALSE(f.resume.has_value());
  EXPECT_EQ(f.workers, 1u);
  EXPECT_EQ(f.store, StoreKind::kSharded);
  EXPECT_EQ(f.cpu.read + f.cpu.decode + f.cpu.route + f.cpu.apply + f.cpu.write, 0.0);
  const ResumePoint p;
  EXPECT_EQ(p.line, 0u);
  EXPECT_EQ(p.seq, 0u);
  EXPECT_EQ(p.offset, 0u);
}

}  // namespace
}  // namespace orderflow
