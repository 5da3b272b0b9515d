// BasketOwner (engine/basket_vote.h): a basket over two owners of a sharded
// store, voted part by part. An owner does not wait for its peers at the
// basket; it waits only when a later decision could depend on the outcome
// (escrow), and always reads the outcome before its slice is handed on.
#include "engine/basket_vote.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "data/codec/decoder.h"
#include "data/ledger/ledger.h"
#include "data/model/batch.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

// Built-in catalog: MWBLU is product 0 (owner 0 of 2), MWLEM product 1 (owner 1).
class BasketVoteTest : public ::testing::Test {
 protected:
  Catalog catalog = Catalog::builtin();
  OrderIndex index;
  Batch batch;
  std::vector<std::string> lines;
  std::unique_ptr<ProductStore> store;
  std::atomic<bool> failed{false};
  OutcomeSignal signal{failed};  // the owners' (publish on `failed` is not needed: settle checks it first)

  void SetUp() override {
    ASSERT_EQ(catalog.find("MWBLU"), 0u);
    ASSERT_EQ(catalog.find("MWLEM"), 1u);
  }
  // A sharded store over 2 owners with this stock of MWBLU and MWLEM (the rest 0).
  void stock(std::int64_t blu, std::int64_t lem) {
    std::vector<std::int64_t> initial(catalog.size(), 0);
    initial[0] = blu;
    initial[1] = lem;
    store = make_store(StoreKind::kSharded, initial, 2);
  }
  // Decodes and resolves the records as one batch (the router's half).
  void records(std::vector<std::string> in) {
    lines = std::move(in);
    for (std::size_t i = 0; i < lines.size(); ++i) batch.add(i + 1, i + 1, lines[i].data(), lines[i].size());
    Decoder(catalog).decode(batch);
    for (Record& r : batch.records) ASSERT_TRUE(resolve(r, index, batch.items));
  }
  Record& rec(std::size_t i) { return batch.records[i]; }
  Item* items(std::size_t i) { return batch.items_of(rec(i)); }
  std::int64_t blu() const { return store->stock(0); }
  std::int64_t lem() const { return store->stock(1); }
};

constexpr Reason kWhy = Reason::kInterrupted;

TEST_F(BasketVoteTest, AnOwnerGoesOnPastTheBasketBeforeItsPeerVotes) {
  testing::Watchdog dog;  // before escrow, owner 0 waited here for owner 1, which never came
  stock(20, 30);
  records({R"({"id":"b","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}]})",
           R"({"id":"x","productId":"MWBLU","amount":5})"});
  BasketVote v;
  v.reset(0, 2);
  BasketOwner owner0(*store, index, catalog, 0, 2, signal), owner1(*store, index, catalog, 1, 2, signal);

  EXPECT_EQ(owner0.vote(v, rec(0), items(0), false, kWhy), VotePhase::kOpen);
  EXPECT_FALSE(owner0.settled());
  owner0.before_apply(rec(1), batch.items, [] { return kWhy; });  // 18 units left >= 5: passes whatever b's outcome
  EXPECT_EQ(apply(rec(1), batch.items, *store, index, catalog), ApplyResult::kDone);
  EXPECT_EQ(rec(1).status, OrderStatus::kCompleted);
  EXPECT_FALSE(owner0.settled()) << "a record that passes on the lower bound does not wait";

  EXPECT_EQ(owner1.vote(v, rec(0), items(0), false, kWhy), VotePhase::kCommitted);  // the last vote decides
  owner0.settle(kWhy);
  EXPECT_TRUE(owner0.settled());
  EXPECT_EQ(rec(0).status, OrderStatus::kCompleted);
  EXPECT_EQ(rec(0).total, 2 * 179 + 3 * 139);
  EXPECT_EQ(blu(), 20 - 2 - 5);
  EXPECT_EQ(lem(), 30 - 3);
}

// The sequential rule: b is rejected at item 2, so x finds all 5 units. Owner
// 0 holds 4 of them for b when x comes; x must wait for b's outcome, not be
// rejected on the 1 unit it sees.
TEST_F(BasketVoteTest, ARecordThatCouldFailOnHeldUnitsWaitsForTheOutcome) {
  testing::Watchdog dog;
  stock(5, 1);
  records({R"({"id":"b","items":[{"productId":"MWBLU","amount":4},{"productId":"MWLEM","amount":3}]})",
           R"({"id":"x","productId":"MWBLU","amount":3})"});
  BasketVote v;
  v.reset(0, 2);
  BasketOwner owner0(*store, index, catalog, 0, 2, signal), owner1(*store, index, catalog, 1, 2, signal);

  EXPECT_EQ(owner0.vote(v, rec(0), items(0), false, kWhy), VotePhase::kOpen);
  EXPECT_EQ(blu(), 1);
  EXPECT_EQ(owner1.vote(v, rec(0), items(0), false, kWhy), VotePhase::kAborted);
  owner0.before_apply(rec(1), batch.items, [] { return kWhy; });
  EXPECT_TRUE(owner0.settled());
  EXPECT_EQ(blu(), 5) << "b's held part is given back before x is decided";
  EXPECT_EQ(apply(rec(1), batch.items, *store, index, catalog), ApplyResult::kDone);
  EXPECT_EQ(rec(1).status, OrderStatus::kCompleted);
  EXPECT_EQ(rec(0).status, OrderStatus::kRejected);
  EXPECT_EQ(rec(0).reason, Reason::kInsufficientStock);
  EXPECT_EQ(rec(0).items.failed, 2);
  EXPECT_EQ(items(0)[1].stock_seen, 1);
  EXPECT_EQ(blu(), 2);
  EXPECT_EQ(lem(), 1);
}

// A later basket's part that lacks units while an earlier vote is pending:
// it is decided on the exact stock, after the earlier outcome.
TEST_F(BasketVoteTest, APartThatLacksUnitsIsCheckedAgainOnceThePendingVotesAreKnown) {
  testing::Watchdog dog;
  stock(5, 1);
  records({R"({"id":"b","items":[{"productId":"MWBLU","amount":4},{"productId":"MWLEM","amount":3}]})",
           R"({"id":"c","items":[{"productId":"MWBLU","amount":5},{"productId":"MWLEM","amount":1}]})"});
  BasketVote vb, vc;
  vb.reset(0, 2);
  vc.reset(1, 2);
  BasketOwner owner0(*store, index, catalog, 0, 2, signal), owner1(*store, index, catalog, 1, 2, signal);

  EXPECT_EQ(owner0.vote(vb, rec(0), items(0), false, kWhy), VotePhase::kOpen);
  std::thread peer([&] {
    owner1.vote(vb, rec(0), items(0), false, kWhy);
    owner1.vote(vc, rec(1), items(1), false, kWhy);
    owner1.settle(kWhy);
  });
  owner0.vote(vc, rec(1), items(1), false, kWhy);  // 1 unit seen: waits for b, then finds 5
  owner0.settle(kWhy);
  peer.join();
  EXPECT_EQ(rec(0).status, OrderStatus::kRejected);
  EXPECT_EQ(rec(1).status, OrderStatus::kCompleted);
  EXPECT_EQ(blu(), 0);
  EXPECT_EQ(lem(), 0);
}

TEST_F(BasketVoteTest, SettleWaitsForTheLastVoteOnAnotherThread) {
  testing::Watchdog dog;
  for (int round = 0; round < 200; ++round) {
    stock(20, 2);
    batch.clear();
    records({R"({"items":[{"productId":"MWBLU","amount":4},{"productId":"MWLEM","amount":3}]})"});
    BasketVote v;
    v.reset(0, 2);
    BasketOwner owner0(*store, index, catalog, 0, 2, signal), owner1(*store, index, catalog, 1, 2, signal);
    std::thread peer([&] { owner1.vote(v, rec(0), items(0), false, kWhy); });
    const VotePhase mine = owner0.vote(v, rec(0), items(0), false, kWhy);
    owner0.settle(kWhy);
    peer.join();
    EXPECT_TRUE(mine == VotePhase::kOpen || mine == VotePhase::kAborted);
    ASSERT_EQ(rec(0).status, OrderStatus::kRejected);
    ASSERT_EQ(blu(), 20) << "round " << round;
    ASSERT_EQ(lem(), 2);
  }
}

TEST_F(BasketVoteTest, AReversalsPartsAreGivenBackWhenItIsKnownToBeCommitted) {
  testing::Watchdog dog;
  stock(20, 30);
  records({R"({"id":"b","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}]})",
           R"({"id":"b","op":"reverse"})"});
  ASSERT_TRUE(rec(1).is_basket());
  BasketVote vb, vr;
  vb.reset(0, 2);
  vr.reset(1, 2);
  BasketOwner owner0(*store, index, catalog, 0, 2, signal), owner1(*store, index, catalog, 1, 2, signal);
  owner0.vote(vb, rec(0), items(0), false, kWhy);
  owner0.vote(vr, rec(1), items(1), false, kWhy);
  EXPECT_EQ(blu(), 18) << "not given back before the reversal is decided";
  owner1.vote(vb, rec(0), items(0), false, kWhy);
  EXPECT_EQ(owner1.vote(vr, rec(1), items(1), false, kWhy), VotePhase::kCommitted);
  EXPECT_EQ(lem(), 30);
  owner0.settle(kWhy);
  EXPECT_EQ(rec(1).status, OrderStatus::kReversed);
  EXPECT_EQ(blu(), 20);
}

TEST_F(BasketVoteTest, AFailedRunCancelsAVoteWhosePeerNeverComes) {
  testing::Watchdog dog;
  stock(20, 30);
  records({R"({"id":"b","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}]})"});
  BasketVote v;
  v.reset(0, 2);
  BasketOwner owner0(*store, index, catalog, 0, 2, signal);
  owner0.vote(v, rec(0), items(0), false, kWhy);
  failed.store(true);
  owner0.settle(kWhy);
  EXPECT_EQ(rec(0).status, OrderStatus::kCancelled);
  EXPECT_EQ(blu(), 20) << "the held part goes back";
}

}  // namespace
}  // namespace orderflow
