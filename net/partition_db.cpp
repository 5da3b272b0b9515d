#include "net/partition_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace orderflow {

struct PartitionDb::Impl {
  std::string path;
  sqlite3* db = nullptr;
  int lock_fd = -1;
  sqlite3_stmt* put_stock = nullptr;
  sqlite3_stmt* put_order = nullptr;
  sqlite3_stmt* put_position = nullptr;

  ~Impl() {
    for (sqlite3_stmt* s : {put_stock, put_order, put_position})
      if (s) sqlite3_finalize(s);
    if (db) sqlite3_close(db);
    if (lock_fd >= 0) ::close(lock_fd);
  }
  Status error(const char* doing) const {
    return Status::IOError(std::string(doing) + " " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  }
  Status exec(const char* sql, const char* doing) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "error";
      sqlite3_free(msg);
      return Status::IOError(std::string(doing) + " " + path + ": " + m);
    }
    return Status::Ok();
  }
  Status prepare(const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v2(db, sql, -1, out, nullptr) != SQLITE_OK) return error("cannot use");
    return Status::Ok();
  }
  Status step_done(sqlite3_stmt* s, const char* doing) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return error(doing);
    return Status::Ok();
  }
};

PartitionDb::~PartitionDb() = default;

Result<std::unique_ptr<PartitionDb>> PartitionDb::open(const std::string& path, const std::string& stream,
                                                       PartitionId me, std::uint64_t catalog_digest) {
  std::unique_ptr<PartitionDb> out(new PartitionDb());
  out->impl_ = std::make_unique<Impl>();
  Impl& d = *out->impl_;
  d.path = path;
  // The lock lives on a side file, so SQLite's own locking is left alone.
  const std::string lock_path = path + ".lock";
  d.lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (d.lock_fd < 0) return Status::IOError("cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(d.lock_fd, LOCK_EX | LOCK_NB) != 0)
    return Status::IOError(path + " is in use by another serve (" + std::strerror(errno) + ")");
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    return d.error("cannot open");
  sqlite3_busy_timeout(d.db, 5000);
  if (Status s = d.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=16384;", "cannot open"); !s.ok()) return s;
  if (Status s = d.exec(
          "CREATE TABLE IF NOT EXISTS meta(one INTEGER PRIMARY KEY CHECK (one = 1), stream TEXT NOT NULL,"
          " k INTEGER NOT NULL, n INTEGER NOT NULL, catalog INTEGER NOT NULL, orders_next INTEGER NOT NULL,"
          " votes_next INTEGER NOT NULL, record_next INTEGER NOT NULL);"
          "CREATE TABLE IF NOT EXISTS stock(product INTEGER PRIMARY KEY, stock INTEGER NOT NULL);"
          "CREATE TABLE IF NOT EXISTS orders(id BLOB PRIMARY KEY, product INTEGER NOT NULL,"
          " amount INTEGER NOT NULL, state INTEGER NOT NULL, items BLOB) WITHOUT ROWID;",
          "not a partition state file:");
      !s.ok())
    return s;
  {  // a file from before baskets: its orders table has no items column
    sqlite3_stmt* info = nullptr;
    if (Status s = d.prepare("SELECT 1 FROM pragma_table_info('orders') WHERE name = 'items'", &info); !s.ok())
      return s;
    const int has = sqlite3_step(info);
    sqlite3_finalize(info);
    if (has != SQLITE_ROW)
      if (Status s = d.exec("ALTER TABLE orders ADD COLUMN items BLOB", "cannot upgrade"); !s.ok()) return s;
  }
  sqlite3_stmt* q = nullptr;
  if (Status s = d.prepare("SELECT stream, k, n, catalog, orders_next, votes_next, record_next FROM meta", &q);
      !s.ok())
    return s;
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    std::string st(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)),
                   static_cast<std::size_t>(sqlite3_column_bytes(q, 0)));
    std::uint32_t k = static_cast<std::uint32_t>(sqlite3_column_int64(q, 1));
    std::uint32_t n = static_cast<std::uint32_t>(sqlite3_column_int64(q, 2));
    std::uint64_t cat = static_cast<std::uint64_t>(sqlite3_column_int64(q, 3));
    out->position_.orders_next = static_cast<std::uint64_t>(sqlite3_column_int64(q, 4));
    out->position_.votes_next = static_cast<std::uint64_t>(sqlite3_column_int64(q, 5));
    out->position_.record_next = static_cast<std::uint64_t>(sqlite3_column_int64(q, 6));
    sqlite3_finalize(q);
    if (st != stream || k != me.k || n != me.n)
      return Status::InvalidArgument(path + " holds the state of partition " + std::to_string(k + 1) + "/" +
                                     std::to_string(n) + " of stream " + st + ", not " + std::to_string(me.k + 1) +
                                     "/" + std::to_string(me.n) + " of " + stream);
    if (cat != catalog_digest)
      return Status::InvalidArgument(path + " was started from another catalog than stream " + stream + " holds");
  } else {
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return d.error("cannot read");
    sqlite3_stmt* ins = nullptr;
    if (Status s = d.prepare("INSERT INTO meta VALUES(1, ?, ?, ?, ?, 1, 1, 1)", &ins); !s.ok()) return s;
    sqlite3_bind_text(ins, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 2, me.k);
    sqlite3_bind_int64(ins, 3, me.n);
    sqlite3_bind_int64(ins, 4, static_cast<std::int64_t>(catalog_digest));
    rc = sqlite3_step(ins);
    sqlite3_finalize(ins);
    if (rc != SQLITE_DONE) return d.error("cannot write to");
    out->fresh_ = true;
  }
  (void)existed;
  if (Status s = d.prepare("INSERT OR REPLACE INTO stock VALUES(?, ?)", &d.put_stock); !s.ok()) return s;
  if (Status s = d.prepare("INSERT OR REPLACE INTO orders VALUES(?, ?, ?, ?, ?)", &d.put_order); !s.ok()) return s;
  if (Status s = d.prepare("UPDATE meta SET orders_next = ?, votes_next = ?, record_next = ?", &d.put_position);
      !s.ok())
    return s;
  return out;
}

Status PartitionDb::load(std::vector<std::int64_t>& stock,
                         const std::function<void(std::string_view, std::uint32_t, std::uint32_t, OrderState,
                                                   std::vector<StockItem>)>& order) {
  Impl& d = *impl_;
  sqlite3_stmt* q = nullptr;
  if (Status s = d.prepare("SELECT product, stock FROM stock", &q); !s.ok()) return s;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    std::int64_t p = sqlite3_column_int64(q, 0);
    if (p < 0 || static_cast<std::size_t>(p) >= stock.size()) {
      sqlite3_finalize(q);
      return Status::Corruption(d.path + ": stock of product " + std::to_string(p) + " outside the catalog");
    }
    stock[static_cast<std::size_t>(p)] = sqlite3_column_int64(q, 1);
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return d.error("cannot read");
  if (Status s = d.prepare("SELECT id, product, amount, state, items FROM orders", &q); !s.ok()) return s;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    std::string_view id(static_cast<const char*>(sqlite3_column_blob(q, 0)),
                        static_cast<std::size_t>(sqlite3_column_bytes(q, 0)));
    std::int64_t state = sqlite3_column_int64(q, 3);
    if (id.empty() || id.size() > kIdBytesMax || state < 0 || state > static_cast<int>(OrderState::kCancelled)) {
      sqlite3_finalize(q);
      return Status::Corruption(d.path + ": a malformed order entry");
    }
    const auto product = static_cast<std::uint32_t>(sqlite3_column_int64(q, 1));
    const auto amount = static_cast<std::uint32_t>(sqlite3_column_int64(q, 2));
    std::vector<StockItem> items;
    if (product == kBasketProduct) {  // items: `amount` pairs of u32 (product, units), little-endian
      const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(q, 4));
      const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(q, 4));
      if (amount == 0 || amount > kItemsMax || bytes != amount * 8u) {
        sqlite3_finalize(q);
        return Status::Corruption(d.path + ": a basket entry without its items");
      }
      auto u32 = [&](std::size_t at) {
        return static_cast<std::uint32_t>(blob[at]) | static_cast<std::uint32_t>(blob[at + 1]) << 8 |
               static_cast<std::uint32_t>(blob[at + 2]) << 16 | static_cast<std::uint32_t>(blob[at + 3]) << 24;
      };
      for (std::uint32_t t = 0; t < amount; ++t) items.push_back({u32(t * 8u), u32(t * 8u + 4)});
    }
    order(id, product, amount, static_cast<OrderState>(state), std::move(items));
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return d.error("cannot read");
  return Status::Ok();
}

Status PartitionDb::commit(const PartitionChanges& changes, const PartitionPosition& position) {
  Impl& d = *impl_;
  if (Status s = d.exec("BEGIN IMMEDIATE", "cannot commit to"); !s.ok()) return s;
  auto rollback = [&](Status s) {
    sqlite3_exec(d.db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  for (const StockChange& c : changes.stock) {
    sqlite3_bind_int64(d.put_stock, 1, c.product);
    sqlite3_bind_int64(d.put_stock, 2, c.stock);
    if (Status s = d.step_done(d.put_stock, "cannot commit to"); !s.ok()) return rollback(s);
  }
  for (const OrderChange& c : changes.orders) {
    sqlite3_bind_blob(d.put_order, 1, c.id.data(), static_cast<int>(c.id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(d.put_order, 2, c.product);
    sqlite3_bind_int64(d.put_order, 3, c.amount);
    sqlite3_bind_int64(d.put_order, 4, static_cast<int>(c.state));
    std::string blob;
    for (const StockItem& it : c.items)
      for (std::uint32_t v : {it.product, it.amount})
        for (int b = 0; b < 4; ++b) blob += static_cast<char>((v >> (8 * b)) & 0xff);
    if (c.items.empty())
      sqlite3_bind_null(d.put_order, 5);
    else
      sqlite3_bind_blob(d.put_order, 5, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    if (Status s = d.step_done(d.put_order, "cannot commit to"); !s.ok()) return rollback(s);
  }
  sqlite3_bind_int64(d.put_position, 1, static_cast<std::int64_t>(position.orders_next));
  sqlite3_bind_int64(d.put_position, 2, static_cast<std::int64_t>(position.votes_next));
  sqlite3_bind_int64(d.put_position, 3, static_cast<std::int64_t>(position.record_next));
  if (Status s = d.step_done(d.put_position, "cannot commit to"); !s.ok()) return rollback(s);
  if (Status s = d.exec("COMMIT", "cannot commit to"); !s.ok()) return rollback(s);
  position_ = position;
  return Status::Ok();
}

}  // namespace orderflow
