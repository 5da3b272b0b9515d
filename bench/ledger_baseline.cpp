// ledger_baseline: the straightforward durable order processor that
// `orderflow process --ledger` is measured against (bench/ledger.sh). What a
// competent engineer writes first with SQLite, and no more:
//   - WAL mode, synchronous=FULL (a commit survives a power loss);
//   - one transaction per 10,000 records;
//   - per place record with an id: a prepared INSERT ... ON CONFLICT DO NOTHING
//     (no row inserted: duplicate_id), then a conditional
//     UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?
//     (no row changed: unknown_product or insufficient_stock, and the order's
//     row is marked Rejected);
//   - per reverse record: SELECT the order, UPDATE it to Reversed WHERE status
//     = 'Completed', give the stock back.
// Same decisions as orderflow on well-formed NDJSON (the bench workloads); it
// writes one short result line per record. It uses none of orderflow's code.
//
// usage: ledger_baseline LEDGER CATALOG.csv [FILE] > results.ndjson
//        (LEDGER is created if missing; CATALOG only fills a new one)
#include <fcntl.h>
#include <rapidjson/document.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

[[noreturn]] void die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "ledger_baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(db, sql);
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) die(db, sql);
  return s;
}

void step_done(sqlite3* db, sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) die(db, "step");
  sqlite3_reset(s);
}

std::int64_t parse_cents(std::string_view s) {
  std::int64_t whole = 0, frac = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] != '.'; ++i) whole = whole * 10 + (s[i] - '0');
  int digits = 0;
  for (++i; i < s.size() && digits < 2; ++i, ++digits) frac = frac * 10 + (s[i] - '0');
  if (digits == 1) frac *= 10;
  return whole * 100 + frac;
}

std::string read_all(int fd) {
  std::string out;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

void append_money(std::string& out, std::int64_t c) {
  out += std::to_string(c / 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + (c % 100) / 10));
  out.push_back(static_cast<char>('0' + c % 10));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ledger_baseline LEDGER CATALOG.csv [FILE]\n");
    return 2;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) die(db, "open");
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  exec(db,
       "CREATE TABLE IF NOT EXISTS products(id TEXT PRIMARY KEY, price_cents INTEGER, stock INTEGER);"
       "CREATE TABLE IF NOT EXISTS orders(id TEXT PRIMARY KEY, status TEXT, reason TEXT, product_id TEXT,"
       " amount INTEGER, total_cents INTEGER, seq INTEGER);");

  // The catalog fills a new ledger; prices are read back from the ledger.
  {
    int fd = ::open(argv[2], O_RDONLY);
    if (fd < 0) die(nullptr, "cannot open the catalog");
    std::string text = read_all(fd);
    ::close(fd);
    sqlite3_stmt* ins = prepare(db, "INSERT OR IGNORE INTO products(id, price_cents, stock) VALUES(?1, ?2, ?3)");
    exec(db, "BEGIN");
    std::size_t pos = text.find('\n') + 1;  // ID,ProductName,Stock,Variety,Price
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::vector<std::string_view> f;
      for (std::size_t a = 0;;) {
        std::size_t b = line.find(',', a);
        f.push_back(line.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
        if (b == std::string_view::npos) break;
        a = b + 1;
      }
      if (f.size() >= 5) {
        sqlite3_bind_text(ins, 1, f[0].data(), static_cast<int>(f[0].size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, parse_cents(f[4]));
        sqlite3_bind_int64(ins, 3, std::strtoll(std::string(f[2]).c_str(), nullptr, 10));
        step_done(db, ins);
      }
      pos = end + 1;
    }
    exec(db, "COMMIT");
    sqlite3_finalize(ins);
  }
  std::unordered_map<std::string, std::int64_t> price;
  {
    sqlite3_stmt* q = prepare(db, "SELECT id, price_cents FROM products");
    while (sqlite3_step(q) == SQLITE_ROW)
      price.emplace(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
  }

  sqlite3_stmt* ins_order = prepare(
      db, "INSERT INTO orders(id, status, product_id, amount, total_cents, seq) VALUES(?1, 'Completed', ?2, ?3, ?4, ?5)"
          " ON CONFLICT DO NOTHING");
  sqlite3_stmt* take = prepare(db, "UPDATE products SET stock = stock - ?1 WHERE id = ?2 AND stock >= ?1");
  sqlite3_stmt* reject = prepare(db, "UPDATE orders SET status = 'Rejected', reason = ?2, total_cents = NULL WHERE id = ?1");
  sqlite3_stmt* find = prepare(db, "SELECT status, product_id, amount, total_cents FROM orders WHERE id = ?1");
  sqlite3_stmt* reverse = prepare(db, "UPDATE orders SET status = 'Reversed' WHERE id = ?1 AND status = 'Completed'");
  sqlite3_stmt* give = prepare(db, "UPDATE products SET stock = stock + ?1 WHERE id = ?2");

  int in = argc > 3 ? ::open(argv[3], O_RDONLY) : 0;
  if (in < 0) die(nullptr, "cannot open the input");
  std::string input = read_all(in);
  std::string out;
  out.reserve(1 << 20);
  rapidjson::Document doc;
  std::uint64_t seq = 0;
  exec(db, "BEGIN");
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t end = input.find('\n', pos);
    if (end == std::string::npos) end = input.size();
    std::string line = input.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    ++seq;
    doc.Parse(line.data(), line.size());
    std::string id = doc.HasMember("id") && doc["id"].IsString() ? doc["id"].GetString() : "";
    bool is_reverse = doc.HasMember("op") && doc["op"].IsString() && std::strcmp(doc["op"].GetString(), "reverse") == 0;
    out += "{\"seq\":" + std::to_string(seq);
    if (!id.empty()) out += ",\"id\":\"" + id + "\"";
    if (is_reverse) {
      sqlite3_bind_text(find, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      if (sqlite3_step(find) != SQLITE_ROW) {
        out += ",\"op\":\"reverse\",\"status\":\"Rejected\",\"reason\":\"unknown_order\"}\n";
      } else {
        std::string product = reinterpret_cast<const char*>(sqlite3_column_text(find, 1));
        std::int64_t amount = sqlite3_column_int64(find, 2), total = sqlite3_column_int64(find, 3);
        sqlite3_reset(find);
        sqlite3_bind_text(reverse, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        step_done(db, reverse);
        if (sqlite3_changes(db) == 1) {
          sqlite3_bind_int64(give, 1, amount);
          sqlite3_bind_text(give, 2, product.data(), static_cast<int>(product.size()), SQLITE_STATIC);
          step_done(db, give);
          out += ",\"op\":\"reverse\",\"productId\":\"" + product + "\",\"amount\":" + std::to_string(amount) +
                 ",\"status\":\"Reversed\",\"total\":";
          append_money(out, total);
          out += "}\n";
        } else {
          out += ",\"op\":\"reverse\",\"status\":\"Rejected\",\"reason\":\"not_reversible\"}\n";
        }
      }
      sqlite3_reset(find);
    } else {
      std::string product = doc["productId"].GetString();
      std::int64_t amount = doc["amount"].GetInt64();
      auto p = price.find(product);
      std::int64_t total = p == price.end() ? 0 : amount * p->second;
      bool duplicate = false;
      if (!id.empty()) {
        sqlite3_bind_text(ins_order, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        sqlite3_bind_text(ins_order, 2, product.data(), static_cast<int>(product.size()), SQLITE_STATIC);
        sqlite3_bind_int64(ins_order, 3, amount);
        sqlite3_bind_int64(ins_order, 4, total);
        sqlite3_bind_int64(ins_order, 5, static_cast<std::int64_t>(seq));
        step_done(db, ins_order);
        duplicate = sqlite3_changes(db) == 0;
      }
      out += ",\"op\":\"place\",\"productId\":\"" + product + "\",\"amount\":" + std::to_string(amount);
      const char* reason = nullptr;
      if (duplicate) {
        reason = "duplicate_id";
      } else if (p == price.end()) {
        reason = "unknown_product";
      } else {
        sqlite3_bind_int64(take, 1, amount);
        sqlite3_bind_text(take, 2, product.data(), static_cast<int>(product.size()), SQLITE_STATIC);
        step_done(db, take);
        if (sqlite3_changes(db) == 0) reason = "insufficient_stock";
      }
      if (reason && !duplicate && !id.empty()) {
        sqlite3_bind_text(reject, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        sqlite3_bind_text(reject, 2, reason, -1, SQLITE_STATIC);
        step_done(db, reject);
      }
      if (reason) {
        out += std::string(",\"status\":\"Rejected\",\"reason\":\"") + reason + "\"}\n";
      } else {
        out += ",\"status\":\"Completed\",\"total\":";
        append_money(out, total);
        out += "}\n";
      }
    }
    if (seq % 10000 == 0) {
      exec(db, "COMMIT");
      // A result is written only after its transaction committed.
      if (::write(1, out.data(), out.size()) != static_cast<ssize_t>(out.size())) die(nullptr, "write");
      out.clear();
      exec(db, "BEGIN");
    }
  }
  exec(db, "COMMIT");
  if (!out.empty() && ::write(1, out.data(), out.size()) != static_cast<ssize_t>(out.size())) die(nullptr, "write");
  for (sqlite3_stmt* s : {ins_order, take, reject, find, reverse, give}) sqlite3_finalize(s);
  sqlite3_close(db);
  return 0;
}
