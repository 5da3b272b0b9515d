#include "data/ledger/ledger_db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <time.h>
#include <map>

#include "data/base/file_io.h"
#include "data/base/require.h"
#include "data/ledger/order_row.h"
#include "data/ledger/sqlite.h"

namespace orderflow {

namespace {

constexpr char kSqliteMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f', 'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};

// Version 1 of the schema. Money is integer cents (columns named *_cents);
// statuses and reasons are the words of the results (Completed, insufficient_stock).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE products(
  idx INTEGER PRIMARY KEY,          -- position in the catalog
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,               -- display name, "ProductName(Variety)"
  product_name TEXT NOT NULL,
  variety TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  stock INTEGER NOT NULL);          -- as of the last commit
CREATE TABLE orders(
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,             -- Completed, Rejected, Reversed
  reason TEXT,                      -- with Rejected: insufficient_stock, ...
  product_id TEXT,                  -- NULL for a basket (see order_items)
  amount INTEGER,                   -- a basket: the sum of its items' amounts
  total_cents INTEGER,              -- Completed / Reversed
  run INTEGER NOT NULL,             -- the run and seq of the place record
  seq INTEGER NOT NULL,
  reversed_run INTEGER,             -- Reversed: the run and seq of the reverse record
  reversed_seq INTEGER) WITHOUT ROWID;
CREATE TABLE order_items(
  order_id TEXT NOT NULL,
  item INTEGER NOT NULL,            -- 1-based, in the record's order
  product_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY(order_id, item)) WITHOUT ROWID;
CREATE TABLE runs(
  run INTEGER PRIMARY KEY,
  started TEXT NOT NULL,            -- UTC, ISO 8601
  finished TEXT,                    -- NULL while unfinished
  inputs TEXT NOT NULL,             -- JSON array of the input names
  output TEXT NOT NULL,             -- the -o it writes
  stopped TEXT,                     -- how it last stopped; NULL: it reached the end
  abandoned INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,   -- committed records, by outcome
  completed INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  reversed INTEGER NOT NULL DEFAULT 0,
  revenue_cents INTEGER NOT NULL DEFAULT 0,
  stats TEXT);                      -- the committed records' statistics, JSON
CREATE TABLE checkpoints(
  run INTEGER PRIMARY KEY,
  input INTEGER NOT NULL,           -- index in runs.inputs of the last committed record's file
  file TEXT NOT NULL,
  line INTEGER NOT NULL,
  seq INTEGER NOT NULL,             -- the last committed record (0: none)
  checksum INTEGER NOT NULL,        -- of records 1..seq as framed
  results_bytes INTEGER NOT NULL);  -- bytes of their results
CREATE TABLE pending_results(
  run INTEGER NOT NULL,
  begin_bytes INTEGER NOT NULL,
  end_bytes INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY(run, begin_bytes));
INSERT INTO meta(key, value) VALUES ('orders', 0);
)sql";

// (SQLite's <<, >>, & and | share one precedence, left to right: hence the parentheses.)
// Version 1 -> 2: orders packed into order_rows (data/ledger/order_row.h), the
// code tables, and an `orders` view with version 1's columns over them, so
// that what people query stays the same. Runs inside the caller's transaction.
std::string migration_v1_to_v2() {
  std::string sql = R"sql(
CREATE TABLE order_statuses(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE order_reasons(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE order_rows(
  id TEXT PRIMARY KEY,
  code INTEGER NOT NULL,            -- status | reason << 2 | (products.idx + 1) << 8
  amount INTEGER,                   -- a basket: the sum of its items' amounts
  total_cents INTEGER,              -- Completed / Reversed
  placed INTEGER NOT NULL,          -- run << 40 | seq of the place record
  reversed INTEGER,                 -- run << 40 | seq of the reverse record
  product_id TEXT) WITHOUT ROWID;   -- only a product the catalog does not have
)sql";
  for (auto [status, code] : order_row::kStatusCodes)
    sql += "INSERT INTO order_statuses VALUES(" + std::to_string(code) + ",'" + std::string(to_string(status)) + "');\n";
  for (auto [reason, code] : order_row::kReasonCodes)
    if (reason != Reason::kNone)
      sql += "INSERT INTO order_reasons VALUES(" + std::to_string(code) + ",'" + std::string(to_string(reason)) + "');\n";
  sql += R"sql(
INSERT INTO order_rows(id, code, amount, total_cents, placed, reversed, product_id)
  SELECT o.id, s.code | (coalesce(r.code, 0) << 2) | (coalesce(p.idx + 1, 0) << 8), o.amount, o.total_cents,
         (o.run << 40) | o.seq,
         CASE WHEN o.reversed_run IS NOT NULL THEN (o.reversed_run << 40) | o.reversed_seq END,
         CASE WHEN p.idx IS NULL THEN o.product_id END
  FROM orders o JOIN order_statuses s ON s.name = o.status
  LEFT JOIN order_reasons r ON r.name = o.reason
  LEFT JOIN products p ON p.id = o.product_id
  ORDER BY o.id;
DROP TABLE orders;
CREATE VIEW orders(id, status, reason, product_id, amount, total_cents, run, seq, reversed_run, reversed_seq) AS
  SELECT o.id, s.name, r.name, coalesce(p.id, o.product_id), o.amount, o.total_cents,
         o.placed >> 40, o.placed & 1099511627775, o.reversed >> 40, o.reversed & 1099511627775
  FROM order_rows o LEFT JOIN order_statuses s ON s.code = o.code & 3
  LEFT JOIN order_reasons r ON r.code = (o.code >> 2) & 63
  LEFT JOIN products p ON p.idx = (o.code >> 8) - 1;
)sql";
  return sql;
}

// Migrations: kMigrations[v] takes a ledger from version v+1 to v+2. A new
// ledger is created at version 1 and migrated, so every ledger has the same
// tables however old it is.
using Migration = std::string (*)();
constexpr Migration kMigrations[] = {migration_v1_to_v2};
static_assert(std::size(kMigrations) == kLedgerSchemaVersion - 1, "a migration to every version");

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_strings(const std::vector<std::string>& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  for (const std::string& s : v) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return {sb.GetString(), sb.GetSize()};
}

std::string stats_json(const Stats& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("records"); w.Uint64(s.records);
  w.Key("completed"); w.Uint64(s.completed);
  w.Key("rejected"); w.Uint64(s.rejected);
  w.Key("reversed"); w.Uint64(s.reversed);
  w.Key("cancelled"); w.Uint64(s.cancelled);
  w.Key("reasons");
  w.StartArray();
  for (std::uint64_t n : s.reasons) w.Uint64(n);
  w.EndArray();
  w.Key("revenue"); w.Int64(static_cast<std::int64_t>(s.revenue));
  w.Key("sold");  // [index, units] of every product that sold any
  w.StartArray();
  for (std::size_t i = 0; i < s.products.size(); ++i) {
    if (s.products[i].sold == 0) continue;
    w.StartArray();
    w.Uint64(i);
    w.Int64(s.products[i].sold);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

Stats parse_stats(std::string_view text, std::size_t products) {
  Stats s(products);
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return s;
  auto u = [&](const char* k) -> std::uint64_t {
    auto it = d.FindMember(k);
    return it != d.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
  };
  s.records = u("records");
  s.completed = u("completed");
  s.rejected = u("rejected");
  s.reversed = u("reversed");
  s.cancelled = u("cancelled");
  if (auto it = d.FindMember("reasons"); it != d.MemberEnd() && it->value.IsArray())
    for (rapidjson::SizeType i = 0; i < it->value.Size() && i < s.reasons.size(); ++i)
      if (it->value[i].IsUint64()) s.reasons[i] = it->value[i].GetUint64();
  if (auto it = d.FindMember("revenue"); it != d.MemberEnd() && it->value.IsInt64()) s.revenue = it->value.GetInt64();
  if (auto it = d.FindMember("sold"); it != d.MemberEnd() && it->value.IsArray()) {
    for (const auto& e : it->value.GetArray()) {
      if (!e.IsArray() || e.Size() != 2 || !e[0].IsUint64() || !e[1].IsInt64()) continue;
      std::uint64_t i = e[0].GetUint64();
      if (i >= s.products.size()) s.products.resize(i + 1);
      s.products[i].sold = e[1].GetInt64();
    }
  }
  return s;
}

void append_csv(std::string& out, std::string_view f) {
  if (f.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(f);
    return;
  }
  out.push_back('"');
  for (char c : f) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

constexpr std::size_t kOrdersPerInsert = 256;

struct LedgerDb::Statements {
  sqlite::Stmt begin, commit, rollback, sync_normal, sync_full;
  sqlite::Stmt insert_order, insert_orders, insert_item, reverse_order, set_stock, set_checkpoint, set_run_stats;
  sqlite::Stmt drop_pending, add_pending, add_orders;
  sqlite::Stmt find_order, find_prior, find_items;
};

LedgerDb::LedgerDb() : db_(std::make_unique<sqlite::Db>()) {}

LedgerDb::~LedgerDb() {
  st_.reset();
  db_->close();
  if (wal_fd_ >= 0) ::close(wal_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // after the connection: closing it drops SQLite's locks
}

Result<std::unique_ptr<LedgerDb>> LedgerDb::open(const std::string& path, const LedgerOpenOptions& options) {
  std::unique_ptr<LedgerDb> db(new LedgerDb());
  if (Status s = db->open_impl(path, options); !s.ok()) return s;
  return db;
}

Status LedgerDb::open_impl(const std::string& path, const LedgerOpenOptions& o) {
  path_ = path;
  write_ = o.write;
  // Look at the file before SQLite does: something that is not SQLite is never touched.
  int fd = ::open(path.c_str(), (o.write ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    if (o.write && (e == EACCES || e == EROFS || e == EPERM))
      return Status::IOError("cannot write to ledger " + path + ": " + errno_text(e) + " (the ledger is read-only)");
    return Status::IOError("cannot open ledger " + path + ": " + errno_text(e));
  }
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::IOError("cannot open ledger " + path + ": " + errno_text(EISDIR));
  }
  char head[16] = {};
  ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (n != 0 && (n != static_cast<ssize_t>(sizeof head) || std::memcmp(head, kSqliteMagic, sizeof head) != 0)) {
    ::close(fd);
    return Status::Corruption(path + " is not an orderflow ledger (not a SQLite database); it was left as it is");
  }
  if (!o.write && n == 0) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not an orderflow ledger (an empty file)");
  }
  if (o.write) {
    bool told = false;
    while (::flock(fd, LOCK_EX | (o.wait && !o.keep_waiting ? 0 : LOCK_NB)) != 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EWOULDBLOCK && o.wait && o.keep_waiting()) {
        if (!told && o.on_wait) o.on_wait();
        told = true;
        struct timespec ts = {0, 20'000'000};
        ::nanosleep(&ts, nullptr);
        continue;
      }
      ::close(fd);
      if (e == EWOULDBLOCK && !o.wait)
        return Status::IOError("ledger " + path + " is in use by another run (--no-wait: not waiting for it)");
      if (e == EWOULDBLOCK) return Status::IOError("gave up waiting for ledger " + path + " (another run is writing it)");
      return Status::IOError("cannot lock ledger " + path + ": " + errno_text(e));
    }
    lock_fd_ = fd;
  } else {
    ::close(fd);
  }
  // A reader opens read-write too (it never writes): after a crash the WAL must
  // be recovered by the first connection, which a read-only one cannot do.
  // On a file it may not write, SQLite opens it read-only by itself.
  int flags = o.write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE;
  if (Status s = db_->open(path, flags); !s.ok()) return s;
  if (o.write && sqlite3_db_readonly(db_->get(), "main") == 1)
    return Status::IOError("cannot write to ledger " + path + ": the ledger is read-only");
  sqlite3_busy_timeout(db_->get(), 10'000);  // another program's lock (sqlite3 in a transaction)
  std::string pragmas = "PRAGMA cache_size=-" + std::to_string(o.cache_kib) + ";";
  // FULL: a commit is on disk when it returns. A larger WAL between checkpoints: fewer fsyncs of the database file.
  if (o.write) pragmas += "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=16384;";
  if (Status s = db_->exec(pragmas.c_str(), "cannot open ledger"); !s.ok()) return s;
  if (o.write && o.external_checkpoints) {
    // Replaces SQLite's own auto-checkpoint hook: only counts the WAL's frames.
    sqlite3_wal_hook(
        db_->get(),
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<LedgerDb*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        this);
  }
  if (Status s = check_schema(o.write); !s.ok()) return s;
  return prepare_statements();
}

Status LedgerDb::check_schema(bool write) {
  Result<std::int64_t> version = db_->query_int("PRAGMA user_version", "cannot read ledger");
  if (!version.ok()) return version.status();
  Result<std::int64_t> app = db_->query_int("PRAGMA application_id", "cannot read ledger");
  if (!app.ok()) return app.status();
  if (version.value() == 0) {
    Result<std::int64_t> tables = db_->query_int("SELECT count(*) FROM sqlite_master", "cannot read ledger");
    if (!tables.ok()) return tables.status();
    if (tables.value() != 0 || app.value() != 0)
      return Status::InvalidArgument(path_ + " is not an orderflow ledger (a SQLite database of another program); it was left as it is");
    if (!write) return Status::InvalidArgument(path_ + " is not an orderflow ledger (an empty database)");
    if (Status s = create_schema(); !s.ok()) return s;
    version = kLedgerSchemaVersion;
  } else if (app.value() != kLedgerApplicationId) {
    return Status::InvalidArgument(path_ + " is not an orderflow ledger (a SQLite database of another program); it was left as it is");
  }
  if (version.value() > kLedgerSchemaVersion)
    return Status::InvalidArgument("ledger " + path_ + " has schema version " + std::to_string(version.value()) +
                                   "; this orderflow knows versions up to " + std::to_string(kLedgerSchemaVersion) +
                                   ": use a newer orderflow");
  if (version.value() < kLedgerSchemaVersion) {
    if (!write)
      return Status::InvalidArgument("ledger " + path_ + " has the older schema version " +
                                     std::to_string(version.value()) + "; a `process --ledger` run upgrades it");
    if (Status s = db_->exec("BEGIN IMMEDIATE", "cannot upgrade ledger"); !s.ok()) return s;
    if (Status s = migrate(version.value()); !s.ok()) {
      (void)db_->exec("ROLLBACK");
      return s;
    }
    std::string set = "PRAGMA user_version=" + std::to_string(kLedgerSchemaVersion) + "; COMMIT;";
    if (Status s = db_->exec(set.c_str(), "cannot upgrade ledger"); !s.ok()) {
      (void)db_->exec("ROLLBACK");
      return s;
    }
  }
  if (write) {
    // WAL: readers see the last commit while a run writes.
    sqlite::Stmt mode;
    if (Status s = db_->prepare("PRAGMA journal_mode=WAL", mode, "cannot open ledger"); !s.ok()) return s;
    Result<bool> row = db_->step(mode, "cannot open ledger");
    if (!row.ok()) return row.status();
    if (!row.value() || mode.col_text(0) != "wal")
      return Status::IOError("cannot open ledger " + path_ + ": WAL mode is not available");
    mode.reset();
  }
  Result<std::int64_t> products = db_->query_int("SELECT count(*) FROM products", "cannot read ledger");
  if (!products.ok()) return products.status();
  empty_ = products.value() == 0;
  Result<std::int64_t> orders = db_->query_int("SELECT value FROM meta WHERE key='orders'", "cannot read ledger");
  if (!orders.ok()) return orders.status();
  order_count_ = static_cast<std::uint64_t>(orders.value());
  return Status::Ok();
}

Status LedgerDb::migrate(std::int64_t from) {
  for (std::int64_t v = from; v < kLedgerSchemaVersion; ++v) {
    const std::string step = kMigrations[v - 1]();
    if (Status s = db_->exec(step.c_str(), "cannot upgrade ledger"); !s.ok()) return s;
  }
  return Status::Ok();
}

Status LedgerDb::create_schema() {
  std::string sql = std::string("BEGIN IMMEDIATE;") + kSchemaV1 + "PRAGMA application_id=" +
                    std::to_string(kLedgerApplicationId) + ";";
  Status s = db_->exec(sql.c_str(), "cannot create ledger");
  if (s.ok()) s = migrate(1);
  if (s.ok()) {
    const std::string done = "PRAGMA user_version=" + std::to_string(kLedgerSchemaVersion) + "; COMMIT;";
    s = db_->exec(done.c_str(), "cannot create ledger");
  }
  if (!s.ok()) (void)db_->exec("ROLLBACK");
  return s;
}

Status LedgerDb::prepare_statements() {
  st_ = std::make_unique<Statements>();
  Statements& s = *st_;
  struct {
    sqlite::Stmt* stmt;
    const char* sql;
    bool write;
  } all[] = {
      {&s.begin, "BEGIN IMMEDIATE", true},
      {&s.commit, "COMMIT", true},
      {&s.rollback, "ROLLBACK", true},
      {&s.sync_normal, "PRAGMA synchronous=NORMAL", true},
      {&s.sync_full, "PRAGMA synchronous=FULL", true},
      {&s.insert_order, "INSERT INTO order_rows(id,code,amount,total_cents,placed,product_id) VALUES(?1,?2,?3,?4,?5,?6)",
       true},
      {&s.insert_item, "INSERT INTO order_items(order_id,item,product_id,amount) VALUES(?1,?2,?3,?4)", true},
      {&s.reverse_order, "UPDATE order_rows SET code=(code & ~3) | 3, reversed=?2 WHERE id=?1", true},
      {&s.set_stock, "UPDATE products SET stock=?2 WHERE idx=?1", true},
      {&s.set_checkpoint,
       "INSERT OR REPLACE INTO checkpoints(run,input,file,line,seq,checksum,results_bytes) "
       "VALUES(?1,?2,(SELECT json_extract(inputs, '$[' || ?2 || ']') FROM runs WHERE run=?1),?3,?4,?5,?6)",
       true},
      {&s.set_run_stats,
       "UPDATE runs SET records=?2, completed=?3, rejected=?4, reversed=?5, revenue_cents=?6, stats=?7 WHERE run=?1",
       true},
      {&s.drop_pending, "DELETE FROM pending_results WHERE run=?1 AND end_bytes<=?2", true},
      {&s.add_pending, "INSERT OR REPLACE INTO pending_results(run,begin_bytes,end_bytes,bytes) VALUES(?1,?2,?3,?4)",
       true},
      {&s.add_orders, "UPDATE meta SET value=value+?1 WHERE key='orders'", true},
      {&s.find_order,
       "SELECT o.code, coalesce(p.id, o.product_id), o.amount, o.total_cents, o.placed, o.reversed "
       "FROM order_rows o LEFT JOIN products p ON p.idx = (o.code >> 8) - 1 WHERE o.id=?1",
       false},
      {&s.find_prior, "SELECT code, product_id, amount FROM order_rows WHERE id=?1", false},
      {&s.find_items, "SELECT product_id,amount FROM order_items WHERE order_id=?1 ORDER BY item", false},
  };
  for (auto& a : all) {
    if (a.write && !write_) continue;
    if (Status st = db_->prepare(a.sql, *a.stmt, "cannot read ledger"); !st.ok()) return st;
  }
  if (write_) {
    // kOrdersPerInsert rows per INSERT: SQLite's per-statement cost (step,
    // reset, the VDBE's set-up) is paid once for all of them.
    std::string sql = "INSERT INTO order_rows(id,code,amount,total_cents,placed,product_id) VALUES";
    for (std::size_t i = 0; i < kOrdersPerInsert; ++i) sql += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
    if (Status st = db_->prepare(sql.c_str(), s.insert_orders, "cannot read ledger"); !st.ok()) return st;
  }
  return Status::Ok();
}

Status LedgerDb::initialize(const Catalog& catalog) {
  if (!empty_) return Status::InvalidArgument("ledger " + path_ + " already has a catalog");
  if (Status s = db_->exec("BEGIN IMMEDIATE", "cannot write to ledger"); !s.ok()) return s;
  sqlite::Stmt ins;
  Status s = db_->prepare(
      "INSERT INTO products(idx,id,name,product_name,variety,price_cents,stock) VALUES(?1,?2,?3,?4,?5,?6,?7)", ins,
      "cannot write to ledger");
  for (std::uint32_t i = 0; s.ok() && i < catalog.size(); ++i) {
    const Product& p = catalog.product(i);
    ins.bind(1, std::int64_t{i});
    ins.bind(2, p.id);
    ins.bind(3, p.name);
    ins.bind(4, p.product_name);
    ins.bind(5, p.variety);
    ins.bind(6, p.price);
    ins.bind(7, p.stock);
    s = db_->run(ins, "cannot write to ledger");
  }
  if (s.ok()) {
    std::string fmt = std::string("INSERT OR REPLACE INTO meta(key,value) VALUES('catalog_format','") +
                      std::string(to_string(catalog.format())) + "'),('created','" + now_utc() +
                      "')";
    s = db_->exec(fmt.c_str(), "cannot write to ledger");
  }
  if (s.ok()) s = db_->exec("COMMIT", "cannot commit to ledger");
  if (!s.ok()) {
    (void)db_->exec("ROLLBACK");
    return s;
  }
  empty_ = false;
  return Status::Ok();
}

Result<Catalog> LedgerDb::catalog() {
  sqlite::Stmt fmt;
  std::string format{to_string(CatalogFormat::kCsv)};
  if (Status s = db_->prepare("SELECT value FROM meta WHERE key='catalog_format'", fmt, "cannot read ledger"); !s.ok())
    return s;
  Result<bool> row = db_->step(fmt, "cannot read ledger");
  if (!row.ok()) return row.status();
  if (row.value()) format = std::string(fmt.col_text(0));
  fmt.reset();

  sqlite::Stmt q;
  if (Status s = db_->prepare("SELECT id,name,product_name,variety,price_cents,stock FROM products ORDER BY idx", q,
                              "cannot read ledger");
      !s.ok())
    return s;
  const bool json = parse_catalog_format(format) == CatalogFormat::kJson;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  std::string csv = "ID,ProductName,Stock,Variety,Price\n";
  if (json) w.StartArray();
  for (;;) {
    Result<bool> r = db_->step(q, "cannot read ledger");
    if (!r.ok()) return r.status();
    if (!r.value()) break;
    if (json) {
      std::string_view id = q.col_text(0), name = q.col_text(1);
      w.StartObject();
      w.Key("id");
      w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
      w.Key("name");
      w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
      w.Key("price");
      std::string price = format_money(q.col_int(4));
      w.RawValue(price.data(), price.size(), rapidjson::kNumberType);
      w.Key("stock");
      w.Int64(q.col_int(5));
      w.EndObject();
    } else {
      append_csv(csv, q.col_text(0));
      csv.push_back(',');
      append_csv(csv, q.col_text(2));
      csv.push_back(',');
      csv += std::to_string(q.col_int(5));
      csv.push_back(',');
      append_csv(csv, q.col_text(3));
      csv.push_back(',');
      csv += format_money(q.col_int(4));
      csv.push_back('\n');
    }
  }
  if (json) {
    w.EndArray();
    return Catalog::parse(std::string_view(sb.GetString(), sb.GetSize()), path_);
  }
  return Catalog::parse(csv, path_);
}

Result<std::vector<std::string>> LedgerDb::catalog_changes(const Catalog& incoming) {
  Result<Catalog> current = catalog();
  if (!current.ok()) return current.status();
  const Catalog& have = current.value();
  std::vector<std::string> changes;
  for (const Product& p : incoming.products()) {
    std::uint32_t i = have.find(p.id);
    if (i == kNoProduct) {
      changes.push_back("add " + p.id + " " + p.name + ", price " + format_money(p.price) + ", stock " +
                        std::to_string(p.stock));
      continue;
    }
    const Product& h = have.product(i);
    if (h.price != p.price)
      changes.push_back("price of " + p.id + ": " + format_money(h.price) + " -> " + format_money(p.price));
    if (h.name != p.name || h.product_name != p.product_name || h.variety != p.variety)
      changes.push_back("name of " + p.id + ": " + h.name + " -> " + p.name);
  }
  for (const Product& h : have.products())
    if (incoming.find(h.id) == kNoProduct) changes.push_back("keep " + h.id + " (not in the new catalog)");
  return changes;
}

Result<std::vector<std::string>> LedgerDb::update_catalog(const Catalog& incoming) {
  Result<std::vector<std::string>> changes = catalog_changes(incoming);
  if (!changes.ok()) return changes;
  Result<Catalog> current = catalog();
  if (!current.ok()) return current.status();
  const Catalog& have = current.value();
  if (Status s = db_->exec("BEGIN IMMEDIATE", "cannot write to ledger"); !s.ok()) return s;
  sqlite::Stmt ins, upd;
  Status s = db_->prepare(
      "INSERT INTO products(idx,id,name,product_name,variety,price_cents,stock) VALUES(?1,?2,?3,?4,?5,?6,?7)", ins,
      "cannot write to ledger");
  if (s.ok())
    s = db_->prepare("UPDATE products SET name=?2, product_name=?3, variety=?4, price_cents=?5 WHERE id=?1", upd,
                     "cannot write to ledger");
  auto next = static_cast<std::int64_t>(have.size());
  for (std::size_t k = 0; s.ok() && k < incoming.size(); ++k) {
    const Product& p = incoming.product(static_cast<std::uint32_t>(k));
    if (have.find(p.id) == kNoProduct) {
      ins.bind(1, next++);
      ins.bind(2, p.id);
      ins.bind(3, p.name);
      ins.bind(4, p.product_name);
      ins.bind(5, p.variety);
      ins.bind(6, p.price);
      ins.bind(7, p.stock);
      s = db_->run(ins, "cannot write to ledger");
    } else {
      upd.bind(1, p.id);
      upd.bind(2, p.name);
      upd.bind(3, p.product_name);
      upd.bind(4, p.variety);
      upd.bind(5, p.price);
      s = db_->run(upd, "cannot write to ledger");
    }
  }
  if (s.ok()) s = db_->exec("COMMIT", "cannot commit to ledger");
  if (!s.ok()) {
    (void)db_->exec("ROLLBACK");
    return s;
  }
  return changes;
}

template <class F>
Status LedgerDb::read_items(std::string_view id, F&& each) {
  sqlite::Stmt& it = st_->find_items;
  it.bind(1, id);
  for (;;) {
    Result<bool> r = db_->step(it, "cannot read ledger");
    if (!r.ok()) return r.status();
    if (!r.value()) return Status::Ok();
    each(it.col_text(0), it.col_int(1));
  }
}

Status LedgerDb::unknown_code(std::string_view id, std::int64_t raw) const {
  return Status::Corruption(path_ + ": order " + std::string(id) + " has an unknown code " + std::to_string(raw));
}

Result<std::optional<LedgerOrder>> LedgerDb::find_order(std::string_view id) {
  sqlite::Stmt& q = st_->find_order;
  q.bind(1, id);
  Result<bool> row = db_->step(q, "cannot read ledger");
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<LedgerOrder>();
  const std::int64_t raw = q.col_int(0);
  const std::optional<order_row::Decoded> code = order_row::decode(raw);
  LedgerOrder o;
  o.id = std::string(id);
  if (code) {
    o.status = code->status;
    o.reason = code->reason;
  }
  o.product_id = std::string(q.col_text(1));
  const bool basket = q.col_null(1);
  o.amount = q.col_int(2);
  o.total = q.col_int(3);
  o.run = order_row::run_of(q.col_int(4));
  o.seq = order_row::seq_of(q.col_int(4));
  if (!q.col_null(5)) {
    o.reversed_run = order_row::run_of(q.col_int(5));
    o.reversed_seq = order_row::seq_of(q.col_int(5));
  }
  q.reset();
  if (!code) return unknown_code(id, raw);
  if (basket) {
    Status st = read_items(id, [&](std::string_view product, std::int64_t amount) {
      o.items.push_back({std::string(product), amount});
    });
    if (!st.ok()) return st;
  }
  return std::optional<LedgerOrder>(std::move(o));
}

Result<std::optional<PriorOrder>> LedgerDb::find_prior(std::string_view id, const Catalog& catalog) {
  sqlite::Stmt& q = st_->find_prior;
  q.bind(1, id);
  Result<bool> row = db_->step(q, "cannot read ledger");
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<PriorOrder>();
  const std::int64_t raw = q.col_int(0);
  const std::optional<order_row::Decoded> code = order_row::decode(raw);
  if (!code) {
    q.reset();
    return unknown_code(id, raw);
  }
  PriorOrder p;
  // Cancelled orders are never written (the run that continues decides them:
  // commit() REQUIRES it); a row that says Cancelled anyway reads as Rejected.
  p.state = code->status == OrderStatus::kCancelled ? OrderState::kRejected : state_of(code->status);
  const bool placed = code->reason != Reason::kInvalidAmount && code->reason != Reason::kUnknownProduct;
  const bool basket = code->product == kNoProduct && q.col_null(1);
  if (placed && !basket) {
    p.product = code->product != kNoProduct ? code->product : catalog.find(q.col_text(1));
    p.amount = static_cast<std::uint32_t>(q.col_int(2));
  }
  q.reset();
  if (placed && basket) {
    Status st = read_items(id, [&](std::string_view product, std::int64_t amount) {
      p.items.push_back(StockItem{catalog.find(product), static_cast<std::uint32_t>(amount)});
    });
    if (!st.ok()) return st;
    if (p.items.empty()) return Status::Corruption(path_ + ": basket order without items: " + std::string(id));
    p.product = kBasketProduct;
    p.amount = static_cast<std::uint32_t>(p.items.size());
  }
  return std::optional<PriorOrder>(p);
}

Status LedgerPriorOrders::find(std::span<const PriorQuery> queries, const Found& found) {
  order_.resize(queries.size());
  for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) { return queries[a].id < queries[b].id; });
  for (std::size_t k = 0; k < order_.size();) {
    const std::string_view id = queries[order_[k]].id;
    std::size_t end = k + 1;
    while (end < order_.size() && queries[order_[end]].id == id) ++end;
    ++lookups_;
    Result<std::optional<PriorOrder>> r = db_.find_prior(id, catalog_);
    if (!r.ok()) return r.status();
    if (r.value()) {
      for (std::size_t j = k + 1; j < end; ++j) found(order_[j], PriorOrder(*r.value()));
      found(order_[k], std::move(*r.value()));
    }
    k = end;
  }
  return Status::Ok();
}

Result<std::vector<LedgerRun>> LedgerDb::query_runs(const char* where) {
  Result<Catalog> cat = catalog();
  const std::size_t products = cat.ok() ? cat.value().size() : 0;
  std::string sql =
      "SELECT r.run, r.started, r.finished, r.inputs, r.output, r.stopped, r.abandoned, r.stats, "
      "c.input, c.line, c.seq, c.checksum, c.results_bytes FROM runs r LEFT JOIN checkpoints c ON c.run = r.run ";
  sql += where;
  sql += " ORDER BY r.run";
  sqlite::Stmt q;
  if (Status s = db_->prepare(sql.c_str(), q, "cannot read ledger"); !s.ok()) return s;
  std::vector<LedgerRun> out;
  for (;;) {
    Result<bool> row = db_->step(q, "cannot read ledger");
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    LedgerRun r;
    r.run = q.col_int(0);
    r.started = std::string(q.col_text(1));
    r.finished = std::string(q.col_text(2));
    rapidjson::Document d;
    std::string_view inputs = q.col_text(3);
    d.Parse(inputs.data(), inputs.size());
    if (!d.HasParseError() && d.IsArray())
      for (const auto& v : d.GetArray())
        if (v.IsString()) r.inputs.emplace_back(v.GetString(), v.GetStringLength());
    r.output = std::string(q.col_text(4));
    r.stopped = std::string(q.col_text(5));
    r.abandoned = q.col_int(6) != 0;
    r.stats = parse_stats(q.col_text(7), products);
    r.checkpoint.input = static_cast<std::uint32_t>(q.col_int(8));
    r.checkpoint.line = static_cast<std::uint64_t>(q.col_int(9));
    r.checkpoint.seq = static_cast<std::uint64_t>(q.col_int(10));
    r.checkpoint.checksum = static_cast<std::uint64_t>(q.col_int(11));
    r.checkpoint.results_bytes = static_cast<std::uint64_t>(q.col_int(12));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<LedgerRun>> LedgerDb::runs() { return query_runs(""); }

Result<std::optional<LedgerRun>> LedgerDb::unfinished_run() {
  Result<std::vector<LedgerRun>> r = query_runs("WHERE r.finished IS NULL");
  if (!r.ok()) return r.status();
  if (r.value().empty()) return std::optional<LedgerRun>();
  return std::optional<LedgerRun>(std::move(r.value().back()));
}

Result<std::int64_t> LedgerDb::begin_run(const std::vector<std::string>& inputs, const std::string& output) {
  sqlite::Stmt ins;
  if (Status s = db_->prepare("INSERT INTO runs(started, inputs, output) VALUES(?1, ?2, ?3)", ins,
                              "cannot write to ledger");
      !s.ok())
    return s;
  std::string started = now_utc(), names = json_strings(inputs);
  ins.bind(1, started);
  ins.bind(2, names);
  ins.bind(3, output);
  if (Status s = db_->run(ins, "cannot write to ledger"); !s.ok()) return s;
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_->get()));
}

Status LedgerDb::checkpoint() {
  int rc = sqlite3_wal_checkpoint_v2(db_->get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  // Busy: another connection is checkpointing (or recovering the WAL); the next one will do.
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) return Status::Ok();
  return db_->error("cannot checkpoint ledger", rc);
}

Status LedgerDb::prepare_sync_wal() {
  ORDERFLOW_REQUIRE(write_);
  if (wal_fd_ >= 0) return Status::Ok();
  // SQLite's own name for it; the file stays (the same inode) while this connection is open.
  const char* wal = sqlite3_filename_wal(sqlite3_db_filename(db_->get(), "main"));
  if (wal == nullptr) return Status::IOError("cannot find the WAL of ledger " + path_);
  wal_fd_ = ::open(wal, O_RDONLY | O_CLOEXEC);
  if (wal_fd_ < 0) return Status::IOError("cannot open the WAL of ledger " + path_ + ": " + errno_text(errno));
  return Status::Ok();
}

Status LedgerDb::sync_wal() const {
  ORDERFLOW_REQUIRE(wal_fd_ >= 0);
  if (::fdatasync(wal_fd_) != 0)
    return Status::IOError("cannot write to ledger " + path_ + ": " + errno_text(errno));
  return Status::Ok();
}

Result<std::int64_t> LedgerDb::synchronous() { return db_->query_int("PRAGMA synchronous", "cannot read ledger"); }

Status LedgerDb::commit(const LedgerGroup& g, CommitSync sync) {
  Statements& s = *st_;
  ORDERFLOW_REQUIRE(sync == CommitSync::kNow || wal_fd_ >= 0);
  // NORMAL for this transaction only: in WAL mode SQLite then skips the
  // commit's fsync (never the ones around checkpoints and WAL restarts), which
  // sync_wal() does instead. Every other transaction stays FULL.
  const bool later = sync == CommitSync::kLater;
  if (later) {
    if (Status st = db_->run(s.sync_normal, "cannot commit to ledger"); !st.ok()) return st;
  }
  auto restore = [&](Status st) {
    if (later) {
      Status full = db_->run(s.sync_full, "cannot commit to ledger");
      if (st.ok()) st = full;
    }
    return st;
  };
  if (Status st = db_->run(s.begin, "cannot commit to ledger"); !st.ok()) return restore(st);
  auto fail = [&](Status st) {
    (void)db_->run(s.rollback, "cannot roll back");
    return restore(st);
  };
  // Sorted keys: each B-tree page is visited once per group, in order.
  std::vector<const LedgerOrderWrite*> orders;
  orders.reserve(g.orders.size());
  for (const LedgerOrderWrite& o : g.orders) orders.push_back(&o);
  auto by_id = [](auto* a, auto* b) { return a->id < b->id; };
  if (!std::is_sorted(orders.begin(), orders.end(), by_id)) std::sort(orders.begin(), orders.end(), by_id);
  // Binds order o as the row that starts at parameter `at` of q.
  auto bind_order = [&](sqlite::Stmt& q, int at, const LedgerOrderWrite* o) {
    ORDERFLOW_REQUIRE(o->status != OrderStatus::kCancelled && o->seq <= static_cast<std::uint64_t>(order_row::kSeqMask));
    q.bind(at, o->id);
    q.bind(at + 1, order_row::encode(o->status, o->reason, o->product));
    q.bind(at + 2, o->amount);
    // Every parameter, NULLs too: insert_orders keeps its bindings between runs.
    if (o->status == OrderStatus::kCompleted || o->status == OrderStatus::kReversed) q.bind(at + 3, o->total);
    else q.bind_null(at + 3);
    q.bind(at + 4, order_row::at(g.run, o->seq));
    if (o->product == kNoProduct && !o->product_id.empty()) q.bind(at + 5, o->product_id);
    else q.bind_null(at + 5);
  };
  std::size_t i = 0;
  for (; i + kOrdersPerInsert <= orders.size(); i += kOrdersPerInsert) {
    for (std::size_t k = 0; k < kOrdersPerInsert; ++k) bind_order(s.insert_orders, static_cast<int>(k * 6 + 1), orders[i + k]);
    if (Status st = db_->run_rebound(s.insert_orders, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  for (; i < orders.size(); ++i) {
    bind_order(s.insert_order, 1, orders[i]);
    if (Status st = db_->run(s.insert_order, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  for (const LedgerOrderWrite* o : orders) {
    for (std::uint32_t k = 0; k < o->items_count; ++k) {
      const LedgerItemWrite& it = g.items[o->items_first + k];
      sqlite::Stmt& qi = s.insert_item;
      qi.bind(1, o->id);
      qi.bind(2, std::int64_t{k + 1});
      qi.bind(3, it.product_id);
      qi.bind(4, it.amount);
      if (Status st = db_->run(qi, "cannot commit to ledger"); !st.ok()) return fail(st);
    }
  }
  std::vector<const LedgerReversalWrite*> reversals;
  reversals.reserve(g.reversals.size());
  for (const LedgerReversalWrite& r : g.reversals) reversals.push_back(&r);
  std::sort(reversals.begin(), reversals.end(), [](auto* a, auto* b) { return a->id < b->id; });
  for (const LedgerReversalWrite* r : reversals) {
    sqlite::Stmt& q = s.reverse_order;
    q.bind(1, r->id);
    q.bind(2, order_row::at(g.run, r->seq));
    if (Status st = db_->run(q, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  for (auto [p, stock] : g.stock) {
    s.set_stock.bind(1, std::int64_t{p});
    s.set_stock.bind(2, stock);
    if (Status st = db_->run(s.set_stock, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  {
    sqlite::Stmt& q = s.set_checkpoint;
    q.bind(1, g.run);
    q.bind(2, std::int64_t{g.checkpoint.input});
    q.bind(3, static_cast<std::int64_t>(g.checkpoint.line));
    q.bind(4, static_cast<std::int64_t>(g.checkpoint.seq));
    q.bind(5, static_cast<std::int64_t>(g.checkpoint.checksum));
    q.bind(6, static_cast<std::int64_t>(g.checkpoint.results_bytes));
    if (Status st = db_->run(q, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  if (g.stats) {
    sqlite::Stmt& q = s.set_run_stats;
    std::string text = stats_json(*g.stats);
    q.bind(1, g.run);
    q.bind(2, static_cast<std::int64_t>(g.stats->records));
    q.bind(3, static_cast<std::int64_t>(g.stats->completed));
    q.bind(4, static_cast<std::int64_t>(g.stats->rejected));
    q.bind(5, static_cast<std::int64_t>(g.stats->reversed));
    q.bind(6, static_cast<std::int64_t>(g.stats->revenue));
    q.bind(7, text);
    if (Status st = db_->run(q, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  {
    s.drop_pending.bind(1, g.run);
    s.drop_pending.bind(2, static_cast<std::int64_t>(g.results_written));
    if (Status st = db_->run(s.drop_pending, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  const std::uint64_t results_size = g.results_zstd.empty() ? g.results.size() : g.results_size;
  if (results_size > 0 && g.checkpoint.results_bytes > g.results_written) {
    sqlite::Stmt& q = s.add_pending;
    q.bind(1, g.run);
    q.bind(2, static_cast<std::int64_t>(g.checkpoint.results_bytes - results_size));
    q.bind(3, static_cast<std::int64_t>(g.checkpoint.results_bytes));
    // Compressed (zstd, fast level): results are most of a group's bytes, and
    // they are read back only after a crash.
    std::string_view z = g.results_zstd;
    if (z.empty()) {
      if (!compress_results(g.results, scratch_))
        return fail(Status::IOError("cannot compress results for ledger " + path_));
      z = scratch_;
    }
    q.bind_blob(4, z.data(), z.size());
    if (Status st = db_->run(q, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  if (!g.orders.empty()) {
    s.add_orders.bind(1, static_cast<std::int64_t>(g.orders.size()));
    if (Status st = db_->run(s.add_orders, "cannot commit to ledger"); !st.ok()) return fail(st);
  }
  if (Status st = db_->run(s.commit, "cannot commit to ledger"); !st.ok()) return fail(st);
  order_count_ += g.orders.size();
  return restore(Status::Ok());
}

bool compress_results(std::string_view results, std::string& out) {
  out.resize(ZSTD_compressBound(results.size()));
  // A fast level: results are most of a group's bytes, read back only after a crash.
  std::size_t n = ZSTD_compress(out.data(), out.size(), results.data(), results.size(), 1);
  if (ZSTD_isError(n)) return false;
  out.resize(n);
  return true;
}

Status LedgerDb::end_run(std::int64_t run, std::string_view stopped, bool finished) {
  sqlite::Stmt q;
  if (Status s = db_->prepare("UPDATE runs SET stopped=?2, finished=?3 WHERE run=?1", q, "cannot write to ledger");
      !s.ok())
    return s;
  std::string when = now_utc();
  q.bind(1, run);
  if (!stopped.empty()) q.bind(2, stopped);
  if (finished) q.bind(3, when);
  if (Status s = db_->run(q, "cannot write to ledger"); !s.ok()) return s;
  if (finished) {
    std::string drop = "DELETE FROM pending_results WHERE run=" + std::to_string(run);
    return db_->exec(drop.c_str(), "cannot write to ledger");
  }
  return Status::Ok();
}

Status LedgerDb::abandon_run(std::int64_t run) {
  std::string sql = "BEGIN IMMEDIATE; UPDATE runs SET abandoned=1, finished='" + now_utc() +
                    "' WHERE run=" + std::to_string(run) + "; DELETE FROM pending_results WHERE run=" +
                    std::to_string(run) + "; COMMIT;";
  Status s = db_->exec(sql.c_str(), "cannot write to ledger");
  if (!s.ok()) (void)db_->exec("ROLLBACK");
  return s;
}

Result<std::optional<std::string>> LedgerDb::pending_results(std::int64_t run, std::uint64_t from, std::uint64_t to) {
  sqlite::Stmt q;
  if (Status s = db_->prepare(
          "SELECT begin_bytes, end_bytes, bytes FROM pending_results WHERE run=?1 AND end_bytes>?2 ORDER BY begin_bytes",
          q, "cannot read ledger");
      !s.ok())
    return s;
  q.bind(1, run);
  q.bind(2, static_cast<std::int64_t>(from));
  std::string out;
  std::uint64_t at = from;
  for (;;) {
    Result<bool> row = db_->step(q, "cannot read ledger");
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    auto begin = static_cast<std::uint64_t>(q.col_int(0)), end = static_cast<std::uint64_t>(q.col_int(1));
    if (begin > at) break;  // a gap: the ledger does not have [at, begin)
    const void* z = sqlite3_column_blob(q.get(), 2);
    auto zn = static_cast<std::size_t>(sqlite3_column_bytes(q.get(), 2));
    std::string raw(static_cast<std::size_t>(end - begin), '\0');
    std::size_t n = ZSTD_decompress(raw.data(), raw.size(), z, zn);
    if (ZSTD_isError(n) || n != raw.size()) break;
    out.append(raw.data() + (at - begin), static_cast<std::size_t>(std::min(end, to) - at));
    at = std::min(end, to);
    if (at >= to) break;
  }
  q.reset();
  if (at < to) return std::optional<std::string>();
  return std::optional<std::string>(std::move(out));
}

}  // namespace orderflow
