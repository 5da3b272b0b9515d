// `orderflow process [FILE...]`: the main job. Thin: parse options, open
// files, run the engine's pipeline, report.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/options.h"
#include "cli/console.h"
#include "cli/duration.h"
#include "cli/exit_code.h"
#include "cli/run_monitor.h"
#include "data/base/file_io.h"
#include "data/codec/result_format.h"
#include "data/model/summary.h"
#include "data/base/utf8.h"
#include "engine/pipeline.h"

namespace orderflow {

namespace {

struct ProcessOptions {
  std::vector<std::string> files;
  std::string catalog;
  std::string format = "auto";
  std::string output = "-";
  bool unordered = false;
  std::string summary;
  bool quiet = false;
  std::string stock_out;
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::string store = "sharded";
  std::size_t batch = 2048;
  std::size_t buffer = 8;
  std::size_t max_record_bytes = kRecordBytesMaxDefault;
  bool strict = false;
  std::string timeout;
  bool progress = false;
  bool no_progress = false;
  std::uint64_t first_seq = 1;
  std::uint64_t resume_at = 1;
  std::string output_format;  // "": told by -o's extension, else ndjson
};

// --output-format, or what -o's extension says (.csv, .tsv), or NDJSON.
ResultFormat results_format(const ProcessOptions& o) {
  if (!o.output_format.empty()) return *parse_result_format(o.output_format);  // IsMember checked it
  return result_format_for_path(o.output).value_or(ResultFormat::kNdjson);
}

// The CSV/TSV header, once per results stream: not when this run continues an
// earlier one (--first-seq > 1), whose results file already has it.
int write_results_header(const ProcessOptions& o, int out_fd) {
  std::string_view header = result_header(results_format(o));
  if (out_fd < 0 || header.empty() || o.first_seq > 1) return to_int(ExitCode::kOk);
  if (write_all(out_fd, header)) return to_int(ExitCode::kOk);
  if (errno == EPIPE) return to_int(ExitCode::kOutputClosed);  // | head: stop quietly
  print_error("cannot write results to " + (o.output == "-" ? std::string("standard output") : o.output) + ": " +
              errno_text(errno));
  return to_int(ExitCode::kFailure);
}

int exit_code_for(StopCause cause) {
  switch (cause) {
    case StopCause::kInterrupted: return to_int(ExitCode::kInterrupted);
    case StopCause::kTerminated: return to_int(ExitCode::kTerminated);
    case StopCause::kDeadline: return to_int(ExitCode::kDeadline);
    case StopCause::kNone: break;
  }
  return to_int(ExitCode::kOk);
}

// The bytes the inputs hold, if every one is a regular file (for progress).
std::uint64_t total_input_bytes(const std::vector<InputSource>& inputs) {
  std::uint64_t total = 0;
  for (const InputSource& in : inputs) {
    struct stat st;
    if (::fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
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

InputFormat input_format(const std::string& f) {
  return f == "ndjson" ? InputFormat::kNdjson : f == "json" ? InputFormat::kJson
       : f == "csv"    ? InputFormat::kCsv    : InputFormat::kAuto;
}

// Opens every input up front, so a missing file fails the run before any work.
bool open_inputs(const std::vector<std::string>& files, std::vector<InputSource>& inputs) {
  for (const std::string& f : files) {
    if (f == "-") {
      inputs.push_back({"-", 0});
      continue;
    }
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      print_error("cannot open " + f + ": " + errno_text(errno));
      return false;
    }
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      print_error("cannot read " + f + ": " + errno_text(EISDIR));
      return false;
    }
    inputs.push_back({display_name(f), fd});
  }
  return true;
}

void close_inputs(const std::vector<InputSource>& inputs) {
  for (const InputSource& in : inputs)
    if (in.fd > 2) ::close(in.fd);
}

int run_process(const ProcessOptions& o) {
  Result<Catalog> loaded = load_catalog(o.catalog);
  if (!loaded.ok()) {
    print_error(loaded.status().message());
    return to_int(ExitCode::kFailure);
  }
  const Catalog catalog = std::move(loaded).value();

  std::vector<InputSource> inputs;
  if (!open_inputs(o.files.empty() ? std::vector<std::string>{"-"} : o.files, inputs)) {
    close_inputs(inputs);
    return to_int(ExitCode::kFailure);
  }

  int out_fd = 1;
  if (o.output == "none") {
    out_fd = -1;
  } else if (o.output != "-") {
    out_fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out_fd < 0) {
      print_error("cannot open " + o.output + ": " + errno_text(errno));
      close_inputs(inputs);
      return to_int(ExitCode::kFailure);
    }
  }

  if (int code = write_results_header(o, out_fd); code != to_int(ExitCode::kOk)) {
    close_inputs(inputs);
    if (out_fd > 2) ::close(out_fd);
    return code;
  }

  PipelineOptions po;
  po.result_format = results_format(o);
  po.format = input_format(o.format);
  po.record_bytes_max = o.max_record_bytes;
  po.workers = o.workers;
  po.store = *parse_store_kind(o.store);
  po.batch_records = o.batch;
  po.buffer_batches = o.buffer;
  po.unordered = o.unordered;
  po.strict = o.strict;
  po.output_name = o.output == "-" ? "standard output" : o.output;
  po.first_seq = o.first_seq;
  po.first_line = o.resume_at;

  // Signals are blocked before any thread starts, so every thread inherits the
  // mask and they arrive only through the monitor's signalfd.
  SignalBlock signals;
  Context background = Context::background();
  CancellableContext run = o.timeout.empty() ? with_cancel(background)
                                             : with_timeout(background, *parse_duration(o.timeout));
  CancellableContext intake = with_cancel(run.ctx);
  Pipeline pipeline(catalog, inputs, out_fd, po);
  RunMonitor::Options mo;
  mo.progress = o.progress || (!o.no_progress && ::isatty(2));
  mo.total_bytes = total_input_bytes(inputs);
  RunMonitor monitor(pipeline, signals, intake.cancel, run.cancel, mo);
  monitor.start();
  PipelineReport rep = pipeline.run(run.ctx, intake.ctx);
  monitor.stop();
  // The deadline counts as the cause only if it cut something short.
  StopCause cause = monitor.cause();
  if (cause == StopCause::kNone && run.ctx.err() == ContextError::kDeadlineExceeded &&
      (rep.cancelled || rep.facts.resume))
    cause = StopCause::kDeadline;
  rep.facts.stopped = cause;
  run.cancel();
  close_inputs(inputs);
  if (out_fd > 2 && ::close(out_fd) != 0 && rep.status.ok())
    rep.status = Status::IOError("cannot write results to " + o.output + ": " + errno_text(errno));

  if (rep.output_closed) return to_int(ExitCode::kOutputClosed);  // | head: stop quietly

  int code = rep.status.ok() ? exit_code_for(cause) : to_int(ExitCode::kFailure);
  if (!o.summary.empty()) {
    std::string json = summary_json(rep.stats, catalog, rep.final_stock, rep.facts) + "\n";
    if (o.summary == "-") {
      if (!write_all(1, json)) {
        if (errno == EPIPE) return to_int(ExitCode::kOutputClosed);  // the reader went away: stop quietly
        print_error("cannot write the summary to standard output: " + errno_text(errno));
        code = to_int(ExitCode::kFailure);
      }
    } else if (Status s = write_file_atomically(o.summary, json); !s.ok()) {
      print_error(s.message());
      code = to_int(ExitCode::kFailure);
    }
  }
  // A failed run leaves the old stock file as it was.
  if (!o.stock_out.empty() && rep.status.ok()) {
    if (Status s = write_file_atomically(o.stock_out, catalog.serialize(rep.final_stock)); !s.ok()) {
      print_error(s.message());
      code = to_int(ExitCode::kFailure);
    }
  }
  if (!o.quiet) write_all(2, summary_text(rep.stats, rep.facts));
  if (!rep.status.ok()) print_error(rep.status.message());
  return code;
}

}  // namespace

CommandRun setup_process(CLI::App& sub) {
  auto o = std::make_shared<ProcessOptions>();
  sub.add_option("FILE", o->files, "input files ('-' or none: standard input)");
  sub.add_option("-c,--catalog", o->catalog, "product catalog, CSV or JSON (default: built-in)");
  sub.add_option("-f,--format", o->format, "input format")
      ->check(CLI::IsMember({"auto", "ndjson", "json", "csv"}))
      ->capture_default_str();
  sub.add_option("-o,--output", o->output, "results file; '-' stdout; 'none'")->capture_default_str();
  sub.add_option("--output-format", o->output_format,
                 "results as ndjson, csv or tsv (default: told by -o's extension .csv or .tsv, else ndjson)")
      ->check(CLI::IsMember({"ndjson", "csv", "tsv"}));
  sub.add_flag("--unordered", o->unordered, "write results in completion order");
  sub.add_option("--summary", o->summary, "write the summary as JSON to FILE ('-': stdout)");
  sub.add_flag("-q,--quiet", o->quiet, "no human summary on stderr");
  sub.add_option("--stock-out", o->stock_out, "write the catalog with its final stock to FILE, atomically");
  sub.add_option("-w,--workers", o->workers, "worker-pool size (default: the number of CPUs)")->check(CLI::Range(1, 256))->capture_default_str();
  sub.add_option("--store", o->store, "product store")
      ->check(CLI::IsMember({"sharded", "mutex", "striped", "atomic", "check-then-act"}))
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
  sub.add_option("--first-seq", o->first_seq, "seq of the first record (to continue an interrupted run)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
      ->capture_default_str();
  sub.add_option("--resume-at", o->resume_at,
                 "skip the first input's records before LINE (with --first-seq: continue a stopped run)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
      ->capture_default_str();
  return [o] { return run_process(*o); };
}

}  // namespace orderflow
