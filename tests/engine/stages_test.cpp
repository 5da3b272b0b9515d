// The pipeline's small parts: Reorder (router and writer), JobPool (job
// recycling), RunControl (failures). No test asserts speed.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "engine/channel.h"
#include "engine/stages/job_pool.h"
#include "engine/stages/reorder.h"
#include "engine/stages/run_control.h"

namespace orderflow {
namespace {

TEST(Reorder, HandsItemsOnInIndexOrderWhateverOrderTheyCome) {
  Reorder<std::string> order;
  std::vector<std::string> out;
  auto ready = [&](std::string s) {
    out.push_back(std::move(s));
    return true;
  };
  EXPECT_TRUE(order.push(2, "c", ready));
  EXPECT_TRUE(order.push(1, "b", ready));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(order.held(), 2u);
  EXPECT_TRUE(order.push(0, "a", ready));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(order.push(3, "d", ready));
  EXPECT_EQ(out.back(), "d");
  EXPECT_EQ(order.next(), 4u);
  EXPECT_EQ(order.held(), 0u);
}

TEST(Reorder, StopsWhenReadyRefuses) {
  Reorder<int> order;
  std::vector<int> out;
  EXPECT_TRUE(order.push(1, 1, [&](int v) { out.push_back(v); return true; }));
  EXPECT_FALSE(order.push(0, 0, [&](int v) {
    out.push_back(v);
    return v != 0;  // refuses after the first
  }));
  EXPECT_EQ(out, std::vector<int>{0});
  EXPECT_EQ(order.next(), 1u);
}

TEST(JobPool, MakesAtMostJobsMaxAndReusesRecycledOnes) {
  JobPool pool(2);
  Context bg = Context::background();
  JobPtr a = pool.acquire(bg), b = pool.acquire(bg);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a, b);
  a->batch.out = "results";
  a->route = {1, 2};
  Job* raw = a.get();
  pool.recycle(std::move(a));
  JobPtr c = pool.acquire(bg);
  EXPECT_EQ(c.get(), raw);  // the recycled one, cleared
  EXPECT_TRUE(c->batch.out.empty());
  EXPECT_TRUE(c->route.empty());
  // All exist and none is free: acquire waits, and gives up when its context ends.
  auto [ctx, cancel] = with_cancel(bg);
  cancel();
  EXPECT_EQ(pool.acquire(ctx), nullptr);
}

TEST(RunControl, KeepsTheFirstFailureEndsRunAndIntakeAndClosesChannels) {
  RunControl control;
  Context bg = Context::background();
  control.begin(bg, bg);
  Channel<int> ch(1);
  control.on_fail([&] { ch.close(); });
  EXPECT_FALSE(control.run().done());
  control.guarded([] { throw std::runtime_error("boom"); });
  control.fail(Status::IOError("second"));
  EXPECT_TRUE(control.run().done());
  EXPECT_TRUE(control.intake().done());
  EXPECT_EQ(control.failure().message(), "internal error: boom");
  EXPECT_EQ(ch.send(1), ChannelStatus::kClosed);
  control.end();
}

TEST(RunControl, StopEndsRunWithoutClosingChannelsAndAnOkStatusIsNoFailure) {
  RunControl control;
  Context bg = Context::background();
  control.begin(bg, bg);
  Channel<int> ch(1);
  control.on_fail([&] { ch.close(); });
  control.stop(Status::Ok());  // the output went away: stop quietly
  EXPECT_TRUE(control.run().done());
  EXPECT_TRUE(control.failure().ok());
  EXPECT_EQ(ch.send(1), ChannelStatus::kOk);
  EXPECT_EQ(control.cancel_reason(), Reason::kInterrupted);
  control.end();
}

}  // namespace
}  // namespace orderflow
