#pragma once
// PartitionServer: `orderflow serve --partition K/N` — runs one partition of
// a stream (engine/partition.h decides; this moves the messages):
//
//   take in  fetch orders messages (in stream order), resolve them (the id
//            half) and send their votes at once, without waiting for apply:
//            up to 128 messages ahead, so no partition waits for another's
//            pace (message ids name the orders messages, partition and
//            receiver, so a replay publishes nothing new);
//   apply    the oldest resolved messages whose votes have come;
//   commit   the applied messages as one group (when apply has to wait, or
//            after fetch_messages of them): their result lines sent,
//            every message of ours acknowledged by JetStream, the state and
//            the position committed (net/partition_db.h) — only then the
//            orders messages acknowledged (AckAll).
// Publishes go out without waiting for each ack (a window in flight); the
// acks are awaited once per group, before the commit.
//
// A kill at any point loses nothing: what was not committed is redone from
// the committed state, deterministically, and republished messages are
// dropped by JetStream's de-duplication (and by the readers, by sequence).
// Unreachable NATS: retried with backoff, said through hooks.warn.
// Stop requests: graceful takes in nothing more, applies what it can of the
// messages in hand (waiting at most `graceful_wait_ms` for votes that do not
// come) and commits what it applied; hard stops
// at once (nothing uncommitted is acknowledged, so nothing is lost).
//
// Blocking; one thread.
#include <cstdint>
#include <string>

#include "data/base/status.h"
#include "engine/partition.h"
#include "net/net_common.h"

namespace orderflow {

struct ServeOptions {
  std::string urls;
  std::string stream;
  PartitionId me;
  std::string state_path;          // the partition's state file (--ledger)
  int fetch_messages = 64;         // orders messages taken in at once, and committed at once, at most
  int graceful_wait_ms = 2000;     // a graceful stop waits this long for missing votes, then leaves the round uncommitted
  // Fault injection for the crash drills: after this many commits, the next
  // group publishes its votes and results and then the process kills itself
  // (SIGKILL) before committing. 0: never.
  std::uint64_t crash_before_commit_after = 0;
};

struct ServeReport {
  Status status;
  std::uint64_t messages = 0;      // orders messages processed and committed by this run
  std::uint64_t records = 0;       // their records
  std::uint64_t finalised = 0;     // records whose result this partition published
  std::uint64_t next_seq = 1;      // the next record seq to process
  bool resumed = false;            // the state file held an earlier run's state
  double elapsed_seconds = 0;
  double busy_seconds = 0;         // time spent on steps that had messages
  std::uint64_t rounds = 0;        // commits (groups of orders messages)
  // Where the time went (seconds): decoding and the id half, the oldest
  // message waiting for partners' votes (commits overlap it), the stock half
  // and formatting, publishing (until JetStream acknowledged), committing.
  double resolve_seconds = 0, vote_wait_seconds = 0, apply_seconds = 0, publish_seconds = 0, commit_seconds = 0;
};

ServeReport run_serve(const ServeOptions& options, const NetHooks& hooks);

// Reads the stream's catalog, waiting (and saying so) until submit published
// it. Returns the payload's catalog text and source.
Status fetch_catalog(NatsClient& client, const std::string& stream, const NetHooks& hooks, std::string& source,
                     std::string& text);

}  // namespace orderflow
