// CommitGroupBuilder: what a group to commit holds (orders, items, reversals,
// stock, checkpoint), and take(): a group of its own, sorted and compressed,
// with the next one starting where it ended.
#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/codec/decoder.h"
#include "data/ledger/commit_group.h"
#include "data/ledger/ledger.h"

namespace orderflow {
namespace {

class CommitGroupTest : public ::testing::Test {
 protected:
  Catalog catalog = Catalog::builtin();  // MWBLU 20, MWLEM 30, ...
  OrderIndex index;
  std::unique_ptr<ProductStore> store = make_store(StoreKind::kMutex, stock(), 1);
  std::vector<std::unique_ptr<Batch>> batches;  // alive while a group points into them
  std::uint64_t seq = 1;

  std::vector<std::int64_t> stock() const {
    std::vector<std::int64_t> v;
    for (const Product& p : catalog.products()) v.push_back(p.stock);
    return v;
  }
  // One decided batch of `records`, its checksums (1 each) and results ("seq\n" each).
  const Batch& batch(const std::vector<std::string>& records) {
    auto b = std::make_unique<Batch>();
    for (std::size_t i = 0; i < records.size(); ++i) b->add(seq++, i + 1, records[i].data(), records[i].size());
    Decoder(catalog).decode(*b);
    for (Record& r : b->records) {
      if (resolve(r, index, b->items)) {
        EXPECT_EQ(apply(r, b->items, *store, index, catalog), ApplyResult::kDone);
      }
      b->sums.push_back(1);
      b->out += std::to_string(r.seq) + "\n";
    }
    batches.push_back(std::move(b));
    return *batches.back();
  }
  std::string unzstd(std::string_view z, std::size_t n) {
    std::string out(n, '\0');
    EXPECT_EQ(ZSTD_decompress(out.data(), n, z.data(), z.size()), n);
    return out;
  }
};

// take() sorts by id as std::string does, also where ids share their first
// 8 bytes, are prefixes of each other, or hold bytes above 0x7f.
TEST_F(CommitGroupTest, TakeSortsIdsAsStringsCompare) {
  CommitGroupBuilder builder(catalog, 1, LedgerCheckpoint{}, Stats(catalog.size()), stock(), false);
  std::vector<std::string> ids = {"order-0000012", "order-000001", "order-0000011", "o", "oa", "o\u00e9", "order-00",
                                  "order-0000", "b", "order-00000119", "order-000001z", "z", "A", "order-0000012x"};
  std::vector<std::string> records;
  for (const std::string& id : ids) records.push_back(R"({"id":")" + id + R"(","productId":"MWBLU","amount":1})");
  ASSERT_TRUE(builder.add(batch(records)));
  auto p = builder.take();
  ASSERT_TRUE(p);
  std::vector<std::string> got, want;
  for (const LedgerOrderWrite& o : p->group.orders) got.emplace_back(o.id);
  want = got;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.size(), ids.size());
}

TEST_F(CommitGroupTest, TakeGivesASortedCompressedGroupAndStartsTheNext) {
  CommitGroupBuilder builder(catalog, 7, LedgerCheckpoint{}, Stats(catalog.size()), stock(), true);
  ASSERT_TRUE(builder.add(batch({R"({"id":"z9","productId":"MWBLU","amount":2})",
                                 R"({"id":"a1","items":[{"productId":"MWLEM","amount":3},{"productId":"MWBLU","amount":1}]})",
                                 R"({"productId":"MWLEM","amount":1})"})));
  ASSERT_TRUE(builder.add(batch({R"({"id":"m5","productId":"MWBLU","amount":99})"})));
  EXPECT_EQ(builder.records(), 4u);
  auto p = builder.take();
  ASSERT_TRUE(p);
  const LedgerGroup& g = p->group;
  EXPECT_EQ(g.run, 7);
  ASSERT_EQ(g.orders.size(), 3u);  // the record without an id takes none
  EXPECT_EQ(g.orders[0].id, "a1");
  EXPECT_EQ(g.orders[1].id, "m5");
  EXPECT_EQ(g.orders[2].id, "z9");
  EXPECT_EQ(g.orders[1].status, OrderStatus::kRejected);
  EXPECT_EQ(g.orders[1].reason, Reason::kInsufficientStock);
  // The basket keeps its items, in order, with no product of its own.
  EXPECT_EQ(g.orders[0].product_id, "");
  ASSERT_EQ(g.orders[0].items_count, 2u);
  EXPECT_EQ(g.items[g.orders[0].items_first].product_id, "MWLEM");
  EXPECT_EQ(g.items[g.orders[0].items_first].amount, 3);
  EXPECT_EQ(g.items[g.orders[0].items_first + 1].product_id, "MWBLU");
  // Stock: MWBLU 20 - 2 - 1, MWLEM 30 - 3 - 1, sorted by product.
  const std::uint32_t blu = catalog.find("MWBLU"), lem = catalog.find("MWLEM");
  std::vector<std::pair<std::uint32_t, std::int64_t>> want = {{blu, 17}, {lem, 26}};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(g.stock, want);
  EXPECT_EQ(g.checkpoint.seq, 4u);
  EXPECT_EQ(g.checkpoint.checksum, 4u);
  EXPECT_EQ(g.checkpoint.results_bytes, 8u);
  EXPECT_EQ(g.stats, &p->stats);
  EXPECT_EQ(p->stats.records, 4u);
  EXPECT_EQ(g.results_size, 8u);
  EXPECT_EQ(unzstd(g.results_zstd, g.results_size), "1\n2\n3\n4\n");

  // The next group starts empty, where the last one ended.
  EXPECT_TRUE(builder.empty());
  ASSERT_TRUE(builder.add(batch({R"({"id":"z9","op":"reverse"})"})));
  auto q = builder.take();
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->group.orders.empty());
  ASSERT_EQ(q->group.reversals.size(), 1u);
  EXPECT_EQ(q->group.reversals[0].id, "z9");
  EXPECT_EQ(q->group.stock, (std::vector<std::pair<std::uint32_t, std::int64_t>>{{blu, 19}}));
  EXPECT_EQ(q->group.checkpoint.seq, 5u);
  EXPECT_EQ(q->group.checkpoint.results_bytes, 10u);
  EXPECT_EQ(q->stats.records, 5u);
  EXPECT_EQ(unzstd(q->group.results_zstd, q->group.results_size), "5\n");
  // The first group is untouched by the second.
  EXPECT_EQ(p->group.orders.size(), 3u);
  EXPECT_EQ(unzstd(p->group.results_zstd, p->group.results_size), "1\n2\n3\n4\n");
}

// Results are compressed as batches are added, one zstd frame per group: a
// group's frame holds exactly its batches' results, also when they are many,
// larger than zstd's own buffers and hardly compressible.
TEST_F(CommitGroupTest, EachGroupsResultsAreOneFrameOfExactlyItsBytes) {
  CommitGroupBuilder builder(catalog, 1, LedgerCheckpoint{}, Stats(catalog.size()), stock(), true);
  std::uint64_t x = 88172645463325252ull;  // xorshift: results zstd cannot shrink much
  auto noise = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      s.push_back(static_cast<char>('!' + x % 90));
    }
    return s + "\n";
  };
  for (int group = 0; group < 3; ++group) {
    std::string want;
    for (int k = 0; k < 6; ++k) {
      Batch& b = const_cast<Batch&>(batch({R"({"productId":"MWLEM","amount":1})"}));
      b.out = noise(group == 1 ? 10 : 300'000);  // one result line per record
      want += b.out;
      ASSERT_TRUE(builder.add(b));
    }
    auto p = builder.take();
    ASSERT_TRUE(p);
    ASSERT_EQ(p->group.results_size, want.size());
    EXPECT_EQ(ZSTD_getFrameContentSize(p->results_zstd.data(), p->results_zstd.size()), ZSTD_CONTENTSIZE_UNKNOWN);
    EXPECT_EQ(ZSTD_findFrameCompressedSize(p->results_zstd.data(), p->results_zstd.size()), p->results_zstd.size());
    EXPECT_EQ(unzstd(p->group.results_zstd, want.size()), want) << "group " << group;
  }
}

TEST_F(CommitGroupTest, NothingIsTakenAfterACancelledRecord) {
  CommitGroupBuilder builder(catalog, 1, LedgerCheckpoint{}, Stats(catalog.size()), stock(), false);
  Batch& b = const_cast<Batch&>(batch({R"({"id":"x1","productId":"MWBLU","amount":1})",
                                       R"({"id":"x2","productId":"MWBLU","amount":1})"}));
  b.records[1].status = OrderStatus::kCancelled;
  EXPECT_FALSE(builder.add(b));
  EXPECT_FALSE(builder.add(batch({R"({"id":"x3","productId":"MWBLU","amount":1})"})));
  auto p = builder.take();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->group.orders.size(), 1u);
  EXPECT_EQ(p->group.orders[0].id, "x1");
  EXPECT_EQ(p->group.checkpoint.seq, 1u);
  EXPECT_EQ(p->group.checkpoint.results_bytes, 2u);
  EXPECT_EQ(p->group.results_size, 0u);  // keep_results false
  EXPECT_TRUE(p->group.results_zstd.empty());
}

}  // namespace
}  // namespace orderflow
