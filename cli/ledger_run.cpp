#include "cli/ledger_run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cli/console.h"
#include "cli/options.h"
#include "data/base/file_io.h"

namespace orderflow {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

Result<std::unique_ptr<LedgerSession>> LedgerSession::open(const LedgerRunOptions& o) {
  std::unique_ptr<LedgerSession> lr(new LedgerSession());
  lr->options_ = o;
  LedgerOpenOptions wo;
  wo.write = true;
  wo.wait = !o.no_wait;
  wo.keep_waiting = o.keep_waiting;
  wo.external_checkpoints = true;  // the commit stage's checkpointer_ does them
  if (!o.quiet) wo.on_wait = [&] { print_warning("waiting for ledger " + o.path + ": another run is writing it"); };
  auto db = LedgerDb::open(o.path, wo);
  if (!db.ok()) return db.status();
  lr->db_ = std::move(db).value();
  LedgerDb& w = *lr->db_;

  if (w.empty()) {
    Result<Catalog> c = load_catalog(o.catalog);
    if (!c.ok()) return c.status();
    if (Status s = w.initialize(c.value()); !s.ok()) return s;
  } else if (!o.catalog.empty()) {
    Result<Catalog> c = load_catalog(o.catalog);
    if (!c.ok()) return c.status();
    Result<std::vector<std::string>> changes = w.catalog_changes(c.value());
    if (!changes.ok()) return changes.status();
    if (!changes.value().empty())
      return Status::InvalidArgument("catalog " + o.catalog + " differs from ledger " + o.path + " (" +
                                     changes.value().front() + (changes.value().size() > 1 ? ", ..." : "") +
                                     "); the ledger keeps its stock: to add products or change prices run "
                                     "`orderflow ledger catalog " + o.path + " -c " + o.catalog +
                                     "`, or leave -c out");
    if (!o.quiet) print_warning("ledger " + o.path + " has the products and prices of " + o.catalog + ": using the ledger's stock");
  }
  Result<Catalog> cat = w.catalog();
  if (!cat.ok()) return cat.status();
  lr->catalog_ = std::move(cat).value();
  lr->prefix_ = Stats(lr->catalog_.size());

  Result<std::optional<LedgerRun>> unfinished = w.unfinished_run();
  if (!unfinished.ok()) return unfinished.status();
  if (unfinished.value()) {
    const LedgerRun u = *unfinished.value();
    const bool same = u.inputs == o.inputs && u.output == o.output;
    if (!same && u.checkpoint.seq == 0) {
      // It stopped before committing anything: nothing to continue.
      if (Status s = w.abandon_run(u.run); !s.ok()) return s;
      unfinished.value().reset();
    } else if (!same)
      return Status::InvalidArgument(
          "ledger " + o.path + " has an unfinished run " + std::to_string(u.run) + " (started " + u.started +
          ", inputs " + joined(u.inputs) + ", -o " + u.output + ", " + std::to_string(u.checkpoint.seq) +
          " records committed): run that same command again to continue it, or give it up with `orderflow ledger "
          "abandon " + o.path + "` (what it committed stays)");
  }
  if (unfinished.value()) {
    const LedgerRun& u = *unfinished.value();
    lr->continuing_ = true;
    lr->run_ = u.run;
    lr->start_ = u.checkpoint;
    lr->prefix_ = u.stats;
    if (lr->prefix_.products.size() < lr->catalog_.size()) lr->prefix_.products.resize(lr->catalog_.size());
  } else {
    Result<std::int64_t> run = w.begin_run(o.inputs, o.output);
    if (!run.ok()) return run.status();
    lr->run_ = run.value();
  }
  // Ids of earlier runs (and of this run's committed part) are looked up in
  // the ledger; a ledger without orders needs no look-ups at all.
  lr->use_prior_ = w.order_count() > 0;
  if (lr->use_prior_) {
    LedgerOpenOptions ro;
    auto r = LedgerDb::open(o.path, ro);
    if (!r.ok()) return r.status();
    lr->reader_ = std::move(r).value();
    lr->prior_ = std::make_unique<LedgerPriorOrders>(*lr->reader_, lr->catalog_);
  }
  auto c = LedgerDb::open(o.path, LedgerOpenOptions{});
  if (!c.ok()) return c.status();
  lr->checkpointer_ = std::move(c).value();
  return lr;
}

Status LedgerSession::prepare_output(int fd) {
  struct stat st{};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Status::Ok();
  const std::string& name = options_.output;
  if (!continuing()) {
    off_t at = ::lseek(fd, 0, SEEK_CUR);  // after a CSV header
    if (at > 0) start_.results_bytes = static_cast<std::uint64_t>(at);
    return Status::Ok();
  }
  const std::uint64_t want = start_.results_bytes;
  const auto have = static_cast<std::uint64_t>(st.st_size);
  if (have > want) {
    if (::ftruncate(fd, static_cast<off_t>(want)) != 0)
      return Status::IOError("cannot cut " + name + " back to its committed results: " + errno_text(errno));
  } else if (have < want) {
    // Committed, but not yet written when the run stopped: the ledger kept them.
    Result<std::optional<std::string>> missing = db_->pending_results(run_, have, want);
    if (!missing.ok()) return missing.status();
    if (!missing.value())
      return Status::IOError("results file " + name + " has " + std::to_string(have) + " bytes but run " +
                             std::to_string(run_) + " of ledger " + options_.path + " committed " +
                             std::to_string(want) + ": it cannot be continued exactly (give the run up with "
                             "`orderflow ledger abandon " + options_.path + "`)");
    if (::lseek(fd, 0, SEEK_END) < 0 || !write_all(fd, *missing.value()))
      return Status::IOError("cannot write results to " + name + ": " + errno_text(errno));
  }
  if (::lseek(fd, 0, SEEK_END) < 0) return Status::IOError("cannot write results to " + name + ": " + errno_text(errno));
  return Status::Ok();
}

void LedgerSession::fill(PipelineOptions& po, bool keep_results) {
  std::vector<std::int64_t> stock;
  for (const Product& p : catalog_.products()) stock.push_back(p.stock);
  builder_ = std::make_unique<CommitGroupBuilder>(catalog_, run_, start_, prefix_, std::move(stock), keep_results);
  hooks_.db = db_.get();
  hooks_.checkpointer = checkpointer_.get();
  hooks_.builder = builder_.get();
  hooks_.prior = prior_.get();
  hooks_.results_base = start_.results_bytes;
  if (continuing_) {
    hooks_.skip_seq = start_.seq;
    hooks_.skip_checksum = start_.checksum;
    hooks_.skip_mismatch = "the input differs from what unfinished run " + std::to_string(run_) + " of ledger " +
                           options_.path + " committed (its first " + std::to_string(start_.seq) +
                           " records): give that run up with `orderflow ledger abandon " + options_.path +
                           "` to process other input";
  }
  po.ledger = &hooks_;
}

Status LedgerSession::end(StopCause cause, bool finished) {
  return db_->end_run(run_, to_string(cause), finished);
}

}  // namespace orderflow
