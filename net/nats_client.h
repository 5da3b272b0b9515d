#pragma once
// NatsClient: the little of NATS JetStream that orderflow uses, over Debian's
// libnats (the C client, 3.4) — the only file that includes <nats/nats.h>.
//
//  - connect to a comma-separated list of servers (reconnecting for ever once
//    connected: libnats resubmits what it buffered);
//  - make sure a stream exists (replicas chosen by the caller);
//  - publish one message and wait for JetStream's ack, with a message id for
//    de-duplication and an optional expected last sequence;
//  - or publish many without waiting for each ack (a window of messages in
//    flight), then wait for all their acks at once (publish_async /
//    wait_published): one round trip for a whole batch instead of one each;
//  - read a stream's last message on a subject, or its last sequence;
//  - StreamReader: read a stream in sequence order through a pull consumer
//    that starts at a given sequence, acknowledging (AckAll) what the caller
//    says is committed.
//
// Errors are Status values; a NatsError also says whether it is transient (a
// timeout, a lost connection, a leader election: try again) so callers can
// retry with backoff. Nothing here prints or sleeps for long.
//
// Thread-safety: one NatsClient and its readers belong to one thread. (libnats
// runs its own I/O threads inside; nothing of ours runs on them.)
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/status.h"

namespace orderflow {

// What went wrong in a NATS call.
struct NatsError {
  enum class Kind : std::uint8_t {
    kTransient,         // timeout, no connection, no responders, cluster busy: try again
    kWrongLastSequence, // the stream moved on (someone else published first)
    kNotFound,          // no such stream / message
    kPermanent,         // anything else
  };
  Kind kind = Kind::kPermanent;
  std::string message;
};

template <class T>
struct NatsResult {
  std::optional<T> value;
  NatsError error;
  bool ok() const { return value.has_value(); }
};
struct Unit {};

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  int replicas = 1;
  std::int64_t duplicate_window_ms = 24LL * 3600 * 1000;  // de-duplication by message id
};

struct PublishAck {
  std::uint64_t seq = 0;
  bool duplicate = false;  // the message id was seen before: nothing was added
};

struct StreamMessage {
  std::uint64_t seq = 0;   // stream sequence
  std::string data;
};

class StreamReader;

class NatsClient {
 public:
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  // Connects to one of `urls` (comma-separated "nats://host:port" list).
  // `name` is shown by the server (monitoring). Fails (transient) when no
  // server answers within about `timeout_ms`.
  static NatsResult<std::unique_ptr<NatsClient>> connect(const std::string& urls, const std::string& name,
                                                         int timeout_ms = 2000);

  // The servers this connection knows of (given and discovered from the
  // cluster), so a caller can pick the replicas a stream can have.
  std::size_t known_servers() const;

  // Creates the stream unless it exists (an existing one is left as it is).
  NatsResult<Unit> ensure_stream(const StreamSpec& spec);
  // The stream's last sequence (0: empty).
  NatsResult<std::uint64_t> last_seq(const std::string& stream);
  // The last message on `subject` in `stream`; nullopt value inside when none.
  NatsResult<std::optional<StreamMessage>> last_message(const std::string& stream, const std::string& subject);

  // Publishes and waits for the ack. `msg_id` de-duplicates within the
  // stream's duplicate window; `expect_last_seq` (when set) makes the publish
  // fail with kWrongLastSequence unless the stream's last sequence is that.
  NatsResult<PublishAck> publish(const std::string& subject, std::string_view data, const std::string& msg_id,
                                 std::optional<std::uint64_t> expect_last_seq = std::nullopt,
                                 int timeout_ms = 2000);

  // Sends a message without waiting for its ack (the same options as
  // publish); at most kAsyncWindow are in flight, beyond that it waits for
  // room. An error here means it was not sent (its outcome is not reported
  // by wait_published). Each message's outcome — ack or error — is collected
  // for wait_published; a message whose ack does not come within
  // `timeout_ms` fails as a transient timeout (it may still have been
  // stored: publish it again with the same id to find out).
  NatsResult<Unit> publish_async(const std::string& subject, std::string_view data, const std::string& msg_id,
                                 std::optional<std::uint64_t> expect_last_seq = std::nullopt,
                                 int timeout_ms = 2000);
  // Waits until every message sent with publish_async since the last call
  // has its outcome, and returns them in the order they were sent.
  std::vector<NatsResult<PublishAck>> wait_published();
  static constexpr int kAsyncWindow = 64;

  // A reader of `stream` (filtered to `subject`) from sequence `start_seq`,
  // through the durable pull consumer `durable` (replaced if it exists, so a
  // restart starts exactly at `start_seq`).
  NatsResult<std::unique_ptr<StreamReader>> reader(const std::string& stream, const std::string& subject,
                                                   const std::string& durable, std::uint64_t start_seq);
  // Deletes a durable consumer (when a reader is done for good).
  void delete_consumer(const std::string& stream, const std::string& durable);

  struct Impl;

 private:
  explicit NatsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads a stream in sequence order. Messages come back at most once each and
// in ascending sequence (redeliveries are dropped); after an error the reader
// recreates its consumer at the next sequence it has not handed out.
// Not thread-safe; belongs to the thread of its NatsClient.
class StreamReader {
 public:
  ~StreamReader();
  // Up to `max_messages` messages that follow the last one handed out:
  // those there now, or, when there are none, the first to come within
  // `timeout_ms` (at least 20 ms; 0: at most 10 ms) and those right behind it. An empty
  // vector: none yet.
  NatsResult<std::vector<StreamMessage>> fetch(int max_messages, int timeout_ms);
  // Acknowledges every message up to and including `seq` (AckAll): the
  // caller has committed them. A lost ack is harmless (see the restart rule).
  void ack_through(std::uint64_t seq);
  // The sequence of the next message fetch() would hand out.
  std::uint64_t next_seq() const;

  struct Impl;
  explicit StreamReader(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
