// PartitionCore's checkpoints when resolve runs ahead of apply (as serve
// does: it resolves and votes on messages before their predecessors are
// applied): take_changes(S) is the state after orders message S, never with
// the ids later messages took.
#include "engine/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "data/codec/decoder.h"
#include "data/codec/result_format.h"
#include "data/ledger/ledger.h"
#include "data/store/product_store.h"
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

// ---- baskets over several partitions ---------------------------------------
// N PartitionCores in one thread, with votes and part votes carried through
// their wire encodings: each resolves every message, then they apply in
// turns, each as far as it can go. The results (and the final stock) must
// not depend on N: N = 1 decides everything alone, in seq order.

Catalog basket_catalog() {
  // A and D belong to partition 1 of 3, B to 2, C to 3 (product % N).
  Result<Catalog> c = Catalog::parse(
      "ID,ProductName,Stock,Variety,Price\nA,a,5,,1.25\nB,b,4,,2.00\nC,c,3,,3.00\nD,d,2,,0.50\n", "cat.csv");
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

struct MapParts : PartVotes {
  std::map<std::pair<std::uint64_t, std::uint32_t>, PartVote> votes;
  const PartVote* find(std::uint64_t seq, std::uint32_t from) const override {
    auto it = votes.find({seq, from});
    return it == votes.end() ? nullptr : &it->second;
  }
};

struct BasketRun {
  std::map<std::uint64_t, std::string> lines;  // seq -> result line
  std::vector<std::int64_t> stock;             // final stock, as the partitions commit it
  std::size_t stops = 0;                       // apply() calls that stopped for part votes
};

// What one partition has committed (as a PartitionDb would hold it).
struct Saved {
  std::map<std::string, OrderChange> orders;
  std::map<std::uint32_t, std::int64_t> stock;
};

// Runs `messages` (orders payloads, stream seq 1, 2, ...) on n partitions;
// with `restart_after` > 0, every partition commits after that many
// messages and a new PartitionCore restored from what it committed does the rest.
BasketRun run_partitions(const std::vector<std::string>& messages, std::uint32_t n, std::size_t restart_after = 0) {
  Catalog cat = basket_catalog();
  BasketRun out;
  out.stock = {5, 4, 3, 2};
  std::vector<Saved> saved(n);
  std::vector<std::size_t> phases{0};
  if (restart_after > 0 && restart_after < messages.size()) phases.push_back(restart_after);
  phases.push_back(messages.size());
  for (std::size_t ph = 0; ph + 1 < phases.size(); ++ph) {
    const std::size_t first = phases[ph], m = phases[ph + 1] - first;
    std::vector<std::unique_ptr<PartitionCore>> cores;
    for (std::uint32_t k = 0; k < n; ++k) {
      std::vector<std::int64_t> stock = out.stock;
      for (const auto& [p, v] : saved[k].stock) stock[p] = v;
      cores.push_back(std::make_unique<PartitionCore>(cat, PartitionId{k, n}, stock));
      for (const auto& [id, o] : saved[k].orders) cores[k]->restore_order(o.id, o.product, o.amount, o.state, o.items);
    }
    std::vector<std::vector<PartitionStep>> steps(n);
    for (auto& v : steps) v.resize(m);
    // votes[k][i][j]: partition j's votes for message i, to k.
    std::vector<std::vector<std::vector<VoteMessage>>> votes(n, std::vector<std::vector<VoteMessage>>(m));
    for (std::uint32_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < m; ++i)
        EXPECT_TRUE(cores[k]->resolve(first + i + 1, messages[first + i], steps[k][i]).ok());
    for (std::uint32_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < m; ++i) {
        votes[k][i].resize(n);
        for (std::uint32_t j = 0; j < n; ++j) {
          if (steps[j][i].votes_out[k].empty()) continue;
          std::vector<VoteMessage> got;
          EXPECT_TRUE(decode_votes(steps[j][i].votes_out[k], got).ok());
          EXPECT_EQ(got.size(), 1u);
          votes[k][i][j] = got.at(0);
        }
      }
    std::vector<MapParts> parts(n);
    std::vector<std::size_t> at(n, 0);
    for (bool progress = true; progress;) {
      progress = false;
      for (std::uint32_t k = 0; k < n; ++k) {
        if (at[k] == m) continue;
        PartitionStep& st = steps[k][at[k]];
        std::vector<const VoteMessage*> v(n, nullptr);
        for (std::uint32_t j = 0; j < n; ++j)
          if (st.needs_votes_from[j]) v[j] = &votes[k][at[k]][j];
        ApplyProgress p;
        Status s = cores[k]->apply(st, v, parts[k], p);
        EXPECT_TRUE(s.ok()) << s.message();
        if (!s.ok()) return out;
        for (std::uint32_t j = 0; j < n; ++j) {
          if (st.part_votes_out[j].votes.empty()) continue;
          std::string wire;
          encode_part_votes(st.part_votes_out[j], wire);
          std::vector<VoteMessage> none;
          std::vector<PartVoteMessage> got;
          EXPECT_TRUE(decode_votes(wire, none, &got).ok());
          for (const PartVoteMessage& pm : got) {
            EXPECT_EQ(pm.from, k);
            for (const PartVote& pv : pm.votes) EXPECT_TRUE(parts[j].votes.insert({{pv.seq, k}, pv}).second);
          }
          progress = true;
        }
        if (p == ApplyProgress::kNeedsPartVotes) {
          ++out.stops;
          continue;
        }
        std::vector<ResultEntry> entries;
        if (!st.results.empty()) {
          EXPECT_TRUE(decode_results(st.results, entries).ok());
        }
        for (const ResultEntry& e : entries)
          EXPECT_TRUE(out.lines.insert({e.seq, std::string(e.line)}).second) << "seq " << e.seq << " twice";
        ++at[k];
        progress = true;
      }
    }
    for (std::uint32_t k = 0; k < n; ++k) {
      EXPECT_EQ(at[k], m) << "partition " << k + 1 << "/" << n << " never finished: a deadlock";
      PartitionChanges c = cores[k]->take_changes(first + m);
      for (const OrderChange& o : c.orders) saved[k].orders[o.id] = o;
      for (const StockChange& sc : c.stock) {
        EXPECT_TRUE(cores[k]->owns_product(sc.product));
        saved[k].stock[sc.product] = sc.stock;
      }
    }
  }
  for (std::uint32_t k = 0; k < n; ++k)
    for (const auto& [p, v] : saved[k].stock) out.stock[p] = v;
  return out;
}

std::string basket(const std::string& id, const std::vector<std::pair<std::string, int>>& items) {
  std::string s = "{";
  if (!id.empty()) s += "\"id\":\"" + id + "\",";
  s += "\"items\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ',';
    s += "{\"productId\":\"";
    s += items[i].first;
    s += "\",\"amount\":";
    s += std::to_string(items[i].second);
    s += '}';
  }
  return s + "]}";
}
std::string reverse(const std::string& id) { return "{\"id\":\"" + id + "\",\"op\":\"reverse\"}"; }

// The records, cut into orders messages at `cuts` (record counts).
std::vector<std::string> basket_messages(const std::vector<std::size_t>& cuts) {
  const std::vector<std::string> records{
      basket("b1", {{"A", 2}, {"B", 1}, {"C", 1}}),     // 1: over 3 owners: Completed
      basket("b1", {{"A", 1}}),                         // 2: duplicate_id
      basket("b2", {{"A", 1}, {"B", 99}}),              // 3: fails at partition 2's item
      basket("b3", {{"A", 99}, {"C", 1}}),              // 4: fails at partition 1's item
      basket("b4", {{"B", 1}, {"C", 99}}),              // 5: fails at partition 3's item
      basket("b5", {{"A", 1}, {"D", 1}}),               // 6: one owner (at N = 3): Completed
      basket("b6", {{"A", 1}, {"A", 99}}),              // 7: a repeated product, item 2 lacks
      reverse("b1"),                                    // 8: Reversed: every part comes back
      reverse("b1"),                                    // 9: not_reversible
      reverse("b2"),                                    // 10: not_reversible (rejected)
      basket("", {{"B", 1}, {"C", 1}}),                 // 11: no id
      basket("b7", {{"A", 1}, {"NOPE", 1}}),            // 12: unknown_product at item 2
      reverse("b7"),                                    // 13: not_reversible
      basket("b8", {{"B", 0}}),                         // 14: invalid_amount
      basket("b9", {{"B", 1}, {"C", 1}}),               // 15
      reverse("b9"),                                    // 16: names a basket still being voted on
      basket("b10", {{"C", 1}, {"B", 1}}),              // 17
      R"({"id":"s1","productId":"B","amount":99})",     // 18: may fail: waits for b10's outcome
      R"({"id":"s2","productId":"C","amount":1})",      // 19
      basket("b11", {{"C", 2}, {"A", 1}, {"B", 1}}),    // 20: C lacks (the lines say how many were seen)
      basket("b12", {{"D", 1}, {"B", 2}}),              // 21
      R"({"productId":"D","amount":1})",                // 22
      reverse("b12"),                                   // 23
      basket("b13", {{"D", 2}, {"C", 1}}),              // 24: after the reversal gave D back
      basket("b14", {{"B", 1}, {"C", 99}}),             // 25: B held until C's owner says no
      R"({"productId":"B","amount":99})",               // 26: sees B's stock without b14's hold
      basket("b15", {{"B", 1}, {"C", 99}}),             // 27
      R"({"id":"s3","productId":"B","amount":99})",     // 28: the same, with an id
      basket("b16", {{"A", 1}, {"B", 99}}),             // 29
      basket("b17", {{"A", 99}, {"B", 1}}),             // 30: A's owner sees A without b16's hold
  };
  std::vector<std::string> out;
  std::size_t from = 0;
  for (std::size_t c : cuts) {
    std::vector<std::string> part(records.begin() + static_cast<std::ptrdiff_t>(from),
                                  records.begin() + static_cast<std::ptrdiff_t>(std::min(from + c, records.size())));
    if (!part.empty()) out.push_back(orders_message(part, from + 1));
    from += c;
  }
  if (from < records.size())
    out.push_back(orders_message(std::vector<std::string>(records.begin() + static_cast<std::ptrdiff_t>(from),
                                                          records.end()),
                                 from + 1));
  return out;
}

// The sequential reference, as `process` decides: resolve() then apply() on
// each record in seq order, one thread.
BasketRun sequential(const std::vector<std::string>& messages) {
  Catalog cat = basket_catalog();
  BasketRun out;
  out.stock = {5, 4, 3, 2};
  std::unique_ptr<ProductStore> store = make_store(StoreKind::kSharded, out.stock, 1);
  OrderIndex index;
  Decoder decoder(cat);
  std::vector<std::string> sources{"in.ndjson"};
  ResultFormatter formatter(cat, sources);
  for (const std::string& m : messages) {
    Batch b;
    std::string name;
    EXPECT_TRUE(decode_orders(m, b, name).ok());
    decoder.decode(b);
    for (Record& r : b.records) {
      if (resolve(r, index, b.items)) apply(r, b.items, *store, index, cat);
      std::string line;
      formatter.format_one(b, r, line);
      out.lines[r.seq] = line;
    }
  }
  for (std::uint32_t p = 0; p < out.stock.size(); ++p) out.stock[p] = store->stock(p);
  return out;
}

TEST(PartitionBasketTest, OneTwoAndThreePartitionsDecideEveryBasketAlike) {
  const std::vector<std::vector<std::size_t>> cuttings{{100}, {1, 1, 1, 1, 1, 1, 1, 1}, {5, 6, 4}, {3, 10}};
  const BasketRun one = run_partitions(basket_messages({100}), 1);
  ASSERT_EQ(one.lines.size(), 30u);
  const BasketRun reference = sequential(basket_messages({100}));
  EXPECT_EQ(one.lines, reference.lines);
  EXPECT_EQ(one.stock, reference.stock);
  EXPECT_EQ(one.stops, 0u);  // alone, it never waits
  auto has = [&](std::uint64_t seq, const std::string& text) {
    EXPECT_NE(one.lines.at(seq).find(text), std::string::npos) << one.lines.at(seq);
  };
  has(1, "\"status\":\"Completed\"");
  has(2, "duplicate_id");
  has(3, "\"item\":2");
  has(4, "\"item\":1");
  has(5, "\"item\":2");
  has(6, "\"status\":\"Completed\"");
  has(7, "\"item\":2");
  has(8, "\"status\":\"Reversed\"");
  has(9, "not_reversible");
  has(10, "not_reversible");
  has(11, "\"status\":\"Completed\"");
  has(12, "unknown_product");
  has(14, "invalid_amount");
  has(16, "\"status\":\"Reversed\"");
  has(18, "insufficient_stock");
  has(23, "\"status\":\"Reversed\"");
  for (std::uint32_t n : {2u, 3u})
    for (const auto& cuts : cuttings) {
      const BasketRun got = run_partitions(basket_messages(cuts), n);
      EXPECT_EQ(got.lines, one.lines) << "N = " << n << ", " << cuts.size() << " cuts";
      EXPECT_EQ(got.stock, one.stock) << "N = " << n << ", " << cuts.size() << " cuts";
    }
  // Over 3 partitions the baskets wait for part votes somewhere.
  EXPECT_GT(run_partitions(basket_messages({100}), 3).stops, 0u);
}

TEST(PartitionBasketTest, APartitionRestoredFromItsCheckpointReversesBasketsAlike) {
  // Every partition commits after the first message (b1 Completed over three
  // owners, its entries with their items) and starts again from the file:
  // the reversal of b1 in the second message gives each part back.
  const BasketRun one = run_partitions(basket_messages({7, 100}), 1);
  for (std::uint32_t n : {1u, 2u, 3u}) {
    const BasketRun got = run_partitions(basket_messages({7, 100}), n, 1);
    EXPECT_EQ(got.lines, one.lines) << "N = " << n;
    EXPECT_EQ(got.stock, one.stock) << "N = " << n;
  }
  EXPECT_NE(one.lines.at(8).find("\"status\":\"Reversed\""), std::string::npos) << one.lines.at(8);
}

TEST(PartitionBasketTest, PartVotesAndBasketResultsRoundTrip) {
  PartVoteMessage m{7, 2, {{11, 0, 0}, {12, 3, 4}}};
  VoteMessage v{7, 1, {{13, VoteKind::kItems, kNoProduct, {{1, 2}, {0, 64}}}, {14, VoteKind::kOk, kNoProduct, {}}}};
  std::string wire;
  encode_votes(v, wire);
  encode_part_votes(m, wire);
  std::vector<VoteMessage> votes;
  std::vector<PartVoteMessage> parts;
  ASSERT_TRUE(decode_votes(wire, votes, &parts).ok());
  ASSERT_EQ(votes.size(), 1u);
  ASSERT_EQ(votes[0].votes.size(), 2u);
  EXPECT_EQ(votes[0].votes[0].kind, VoteKind::kItems);
  ASSERT_EQ(votes[0].votes[0].items.size(), 2u);
  EXPECT_EQ(votes[0].votes[0].items[1].amount, 64u);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].votes[1].failed, 3);
  EXPECT_EQ(parts[0].votes[1].stock_seen, 4);
  std::vector<VoteMessage> only;
  EXPECT_FALSE(decode_votes(wire, only).ok());  // a part vote where none may be
  EXPECT_FALSE(decode_votes("OFV1 7 1 1\n13 b1:2,\n", only).ok());
  EXPECT_FALSE(decode_votes("OFP1 7 1 1\n13 65 0\n", only, &parts).ok());

  std::string results;
  begin_results(7, 0, 1, results);
  ResultEntry e;
  e.seq = 13;
  e.status = OrderStatus::kCompleted;
  e.product = kBasketProduct;
  e.amount = 3;
  e.total = 500;
  e.items = {{1, 2}, {0, 1}};
  e.line = "{}\n";
  append_result(e, results);
  std::vector<ResultEntry> back;
  ASSERT_TRUE(decode_results(results, back).ok());
  ASSERT_EQ(back.size(), 1u);
  ASSERT_EQ(back[0].items.size(), 2u);
  EXPECT_EQ(back[0].items[0].product, 1u);
  EXPECT_EQ(back[0].line, "{}\n");
}

}  // namespace
}  // namespace orderflow
