// BlockPool (engine/block_pool.h): blocks of the asked size, recycled when the
// last reference lets go, at most keep_max of them idle, usable after the pool
// is gone, and safe to let go of on any thread.
#include "engine/block_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace orderflow {
namespace {

TEST(BlockPool, BlocksHaveTheAskedSizeAndAreWritableThroughout) {
  BlockPool pool(4096, 2);
  InputBlockRef a = pool.get(), b = pool.get();
  ASSERT_TRUE(a && a->data);
  ASSERT_TRUE(b && b->data);
  EXPECT_EQ(a->capacity, 4096u);
  EXPECT_EQ(b->capacity, 4096u);
  EXPECT_NE(a->data.get(), b->data.get());  // two live blocks never share bytes
  std::memset(a->data.get(), 'a', a->capacity);
  std::memset(b->data.get(), 'b', b->capacity);
  EXPECT_EQ(a->data[4095], 'a');
  EXPECT_EQ(b->data[0], 'b');
}

TEST(BlockPool, ALetGoBlockIsHandedOutAgain) {
  BlockPool pool(1024, 4);
  InputBlockRef a = pool.get();
  const char* bytes = a->data.get();
  InputBlockRef also = a;  // a batch and the reader both hold it
  a.reset();
  InputBlockRef other = pool.get();
  EXPECT_NE(other->data.get(), bytes) << "handed out while still referenced";
  also.reset();  // the last reference: back to the pool
  InputBlockRef again = pool.get();
  EXPECT_EQ(again->data.get(), bytes);
  EXPECT_EQ(again->capacity, 1024u);
}

TEST(BlockPool, KeepsAtMostKeepMaxIdleBlocks) {
  // Idle blocks are handed out last-kept first, so with room for two the
  // second one let go would come back first; with room for one it was freed.
  BlockPool pool(1024, 1);
  InputBlockRef a = pool.get(), b = pool.get();
  const char* a_bytes = a->data.get();
  a.reset();  // kept
  b.reset();  // freed: one idle block already
  InputBlockRef first = pool.get();
  EXPECT_EQ(first->data.get(), a_bytes);

  BlockPool two(1024, 2);
  InputBlockRef c = two.get(), d = two.get();
  const char* d_bytes = d->data.get();
  c.reset();
  d.reset();
  EXPECT_EQ(two.get()->data.get(), d_bytes);
}

TEST(BlockPool, BlocksOutliveThePool) {
  InputBlockRef kept;
  {
    BlockPool pool(512, 2);
    kept = pool.get();
    InputBlockRef idle = pool.get();  // goes idle, then is freed with the pool's state
  }
  ASSERT_TRUE(kept->data);
  std::memset(kept->data.get(), 'x', kept->capacity);
  EXPECT_EQ(kept->data[511], 'x');
  kept.reset();  // returns it to a pool nobody owns any more (sanitizers check the rest)
}

TEST(BlockPool, BlocksLetGoOnOtherThreadsComeBackAndLiveOnesNeverShareBytes) {
  BlockPool pool(256, 8);
  constexpr int kRounds = 2000;
  std::set<const char*> released;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<InputBlockRef> live;
    released.clear();
    for (int i = 0; i < 4; ++i) {
      live.push_back(pool.get());
      EXPECT_TRUE(released.insert(live.back()->data.get()).second)
          << "round " << round << ": a live block handed out twice";
      live.back()->data[0] = static_cast<char>(i);
    }
    // Let go of them on four threads at once, as the stages' threads do.
    std::vector<std::thread> threads;
    for (InputBlockRef& b : live) threads.emplace_back([b = std::move(b)]() mutable { b.reset(); });
    for (std::thread& t : threads) t.join();
    if (::testing::Test::HasFailure()) break;
  }
  // The last round's four blocks all went back: the next four are those.
  std::set<const char*> again;
  std::vector<InputBlockRef> hold;
  for (int i = 0; i < 4; ++i) {
    hold.push_back(pool.get());
    again.insert(hold.back()->data.get());
  }
  EXPECT_EQ(again, released);
}

}  // namespace
}  // namespace orderflow
