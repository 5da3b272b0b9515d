// Ledger: the order in which checks decide a record (SPEC.md "Outcomes and the
// order they are decided in"), ids taken by place records, reversals, stock,
// cancellation, and the statistics counted from decided records.
#include "data/ledger/ledger.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/base/hash.h"
#include "data/codec/decoder.h"
#include "data/codec/result_format.h"
#include "data/model/stats.h"
#include "tests/test_util.h"

namespace orderflow {
namespace {

Catalog test_catalog() {
  return testing::value_of(
      Catalog::parse("ID,ProductName,Stock,Variety,Price\nA,a,5,,1.25\nB,b,0,,2.00\nC,c,1000,,0.01\n", "cat.csv"));
}

// Runs records one at a time through decode -> resolve -> apply, the
// sequential reference the engine must reproduce.
class Ledger {
 public:
  explicit Ledger(StoreKind kind = StoreKind::kSharded, std::size_t shards = 1)
      : catalog_(test_catalog()),
        store_(make_store(kind, {5, 0, 1000}, shards)),
        decoder_(catalog_),
        formatter_(catalog_, sources_),
        stats_(catalog_.size()) {}

  // "Completed 6.25", "Rejected duplicate_id: duplicate order id x", ...
  std::string run(const std::string& json) {
    Batch b = decoded(json);
    Record& r = b.records[0];
    if (resolve(r, index_)) {
      EXPECT_EQ(apply(r, *store_, index_, catalog_), ApplyResult::kDone);
    }
    return outcome(b, r);
  }

  Batch decoded(const std::string& json) {
    Batch b;
    ++seq_;
    b.add(seq_, seq_, json.data(), json.size());
    decoder_.decode(b);
    return b;
  }

  std::string outcome(const Batch& b, Record& r) {
    EXPECT_TRUE(r.decided);
    stats_.count(r);
    std::string s(to_string(r.status));
    if (r.status == OrderStatus::kCompleted || r.status == OrderStatus::kReversed) return s + " " + format_money(r.total);
    return s + " " + std::string(to_string(r.reason)) + ": " + formatter_.error_text(b, r);
  }

  std::int64_t stock(std::uint32_t p) const { return store_->stock(p); }
  const Stats& stats() const { return stats_; }
  OrderIndex& index() { return index_; }
  ProductStore& store() { return *store_; }
  const Catalog& catalog() const { return catalog_; }

 private:
  std::vector<std::string> sources_{"in"};
  Catalog catalog_;
  OrderIndex index_;
  std::unique_ptr<ProductStore> store_;
  Decoder decoder_;
  ResultFormatter formatter_;
  Stats stats_;
  std::uint64_t seq_ = 0;
};

std::string place(const std::string& id, const std::string& product, const std::string& amount) {
  std::string s = "{";
  if (!id.empty()) s += "\"id\":\"" + id + "\",";
  return s + "\"productId\":\"" + product + "\",\"amount\":" + amount + "}";
}
std::string reverse(const std::string& id) { return "{\"op\":\"reverse\",\"id\":\"" + id + "\"}"; }

TEST(LedgerPlace, ChecksRunInSpecOrder) {
  Ledger l;
  EXPECT_EQ(l.run(place("x", "A", "2")), "Completed 2.50");
  // invalid_record outranks duplicate_id.
  EXPECT_EQ(l.run(R"({"id":"x","productId":"A","amount":"2"})"),
            "Rejected invalid_record: in:2: field amount must be an integer: got \"2\"");
  // duplicate_id outranks invalid_amount and unknown_product.
  EXPECT_EQ(l.run(place("x", "NOPE", "0")), "Rejected duplicate_id: duplicate order id x");
  // invalid_amount outranks unknown_product.
  EXPECT_EQ(l.run(place("y", "NOPE", "0")), "Rejected invalid_amount: order amount must be at least 1: got 0");
  EXPECT_EQ(l.run(place("", "NOPE", "1000000001")),
            "Rejected invalid_amount: order amount must be at most 1000000000: got 1000000001");
  // unknown_product outranks insufficient_stock (which it cannot even look at).
  EXPECT_EQ(l.run(place("z", "NOPE", "99")), "Rejected unknown_product: product NOPE does not exist");
  EXPECT_EQ(l.run(place("w", "A", "4")), "Rejected insufficient_stock: not enough stock for product A: got 3, want 4");
  EXPECT_EQ(l.run(place("", "B", "1")), "Rejected insufficient_stock: not enough stock for product B: got 0, want 1");
  EXPECT_EQ(l.run(place("v", "A", "3")), "Completed 3.75");
  EXPECT_EQ(l.run(place("", "A", "1")), "Rejected insufficient_stock: not enough stock for product A: got 0, want 1");
  EXPECT_EQ(l.stock(0), 0);
}

TEST(LedgerPlace, APlaceRecordThatPassedInvalidRecordTakesItsIdWhateverItsOutcome) {
  Ledger l;
  EXPECT_EQ(l.run(place("amount0", "A", "0")).substr(0, 25), "Rejected invalid_amount: ");
  EXPECT_EQ(l.run(place("nope", "NOPE", "1")).substr(0, 25), "Rejected unknown_product:");
  EXPECT_EQ(l.run(place("short", "B", "1")).substr(0, 28), "Rejected insufficient_stock:");
  EXPECT_EQ(l.run(place("ok", "A", "1")), "Completed 1.25");
  for (const char* id : {"amount0", "nope", "short", "ok"})
    EXPECT_EQ(l.run(place(id, "C", "1")), std::string("Rejected duplicate_id: duplicate order id ") + id) << id;
  // An invalid record takes nothing: its id is still free afterwards.
  EXPECT_EQ(l.run(R"({"id":"bad","productId":"C","amount":1.5})").substr(0, 23), "Rejected invalid_record");
  EXPECT_EQ(l.run(R"({"id":"bad","productId":"C"})").substr(0, 23), "Rejected invalid_record");
  EXPECT_EQ(l.run(place("bad", "C", "1")), "Completed 0.01");
  // A reverse record takes no id either.
  EXPECT_EQ(l.run(reverse("later")), "Rejected unknown_order: order later does not exist");
  EXPECT_EQ(l.run(place("later", "C", "2")), "Completed 0.02");
  // Records without ids never collide.
  EXPECT_EQ(l.run(place("", "C", "1")), "Completed 0.01");
  EXPECT_EQ(l.run(place("", "C", "1")), "Completed 0.01");
  EXPECT_EQ(l.index().size(), 6u);
}

TEST(LedgerReverse, ChecksRunInSpecOrder) {
  Ledger l;
  EXPECT_EQ(l.run(place("x", "A", "2")), "Completed 2.50");
  EXPECT_EQ(l.stock(0), 3);
  EXPECT_EQ(l.run(R"({"op":"reverse"})"), "Rejected invalid_record: in:2: missing field id");
  EXPECT_EQ(l.run(reverse("nope")), "Rejected unknown_order: order nope does not exist");
  EXPECT_EQ(l.run(reverse("x")), "Reversed 2.50");
  EXPECT_EQ(l.stock(0), 5);
  EXPECT_EQ(l.run(reverse("x")), "Rejected not_reversible: order x is already reversed");
  EXPECT_EQ(l.run(reverse("x")), "Rejected not_reversible: order x is already reversed");
  EXPECT_EQ(l.stock(0), 5);
  // A reversed order's id stays taken.
  EXPECT_EQ(l.run(place("x", "A", "1")), "Rejected duplicate_id: duplicate order id x");
}

TEST(LedgerReverse, OnlyCompletedOrdersCanBeReversed) {
  Ledger l;
  l.run(place("amount", "A", "0"));
  l.run(place("product", "NOPE", "1"));
  l.run(place("stock", "A", "6"));
  for (const char* id : {"amount", "product", "stock"})
    EXPECT_EQ(l.run(reverse(id)), std::string("Rejected not_reversible: order ") + id + " was rejected and cannot be reversed");
  EXPECT_EQ(l.stock(0), 5);
}

TEST(LedgerReverse, UndoesTheNamedOrderWhateverTheReverseRecordSays) {
  Ledger l;
  EXPECT_EQ(l.run(place("o", "A", "4")), "Completed 5.00");
  Batch b = l.decoded(R"({"op":"reverse","id":"o","productId":"C","amount":999})");
  Record& r = b.records[0];
  ASSERT_TRUE(resolve(r, l.index()));
  EXPECT_EQ(r.product, 0u);
  EXPECT_EQ(r.amount, 4);
  EXPECT_EQ(apply(r, l.store(), l.index(), l.catalog()), ApplyResult::kDone);
  EXPECT_EQ(l.outcome(b, r), "Reversed 5.00");
  EXPECT_EQ(l.stock(0), 5);
  EXPECT_EQ(l.stock(2), 1000);
  // Stock that came back can be sold again.
  EXPECT_EQ(l.run(place("p", "A", "5")), "Completed 6.25");
}

TEST(LedgerReverse, ReverseOfAPendingOrderRetriesOnSharedStores) {
  Ledger l(StoreKind::kMutex);
  Batch pb = l.decoded(place("o", "A", "2"));
  Batch rb = l.decoded(reverse("o"));
  Record& p = pb.records[0];
  Record& r = rb.records[0];
  ASSERT_TRUE(resolve(p, l.index()));
  ASSERT_TRUE(resolve(r, l.index()));
  EXPECT_EQ(apply(r, l.store(), l.index(), l.catalog()), ApplyResult::kRetry);
  EXPECT_FALSE(r.decided);
  EXPECT_EQ(apply(p, l.store(), l.index(), l.catalog()), ApplyResult::kDone);
  EXPECT_EQ(apply(r, l.store(), l.index(), l.catalog()), ApplyResult::kDone);
  EXPECT_EQ(l.outcome(pb, p), "Completed 2.50");
  EXPECT_EQ(l.outcome(rb, r), "Reversed 2.50");
  EXPECT_EQ(l.stock(0), 5);
}

TEST(LedgerCancel, ACancelledOrderCannotBeReversed) {
  Ledger l;
  Batch b = l.decoded(place("o", "A", "2"));
  Record& r = b.records[0];
  ASSERT_TRUE(resolve(r, l.index()));
  cancel(r, l.index(), Reason::kDeadline);
  EXPECT_EQ(l.outcome(b, r), "Cancelled deadline: deadline exceeded before the record was applied");
  EXPECT_EQ(l.stock(0), 5);
  EXPECT_EQ(l.run(reverse("o")), "Rejected not_reversible: order o was cancelled and cannot be reversed");
  EXPECT_EQ(l.run(place("o", "A", "1")), "Rejected duplicate_id: duplicate order id o");
  // Cancelling a decided record changes nothing.
  Batch done = l.decoded(place("q", "A", "1"));
  Record& d = done.records[0];
  ASSERT_TRUE(resolve(d, l.index()));
  apply(d, l.store(), l.index(), l.catalog());
  cancel(d, l.index(), Reason::kInterrupted);
  EXPECT_EQ(d.status, OrderStatus::kCompleted);
  Batch pending = l.decoded(reverse("q"));
  Record& pr = pending.records[0];
  ASSERT_TRUE(resolve(pr, l.index()));
  cancel(pr, l.index(), Reason::kInterrupted);
  EXPECT_EQ(l.outcome(pending, pr), "Cancelled interrupted: interrupted before the record was applied");
  EXPECT_EQ(l.run(reverse("q")), "Reversed 1.25");  // a cancelled reversal leaves the order Completed
}

// An order backend for fetch_prior(): earlier orders by id; records the queries.
class FakePrior final : public PriorOrders {
 public:
  std::map<std::string, PriorOrder> orders;
  std::vector<std::string> asked;
  Status fail;  // returned after the look-ups, when not ok
  Status find(std::span<const PriorQuery> queries, const Found& found) override {
    for (std::size_t i = 0; i < queries.size(); ++i) {
      asked.emplace_back(queries[i].id);
      EXPECT_EQ(queries[i].hash, hash_bytes(queries[i].id));
      if (!fail.ok()) continue;
      auto it = orders.find(std::string(queries[i].id));
      if (it != orders.end()) found(i, PriorOrder(it->second));
    }
    return fail;
  }
};

// A batch's ids the index does not know are looked up once, together, before
// resolve(); what the backend knows then decides as if it had been in the
// index all along: duplicate_id, reversal of an earlier order, not_reversible.
TEST(LedgerPrior, FetchPriorPutsEarlierOrdersInTheIndexBeforeTheBatchIsResolved) {
  Ledger l;
  EXPECT_EQ(l.run(place("here", "C", "1")), "Completed 0.01");  // this run's: the index knows it
  FakePrior prior;
  PriorOrder done;
  done.state = OrderState::kCompleted;
  done.product = 0;
  done.amount = 2;
  prior.orders["old"] = done;
  PriorOrder reversed = done;
  reversed.state = OrderState::kReversed;
  prior.orders["rev"] = reversed;
  const std::vector<std::string> lines = {
      place("old", "A", "1"), reverse("old"), reverse("rev"), place("new", "A", "1"), place("new", "A", "1"),
      reverse("here"), R"({"id":"bad","productId":"A",)", reverse("nobody")};
  Batch b;
  for (std::size_t i = 0; i < lines.size(); ++i) b.add(100 + i, 100 + i, lines[i].data(), lines[i].size());
  Decoder(l.catalog()).decode(b);
  const std::int64_t a_before = l.stock(0);
  ASSERT_TRUE(fetch_prior(b, l.index(), prior).ok());
  // Not "here" (known), not "bad" (invalid_record takes no id); "new" twice (an id asked twice is fine).
  EXPECT_EQ(prior.asked, (std::vector<std::string>{"old", "old", "rev", "new", "new", "nobody"}));
  std::vector<std::string> got;
  for (Record& r : b.records) {
    if (resolve(r, l.index(), b.items)) {
      EXPECT_EQ(apply(r, b.items, l.store(), l.index(), l.catalog()), ApplyResult::kDone);
    }
    got.push_back(std::string(to_string(r.status)) + " " + std::string(to_string(r.reason)));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"Rejected duplicate_id", "Reversed ", "Rejected not_reversible",
                                           "Completed ", "Rejected duplicate_id", "Reversed ",
                                           "Rejected invalid_record", "Rejected unknown_order"}));
  EXPECT_EQ(l.stock(0), a_before + 2 - 1) << "the earlier order's 2 units back, the new order's 1 taken";
}

TEST(LedgerPrior, AFailedLookUpIsReturnedAndPutsNothingInTheIndex) {
  Ledger l;
  FakePrior prior;
  prior.orders["old"] = PriorOrder{};
  prior.fail = Status::IOError("l.ledger: cannot read ledger: disk I/O error");
  const std::string line = reverse("old");
  Batch b;
  b.add(1, 1, line.data(), line.size());
  Decoder(l.catalog()).decode(b);
  const Status s = fetch_prior(b, l.index(), prior);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "l.ledger: cannot read ledger: disk I/O error");
  EXPECT_FALSE(l.index().find("old", hash_bytes("old")));
}

TEST(LedgerPrior, ABatchWhoseIdsTheIndexKnowsAsksNothing) {
  Ledger l;
  l.run(place("a", "C", "1"));
  FakePrior prior;
  const std::vector<std::string> lines = {reverse("a"), place("", "C", "1")};
  Batch b;
  for (std::size_t i = 0; i < lines.size(); ++i) b.add(10 + i, 10 + i, lines[i].data(), lines[i].size());
  Decoder(l.catalog()).decode(b);
  ASSERT_TRUE(fetch_prior(b, l.index(), prior).ok());
  EXPECT_TRUE(prior.asked.empty());
}

TEST(LedgerStats, CountsEveryDecidedRecord) {
  Ledger l;
  l.run(place("a", "A", "2"));      // completed 2.50
  l.run(place("b", "C", "300"));    // completed 3.00
  l.run(place("c", "C", "700"));    // completed 7.00
  l.run(place("d", "C", "1"));      // insufficient_stock
  l.run(reverse("b"));              // reversed 3.00
  l.run(reverse("b"));              // not_reversible
  l.run(reverse("zz"));             // unknown_order
  l.run(place("a", "A", "1"));      // duplicate_id
  l.run("[]");                      // invalid_record
  l.run(place("", "A", "0"));       // invalid_amount
  l.run(place("", "Q", "1"));       // unknown_product
  const Stats& s = l.stats();
  EXPECT_EQ(s.records, 11u);
  EXPECT_EQ(s.completed, 3u);
  EXPECT_EQ(s.reversed, 1u);
  EXPECT_EQ(s.rejected, 7u);
  EXPECT_EQ(s.cancelled, 0u);
  EXPECT_EQ(s.records, s.completed + s.rejected + s.reversed + s.cancelled);
  EXPECT_EQ(format_money(s.revenue), "9.50");
  EXPECT_EQ(s.products[0].sold, 2);
  EXPECT_EQ(format_money(Cents128{s.products[0].sold} * l.catalog().product(0).price), "2.50");  // revenue = sold x price
  EXPECT_EQ(s.products[1].sold, 0);
  EXPECT_EQ(s.products[2].sold, 700);
  EXPECT_EQ(format_money(Cents128{s.products[2].sold} * l.catalog().product(2).price), "7.00");
  for (Reason r : {Reason::kInsufficientStock, Reason::kNotReversible, Reason::kUnknownOrder, Reason::kDuplicateId,
                   Reason::kInvalidRecord, Reason::kInvalidAmount, Reason::kUnknownProduct})
    EXPECT_EQ(s.reasons[static_cast<std::size_t>(r)], 1u) << to_string(r);
  // Stock left + units sold = initial stock.
  EXPECT_EQ(l.stock(0) + s.products[0].sold, 5);
  EXPECT_EQ(l.stock(2) + s.products[2].sold, 1000);

  Stats merged(3);
  merged.merge(s);
  merged.merge(s);
  EXPECT_EQ(merged.records, 22u);
  EXPECT_EQ(format_money(merged.revenue), "19.00");
  EXPECT_EQ(merged.products[2].sold, 1400);
  EXPECT_EQ(merged.reasons[static_cast<std::size_t>(Reason::kDuplicateId)], 2u);
}

TEST(LedgerStores, ShardedAndMutexDecideTheSameSequentially) {
  const std::vector<std::string> script = {
      place("a", "A", "3"), place("b", "A", "3"), reverse("a"), place("c", "A", "3"), reverse("c"),
      reverse("c"), place("d", "C", "999"), place("e", "C", "2"), reverse("d"), place("e2", "C", "2"),
  };
  std::vector<std::string> expected;
  for (auto [kind, shards] : {std::pair{StoreKind::kSharded, std::size_t{1}}, std::pair{StoreKind::kSharded, std::size_t{3}},
                              std::pair{StoreKind::kMutex, std::size_t{1}}}) {
    Ledger l(kind, shards);
    std::vector<std::string> got;
    for (const std::string& rec : script) got.push_back(l.run(rec));
    if (expected.empty()) expected = got;
    EXPECT_EQ(got, expected) << to_string(kind) << " shards " << shards;
    EXPECT_EQ(l.stock(0), 5);
    EXPECT_EQ(l.stock(2), 998);
  }
  EXPECT_EQ(expected[1], "Rejected insufficient_stock: not enough stock for product A: got 2, want 3");
  EXPECT_EQ(expected[3], "Completed 3.75");
  EXPECT_EQ(expected[7], "Rejected insufficient_stock: not enough stock for product C: got 1, want 2");
  EXPECT_EQ(expected[9], "Completed 0.02");
}

}  // namespace
}  // namespace orderflow
