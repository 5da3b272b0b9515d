#include "data/ledger/sqlite.h"

namespace orderflow::sqlite {

Status Db::error(const char* doing, int rc) const {
  std::string msg = std::string(doing) + " " + path_ + ": ";
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB) msg += "not a SQLite database (is it an orderflow ledger?)";
  else if (primary == SQLITE_CORRUPT) msg += "the database is corrupt (" + std::string(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) + ")";
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) msg += "the ledger is locked by another program";
  else if (primary == SQLITE_READONLY) msg += "the ledger is read-only";
  else if (primary == SQLITE_FULL) msg += "database or disk is full";
  else msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? Status::Corruption(std::move(msg))
                                                                : Status::IOError(std::move(msg));
}

Status Db::open(const std::string& path, int flags) {
  // Before SQLite initializes: no memory statistics, whose global mutex every
  // allocation of every connection took (each connection has one thread).
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  close();
  path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = error("cannot open", rc);
    close();
    return s;
  }
  sqlite3_extended_result_codes(db_, 1);
  return Status::Ok();
}

void Db::close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Status Db::exec(const char* sql, const char* doing) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : error(doing, rc);
}

Status Db::prepare(const char* sql, Stmt& out, const char* doing) {
  out.finalize();
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &out.s_, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : error(doing, rc);
}

Status Db::run(Stmt& s, const char* doing) {
  int rc = sqlite3_step(s.get());
  s.reset();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : error(doing, rc);
}

Status Db::run_rebound(Stmt& s, const char* doing) {
  int rc = sqlite3_step(s.get());
  sqlite3_reset(s.get());
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : error(doing, rc);
}

Result<bool> Db::step(Stmt& s, const char* doing) {
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return true;
  s.reset();
  if (rc == SQLITE_DONE) return false;
  return error(doing, rc);
}

Result<std::int64_t> Db::query_int(const char* sql, const char* doing) {
  Stmt s;
  if (Status st = prepare(sql, s, doing); !st.ok()) return st;
  Result<bool> row = step(s, doing);
  if (!row.ok()) return row.status();
  return row.value() ? s.col_int(0) : 0;
}

}  // namespace orderflow::sqlite
