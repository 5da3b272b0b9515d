#pragma once
// Submitter: `orderflow submit` — publishes input files to the orders stream
// of a JetStream cluster, in input order, idempotently (docs/nats.md).
//
//  - creates the streams NAME, NAME_VOTES, NAME_RESULTS, NAME_CATALOG unless
//    they exist, replicated over 3 servers when the cluster has them;
//  - publishes the catalog the partitions start from, once (a later submit
//    with another catalog is refused);
//  - frames the inputs like `process` does (data/codec/framer.h) into
//    messages of up to `records_per_message` records of one file, and
//    publishes each with a message id that is a hash chain over the input so
//    far: the same input gives the same ids, so JetStream drops a re-run's
//    messages (duplicate window 24 h); and when the stream's last message is
//    this input's, a re-run skips what is there without publishing at all.
//    Each publish expects the stream's last sequence, so the records of one
//    submit are never interleaved with another's.
//
// Blocking; one thread. Retries transient failures with backoff, saying so
// through hooks.warn.
#include <cstdint>
#include <string>
#include <vector>

#include "data/base/status.h"
#include "data/codec/framer.h"
#include "net/net_common.h"

namespace orderflow {

struct SubmitInput {
  std::string name;  // as error texts name it ("-" for stdin)
  int fd = -1;       // open for reading; not closed here
};

struct SubmitOptions {
  std::string urls;
  std::string stream;
  std::string catalog_text;            // the catalog's bytes
  std::string catalog_source;          // its name ("built-in" or the file)
  bool catalog_given = false;          // -c was given: refuse a different one on the stream
  std::vector<SubmitInput> inputs;
  InputFormat format = InputFormat::kAuto;
  std::size_t record_bytes_max = kRecordBytesMaxDefault;
  std::size_t records_per_message = 1000;
  std::size_t message_bytes_max = 512 << 10;
};

struct SubmitReport {
  Status status;
  std::uint64_t records = 0;      // read from the inputs
  std::uint64_t added = 0;        // records added to the stream by this run
  std::uint64_t messages = 0;     // messages added
  std::uint64_t already = 0;      // records that were on the stream already (re-run)
  std::uint64_t last_seq = 0;     // the last record seq on the stream afterwards
  int replicas = 1;
  bool stopped = false;           // a stop request cut it short
};

SubmitReport run_submit(const SubmitOptions& options, const NetHooks& hooks);

// Creates the four streams of `stream` (replicas from the cluster's size),
// retrying while JetStream is not ready. Used by submit; tests call it too.
Status ensure_streams(NatsClient& client, const std::string& stream, const NetHooks& hooks, int& replicas);

// The catalog payload: "<source>\n<bytes>", and back.
std::string catalog_payload(const std::string& source, const std::string& text);
bool split_catalog_payload(const std::string& payload, std::string& source, std::string& text);

}  // namespace orderflow
