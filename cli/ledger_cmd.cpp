// `orderflow ledger show|stock|runs|catalog|abandon LEDGER ...`: read a durable
// ledger (data/ledger/ledger_db.h), change its catalog explicitly, or give up
// its unfinished run. Reading never waits for a run that writes (WAL).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/options.h"
#include "data/base/file_io.h"
#include "data/ledger/ledger_db.h"

namespace orderflow {

namespace {

struct LedgerOptions {
  std::string ledger;
  std::vector<std::string> ids;
  std::string format{to_string(CatalogFormat::kJson)};
  std::string catalog;
  bool dry_run = false;
  bool no_wait = false;
};

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put_string(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void put_money(JsonWriter& w, Cents128 c) {
  std::string m = format_money(c);
  w.RawValue(m.data(), m.size(), rapidjson::kNumberType);
}

int print(const std::string& text) {
  if (write_all(1, text)) return to_int(ExitCode::kOk);
  if (errno == EPIPE) return to_int(ExitCode::kOutputClosed);
  print_error("cannot write to standard output: " + errno_text(errno));
  return to_int(ExitCode::kFailure);
}

Result<std::unique_ptr<LedgerDb>> open_reader(const std::string& path) {
  LedgerOpenOptions o;
  o.cache_kib = 2048;
  return LedgerDb::open(path, o);
}

// One JSON line for an order the ledger has.
std::string order_line(const LedgerOrder& o) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("id");
  put_string(w, o.id);
  w.Key("op");
  w.String("place");
  if (o.items.empty()) {
    w.Key("productId");
    put_string(w, o.product_id);
  } else {
    w.Key("items");
    w.StartArray();
    for (const LedgerItem& it : o.items) {
      w.StartObject();
      w.Key("productId");
      put_string(w, it.product_id);
      w.Key("amount");
      w.Int64(it.amount);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("amount");
  w.Int64(o.amount);
  w.Key("status");
  put_string(w, to_string(o.status));
  if (o.reason != Reason::kNone) {
    w.Key("reason");
    put_string(w, to_string(o.reason));
  }
  if (o.status == OrderStatus::kCompleted || o.status == OrderStatus::kReversed) {
    w.Key("total");
    put_money(w, o.total);
  }
  w.Key("run");
  w.Int64(o.run);
  w.Key("seq");
  w.Uint64(o.seq);
  if (o.status == OrderStatus::kReversed) {
    w.Key("reversedRun");
    w.Int64(o.reversed_run);
    w.Key("reversedSeq");
    w.Uint64(o.reversed_seq);
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

int run_show(const LedgerOptions& o) {
  auto db = open_reader(o.ledger);
  if (!db.ok()) {
    print_error(db.status().message());
    return to_int(ExitCode::kFailure);
  }
  std::string out;
  bool all_found = true;
  for (const std::string& id : o.ids) {
    Result<std::optional<LedgerOrder>> found = db.value()->find_order(id);
    if (!found.ok()) {
      print_error(found.status().message());
      return to_int(ExitCode::kFailure);
    }
    if (found.value()) {
      out += order_line(*found.value());
      continue;
    }
    all_found = false;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("id");
    put_string(w, id);
    w.Key("found");
    w.Bool(false);
    w.EndObject();
    out.append(sb.GetString(), sb.GetSize()).push_back('\n');
  }
  int code = print(out);
  if (code != to_int(ExitCode::kOk)) return code;
  return all_found ? to_int(ExitCode::kOk) : to_int(ExitCode::kFailure);
}

int run_stock(const LedgerOptions& o) {
  auto db = open_reader(o.ledger);
  if (!db.ok()) {
    print_error(db.status().message());
    return to_int(ExitCode::kFailure);
  }
  Result<Catalog> cat = db.value()->catalog();
  if (!cat.ok()) {
    print_error(cat.status().message());
    return to_int(ExitCode::kFailure);
  }
  return print(cat.value().listing(*parse_catalog_format(o.format)));
}

std::string run_line(const LedgerRun& r) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("run");
  w.Int64(r.run);
  w.Key("state");
  w.String(r.abandoned ? "abandoned" : r.unfinished() ? "unfinished" : "finished");
  w.Key("started");
  put_string(w, r.started);
  w.Key("finished");
  if (r.finished.empty()) w.Null();
  else put_string(w, r.finished);
  w.Key("inputs");
  w.StartArray();
  for (const std::string& in : r.inputs) put_string(w, in);
  w.EndArray();
  w.Key("output");
  put_string(w, r.output);
  w.Key("records");
  w.Uint64(r.stats.records);
  w.Key("completedOrders");
  w.Uint64(r.stats.completed);
  w.Key("rejectedOrders");
  w.Uint64(r.stats.rejected);
  w.Key("reversedOrders");
  w.Uint64(r.stats.reversed);
  w.Key("revenue");
  put_money(w, r.stats.revenue);
  w.Key("stopped");
  if (r.stopped.empty()) w.Null();
  else put_string(w, r.stopped);
  w.Key("committedSeq");
  w.Uint64(r.checkpoint.seq);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

int run_runs(const LedgerOptions& o) {
  auto db = open_reader(o.ledger);
  if (!db.ok()) {
    print_error(db.status().message());
    return to_int(ExitCode::kFailure);
  }
  Result<std::vector<LedgerRun>> runs = db.value()->runs();
  if (!runs.ok()) {
    print_error(runs.status().message());
    return to_int(ExitCode::kFailure);
  }
  std::string out;
  for (const LedgerRun& r : runs.value()) out += run_line(r);
  return print(out);
}

Result<std::unique_ptr<LedgerDb>> open_writer(const LedgerOptions& o) {
  LedgerOpenOptions lo;
  lo.write = true;
  lo.wait = !o.no_wait;
  lo.cache_kib = 2048;
  auto db = LedgerDb::open(o.ledger, lo);
  if (db.ok() && db.value()->empty())
    return Status::InvalidArgument("ledger " + o.ledger + " has no catalog yet: a first `orderflow process --ledger " +
                                   o.ledger + " -c CATALOG` creates it");
  return db;
}

int run_catalog_update(const LedgerOptions& o) {
  Result<Catalog> incoming = load_catalog(o.catalog);
  if (!incoming.ok()) {
    print_error(incoming.status().message());
    return to_int(ExitCode::kFailure);
  }
  auto db = open_writer(o);
  if (!db.ok()) {
    print_error(db.status().message());
    return to_int(ExitCode::kFailure);
  }
  Result<std::vector<std::string>> changes = o.dry_run ? db.value()->catalog_changes(incoming.value())
                                                       : db.value()->update_catalog(incoming.value());
  if (!changes.ok()) {
    print_error(changes.status().message());
    return to_int(ExitCode::kFailure);
  }
  std::string out;
  for (const std::string& c : changes.value()) out += c + "\n";
  if (changes.value().empty()) out = "no change: the ledger has these products and prices\n";
  return print(out);
}

int run_abandon(const LedgerOptions& o) {
  auto db = open_writer(o);
  if (!db.ok()) {
    print_error(db.status().message());
    return to_int(ExitCode::kFailure);
  }
  Result<std::optional<LedgerRun>> run = db.value()->unfinished_run();
  if (!run.ok()) {
    print_error(run.status().message());
    return to_int(ExitCode::kFailure);
  }
  if (!run.value()) return print("ledger " + o.ledger + " has no unfinished run\n");
  if (Status s = db.value()->abandon_run(run.value()->run); !s.ok()) {
    print_error(s.message());
    return to_int(ExitCode::kFailure);
  }
  return print("abandoned run " + std::to_string(run.value()->run) + " (its " +
               std::to_string(run.value()->checkpoint.seq) + " committed records stay in the ledger)\n");
}

}  // namespace

CommandRun setup_ledger(CLI::App& sub) {
  auto o = std::make_shared<LedgerOptions>();
  sub.require_subcommand(1);
  auto* show = sub.add_subcommand("show", "one JSON line per order id: the order and how it ended");
  show->add_option("ledger", o->ledger, "the ledger file")->required();
  show->add_option("ids", o->ids, "order ids")->required();
  auto* stock = sub.add_subcommand("stock", "the catalog with the current stock (as `orderflow catalog`)");
  stock->add_option("ledger", o->ledger, "the ledger file")->required();
  stock->add_option("--format", o->format, "output format")
      ->check(CLI::IsMember(enum_names(kCatalogFormats)))
      ->capture_default_str();
  auto* runs = sub.add_subcommand("runs", "one JSON line per run: inputs, counts, how it stopped");
  runs->add_option("ledger", o->ledger, "the ledger file")->required();
  auto* catalog = sub.add_subcommand("catalog", "add products or change prices (never stock) from a catalog");
  catalog->add_option("ledger", o->ledger, "the ledger file")->required();
  catalog->add_option("-c,--catalog", o->catalog, "the new catalog, CSV or JSON")->required();
  catalog->add_flag("-n,--dry-run", o->dry_run, "print what would change, change nothing");
  catalog->add_flag("--no-wait", o->no_wait, "fail at once if a run is writing the ledger");
  auto* abandon = sub.add_subcommand("abandon", "give up the unfinished run (what it committed stays)");
  abandon->add_option("ledger", o->ledger, "the ledger file")->required();
  abandon->add_flag("--no-wait", o->no_wait, "fail at once if a run is writing the ledger");
  return [o, show, stock, runs, catalog, abandon] {
    if (show->parsed()) return run_show(*o);
    if (stock->parsed()) return run_stock(*o);
    if (runs->parsed()) return run_runs(*o);
    if (catalog->parsed()) return run_catalog_update(*o);
    if (abandon->parsed()) return run_abandon(*o);
    return to_int(ExitCode::kUsage);
  };
}

}  // namespace orderflow
