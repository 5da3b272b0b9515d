// ApplyQueue and the backend contract of ProductStore and OrderIndex: a slice
// of stock operations (ProductStore::write) decides exactly what apply() on
// each record does; a store whose write() fails is reported, never a crash;
// the REQUIRES of the stores and the index fire in Debug builds.
#include "data/ledger/apply_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "data/base/hash.h"
#include "data/codec/decoder.h"
#include "data/codec/result_format.h"

namespace orderflow {
namespace {

Catalog test_catalog() {
  Result<Catalog> c = Catalog::parse("ID,ProductName,Stock,Variety,Price\nA,a,5,,1.25\nB,b,0,,2.00\nC,c,1000,,0.01\n", "cat.csv");
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

// Places, reverses (of orders placed earlier in the same slice, twice, of
// rejected orders), baskets and their reversal, insufficient stock on a
// product that a reverse in the slice gave units back to.
const std::vector<std::string> kSlice = {
    R"({"id":"p1","productId":"A","amount":3})",
    R"({"id":"p2","productId":"A","amount":3})",  // 2 left: insufficient
    R"({"id":"p1","op":"reverse"})",              // placed in this slice: flushed first
    R"({"id":"p3","productId":"A","amount":4})",  // 5 left again
    R"({"id":"p1","op":"reverse"})",              // reversed already: not_reversible
    R"({"id":"p2","op":"reverse"})",              // rejected: not_reversible
    R"({"id":"k1","items":[{"productId":"C","amount":10},{"productId":"A","amount":1}]})",
    R"({"id":"k2","items":[{"productId":"C","amount":1},{"productId":"A","amount":1}]})",  // A is out
    R"({"id":"k1","op":"reverse"})",
    R"({"productId":"C","amount":990})",
    R"({"productId":"C","amount":1})",
    R"({"id":"p3","op":"reverse"})",
};

// One batch of kSlice, decoded, with its own index and store.
struct Slice1 {
  Catalog catalog = test_catalog();
  OrderIndex index;
  std::unique_ptr<ProductStore> store;
  Batch batch;
  std::vector<std::string> sources{"in"};

  explicit Slice1(StoreKind kind) : store(make_store(kind, {5, 0, 1000}, 1)) {
    std::uint64_t seq = 0;
    for (const std::string& line : kSlice) {
      ++seq;
      batch.add(seq, seq, line.data(), line.size());
    }
    Decoder(catalog).decode(batch);
  }
  std::string results() {
    std::string out;
    ResultFormatter(catalog, sources).format(batch, out);
    return out;
  }
};

class ApplyQueueEveryStore : public ::testing::TestWithParam<StoreKind> {};

TEST_P(ApplyQueueEveryStore, DecidesWhatApplyDecidesRecordByRecord) {
  for (std::size_t max_queued : {1, 2, 3, 1024}) {
    Slice1 one(GetParam()), sliced(GetParam());
    for (Record& r : one.batch.records) {
      if (resolve(r, one.index, one.batch.items)) {
        EXPECT_EQ(apply(r, one.batch.items, *one.store, one.index, one.catalog), ApplyResult::kDone);
      }
    }
    ApplyQueue queue(*sliced.store, sliced.index, sliced.catalog, max_queued);
    std::vector<Record*> routed;  // as the router does it: the whole batch resolved first, then applied
    for (Record& r : sliced.batch.records)
      if (resolve(r, sliced.index, sliced.batch.items)) routed.push_back(&r);
    for (Record* r : routed) EXPECT_EQ(queue.add(*r, sliced.batch.items), ApplyResult::kDone);
    ASSERT_TRUE(queue.flush().ok());
    EXPECT_TRUE(queue.empty());
    for (const Record& r : sliced.batch.records) EXPECT_TRUE(r.decided) << r.seq;
    EXPECT_EQ(sliced.results(), one.results()) << "max_queued " << max_queued;
    EXPECT_EQ(sliced.store->snapshot(), one.store->snapshot());
    EXPECT_EQ(sliced.store->snapshot(), (std::vector<std::int64_t>{5, 0, 9}));
  }
}

TEST_P(ApplyQueueEveryStore, WriteIsTheSequenceOfPerProductCalls) {
  std::unique_ptr<ProductStore> a = make_store(GetParam(), {5, 3, 0}, 2), b = make_store(GetParam(), {5, 3, 0}, 2);
  const StockItem basket[] = {{0, 2}, {1, 3}};
  const StockItem too_much[] = {{0, 1}, {2, 1}};
  std::vector<StockOp> ops = {StockOp::take(0, 2),          StockOp::take(1, 4),         StockOp::take_all(basket, 2),
                              StockOp::take_all(too_much, 2), StockOp::give_back(2, 7),  StockOp::give_back_all(basket, 2),
                              StockOp::take(2, 7)};
  ASSERT_TRUE(a->write(ops).ok());
  EXPECT_TRUE(ops[0].ok);
  EXPECT_EQ(ops[0].stock_seen, 5);
  EXPECT_FALSE(ops[1].ok);
  EXPECT_EQ(ops[1].stock_seen, 3);
  EXPECT_TRUE(ops[2].ok);
  EXPECT_FALSE(ops[3].ok);
  EXPECT_EQ(ops[3].failed, 1u);
  EXPECT_EQ(ops[3].stock_seen, 0);
  EXPECT_TRUE(ops[6].ok);
  EXPECT_EQ(ops[6].stock_seen, 7);
  EXPECT_TRUE(b->take(0, 2).ok);
  EXPECT_FALSE(b->take(1, 4).ok);
  EXPECT_TRUE(b->take_all(basket, 2).ok);
  EXPECT_FALSE(b->take_all(too_much, 2).ok);
  b->give_back(2, 7);
  b->give_back_all(basket, 2);
  EXPECT_TRUE(b->take(2, 7).ok);
  EXPECT_EQ(a->snapshot(), b->snapshot());
  EXPECT_EQ(a->snapshot(), (std::vector<std::int64_t>{3, 3, 0}));
}

INSTANTIATE_TEST_SUITE_P(Stores, ApplyQueueEveryStore, ::testing::ValuesIn(kAllStoreKinds),
                         [](const auto& info) {
                           std::string n(to_string(info.param));
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// A backend whose write() fails from its `fail_at`-th call on (an I/O error
// on disk, a lost connection): the in-memory store underneath for the rest.
class FailingStore final : public ProductStore {
 public:
  FailingStore(std::unique_ptr<ProductStore> inner, int fail_at) : inner_(std::move(inner)), fail_at_(fail_at) {}
  StoreKind kind() const override { return inner_->kind(); }
  Status write(std::span<StockOp> ops) override {
    if (++writes_ >= fail_at_) return Status::IOError("stock.db: write failed: Input/output error");
    return inner_->write(ops);
  }
  TakeResult take(std::uint32_t p, std::int64_t amount) override { return inner_->take(p, amount); }
  void give_back(std::uint32_t p, std::int64_t amount) override { inner_->give_back(p, amount); }
  std::int64_t stock(std::uint32_t p) const override { return inner_->stock(p); }
  std::size_t size() const override { return inner_->size(); }
  int writes() const { return writes_; }

 private:
  std::unique_ptr<ProductStore> inner_;
  int fail_at_;
  int writes_ = 0;
};

TEST(ApplyQueue, AFailingWriteIsReportedAndDecidesNothing) {
  Slice1 run(StoreKind::kSharded);
  FailingStore store(make_store(StoreKind::kSharded, {5, 0, 1000}, 1), 2);  // the second write fails
  ApplyQueue queue(store, run.index, run.catalog);
  std::vector<Record*> routed;
  for (Record& r : run.batch.records)
    if (resolve(r, run.index, run.batch.items)) routed.push_back(&r);
  // p1, p2 queued; the reverse of p1 flushes them (write 1, ok); p3, k1, k2
  // queued; the reverse of k1 flushes them (write 2): it fails.
  for (Record* r : routed) EXPECT_EQ(queue.add(*r, run.batch.items), ApplyResult::kDone);
  const Status s = queue.flush();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "stock.db: write failed: Input/output error");
  EXPECT_FALSE(queue.status().ok());
  EXPECT_EQ(store.writes(), 2);
  EXPECT_TRUE(run.batch.records[0].decided);   // p1: in the first write
  EXPECT_TRUE(run.batch.records[1].decided);   // p2
  EXPECT_FALSE(run.batch.records[3].decided);  // p3: in the failed one
  // Nothing more is queued or written once a write failed.
  Record& last = run.batch.records.back();
  EXPECT_FALSE(last.decided);
  EXPECT_EQ(queue.add(last, run.batch.items), ApplyResult::kDone);
  EXPECT_FALSE(last.decided);
  EXPECT_FALSE(queue.flush().ok());
  EXPECT_EQ(store.writes(), 2);
}

// take_written() tells an applier that write() ran, also when add() called
// it by itself (a full queue): others may wait for those orders. Once.
TEST(ApplyQueue, TakeWrittenReportsEveryWriteOnceAlsoTheOnesAddMadeByItself) {
  Slice1 run(StoreKind::kSharded);
  FailingStore store(make_store(StoreKind::kSharded, {5, 0, 1000}, 1), 1000);  // never fails: counts writes
  ApplyQueue queue(store, run.index, run.catalog, 2);
  Record& p1 = run.batch.records[0];
  Record& p2 = run.batch.records[1];
  Record& p3 = run.batch.records[3];
  for (Record* r : {&p1, &p2, &p3}) ASSERT_TRUE(resolve(*r, run.index, run.batch.items));
  EXPECT_FALSE(queue.take_written());
  EXPECT_EQ(queue.add(p1, run.batch.items), ApplyResult::kDone);
  EXPECT_FALSE(queue.take_written()) << "one op queued, nothing written yet";
  EXPECT_EQ(queue.add(p2, run.batch.items), ApplyResult::kDone);  // the queue is full: add() writes
  EXPECT_EQ(store.writes(), 1);
  EXPECT_TRUE(p2.decided);
  EXPECT_TRUE(queue.take_written());
  EXPECT_FALSE(queue.take_written()) << "told once";
  EXPECT_TRUE(queue.flush().ok());
  EXPECT_FALSE(queue.take_written()) << "an empty flush writes nothing";
  EXPECT_EQ(queue.add(p3, run.batch.items), ApplyResult::kDone);
  EXPECT_TRUE(queue.flush().ok());
  EXPECT_EQ(store.writes(), 2);
  EXPECT_TRUE(queue.take_written());
}

TEST(ApplyQueue, AReverseOfAnOrderPendingElsewhereIsRetriedNotQueued) {
  Slice1 run(StoreKind::kMutex);
  Record& p1 = run.batch.records[0];
  Record& rev = run.batch.records[2];
  ASSERT_TRUE(resolve(p1, run.index, run.batch.items));
  ASSERT_TRUE(resolve(run.batch.records[1], run.index, run.batch.items));
  ASSERT_TRUE(resolve(rev, run.index, run.batch.items));
  ApplyQueue queue(*run.store, run.index, run.catalog);
  EXPECT_EQ(queue.add(rev, run.batch.items), ApplyResult::kRetry);  // p1 is another thread's, not applied yet
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(rev.decided);
  ASSERT_EQ(apply(p1, run.batch.items, *run.store, run.index, run.catalog), ApplyResult::kDone);
  EXPECT_EQ(queue.add(rev, run.batch.items), ApplyResult::kDone);
  ASSERT_TRUE(queue.flush().ok());
  EXPECT_EQ(rev.status, OrderStatus::kReversed);
  EXPECT_EQ(run.store->stock(0), 5);
}

// REQUIRES are checked where asserts are on (Debug and sanitizer builds).
#ifdef NDEBUG
TEST(BackendRequires, CheckedInDebugBuilds) { GTEST_SKIP() << "asserts are off in this build (NDEBUG)"; }
#else
TEST(BackendRequiresDeathTest, StoresCheckProductAndAmount) {
  for (StoreKind kind : kAllStoreKinds) {
    std::unique_ptr<ProductStore> s = make_store(kind, {5, 5}, 2);
    EXPECT_DEATH(s->take(2, 1), "REQUIRES") << to_string(kind);
    EXPECT_DEATH(s->take(0, 0), "REQUIRES") << to_string(kind);
    EXPECT_DEATH(s->give_back(7, 1), "REQUIRES") << to_string(kind);
    EXPECT_DEATH(s->stock(2), "REQUIRES") << to_string(kind);
    const StockItem one[] = {{0, 1}};
    EXPECT_DEATH(s->take_all(one, 0), "REQUIRES") << to_string(kind);
    std::vector<StockOp> ops = {StockOp::take(9, 1)};
    EXPECT_DEATH((void)s->write(ops), "REQUIRES") << to_string(kind);
  }
}

TEST(BackendRequiresDeathTest, IndexChecksIdsAndHandles) {
  OrderIndex index;
  EXPECT_DEATH(index.insert("", 1, 0, 1, OrderState::kPending), "REQUIRES");
  EXPECT_DEATH(index.insert(std::string(kIdBytesMax + 1, 'x'), 1, 0, 1, OrderState::kPending), "REQUIRES");
  EXPECT_DEATH(index.insert("x", 1, 0, kAmountMax + 1, OrderState::kPending), "REQUIRES");
  EXPECT_DEATH(index.insert_basket("x", 1, nullptr, 0, OrderState::kPending), "REQUIRES");
  EXPECT_DEATH((void)index.state(OrderRef{}), "REQUIRES");
  EXPECT_DEATH(index.set_state(OrderRef{}, OrderState::kCompleted), "REQUIRES");
}
#endif

}  // namespace
}  // namespace orderflow
