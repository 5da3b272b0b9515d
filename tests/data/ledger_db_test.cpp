// LedgerDb: the SQLite ledger's schema, commits, look-ups, catalog updates,
// the writer lock and the files it refuses (data/ledger/ledger_db.h).
#include "data/ledger/ledger_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace orderflow {
namespace {

using testing::TempDir;

using testing::value_of;

Catalog cat(const char* text) { return value_of(Catalog::parse(text, "cat.csv")); }
constexpr const char* kCatalog = "ID,ProductName,Stock,Variety,Price\nA,Water,5,Lemon,1.25\nB,Juice,0,Apple,2.00\n";

std::unique_ptr<LedgerDb> writer(const std::string& path, bool wait = true) {
  LedgerOpenOptions o;
  o.write = true;
  o.wait = wait;
  return value_of(LedgerDb::open(path, o));
}

std::unique_ptr<LedgerDb> reader(const std::string& path) {
  return value_of(LedgerDb::open(path, LedgerOpenOptions{}));
}

std::int64_t sql_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// Every row of `sql`, its columns joined by '|' (NULL as "NULL"), a line each.
std::string sql_rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) out = std::string("error: ") + sqlite3_errmsg(db);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      if (c) out += '|';
      out += t ? t : "NULL";
    }
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

void sql_exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(LedgerDb, CreatesFromACatalogAndKeepsItsStock) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  {
    auto db = writer(path);
    ASSERT_TRUE(db);
    EXPECT_TRUE(db->empty());
    ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
    EXPECT_FALSE(db->empty());
  }
  auto db = reader(path);
  ASSERT_TRUE(db);
  EXPECT_FALSE(db->empty());
  Result<Catalog> c = db->catalog();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().listing_json(), cat(kCatalog).listing_json());
  EXPECT_EQ(c.value().listing_csv(), cat(kCatalog).listing_csv());
  EXPECT_EQ(sql_int(path, "PRAGMA user_version"), kLedgerSchemaVersion);
  EXPECT_EQ(sql_int(path, "SELECT stock FROM products WHERE id='A'"), 5);
}

TEST(LedgerDb, CommitsAGroupInOneTransaction) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  Result<std::int64_t> run = db->begin_run({"day1.ndjson"}, "out.ndjson");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(value_of(db->unfinished_run()).has_value());

  Stats stats(2);
  stats.records = 3;
  stats.completed = 2;
  stats.rejected = 1;
  stats.revenue = 250;
  stats.products[0].sold = 2;
  LedgerGroup g;
  g.run = run.value();
  g.orders = {{"o2", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 2},
              {"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 1},
              {"o3", "B", 4, OrderStatus::kRejected, Reason::kInsufficientStock, 0, 3}};
  g.reversals = {{"o1", 3}};  // placed and reversed in the same group
  g.stock = {{0, 3}};
  g.checkpoint = {3, 0, 3, 12345, 300};
  g.stats = &stats;
  g.results = "r1\nr2\nr3\n";
  ASSERT_TRUE(db->commit(g).ok());
  EXPECT_EQ(db->order_count(), 3u);

  auto r = reader(path);
  auto o1 = r->find_order("o1");
  ASSERT_TRUE(o1.ok() && o1.value());
  EXPECT_EQ(o1.value()->status, OrderStatus::kReversed);
  EXPECT_EQ(o1.value()->reversed_seq, 3u);
  EXPECT_EQ(o1.value()->total, 125);
  auto o3 = r->find_order("o3");
  ASSERT_TRUE(o3.ok() && o3.value());
  EXPECT_EQ(o3.value()->status, OrderStatus::kRejected);
  EXPECT_EQ(o3.value()->reason, Reason::kInsufficientStock);
  EXPECT_EQ(o3.value()->product_id, "B");
  EXPECT_FALSE(value_of(r->find_order("nope")).has_value());
  EXPECT_EQ(value_of(r->catalog()).product(0).stock, 3);

  auto un = r->unfinished_run();
  ASSERT_TRUE(un.ok() && un.value());
  EXPECT_EQ(un.value()->checkpoint.seq, 3u);
  EXPECT_EQ(un.value()->checkpoint.checksum, 12345u);
  EXPECT_EQ(un.value()->checkpoint.results_bytes, 300u);
  EXPECT_EQ(un.value()->stats.completed, 2u);
  EXPECT_EQ(un.value()->stats.products[0].sold, 2);
  EXPECT_EQ(un.value()->inputs, std::vector<std::string>{"day1.ndjson"});
  // The group's results are pending until they are known to be written.
  auto pending = r->pending_results(run.value(), 295, 300);
  ASSERT_TRUE(pending.ok() && pending.value());
  EXPECT_EQ(*pending.value(), "2\nr3\n");  // bytes 295..300 of a group that ends at 300

  ASSERT_TRUE(db->end_run(run.value(), "", true).ok());
  EXPECT_FALSE(value_of(r->unfinished_run()).has_value());
  EXPECT_FALSE(value_of(r->pending_results(run.value(), 295, 300)).has_value());
}

// CommitSync::kLater: the group is committed (a reader sees it, its
// compressed results are pending) and the connection is FULL again for every
// other write; sync_wal() then makes it durable.
TEST(LedgerDb, ACommitLeftToSyncWalIsCommittedAndLeavesTheConnectionFull) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  Result<std::int64_t> run = db->begin_run({"day1.ndjson"}, "out.ndjson");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(db->prepare_sync_wal().ok());
  EXPECT_EQ(value_of(db->synchronous()), 2);
  LedgerGroup g;
  g.run = run.value();
  g.orders = {{"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 1}};
  g.stock = {{0, 4}};
  g.checkpoint = {1, 0, 1, 77, 3};
  std::string z;
  ASSERT_TRUE(compress_results("r1\n", z));
  g.results_zstd = z;
  g.results_size = 3;
  ASSERT_TRUE(db->commit(g, CommitSync::kLater).ok());
  EXPECT_EQ(value_of(db->synchronous()), 2);  // NORMAL was for that transaction only
  auto r = reader(path);
  EXPECT_TRUE(value_of(r->find_order("o1")).has_value());
  EXPECT_EQ(value_of(r->catalog()).product(0).stock, 4);
  auto pending = r->pending_results(run.value(), 0, 3);
  ASSERT_TRUE(pending.ok() && pending.value());
  EXPECT_EQ(*pending.value(), "r1\n");
  EXPECT_TRUE(db->sync_wal().ok());
  // A failed commit leaves it FULL too.
  LedgerGroup bad = g;
  bad.checkpoint.seq = 2;  // o1 again: the primary key refuses it
  EXPECT_FALSE(db->commit(bad, CommitSync::kLater).ok());
  EXPECT_EQ(value_of(db->synchronous()), 2);
  EXPECT_EQ(value_of(r->unfinished_run())->checkpoint.seq, 1u);
}

// The router's look-ups of earlier orders: a batch's ids at once, each found
// query reported (an id asked twice too, looked up once), states as committed.
TEST(LedgerDb, PriorOrdersAnswersABatchOfIdsAndLooksEachUpOnce) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  const Catalog c = cat(kCatalog);
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(c).ok());
  LedgerGroup g;
  g.run = value_of(db->begin_run({"day1.ndjson"}, "out.ndjson"));
  g.orders = {{"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 1},
              {"o2", "A", 2, OrderStatus::kCompleted, Reason::kNone, 250, 2},
              {"o3", "B", 4, OrderStatus::kRejected, Reason::kInsufficientStock, 0, 3}};
  g.orders[0].product = 0;
  g.orders[1].product = 0;
  g.orders[2].product = 1;
  g.reversals = {{"o1", 4}};
  g.checkpoint = {4, 0, 4, 1, 0};
  ASSERT_TRUE(db->commit(g).ok());

  auto r = reader(path);
  LedgerPriorOrders prior(*r, c);
  const std::vector<PriorQuery> queries = {{"o3", 0}, {"nope", 0}, {"o2", 0}, {"o2", 0}, {"o1", 0}};
  std::map<std::size_t, PriorOrder> found;
  ASSERT_TRUE(prior.find(queries, [&](std::size_t i, PriorOrder&& p) {
    EXPECT_TRUE(found.emplace(i, std::move(p)).second) << "query " << i << " reported twice";
  }).ok());
  ASSERT_EQ(found.size(), 4u);
  EXPECT_FALSE(found.count(1)) << "nope";
  EXPECT_EQ(found[0].state, OrderState::kRejected);
  EXPECT_EQ(found[2].state, OrderState::kCompleted);
  EXPECT_EQ(found[2].product, 0u);
  EXPECT_EQ(found[2].amount, 2u);
  EXPECT_EQ(found[3].amount, 2u);
  EXPECT_EQ(found[4].state, OrderState::kReversed);
  EXPECT_EQ(prior.lookups(), 4u) << "o1, o2, o3, nope: o2 once";
}

// With external_checkpoints the writer never checkpoints by itself (its WAL
// only grows, wal_frames() tells by how much); another connection's
// checkpoint() folds the WAL into the file, and the writer's next commit
// starts the WAL over.
TEST(LedgerDb, ExternalCheckpointsAreLeftToAnotherConnection) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  LedgerOpenOptions o;
  o.write = true;
  o.external_checkpoints = true;
  auto db = value_of(LedgerDb::open(path, o));
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  std::int64_t run = value_of(db->begin_run({"-"}, "-"));
  std::vector<std::string> ids;
  for (int i = 0; i < 4000; ++i) ids.push_back("order-" + std::to_string(100000 + i));
  std::uint64_t seq = 0;
  auto commit_some = [&](int from, int to) {
    LedgerGroup g;
    g.run = run;
    for (int i = from; i < to; ++i) g.orders.push_back({ids[i], "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, ++seq});
    g.checkpoint = {seq, 0, seq, seq, seq};
    ASSERT_TRUE(db->commit(g).ok());
  };
  std::int64_t frames = 0;
  for (int k = 0; k < 4; ++k) {
    commit_some(k * 500, (k + 1) * 500);
    EXPECT_GT(db->wal_frames(), frames) << "commit " << k;  // no checkpoint restarted the WAL
    frames = db->wal_frames();
  }
  auto other = reader(path);
  ASSERT_TRUE(other->checkpoint().ok());
  commit_some(2000, 2010);
  EXPECT_LT(db->wal_frames(), frames / 4);  // the WAL started over after the checkpoint
  EXPECT_EQ(value_of(other->find_order("order-100123"))->seq, 124u);
  EXPECT_EQ(db->order_count(), 2010u);
}

// Schema version 1 kept orders as words, a row of 10 columns each. A ledger
// of that version (written here as version 1 wrote it) is migrated on its
// first writer's open, and the `orders` view then shows exactly the rows the
// table had; look-ups answer as before.
TEST(LedgerDb, MigratesAVersionOneLedgerAndItsOrdersReadTheSame) {
  TempDir dir;
  const std::string path = dir.file("old.ledger");
  sql_exec(path, R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE products(idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  product_name TEXT NOT NULL, variety TEXT NOT NULL, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE orders(id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT, product_id TEXT, amount INTEGER,
  total_cents INTEGER, run INTEGER NOT NULL, seq INTEGER NOT NULL, reversed_run INTEGER, reversed_seq INTEGER) WITHOUT ROWID;
CREATE TABLE order_items(order_id TEXT NOT NULL, item INTEGER NOT NULL, product_id TEXT NOT NULL,
  amount INTEGER NOT NULL, PRIMARY KEY(order_id, item)) WITHOUT ROWID;
CREATE TABLE runs(run INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, inputs TEXT NOT NULL,
  output TEXT NOT NULL, stopped TEXT, abandoned INTEGER NOT NULL DEFAULT 0, records INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, reversed INTEGER NOT NULL DEFAULT 0,
  revenue_cents INTEGER NOT NULL DEFAULT 0, stats TEXT);
CREATE TABLE checkpoints(run INTEGER PRIMARY KEY, input INTEGER NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
  seq INTEGER NOT NULL, checksum INTEGER NOT NULL, results_bytes INTEGER NOT NULL);
CREATE TABLE pending_results(run INTEGER NOT NULL, begin_bytes INTEGER NOT NULL, end_bytes INTEGER NOT NULL,
  bytes BLOB NOT NULL, PRIMARY KEY(run, begin_bytes));
INSERT INTO meta VALUES('orders', 7), ('catalog_format', 'ID,ProductName,Stock,Variety,Price');
INSERT INTO products VALUES(0,'A','Water(Lemon)','Water','Lemon',125,3), (1,'B','Juice(Apple)','Juice','Apple',200,0);
INSERT INTO runs(run, started, finished, inputs, output) VALUES(1,'2026-12-01T00:00:00Z','2026-12-01T00:00:01Z','["d1"]','-'),
  (2,'2026-12-02T00:00:00Z','2026-12-02T00:00:01Z','["d2"]','-');
INSERT INTO orders VALUES('o1','Completed',NULL,'A',2,250,1,1,NULL,NULL),
  ('o2','Rejected','insufficient_stock','B',4,NULL,1,2,NULL,NULL),
  ('o3','Reversed',NULL,'A',1,125,1,3,2,1),
  ('o4','Rejected','unknown_product','ZZ',1,NULL,1,4,NULL,NULL),
  ('o5','Completed',NULL,NULL,3,450,1,5,NULL,NULL),
  ('o6','Rejected','invalid_amount','A',0,NULL,2,2,NULL,NULL),
  ('o7','Rejected','duplicate_id','B',1,NULL,2,3,NULL,NULL);
INSERT INTO order_items VALUES('o5',1,'A',2), ('o5',2,'B',1);
PRAGMA user_version=1;
)sql");
  sql_exec(path, ("PRAGMA application_id=" + std::to_string(kLedgerApplicationId)).c_str());
  const char* dump = "SELECT * FROM orders ORDER BY id";
  const std::string before = sql_rows(path, dump);
  ASSERT_EQ(before.substr(0, 31), "o1|Completed|NULL|A|2|250|1|1|N") << before;
  auto r = LedgerDb::open(path, LedgerOpenOptions{});
  ASSERT_FALSE(r.ok());  // a reader does not upgrade
  EXPECT_NE(r.status().message().find("older schema version 1"), std::string::npos) << r.status().message();
  {
    auto db = writer(path);
    EXPECT_EQ(db->order_count(), 7u);
  }
  EXPECT_EQ(sql_int(path, "PRAGMA user_version"), kLedgerSchemaVersion);
  EXPECT_EQ(sql_rows(path, "PRAGMA integrity_check"), "ok\n");
  EXPECT_EQ(sql_rows(path, dump), before);
  EXPECT_EQ(sql_int(path, "SELECT count(*) FROM order_rows WHERE product_id IS NOT NULL"), 1);  // only ZZ as text
  auto db = reader(path);
  auto o3 = value_of(db->find_order("o3"));
  ASSERT_TRUE(o3);
  EXPECT_EQ(o3->status, OrderStatus::kReversed);
  EXPECT_EQ(o3->product_id, "A");
  EXPECT_EQ(o3->run, 1);
  EXPECT_EQ(o3->seq, 3u);
  EXPECT_EQ(o3->reversed_run, 2);
  EXPECT_EQ(o3->reversed_seq, 1u);
  auto o4 = value_of(db->find_order("o4"));
  EXPECT_EQ(o4->reason, Reason::kUnknownProduct);
  EXPECT_EQ(o4->product_id, "ZZ");
  auto o5 = value_of(db->find_order("o5"));
  ASSERT_EQ(o5->items.size(), 2u);
  EXPECT_EQ(o5->items[1].product_id, "B");
  const Catalog c = value_of(db->catalog());
  auto p1 = value_of(db->find_prior("o1", c));
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->state, OrderState::kCompleted);
  EXPECT_EQ(p1->product, 0u);
  EXPECT_EQ(p1->amount, 2u);
  auto p5 = value_of(db->find_prior("o5", c));
  EXPECT_EQ(p5->product, kBasketProduct);
  EXPECT_EQ(p5->items.size(), 2u);
}

// What the orders view shows is what a commit wrote, for every status and reason.
TEST(LedgerDb, TheOrdersViewSpellsEveryStatusAndReason) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  LedgerGroup g;
  g.run = value_of(db->begin_run({"-"}, "-"));
  std::vector<std::string> ids;
  for (const auto& [reason, name] : kReasons) ids.push_back("r-" + std::string(reason == Reason::kNone ? "none" : name));
  std::uint64_t seq = 0;
  for (std::size_t k = 0; k < std::size(kReasons); ++k) {
    const Reason reason = kReasons[k].value;
    LedgerOrderWrite w{ids[k], "B", 1, reason == Reason::kNone ? OrderStatus::kCompleted : OrderStatus::kRejected,
                       reason, 200, ++seq};
    w.product = 1;
    g.orders.push_back(w);
  }
  g.orders.push_back({"unknown-p", "NOPE", 1, OrderStatus::kRejected, Reason::kUnknownProduct, 0, ++seq});
  g.reversals = {{"r-none", ++seq}};
  g.checkpoint = {seq, 0, seq, 1, 1};
  ASSERT_TRUE(db->commit(g).ok());
  std::string want;
  for (std::size_t k = 0; k < std::size(kReasons); ++k) {
    const Reason reason = kReasons[k].value;
    want += ids[k] + "|" + (reason == Reason::kNone ? "Reversed" : "Rejected") + "|" +
            std::string(reason == Reason::kNone ? "NULL" : kReasons[k].name) + "|B|" + std::to_string(k + 1) + "\n";
  }
  want += "unknown-p|Rejected|unknown_product|NOPE|11\n";
  EXPECT_EQ(sql_rows(path, "SELECT id, status, reason, product_id, seq FROM orders ORDER BY seq"), want);
  for (std::size_t k = 0; k < std::size(kReasons); ++k)
    EXPECT_EQ(value_of(db->find_order(ids[k]))->reason, kReasons[k].value);
}

TEST(LedgerDb, AFailedCommitLeavesTheLastCommit) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  std::int64_t run = value_of(db->begin_run({"-"}, "-"));
  LedgerGroup g;
  g.run = run;
  g.orders = {{"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 1}};
  g.stock = {{0, 4}};
  g.checkpoint = {1, 0, 1, 1, 10};
  ASSERT_TRUE(db->commit(g).ok());
  // A second insert of o1 violates the key: the whole group must roll back.
  LedgerGroup bad;
  bad.run = run;
  bad.orders = {{"o2", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 2},
                {"o1", "A", 1, OrderStatus::kCompleted, Reason::kNone, 125, 3}};
  bad.stock = {{0, 2}};
  bad.checkpoint = {3, 0, 3, 3, 30};
  Status s = db->commit(bad);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  auto r = reader(path);
  EXPECT_FALSE(value_of(r->find_order("o2")).has_value());
  EXPECT_EQ(value_of(r->catalog()).product(0).stock, 4);
  EXPECT_EQ(value_of(r->unfinished_run())->checkpoint.seq, 1u);
  EXPECT_EQ(db->order_count(), 1u);
  // The connection is still usable.
  g.orders.clear();
  g.checkpoint.seq = 2;
  EXPECT_TRUE(db->commit(g).ok());
}

TEST(LedgerDb, OneWriterAtATimeWhileReadersRead) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto first = writer(path);
  ASSERT_TRUE(first->initialize(cat(kCatalog)).ok());
  LedgerOpenOptions o;
  o.write = true;
  o.wait = false;
  auto second = LedgerDb::open(path, o);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use by another run"), std::string::npos);
  EXPECT_NE(second.status().message().find(path), std::string::npos);
  auto r = reader(path);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->catalog().ok());
  first.reset();
  EXPECT_TRUE(LedgerDb::open(path, o).ok());
}

TEST(LedgerDb, RefusesFilesThatAreNotLedgersAndLeavesThemAlone) {
  TempDir dir;
  const std::string text = dir.file("notes.txt");
  testing::write_file(text, "just some text, long enough to have a header\n");
  LedgerOpenOptions w;
  w.write = true;
  auto a = LedgerDb::open(text, w);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("not an orderflow ledger"), std::string::npos) << a.status().message();
  EXPECT_EQ(testing::read_file(text), "just some text, long enough to have a header\n");

  const std::string other = dir.file("other.db");
  sqlite3* db = nullptr;
  sqlite3_open(other.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto b = LedgerDb::open(other, w);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("another program"), std::string::npos) << b.status().message();
  EXPECT_EQ(sql_int(other, "SELECT count(*) FROM sqlite_master"), 1);

  const std::string newer = dir.file("newer.ledger");
  writer(newer)->initialize(cat(kCatalog));
  sqlite3_open(newer.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  for (bool write : {true, false}) {
    LedgerOpenOptions o;
    o.write = write;
    auto c = LedgerDb::open(newer, o);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.status().message().find("schema version 99"), std::string::npos) << c.status().message();
  }
  EXPECT_EQ(sql_int(newer, "PRAGMA user_version"), 99);

  auto missing = LedgerDb::open(dir.file("missing.ledger"), LedgerOpenOptions{});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.ledger"), std::string::npos);
}

TEST(LedgerDb, CatalogUpdateAddsAndRepricesButNeverTouchesStock) {
  TempDir dir;
  const std::string path = dir.file("shop.ledger");
  auto db = writer(path);
  ASSERT_TRUE(db->initialize(cat(kCatalog)).ok());
  EXPECT_TRUE(value_of(db->catalog_changes(cat(kCatalog))).empty());
  // Same products and prices with other stock: no change.
  EXPECT_TRUE(
      value_of(db->catalog_changes(cat("ID,ProductName,Stock,Variety,Price\nA,Water,99,Lemon,1.25\nB,Juice,7,Apple,2.00\n")))
          .empty());
  Catalog next = cat("ID,ProductName,Stock,Variety,Price\nA,Water,99,Lemon,1.35\nB,Juice,7,Apple,2.00\nC,Tea,10,Green,3.00\n");
  auto changes = db->update_catalog(next);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  ASSERT_EQ(changes.value().size(), 2u);
  EXPECT_EQ(changes.value()[0], "price of A: 1.25 -> 1.35");
  EXPECT_EQ(changes.value()[1], "add C Tea(Green), price 3.00, stock 10");
  Catalog now = value_of(db->catalog());
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now.product(now.find("A")).stock, 5);   // kept
  EXPECT_EQ(now.product(now.find("A")).price, 135);
  EXPECT_EQ(now.product(now.find("C")).stock, 10);  // new: the catalog's stock
  EXPECT_TRUE(value_of(db->catalog_changes(next)).empty());
}

}  // namespace
}  // namespace orderflow
