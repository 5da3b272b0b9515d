// `orderflow serve --nats URLS --stream NAME --partition K/N --ledger FILE`:
// run one partition of a stream (net/partition_server.h).
#include <malloc.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/net_signals.h"
#include "net/partition_server.h"

namespace orderflow {

namespace {

struct ServeCmdOptions {
  std::string nats;
  std::string stream;
  std::string partition;
  std::string ledger;
  int fetch = 64;
  bool quiet = false;
  bool verbose = false;
};

// "K/N" with 1 <= K <= N <= 1024.
bool parse_partition(const std::string& text, PartitionId& out) {
  std::size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  unsigned k = 0, n = 0;
  auto [p1, e1] = std::from_chars(text.data(), text.data() + slash, k);
  auto [p2, e2] = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
  if (e1 != std::errc() || e2 != std::errc() || p1 != text.data() + slash || p2 != text.data() + text.size())
    return false;
  if (k < 1 || n < 1 || k > n || n > 1024) return false;
  out = {k - 1, n};
  return true;
}

int run_serve_cmd(const ServeCmdOptions& o) {
  // A partition allocates and frees the same large buffers over and over
  // (messages, decoded batches, payloads of up to a few MB): keep freed
  // memory in the heap instead of handing it back to the kernel, which
  // zeroes every page again when it returns (a fifth of serve's CPU went to
  // clearing pages).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  ServeOptions so;
  so.urls = o.nats;
  so.stream = o.stream;
  parse_partition(o.partition, so.me);
  so.state_path = o.ledger;
  so.fetch_messages = o.fetch;
  // The crash drills' fault injection (tests/e2e/nats_test.cpp); not for users.
  if (const char* crash = std::getenv("ORDERFLOW_TEST_CRASH_BEFORE_COMMIT")) so.crash_before_commit_after = std::strtoull(crash, nullptr, 10);
  SignalStop signals;
  NetHooks hooks = net_hooks(signals);
  ServeReport rep = run_serve(so, hooks);
  if (!o.quiet) {
    char rate[64] = "";
    if (rep.busy_seconds > 0)
      std::snprintf(rate, sizeof rate, ", %.0f records/s while busy", rep.records / rep.busy_seconds);
    write_all(2, "partition " + o.partition + " of stream " + o.stream + (rep.resumed ? " (resumed)" : "") + ": " +
                     std::to_string(rep.records) + " records in " + std::to_string(rep.messages) + " messages, " +
                     std::to_string(rep.finalised) + " results published" + rate +
                     "; committed through seq " + std::to_string(rep.next_seq - 1) + "\n");
    if (o.verbose && rep.rounds > 0) {
      char times[256];
      std::snprintf(times, sizeof times,
                    "partition %s: %llu commits; busy %.2f s: decode and ids %.2f s, waiting for votes %.2f s, "
                    "stock and results %.2f s, publishing %.2f s, committing %.2f s\n",
                    o.partition.c_str(), static_cast<unsigned long long>(rep.rounds), rep.busy_seconds,
                    rep.resolve_seconds, rep.vote_wait_seconds, rep.apply_seconds, rep.publish_seconds,
                    rep.commit_seconds);
      write_all(2, times);
    }
  }
  if (!rep.status.ok()) {
    print_error(rep.status.message());
    return to_int(ExitCode::kFailure);
  }
  return signals.exit_code(to_int(ExitCode::kOk));
}

}  // namespace

CommandRun setup_serve(CLI::App& sub) {
  auto o = std::make_shared<ServeCmdOptions>();
  sub.add_option("--nats", o->nats, "NATS servers, comma-separated (nats://host:4222,...)")->required();
  sub.add_option("--stream", o->stream, "JetStream stream name")->required();
  sub.add_option("--partition", o->partition, "this process's partition K of N (1 <= K <= N)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& t) -> std::string {
            PartitionId id;
            return parse_partition(t, id) ? "" : "expected K/N with 1 <= K <= N <= 1024, got '" + t + "'";
          },
          "K/N"));
  sub.add_option("--ledger", o->ledger, "the partition's state file (SQLite; created if missing)")->required();
  sub.add_option("--fetch", o->fetch, "orders messages taken in at once, and committed at once, at most")->check(CLI::Range(1, 256))->capture_default_str();
  sub.add_flag("-q,--quiet", o->quiet, "no report on stderr");
  sub.add_flag("-v,--verbose", o->verbose, "also say where the busy time went (rounds, decoding, votes, publishing, committing)");
  return [o] { return run_serve_cmd(*o); };
}

}  // namespace orderflow
