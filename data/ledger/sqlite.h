#pragma once
// Thin RAII wrappers over the SQLite 3 C API (Debian's libsqlite3), used only
// by data/ledger/. Every failure becomes a Status whose message names the
// database file ("cannot commit to shop.ledger: database or disk is full").
//
// Thread-safety: a Db (a connection) and its Stmts belong to one thread at a
// time; SQLite is built threadsafe, so different threads may each use their own
// connection to the same file. Nothing here knows about threads.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "data/base/status.h"

namespace orderflow::sqlite {

// A prepared statement. Reset after every step-to-done by the helpers below.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      finalize();
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  ~Stmt() { finalize(); }

  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_blob(int i, const void* p, std::size_t n) {
    sqlite3_bind_blob64(s_, i, p, n, SQLITE_STATIC);
  }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  std::int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  std::string_view col_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
  }

 private:
  friend class Db;
  void finalize() {
    if (s_) sqlite3_finalize(s_);
    s_ = nullptr;
  }
  sqlite3_stmt* s_ = nullptr;
};

// One connection.
class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { close(); }

  // Opens `path` with SQLITE_OPEN_* `flags`. `what` names it in messages.
  Status open(const std::string& path, int flags);
  void close();
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements without results.
  Status exec(const char* sql, const char* doing = "cannot use");
  // Prepares `sql` (kept by the caller for reuse).
  Status prepare(const char* sql, Stmt& out, const char* doing = "cannot use");
  // Steps a statement that returns no rows, then resets it.
  Status run(Stmt& s, const char* doing = "cannot write to");
  // The same, keeping the bindings: for a statement whose every parameter is
  // bound again before each run (clearing them cost 1% of a commit).
  Status run_rebound(Stmt& s, const char* doing = "cannot write to");
  // Steps once: true with a row, false when done (and reset), or an error.
  Result<bool> step(Stmt& s, const char* doing = "cannot read");
  // The value of a one-integer query (e.g. "PRAGMA user_version").
  Result<std::int64_t> query_int(const char* sql, const char* doing = "cannot read");

  // "<doing> <path>: <sqlite message>" for the last error on this connection.
  Status error(const char* doing, int rc) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace orderflow::sqlite
