// `orderflow ledger show|stock|runs|catalog|abandon`, run as a user would, on a
// ledger written through LedgerDb (process --ledger has its own tests).
#include <gtest/gtest.h>

#include "data/ledger/ledger_db.h"
#include "tests/test_util.h"

namespace orderflow {
namespace {

using testing::run;
using testing::TempDir;

constexpr const char* kCatalog = "ID,ProductName,Stock,Variety,Price\nA,Water,5,Lemon,1.25\nB,Juice,0,Apple,2.00\n";

// A ledger with one unfinished run that completed o1 and o2, rejected o3 and reversed o1.
void make_ledger(const std::string& path) {
  LedgerOpenOptions o;
  o.write = true;
  auto db = testing::value_of(LedgerDb::open(path, o));
  ASSERT_TRUE(db->initialize(testing::value_of(Catalog::parse(kCatalog, "cat.csv"))).ok());
  std::int64_t r = testing::value_of(db->begin_run({"day1.ndjson"}, "out.ndjson"));
  Stats stats(2);
  stats.records = 4;
  stats.completed = 2;
  stats.rejected = 1;
  stats.reversed = 1;
  stats.revenue = 125;
  LedgerGroup g;
  g.run = r;
  g.orders = {{"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 1},
              {"o2", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 2},
              {"o3", "B", 4, OrderStatus::kRejected, Reason::kInsufficientStock, 0, 3}};
  g.reversals = {{"o1", 4}};
  g.stock = {{0, 4}};
  g.checkpoint = {4, 0, 4, 99, 400};
  g.stats = &stats;
  ASSERT_TRUE(db->commit(g).ok());
}

TEST(LedgerCmd, ShowPrintsOneLinePerIdAndTellsWhetherAllWereFound) {
  TempDir dir;
  const std::string ledger = dir.file("shop.ledger");
  make_ledger(ledger);
  auto r = run({"ledger", "show", ledger, "o1", "o3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"id\":\"o1\",\"op\":\"place\",\"productId\":\"A\",\"amount\":1,\"status\":\"Reversed\",\"total\":1.25,"
            "\"run\":1,\"seq\":1,\"reversedRun\":1,\"reversedSeq\":4}\n"
            "{\"id\":\"o3\",\"op\":\"place\",\"productId\":\"B\",\"amount\":4,\"status\":\"Rejected\","
            "\"reason\":\"insufficient_stock\",\"run\":1,\"seq\":3}\n");
  auto miss = run({"ledger", "show", ledger, "o2", "nope"});
  EXPECT_EQ(miss.exit_code, 1);
  ASSERT_EQ(testing::lines(miss.out).size(), 2u);
  EXPECT_EQ(testing::lines(miss.out)[1], "{\"id\":\"nope\",\"found\":false}");
}

TEST(LedgerCmd, StockIsTheCatalogWithTheLedgersStock) {
  TempDir dir;
  const std::string ledger = dir.file("shop.ledger");
  make_ledger(ledger);
  testing::write_file(dir.file("now.csv"), "ID,ProductName,Stock,Variety,Price\nA,Water,4,Lemon,1.25\nB,Juice,0,Apple,2.00\n");
  auto want = run({"catalog", "-c", dir.file("now.csv")});
  auto got = run({"ledger", "stock", ledger});
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_TRUE(testing::same_text(got.out, want.out));
  auto csv = run({"ledger", "stock", ledger, "--format", "csv"});
  EXPECT_TRUE(testing::same_text(csv.out, run({"catalog", "-c", dir.file("now.csv"), "--format", "csv"}).out));
}

TEST(LedgerCmd, RunsAndAbandon) {
  TempDir dir;
  const std::string ledger = dir.file("shop.ledger");
  make_ledger(ledger);
  auto r = run({"ledger", "runs", ledger});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(testing::lines(r.out).size(), 1u);
  EXPECT_NE(r.out.find("\"state\":\"unfinished\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"inputs\":[\"day1.ndjson\"]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"records\":4,\"completedOrders\":2,\"rejectedOrders\":1,\"reversedOrders\":1,\"revenue\":1.25"),
            std::string::npos)
      << r.out;
  auto a = run({"ledger", "abandon", ledger});
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, "abandoned run 1 (its 4 committed records stay in the ledger)\n");
  EXPECT_NE(run({"ledger", "runs", ledger}).out.find("\"state\":\"abandoned\""), std::string::npos);
  EXPECT_EQ(run({"ledger", "show", ledger, "o2"}).exit_code, 0);
}

TEST(LedgerCmd, CatalogUpdatePrintsWhatChanged) {
  TempDir dir;
  const std::string ledger = dir.file("shop.ledger");
  make_ledger(ledger);
  testing::write_file(dir.file("new.csv"),
                      "ID,ProductName,Stock,Variety,Price\nA,Water,50,Lemon,1.30\nB,Juice,0,Apple,2.00\nC,Tea,9,Green,3.00\n");
  auto dry = run({"ledger", "catalog", ledger, "-c", dir.file("new.csv"), "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "price of A: 1.25 -> 1.30\nadd C Tea(Green), price 3.00, stock 9\n");
  EXPECT_EQ(run({"ledger", "stock", ledger, "--format", "csv"}).out.find("C,"), std::string::npos);
  auto upd = run({"ledger", "catalog", ledger, "-c", dir.file("new.csv")});
  EXPECT_TRUE(testing::same_text(upd.out, dry.out));
  EXPECT_EQ(run({"ledger", "stock", ledger, "--format", "csv"}).out,
            "ID,ProductName,Stock,Variety,Price\nA,Water,4,Lemon,1.30\nB,Juice,0,Apple,2.00\nC,Tea,9,Green,3.00\n");
  EXPECT_EQ(run({"ledger", "catalog", ledger, "-c", dir.file("new.csv")}).out,
            "no change: the ledger has these products and prices\n");
}

TEST(LedgerCmd, BadLedgersAreErrorsNamingTheFile) {
  TempDir dir;
  testing::write_file(dir.file("junk"), "this is not a database at all, not even close\n");
  for (const char* sub : {"show", "stock", "runs"}) {
    std::vector<std::string> args = {"ledger", sub, dir.file("junk")};
    if (std::string(sub) == "show") args.push_back("o1");
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 1) << sub;
    EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(dir.file("junk")), std::string::npos) << r.err;
  }
  auto missing = run({"ledger", "stock", dir.file("missing.ledger")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_FALSE(testing::file_exists(dir.file("missing.ledger")));
  EXPECT_EQ(testing::read_file(dir.file("junk")), "this is not a database at all, not even close\n");
}

}  // namespace
}  // namespace orderflow
