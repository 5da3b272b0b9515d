// `orderflow process [FILE...]`: the main job. Thin: parse options, open
// files, run the engine's pipeline, report.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/console.h"
#include "cli/duration.h"
#include "cli/exit_code.h"
#include "cli/ledger_run.h"
#include "cli/run_monitor.h"
#include "cli/safe_outputs.h"
#include "data/base/file_io.h"
#include "data/codec/record_codec.h"
#include "data/codec/result_format.h"
#include "cli/summary_report.h"
#include "data/model/summary.h"
#include "data/store/product_store.h"
#include "data/base/utf8.h"
#include "engine/output_writer.h"
#include "engine/pipeline.h"

namespace orderflow {

namespace {

struct ProcessOptions {
  std::vector<std::string> files;
  std::string catalog;
  std::string format{kAutoFormatName};
  std::string output = "-";
  bool unordered = false;
  std::string summary;
  bool quiet = false;
  std::string stock_out;
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::string store{to_string(StoreKind::kSharded)};
  std::size_t batch = 2048;
  std::size_t buffer = 8;
  std::size_t max_record_bytes = kRecordBytesMaxDefault;
  bool strict = false;
  std::string timeout;
  bool progress = false;
  bool no_progress = false;
  std::string resume;  // --resume SUMMARY.json
  std::string output_format;  // "": told by -o's extension, else ndjson
  std::string delimiter;      // CSV input: ",", ";" or "tab"; "": told by the header
  bool no_wait = false;
  std::string ledger;  // --ledger FILE (cli/ledger_run.h)
};

// --output-format, or what -o's extension says (.csv, .tsv), or NDJSON.
ResultFormat results_format(const ProcessOptions& o) {
  if (!o.output_format.empty()) return *parse_result_format(o.output_format);  // IsMember checked it
  return result_format_for_path(o.output).value_or(ResultFormat::kNdjson);
}

// The CSV/TSV header, once per results stream: not when this run continues an
// earlier one (--first-seq > 1), whose results file already has it.
Status write_results_header(const ProcessOptions& o, int out_fd, bool resuming, bool* closed) {
  std::string_view header = result_header(results_format(o));
  if (out_fd < 0 || header.empty() || resuming) return Status::Ok();
  if (write_all(out_fd, header)) return Status::Ok();
  if (errno == EPIPE) *closed = true;  // | head: stop quietly
  return Status::IOError("cannot write results to " + (o.output == "-" ? std::string("standard output") : o.output) +
                         ": " + errno_text(errno));
}

int exit_code_for(StopCause cause) {
  switch (cause) {
    case StopCause::kInterrupted: return to_int(ExitCode::kInterrupted);
    case StopCause::kTerminated: return to_int(ExitCode::kTerminated);
    case StopCause::kDeadline: return to_int(ExitCode::kDeadline);
    case StopCause::kFailed: return to_int(ExitCode::kFailure);
    case StopCause::kOutputClosed: return to_int(ExitCode::kOutputClosed);
    case StopCause::kNone: break;
  }
  return to_int(ExitCode::kOk);
}

// The bytes the inputs hold, if every one is a regular file (for progress).
std::uint64_t total_input_bytes(const std::vector<std::string>& files) {
  std::uint64_t total = 0;
  for (const std::string& f : files) {
    struct stat st;
    if (f == "-" ? ::fstat(0, &st) != 0 : ::stat(f.c_str(), &st) != 0) return 0;
    if (!S_ISREG(st.st_mode)) return 0;
    total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

// A name that is safe inside JSON text: invalid UTF-8 bytes become '?'.
std::string display_name(const std::string& name) {
  std::string out = name;
  for (std::size_t bad; (bad = find_invalid_utf8(out)) != std::string::npos;) out[bad] = '?';
  return out;
}

// Opens every input up front, so a missing file fails the run before any work.
// O_NONBLOCK: a FIFO with no writer yet opens at once (the reader then waits
// for it with poll(), which intake ends), instead of blocking in open().
Status open_inputs(const std::vector<std::string>& files, std::vector<InputSource>& inputs) {
  for (const std::string& f : files) {
    if (f == "-") {
      inputs.push_back({"-", 0});
      continue;
    }
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Status::IOError("cannot open " + f + ": " + errno_text(errno));
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::IOError("cannot read " + f + ": " + errno_text(EISDIR));
    }
    if (S_ISREG(st.st_mode)) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    inputs.push_back({display_name(f), fd});
  }
  return Status::Ok();
}

void close_inputs(const std::vector<InputSource>& inputs) {
  for (const InputSource& in : inputs)
    if (in.fd > 2) ::close(in.fd);
}

// Most records naming products the catalog does not have usually means the
// wrong catalog (or none: forgetting -c falls back to the built-in one).
void warn_about_unknown_products(const ProcessOptions& o, const Stats& stats) {
  std::uint64_t unknown = stats.reasons[static_cast<std::size_t>(Reason::kUnknownProduct)];
  if (unknown == 0 || unknown * 2 <= stats.records) return;
  print_warning(std::to_string(unknown) + " of " + std::to_string(stats.records) +
                " records name a product that is not in " + catalog_name(o.catalog) +
                (o.catalog.empty() ? " (no -c given)" : "") + "; is it the right catalog?");
}

// A summary or stock file: standard output, a descriptor opened before the
// run (a FIFO or device, written in place), or a regular file replaced atomically.
struct FinalOutput {
  explicit FinalOutput(std::string p) : path(std::move(p)) {}
  FinalOutput(const FinalOutput&) = delete;
  FinalOutput& operator=(const FinalOutput&) = delete;
  std::string path;  // empty: not asked for
  int fd = -1;       // opened early (not "-")
  AtomicFile file;   // a regular file
  ~FinalOutput() {
    if (fd > 2) ::close(fd);
  }
  bool wanted() const { return !path.empty(); }
  bool to_stdout() const { return path == "-"; }
  int out_fd() const { return to_stdout() ? 1 : fd; }
};

// Opens `out` now if it is a FIFO or device (so a FIFO without a reader is
// waited for inside the run's context, not at the end).
WaitEnd open_final_output(FinalOutput& out, const Context& until, Status* error) {
  if (!out.wanted() || out.to_stdout()) return WaitEnd::kReady;
  struct stat st;
  const std::string target = follow_symlinks(out.path);
  if (::stat(target.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return WaitEnd::kReady;
  return open_output(target, false, until, &out.fd, error);
}

// Writes `text` to a descriptor; a reader that went away is `*closed`.
Status write_to_fd(int fd, const std::string& name, const char* what, const std::string& text,
                   const Context& give_up, bool* closed) {
  OutputWriter w(fd, name, what, give_up);
  w.write(text);
  if (w.closed()) *closed = true;
  if (w.abandoned()) return Status::IOError(std::string("cannot write ") + what + " to " + name + ": the reader stopped reading");
  return w.status();
}

// What a run leaves behind once its records are done (or it never started).
struct RunEnd {
  Stats stats;
  const Catalog* catalog = nullptr;  // null: not loaded
  std::vector<std::int64_t> final_stock;
  RunFacts facts;                    // stopped decided by the caller
  bool started = false;              // the pipeline ran
};

// Writes the summary, then --stock-out (last, and only after everything else
// was written: a failed or cut-short output leaves the old stock file as it
// was), then the human summary. Returns the exit code, which always agrees
// with the summary's "stopped".
int finish_run(const ProcessOptions& o, RunEnd& end, FinalOutput& summary, FinalOutput& stock,
               const Context& give_up, RunMonitor& monitor) {
  static const Catalog kNoCatalog;
  const Catalog& catalog = end.catalog ? *end.catalog : kNoCatalog;
  RunFacts& facts = end.facts;
  auto fail = [&](const Status& s) {
    if (facts.stopped != StopCause::kFailed) {
      facts.stopped = StopCause::kFailed;
      facts.error = display_name(s.message());
    }
    print_error(s.message());
  };
  const bool stock_allowed = facts.stopped != StopCause::kFailed && facts.stopped != StopCause::kOutputClosed &&
                             end.catalog != nullptr;
  // The new stock file is made (written and flushed) before the summary, so
  // that a failure to make it is in the summary; it replaces the old one last.
  const bool stock_goes = stock.wanted() && stock_allowed;
  std::string stock_text;
  if (stock_goes) {
    stock_text = catalog.serialize(end.final_stock);
    if (stock.out_fd() < 0)
      if (Status s = stock.file.prepare(stock.path, stock_text); !s.ok()) fail(s);
  }
  bool closed = false;
  bool summary_ok = true;
  if (summary.wanted()) {
    std::string json = summary_json(end.stats, catalog, end.final_stock, facts) + "\n";
    Status s;
    if (summary.out_fd() >= 0) {
      s = write_to_fd(summary.out_fd(), summary.to_stdout() ? "standard output" : summary.path, "the summary", json,
                      give_up, &closed);
    } else {
      s = summary.file.prepare(summary.path, json);
      if (s.ok()) s = summary.file.commit();
    }
    if (!s.ok()) {
      summary_ok = false;
      if (!closed) fail(s);
    }
  }
  int code = exit_code_for(facts.stopped);
  if (closed && summary.to_stdout() && facts.stopped != StopCause::kFailed) code = to_int(ExitCode::kOutputClosed);
  if (stock_goes && summary_ok && facts.stopped != StopCause::kFailed) {
    Status s = stock.out_fd() >= 0 ? write_to_fd(stock.out_fd(), stock.to_stdout() ? "standard output" : stock.path,
                                                 "the stock", stock_text, give_up, &closed)
                                   : stock.file.commit();
    if (!s.ok() && !closed) {
      print_error(s.message());
      code = to_int(ExitCode::kFailure);
    } else if (closed && stock.to_stdout()) {
      code = to_int(ExitCode::kOutputClosed);
    }
  }
  if (!summary_ok && !closed) code = to_int(ExitCode::kFailure);
  if (facts.stopped == StopCause::kFailed && code != to_int(ExitCode::kFailure)) code = to_int(ExitCode::kFailure);
  // Erases the progress line; signals from now on wait, blocked, for the exit.
  monitor.stop();
  // A run that failed before it started has nothing to sum up but its error.
  if (!o.quiet && facts.stopped != StopCause::kOutputClosed && !(facts.stopped == StopCause::kFailed && !end.started))
    write_all(2, summary_text(end.stats, facts));
  if (facts.stopped != StopCause::kOutputClosed) warn_about_unknown_products(o, end.stats);
  return code;
}

// Where --resume continues: an input (by index) and the resume point in it.
struct Resume {
  std::size_t file = 0;
  std::uint64_t seq = 1, offset = 0, line = 0;
};

Status read_resume(const ProcessOptions& o, const std::vector<std::string>& files, Resume* out) {
  if (o.resume.empty()) return Status::Ok();
  Result<std::string> text = read_file(o.resume);
  if (!text.ok()) return text.status();
  Result<std::optional<ResumePoint>> point = parse_resume(text.value(), o.resume);
  if (!point.ok()) return point.status();
  if (!point.value()) return Status::InvalidArgument("--resume " + o.resume + ": that run finished (\"resume\":null); nothing to continue");
  const ResumePoint& p = *point.value();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (display_name(files[i]) != p.file) continue;
    *out = Resume{i, p.seq, p.offset, p.line};
    return Status::Ok();
  }
  return Status::InvalidArgument("--resume " + o.resume + ": it continues in " + p.file +
                                 ", which is not one of this run's inputs (give the same inputs as the stopped run)");
}

// The stop cause of a run that ended: a failure first, then the first stop
// request (a deadline that passed before a signal counts as first), then a
// reader that went away, then a deadline that cut something short.
StopCause decide_cause(const PipelineReport& rep, const RunMonitor& monitor, const Context& run) {
  if (!rep.status.ok()) return StopCause::kFailed;
  if (monitor.cause() != StopCause::kNone) return monitor.cause();
  if (rep.output_closed) return StopCause::kOutputClosed;
  if (run.err() == ContextError::kDeadlineExceeded && (rep.cancelled || rep.facts.resume || rep.output_abandoned))
    return StopCause::kDeadline;
  return StopCause::kNone;
}

LedgerRunOptions ledger_options(const ProcessOptions& o, const std::vector<std::string>& files, const Context& until) {
  LedgerRunOptions lo;
  lo.path = o.ledger;
  lo.catalog = o.catalog;
  lo.no_wait = o.no_wait;
  lo.quiet = o.quiet;
  lo.inputs = files;
  lo.output = o.output;
  lo.keep_waiting = [until] { return !until.done(); };
  return lo;
}

int run_process(const ProcessOptions& o) {
  const std::vector<std::string> files = o.files.empty() ? std::vector<std::string>{"-"} : o.files;
  // Every output is checked before anything is read or written.
  if (Status s = check_outputs(files, o.catalog,
                               {{"-o", o.output}, {"--summary", o.summary}, {"--stock-out", o.stock_out}});
      !s.ok()) {
    print_error(s.message());
    return to_int(ExitCode::kUsage);
  }

  Resume resume;
  if (Status s = read_resume(o, files, &resume); !s.ok()) {
    print_error(s.message());
    return to_int(ExitCode::kUsage);
  }

  // The run's context exists from the start: the lock wait, FIFO opens and
  // catalog load are inside it, so a deadline or a signal ends them too.
  Context background = Context::background();
  std::optional<std::chrono::nanoseconds> timeout;
  if (!o.timeout.empty()) timeout = *parse_duration(o.timeout);
  CancellableContext run = timeout ? with_timeout(background, *timeout) : with_cancel(background);
  CancellableContext intake = with_cancel(run.ctx);
  CancellableContext give_up = with_deadline(background, run.ctx.deadline().value_or(Context::Clock::time_point::max()));
  RunMonitor::Options mo;
  mo.progress = o.progress || (!o.no_progress && ::isatty(2));
  mo.total_bytes = total_input_bytes(files);
  RunMonitor monitor({run.ctx, intake.cancel, run.cancel, give_up.cancel}, mo);
  monitor.start();

  RunEnd end;
  end.facts.store = *parse_store_kind(o.store);
  end.facts.workers = o.workers;
  const std::string first_input = display_name(files.front());
  // Ends the run before its first record: a failure, or a stop during the start.
  FinalOutput summary(o.summary), stock(o.stock_out);
  int out_fd_early = -1;  // -o once opened (the pipeline's out_fd)
  auto end_early = [&](StopCause cause, const Status& error) {
    if (cause == StopCause::kNone) cause = monitor.cause() != StopCause::kNone ? monitor.cause() : StopCause::kDeadline;
    end.facts.stopped = cause;
    if (cause == StopCause::kFailed) {
      print_error(error.message());
      end.facts.error = display_name(error.message());
    } else {
      end.facts.resume = ResumePoint{first_input, 1, 1, 0};
      // A run stopped before its first record still leaves its results file
      // (empty), so it never shows an earlier run's results.
      if (out_fd_early < 0 && o.output != "-" && o.output != "none") {
        Status ignored;
        int fd = -1;
        if (open_output(o.output, true, intake.ctx, &fd, &ignored) == WaitEnd::kReady) ::close(fd);
      }
    }
    if (end.catalog) end.final_stock = [&] {
      std::vector<std::int64_t> v;
      for (const Product& p : end.catalog->products()) v.push_back(p.stock);
      return v;
    }();
    end.stats = Stats(end.catalog ? end.catalog->size() : 0);
    monitor.set_phase(RunMonitor::Phase::kFinishing);
    return finish_run(o, end, summary, stock, give_up.ctx, monitor);
  };

  // Two runs on one stock file take turns: the lock is held from before the
  // catalog is read until the new stock file has replaced the old one.
  StockLock lock;
  if (!o.stock_out.empty() && o.stock_out != "-") {
    Status error;
    WaitEnd w = lock.acquire(o.stock_out, o.no_wait, intake.ctx, &error);
    if (w == WaitEnd::kFailed) return end_early(StopCause::kFailed, error);
    if (w == WaitEnd::kStopped) return end_early(StopCause::kNone, {});
  }

  // With --ledger the catalog (and its stock) comes from the ledger.
  std::unique_ptr<LedgerSession> ledger;
  if (!o.ledger.empty()) {
    Result<std::unique_ptr<LedgerSession>> opened = LedgerSession::open(ledger_options(o, files, intake.ctx));
    if (!opened.ok()) return intake.ctx.done() ? end_early(StopCause::kNone, {}) : end_early(StopCause::kFailed, opened.status());
    ledger = std::move(opened).value();
  }
  Result<Catalog> loaded = ledger ? Result<Catalog>(Catalog()) : load_catalog(o.catalog);
  if (!loaded.ok()) return end_early(StopCause::kFailed, loaded.status());
  const Catalog own_catalog = std::move(loaded).value();
  const Catalog& catalog = ledger ? ledger->catalog() : own_catalog;
  end.catalog = &catalog;
  if (intake.ctx.done()) return end_early(StopCause::kNone, {});

  std::vector<InputSource> inputs;
  struct InputsCloser {
    std::vector<InputSource>& in;
    ~InputsCloser() { close_inputs(in); }
  } inputs_closer{inputs};
  if (Status s = open_inputs(files, inputs); !s.ok()) return end_early(StopCause::kFailed, s);

  int out_fd = -1;
  struct FdCloser {
    int& fd;
    ~FdCloser() {
      if (fd > 2) ::close(fd);
    }
  } out_closer{out_fd};
  if (o.output == "-") {
    out_fd = 1;
  } else if (o.output != "none") {
    Status error;
    WaitEnd w = open_output(o.output, !(ledger && ledger->continuing()), intake.ctx, &out_fd, &error);
    out_fd_early = out_fd;
    if (w == WaitEnd::kFailed) return end_early(StopCause::kFailed, error);
    if (w == WaitEnd::kStopped) return end_early(StopCause::kNone, {});
  }
  for (FinalOutput* f : {&summary, &stock}) {
    Status error;
    WaitEnd w = open_final_output(*f, intake.ctx, &error);
    if (w == WaitEnd::kFailed) return end_early(StopCause::kFailed, error);
    if (w == WaitEnd::kStopped) return end_early(StopCause::kNone, {});
  }
  bool header_closed = false;
  if (Status s = write_results_header(o, out_fd, resume.seq > 1 || (ledger && ledger->continuing()), &header_closed);
      !s.ok())
    return end_early(header_closed ? StopCause::kOutputClosed : StopCause::kFailed, s);
  if (ledger) {
    // Only a named -o is cut back: standard output is the caller's to manage.
    if (Status s = ledger->prepare_output(o.output != "-" ? out_fd : -1); !s.ok())
      return end_early(StopCause::kFailed, s);
  }
  // A results reader that stops reading can be given up at the deadline.
  NonBlockingFd stdout_nonblocking(o.output == "-" || o.summary == "-" || o.stock_out == "-" ? 1 : -1);

  PipelineOptions po;
  po.result_format = results_format(o);
  po.csv_delimiter = o.delimiter == "tab" ? '\t' : o.delimiter.empty() ? '\0' : o.delimiter[0];
  po.format = *parse_input_format(o.format);  // IsMember checked it
  po.record_bytes_max = o.max_record_bytes;
  po.workers = o.workers;
  po.store = *parse_store_kind(o.store);
  po.batch_records = o.batch;
  po.buffer_batches = o.buffer;
  po.unordered = o.unordered;
  po.strict = o.strict;
  po.output_name = o.output == "-" ? "standard output" : o.output;
  po.first_seq = resume.seq;
  po.resume_file = resume.file;
  po.resume_offset = resume.offset;
  po.resume_line = resume.line;
  po.output_give_up = give_up.ctx;
  if (ledger) ledger->fill(po, out_fd > 2 && o.output != "-");

  Pipeline pipeline(catalog, inputs, out_fd, po);
  monitor.set_pipeline(&pipeline);
  monitor.set_phase(RunMonitor::Phase::kRunning);
  PipelineReport rep = pipeline.run(run.ctx, intake.ctx);
  // From here on a signal changes nothing: the outcome is decided.
  monitor.set_phase(RunMonitor::Phase::kFinishing);
  if (out_fd > 2) {
    if (::close(out_fd) != 0 && rep.status.ok())
      rep.status = Status::IOError("cannot write results to " + o.output + ": " + errno_text(errno));
    out_fd = -1;
  }
  end.facts = rep.facts;
  end.started = true;
  end.facts.stopped = decide_cause(rep, monitor, run.ctx);
  if (end.facts.stopped == StopCause::kFailed) {
    end.facts.error = display_name(rep.status.message());
    print_error(rep.status.message());
  }
  if (rep.output_abandoned)
    print_warning("the results were cut short: " + po.output_name + " stopped reading");
  end.stats = std::move(rep.stats);
  end.final_stock = std::move(rep.final_stock);
  if (ledger) {
    // The summary of a continued run counts its committed part too, as one run would.
    Stats all = ledger->prefix_stats();
    all.merge(end.stats);
    end.stats = std::move(all);
    const bool finished = end.facts.stopped == StopCause::kNone && !rep.cancelled && !rep.facts.resume;
    if (Status s = ledger->end(end.facts.stopped, finished); !s.ok() && end.facts.stopped != StopCause::kFailed) {
      print_error(s.message());
      end.facts.stopped = StopCause::kFailed;
      end.facts.error = display_name(s.message());
    }
  }
  int code = finish_run(o, end, summary, stock, give_up.ctx, monitor);
  run.cancel();
  give_up.cancel();
  return code;
}

}  // namespace

CommandRun setup_process(CLI::App& sub) {
  auto o = std::make_shared<ProcessOptions>();
  sub.add_option("FILE", o->files, "input files ('-' or none: standard input)");
  sub.add_option("-c,--catalog", o->catalog, "product catalog, CSV or JSON (default: built-in)");
  sub.add_option("-f,--format", o->format, "input format")
      ->check(CLI::IsMember(input_format_names()))
      ->capture_default_str();
  sub.add_option("-o,--output", o->output, "results file; '-' stdout; 'none'")->capture_default_str();
  sub.add_option("--delimiter", o->delimiter,
                 "CSV input's delimiter: ',', ';' or tab (default: told by each file's header line)")
      ->type_name("CHAR")
      ->check(CLI::IsMember({",", ";", "tab"}));
  sub.add_option("--output-format", o->output_format,
                 "results as ndjson, csv or tsv (default: told by -o's extension .csv or .tsv, else ndjson)")
      ->check(CLI::IsMember(enum_names(kResultFormats)));
  sub.add_flag("--unordered", o->unordered, "write results in completion order");
  sub.add_option("--summary", o->summary, "write the summary as JSON to FILE ('-': stdout)");
  sub.add_flag("-q,--quiet", o->quiet, "no human summary on stderr");
  sub.add_option("--stock-out", o->stock_out,
                 "write the catalog with its final stock to FILE ('-': stdout), atomically, last; "
                 "two runs on one FILE take turns");
  auto* ledger = sub.add_option("--ledger", o->ledger,
                 "durable state in SQLite FILE: stock and order ids carry across runs; a stopped run continues "
                 "when the same command runs again (created from -c on first use)");
  sub.add_flag("--no-wait", o->no_wait, "fail at once (exit 1) when another run holds --stock-out's FILE or the --ledger");
  sub.add_option("-w,--workers", o->workers, "worker-pool size (default: the number of CPUs)")->check(CLI::Range(1, 256))->capture_default_str();
  sub.add_option("--store", o->store, "product store")
      ->check(CLI::IsMember(enum_names(kStoreKinds)))
      ->capture_default_str();
  sub.add_option("--batch", o->batch, "records per batch passed between stages")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  sub.add_option("--buffer", o->buffer, "capacity of each channel, in batches")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  sub.add_option("--max-record-bytes", o->max_record_bytes, "longest accepted record")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  sub.add_flag("--strict", o->strict, "the first invalid record fails the run (exit 1)");
  sub.add_option("--timeout", o->timeout, "cancel the run after DURATION (250ms, 5s, 2m, 1h); exit 124")
      ->check(DurationValidator());
  auto* progress = sub.add_flag("--progress", o->progress, "show a progress line on stderr");
  sub.add_flag("--no-progress", o->no_progress, "never show the progress line")->excludes(progress);
  sub.add_option("--resume", o->resume,
                 "continue exactly where the run that wrote this summary stopped (its \"resume\"), "
                 "with the same inputs and its --stock-out as the catalog")
      ->check(CLI::ExistingFile)
      ->excludes(ledger);  // a ledger continues a stopped run by itself
  return [o] { return run_process(*o); };
}

}  // namespace orderflow
