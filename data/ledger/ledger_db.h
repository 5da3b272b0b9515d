#pragma once
// LedgerDb: the durable ledger, one SQLite 3 file (SPEC.md "The ledger").
//
// What it keeps (the schema is part of the contract; docs/ledger.md shows it):
//   products       the catalog with the current stock (stock as of the last commit)
//   order_rows     every order that took an id, by id: how it ended, and the
//                  run and seq that decided it (and reversed it), packed
//                  (data/ledger/order_row.h); the `orders` view reads it as words
//   order_items    the items of a basket order (one row per item)
//   runs           every run: inputs, started/finished, counts, how it stopped
//   checkpoints    per run, how far its input was committed (seq, line, a
//                  checksum of the committed records, results bytes written)
//   pending_results  results committed but maybe not yet in -o (so a crash
//                  between the commit and the write loses none of them),
//                  zstd-compressed; dropped once the writer has written them
// Schema version: PRAGMA user_version (kLedgerSchemaVersion), application_id
// kLedgerApplicationId; older versions are migrated on open, newer ones refused.
// WAL mode, synchronous=FULL: a commit is durable when it returns (a group's
// commit may leave that to sync_wal(): commit()).
//
// One writer at a time: open() with `write` takes an exclusive advisory lock
// (flock) on the file for the LedgerDb's life, waiting for another writer or
// failing at once (`wait` false). Readers (write false, sqlite3) never wait
// for it: WAL lets them read the last commit while a writer writes.
//
// Errors are Status values whose message names the file. A file that is not
// SQLite, or SQLite that is not a ledger, is never written to.
//
// Thread-safety: one LedgerDb is one connection, used by one thread at a time.
// Open one per thread that needs one (a reader per look-up thread).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/money.h"
#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/ledger/ledger.h"
#include "data/ledger/record_checksum.h"
#include "data/model/order.h"
#include "data/model/stats.h"

namespace orderflow {

namespace sqlite {
class Db;
}

// 2: orders packed into order_rows, read through the orders view (data/ledger/order_row.h).
inline constexpr std::int64_t kLedgerSchemaVersion = 2;

class LedgerDb;

// When LedgerDb::commit() makes a group durable.
enum class CommitSync {
  kNow,    // before it returns
  kLater,  // at the next LedgerDb::sync_wal()
};

// PriorOrders (data/ledger/ledger.h) answered from a ledger's orders table,
// through its own connection: a batch's ids are looked up in sorted order (each
// B-tree page is visited once, in order), an id asked twice once. Not
// thread-safe: one per look-up thread.
class LedgerPriorOrders final : public PriorOrders {
 public:
  // `db` and `catalog` must outlive it.
  LedgerPriorOrders(LedgerDb& db, const Catalog& catalog) : db_(db), catalog_(catalog) {}
  Status find(std::span<const PriorQuery> queries, const Found& found) override;
  std::uint64_t lookups() const { return lookups_; }  // SQLite look-ups made (distinct ids per batch)

 private:
  LedgerDb& db_;
  const Catalog& catalog_;
  std::vector<std::uint32_t> order_;  // scratch: the queries by id
  std::uint64_t lookups_ = 0;
};
inline constexpr std::int64_t kLedgerApplicationId = 0x4f464c47;  // "OFLG"

struct LedgerOpenOptions {
  bool write = false;        // a writer: takes the writer lock; creates the file if missing
  bool wait = true;          // writer: wait for another writer (false: fail at once)
  // Writer, with wait: polled every few ms while another writer holds the
  // ledger; returning false gives up (open() then fails with a Status saying so).
  std::function<bool()> keep_waiting;
  // Called once if open() has to wait for another writer.
  std::function<void()> on_wait;
  std::int64_t cache_kib = 16 << 10;  // SQLite page cache of this connection, KiB
  // Writer: leave checkpoints (copying the WAL into the database file, and its
  // fsync) to another connection's checkpoint(), so that commit() never does
  // one. wal_frames() then tells when one is due. The writer still folds what
  // is left of the WAL into the file when it closes.
  bool external_checkpoints = false;
};

struct LedgerItem {
  std::string product_id;
  std::int64_t amount = 0;
};

// An order as the ledger keeps it (the place record that took the id).
struct LedgerOrder {
  std::string id;
  std::string product_id;            // empty for a basket (see items)
  std::int64_t amount = 0;           // a basket: the sum of its items' amounts
  std::vector<LedgerItem> items;     // a basket's items, in order
  OrderStatus status = OrderStatus::kRejected;  // Completed, Rejected or Reversed
  Reason reason = Reason::kNone;
  Cents total = 0;                   // Completed/Reversed: amount x price
  std::int64_t run = 0;
  std::uint64_t seq = 0;
  std::int64_t reversed_run = 0;     // Reversed: the run and seq of the reverse record
  std::uint64_t reversed_seq = 0;
};

// How far a run's input was committed.
struct LedgerCheckpoint {
  std::uint64_t seq = 0;             // the last committed record (0: none yet)
  std::uint32_t input = 0;           // index (in the run's inputs) of that record's file
  std::uint64_t line = 0;            // and its line
  std::uint64_t checksum = 0;        // RecordChecksum of records 1..seq
  std::uint64_t results_bytes = 0;   // bytes of the results of records 1..seq
};

struct LedgerRun {
  std::int64_t run = 0;
  std::string started;               // UTC, ISO 8601
  std::string finished;              // empty while unfinished
  std::vector<std::string> inputs;
  std::string output;                // the -o it writes ("-", "none" or a path)
  bool abandoned = false;
  std::string stopped;               // how it last stopped: "" (reached the end), "interrupted", ...
  Stats stats;                       // of its committed records
  LedgerCheckpoint checkpoint;
  bool unfinished() const { return finished.empty(); }
};

// One group of decided records, committed in one transaction (commit()).
struct LedgerItemWrite {
  std::string_view product_id;
  std::int64_t amount = 0;
};
struct LedgerOrderWrite {
  std::string_view id;
  std::string_view product_id;       // empty for a basket
  std::int64_t amount = 0;
  OrderStatus status = OrderStatus::kRejected;
  Reason reason = Reason::kNone;
  Cents total = 0;
  std::uint64_t seq = 0;
  std::uint32_t items_first = 0;     // a basket: its items in LedgerGroup::items
  std::uint32_t items_count = 0;     // 0: not a basket
  std::uint32_t product = kNoProduct; // catalog index of product_id, if the catalog has it
};
struct LedgerReversalWrite {
  std::string_view id;
  std::uint64_t seq = 0;             // of the reverse record
};
struct LedgerGroup {
  std::int64_t run = 0;
  std::vector<LedgerOrderWrite> orders;        // new orders (commit sorts them by id)
  std::vector<LedgerItemWrite> items;          // the baskets' items (LedgerOrderWrite::items_first)
  std::vector<LedgerReversalWrite> reversals;  // orders (of any run) reversed in this group
  std::vector<std::pair<std::uint32_t, std::int64_t>> stock;  // (product index, new stock)
  LedgerCheckpoint checkpoint;                 // after this group
  const Stats* stats = nullptr;                // the run's committed records, this group included
  // This group's results bytes (pending until written): as they are, or
  // already zstd-compressed (results_zstd, results_size bytes once
  // decompressed); commit() compresses `results` itself. Both empty: none kept.
  std::string_view results;
  std::string_view results_zstd;
  std::uint64_t results_size = 0;
  std::uint64_t results_written = 0;           // results bytes known to be in -o: older pending ones go
};

// zstd-compresses a group's results as commit() stores them (for a caller
// that compresses off the committing thread). False on a zstd error.
bool compress_results(std::string_view results, std::string& out);

class LedgerDb {
 public:
  ~LedgerDb();
  LedgerDb(const LedgerDb&) = delete;
  LedgerDb& operator=(const LedgerDb&) = delete;

  // Opens (a writer: creates if missing) the ledger at `path`. A file that is
  // not an orderflow ledger, a newer schema, a read-only file for a writer, or
  // another writer with `wait` false is an error naming the file.
  static Result<std::unique_ptr<LedgerDb>> open(const std::string& path, const LedgerOpenOptions& options);

  const std::string& path() const { return path_; }
  // True when the ledger has no catalog yet (it was just created).
  bool empty() const { return empty_; }
  // Orders the ledger holds (kept in meta; exact as of the last commit).
  std::uint64_t order_count() const { return order_count_; }

  // Writer: fills a new ledger's products from `catalog`. REQUIRES: empty().
  Status initialize(const Catalog& catalog);
  // The catalog with the ledger's current stock.
  Result<Catalog> catalog();
  // What would change if `catalog` were applied (one line each; empty: same
  // products, names and prices). Stock is never compared.
  Result<std::vector<std::string>> catalog_changes(const Catalog& catalog);
  // Writer: adds new products (with their stock) and changes names and
  // prices; never touches an existing product's stock. Returns the changes.
  Result<std::vector<std::string>> update_catalog(const Catalog& catalog);

  // The order that took `id`, if any.
  Result<std::optional<LedgerOrder>> find_order(std::string_view id);
  // The same, only what deciding a later record needs (no allocation).
  Result<std::optional<PriorOrder>> find_prior(std::string_view id, const Catalog& catalog);

  // Every run, oldest first; the unfinished one, if any (at most one).
  Result<std::vector<LedgerRun>> runs();
  Result<std::optional<LedgerRun>> unfinished_run();
  // Writer: starts a run. REQUIRES: no unfinished run.
  Result<std::int64_t> begin_run(const std::vector<std::string>& inputs, const std::string& output);
  // Writer: commits one group in one transaction. On an error nothing of the
  // group is in the ledger. With CommitSync::kNow (the default) the group is
  // durable when commit() returns: SQLite fsyncs the WAL (synchronous=FULL).
  // With kLater it returns once the group is in the WAL (readers see it and it
  // survives the process, not yet a power loss) and sync_wal() makes it
  // durable, so the committing thread goes on with the next group while the
  // disk flushes this one. REQUIRES for kLater: prepare_sync_wal() succeeded.
  // Every other write of the ledger is durable on return.
  Status commit(const LedgerGroup& group, CommitSync sync = CommitSync::kNow);
  // Writer: opens the WAL for sync_wal() (it exists once the ledger was
  // opened for writing); an error names the file. Call it before another
  // thread may call sync_wal() (before handing that thread any work).
  Status prepare_sync_wal();
  // Writer: makes every commit that returned before this call durable
  // (fdatasync of the WAL). Thread-safe: unlike every other method it may run
  // on another thread while the writer commits (it touches only its own file
  // descriptor). REQUIRES: prepare_sync_wal() succeeded. An I/O error names the file.
  Status sync_wal() const;
  // PRAGMA synchronous of this connection now (2: FULL, as it is between commits).
  Result<std::int64_t> synchronous();
  // Writer: WAL frames (pages) written since the last complete checkpoint,
  // as of the last commit (0 unless opened with external_checkpoints).
  std::int64_t wal_frames() const { return wal_frames_; }
  // Any connection: copies what it can of the WAL into the database file and
  // fsyncs it (a passive checkpoint: it never waits for the writer or readers,
  // and runs while the writer commits). An I/O error is an error naming the file.
  Status checkpoint();
  // Writer: records how the run last stopped; `finished` ends it.
  Status end_run(std::int64_t run, std::string_view stopped, bool finished);
  // Writer: gives up an unfinished run; what it committed stays.
  Status abandon_run(std::int64_t run);
  // The results bytes [from, to) of `run` that are still pending, if the
  // ledger has all of them.
  Result<std::optional<std::string>> pending_results(std::int64_t run, std::uint64_t from, std::uint64_t to);

 private:
  LedgerDb();
  Status open_impl(const std::string& path, const LedgerOpenOptions& options);
  Status check_schema(bool write);
  Status create_schema();
  // Runs the migrations from schema version `from` to kLedgerSchemaVersion
  // (inside the caller's transaction).
  Status migrate(std::int64_t from);
  // An order_rows code that order_row::decode() refuses (a damaged row).
  Status unknown_code(std::string_view id, std::int64_t raw) const;
  Status prepare_statements();
  Result<std::vector<LedgerRun>> query_runs(const char* where);
  // Calls each(product_id, amount) for a basket order's items, in item order.
  template <class F>
  Status read_items(std::string_view id, F&& each);

  std::string path_;
  std::unique_ptr<sqlite::Db> db_;
  int lock_fd_ = -1;
  int wal_fd_ = -1;  // sync_wal()'s descriptor of the WAL (prepare_sync_wal())
  bool write_ = false;
  bool empty_ = false;
  std::int64_t wal_frames_ = 0;  // set by the WAL hook after each commit
  std::uint64_t order_count_ = 0;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::string scratch_;  // commit(): the compressed results
};

}  // namespace orderflow
