// `orderflow submit --nats URLS --stream NAME [-c CATALOG] FILE...`: publish
// input files to a JetStream stream, idempotently (net/submitter.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/net_signals.h"
#include "data/base/file_io.h"
#include "data/catalog/catalog.h"
#include "data/codec/record_codec.h"
#include "net/submitter.h"

namespace orderflow {

namespace {

struct SubmitCmdOptions {
  std::string nats;
  std::string stream;
  std::string catalog;
  std::vector<std::string> files;
  std::string format{kAutoFormatName};
  std::size_t max_record_bytes = kRecordBytesMaxDefault;
  std::size_t records_per_message = 1000;
  bool quiet = false;
};

int run_submit_cmd(const SubmitCmdOptions& o) {
  SubmitOptions so;
  so.urls = o.nats;
  so.stream = o.stream;
  so.catalog_given = !o.catalog.empty();
  if (so.catalog_given) {
    Result<std::string> text = read_file(o.catalog);
    if (!text.ok()) {
      print_error(text.status().message());
      return to_int(ExitCode::kFailure);
    }
    so.catalog_text = std::move(text).value();
    so.catalog_source = o.catalog;
  } else {
    so.catalog_text = std::string(builtin_catalog_csv());
    so.catalog_source = "built-in";
  }
  if (Result<Catalog> c = Catalog::parse(so.catalog_text, so.catalog_source); !c.ok()) {
    print_error(c.status().message());
    return to_int(ExitCode::kFailure);
  }
  so.format = *parse_input_format(o.format);  // IsMember checked it
  so.record_bytes_max = o.max_record_bytes;
  so.records_per_message = o.records_per_message;
  std::vector<std::string> files = o.files.empty() ? std::vector<std::string>{"-"} : o.files;
  for (const std::string& f : files) {
    if (f == "-") {
      so.inputs.push_back({"-", 0});
      continue;
    }
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      fd = -1;
      errno = EISDIR;
    }
    if (fd < 0) {
      print_error("cannot open " + f + ": " + errno_text(errno));
      for (const SubmitInput& in : so.inputs)
        if (in.fd > 2) ::close(in.fd);
      return to_int(ExitCode::kFailure);
    }
    so.inputs.push_back({f, fd});
  }

  SignalStop signals;
  NetHooks hooks = net_hooks(signals);
  SubmitReport rep = run_submit(so, hooks);
  for (const SubmitInput& in : so.inputs)
    if (in.fd > 2) ::close(in.fd);
  if (!rep.status.ok()) {
    print_error(rep.status.message());
    return signals.exit_code(to_int(ExitCode::kFailure));
  }
  if (!o.quiet)
    write_all(2, "submitted " + std::to_string(rep.records) + " records to stream " + o.stream + " (R" +
                     std::to_string(rep.replicas) + "): " + std::to_string(rep.added) + " added in " +
                     std::to_string(rep.messages) + " messages, " + std::to_string(rep.already) +
                     " already there; the stream ends at seq " + std::to_string(rep.last_seq) + "\n");
  return to_int(ExitCode::kOk);
}

}  // namespace

CommandRun setup_submit(CLI::App& sub) {
  auto o = std::make_shared<SubmitCmdOptions>();
  sub.add_option("files", o->files, "input files ('-' or none: standard input)");
  sub.add_option("--nats", o->nats, "NATS servers, comma-separated (nats://host:4222,...)")->required();
  sub.add_option("--stream", o->stream, "JetStream stream name (A-Z a-z 0-9 _ -)")->required();
  sub.add_option("-c,--catalog", o->catalog, "the catalog the partitions start from (default: built-in)");
  sub.add_option("-f,--format", o->format, "input format")
      ->check(CLI::IsMember(input_format_names()))
      ->capture_default_str();
  sub.add_option("--max-record-bytes", o->max_record_bytes, "longest accepted record")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  sub.add_option("--records-per-message", o->records_per_message, "records per JetStream message")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub.add_flag("-q,--quiet", o->quiet, "no report on stderr");
  return [o] { return run_submit_cmd(*o); };
}

}  // namespace orderflow
