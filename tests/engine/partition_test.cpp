// PartitionCore's checkpoints when resolve runs ahead of apply (as serve
// does: it resolves and votes on messages before their predecessors are
// applied): take_changes(S) is the state after orders message S, never with
// the ids later messages took.
#include "engine/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "engine/partition_wire.h"
#include "tests/test_util.h"

namespace orderflow {
namespace {

Catalog test_catalog() {
  return testing::value_of(
      Catalog::parse("ID,ProductName,Stock,Variety,Price\nA,a,5,,1.25\nB,b,3,,2.00\n", "cat.csv"));
}

// One orders message holding `lines` (NDJSON records), numbered from first_seq.
std::string orders_message(const std::vector<std::string>& lines, std::uint64_t first_seq) {
  Batch b;
  for (std::size_t i = 0; i < lines.size(); ++i) b.add(first_seq + i, first_seq + i, lines[i].data(), lines[i].size());
  std::string out;
  encode_orders(b, "in.ndjson", first_seq, SubmitMark{1, 0}, out);
  return out;
}

std::vector<std::string> ids_of(const PartitionChanges& c) {
  std::vector<std::string> ids;
  for (const OrderChange& o : c.orders) ids.push_back(o.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(PartitionCoreTest, ACheckpointHoldsNoIdOfAMessageOnlyResolved) {
  Catalog cat = test_catalog();
  std::vector<std::int64_t> stock{5, 3};
  PartitionCore core(cat, PartitionId{0, 1}, stock);
  const std::string m1 = orders_message({R"({"id":"x1","productId":"A","amount":2})"}, 1);
  const std::string m2 = orders_message({R"({"id":"y1","productId":"B","amount":1})",
                                         R"({"id":"x1","op":"reverse"})"}, 2);
  PartitionStep s1, s2;
  ASSERT_TRUE(core.resolve(1, m1, s1).ok());
  ASSERT_TRUE(core.resolve(2, m2, s2).ok());  // ahead of apply, as serve does
  std::vector<const VoteMessage*> none(1, nullptr);
  ASSERT_TRUE(core.apply(s1, none).ok());

  PartitionChanges after1 = core.take_changes(1);
  EXPECT_EQ(ids_of(after1), std::vector<std::string>{"x1"});
  ASSERT_EQ(after1.orders.size(), 1u);
  EXPECT_EQ(after1.orders[0].state, OrderState::kCompleted);  // as of message 1: not yet reversed
  ASSERT_EQ(after1.stock.size(), 1u);
  EXPECT_EQ(after1.stock[0].product, 0u);
  EXPECT_EQ(after1.stock[0].stock, 3);

  ASSERT_TRUE(core.apply(s2, none).ok());
  PartitionChanges after2 = core.take_changes(2);
  EXPECT_EQ(ids_of(after2), (std::vector<std::string>{"x1", "y1"}));
  for (const OrderChange& o : after2.orders)
    EXPECT_EQ(o.state, o.id == "x1" ? OrderState::kReversed : OrderState::kCompleted) << o.id;
  EXPECT_TRUE(core.take_changes(2).orders.empty());
}

}  // namespace
}  // namespace orderflow
