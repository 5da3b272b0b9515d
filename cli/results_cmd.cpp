// `orderflow results --nats URLS --stream NAME [-o FILE] [--summary FILE]
// [--follow]`: the stream's results in seq order (net/results_reader.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/net_signals.h"
#include "data/base/file_io.h"
#include "cli/summary_report.h"
#include "data/model/summary.h"
#include "net/results_reader.h"

namespace orderflow {

namespace {

struct ResultsCmdOptions {
  std::string nats;
  std::string stream;
  std::string output = "-";
  std::string summary;
  bool follow = false;
  bool quiet = false;
};

int run_results_cmd(const ResultsCmdOptions& o) {
  ResultsOptions ro;
  ro.urls = o.nats;
  ro.stream = o.stream;
  ro.follow = o.follow;
  ro.out_fd = 1;
  if (o.output == "none") {
    ro.out_fd = -1;
  } else if (o.output != "-") {
    ro.out_fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (ro.out_fd < 0) {
      print_error("cannot open " + o.output + ": " + errno_text(errno));
      return to_int(ExitCode::kFailure);
    }
    ro.output_name = o.output;
  }
  SignalStop signals;
  NetHooks hooks = net_hooks(signals);
  ResultsReport rep = run_results(ro, hooks);
  if (ro.out_fd > 2 && ::close(ro.out_fd) != 0 && rep.status.ok())
    rep.status = Status::IOError("cannot write results to " + o.output + ": " + errno_text(errno));
  if (rep.output_closed) return to_int(ExitCode::kOutputClosed);
  int code = rep.status.ok() ? signals.exit_code(to_int(ExitCode::kOk)) : to_int(ExitCode::kFailure);
  if (rep.catalog) {
    std::vector<std::int64_t> stock(rep.catalog->size());
    for (std::uint32_t p = 0; p < stock.size(); ++p)
      stock[p] = rep.catalog->product(p).stock - rep.stats.products[p].sold;
    RunFacts facts;
    facts.stopped = signals.cause();
    facts.elapsed_seconds = rep.elapsed_seconds;
    if (!o.summary.empty()) {
      std::string json = summary_json(rep.stats, *rep.catalog, stock, facts) + "\n";
      if (o.summary == "-") {
        if (!write_all(1, json)) return to_int(ExitCode::kOutputClosed);
      } else if (Status s = write_file_atomically(o.summary, json); !s.ok()) {
        print_error(s.message());
        code = to_int(ExitCode::kFailure);
      }
    }
    if (!o.quiet) write_all(2, summary_text(rep.stats, facts));
  }
  if (!rep.status.ok()) print_error(rep.status.message());
  return code;
}

}  // namespace

CommandRun setup_results(CLI::App& sub) {
  auto o = std::make_shared<ResultsCmdOptions>();
  sub.add_option("--nats", o->nats, "NATS servers, comma-separated (nats://host:4222,...)")->required();
  sub.add_option("--stream", o->stream, "JetStream stream name")->required();
  sub.add_option("-o,--output", o->output, "results file; '-' stdout; 'none'")->capture_default_str();
  sub.add_option("--summary", o->summary, "write the summary as JSON to FILE ('-': stdout)");
  sub.add_flag("--follow", o->follow, "keep waiting for more results (until SIGINT/SIGTERM)");
  sub.add_flag("-q,--quiet", o->quiet, "no human summary on stderr");
  return [o] { return run_results_cmd(*o); };
}

}  // namespace orderflow
