#include "net/submitter.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "data/codec/batch_builder.h"
#include "engine/partition_wire.h"

namespace orderflow {

namespace {

constexpr std::size_t kReadBytes = 1 << 20;
constexpr std::size_t kDeferredBytesMax = 256u << 20;  // held while telling whether a re-run
constexpr int kReadyWaitMs = 30000;                    // JetStream may still be electing leaders
constexpr std::size_t kWindowMessages = 16;            // orders messages in flight at once
constexpr std::size_t kWindowBytes = 8u << 20;

std::string msg_id_for(const SubmitMark& mark) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "of-%016llx", static_cast<unsigned long long>(mark.chain));
  return buf;
}

// Retries `op` (returning NatsResult<T>) while its error is transient.
template <class Op>
auto with_retry(const NetHooks& hooks, const char* what, Op op, int give_up_ms = 0) -> decltype(op()) {
  Backoff backoff(hooks);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto r = op();
    if (r.ok() || r.error.kind != NatsError::Kind::kTransient) return r;
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (give_up_ms > 0 && waited >= give_up_ms) return r;
    hooks.say(r.error.message + " (" + what + "); retrying in " + seconds_text(backoff.next_ms()));
    if (!backoff.wait(StopRequest::kHard)) return r;
  }
}

class Publisher {
 public:
  Publisher(NatsClient& client, const SubmitOptions& o, const NetHooks& hooks, SubmitReport& rep)
      : client_(client), o_(o), hooks_(hooks), rep_(rep), names_{o.stream} {}

  // Reads where the stream ends; decides whether to look for a re-run.
  Status start() {
    auto tail = with_retry(hooks_, "reading the stream's end",
                           [&] { return client_.last_message(names_.orders_stream(), names_.orders_subject()); });
    if (!tail.ok()) return Status::IOError(tail.error.message);
    if (!tail.value->has_value()) return Status::Ok();
    const StreamMessage& m = **tail.value;
    Result<OrdersHeader> h = decode_orders_header(m.data);
    if (!h.ok()) return Status::Corruption("stream " + o_.stream + ": " + h.status().message());
    tail_ = h.value();
    last_stream_seq_ = m.seq;
    next_seq_ = tail_.first_seq + tail_.count;
    deciding_ = true;
    return Status::Ok();
  }

  // BatchBuilder's emit: false stops the framing (an error is in status_).
  bool emit(Batch& batch) {
    if (!status_.ok()) return false;
    const std::string& name = o_.inputs[batch.file].name;
    SubmitMark mark{chain_next(chain_, name, batch), ordinal_++};
    chain_ = mark.chain;
    rep_.records += batch.records.size();
    if (deciding_) {
      if (mark.ordinal < tail_.mark.ordinal && deferred_bytes_ < kDeferredBytesMax) {
        deferred_bytes_ += batch.bytes.size() + batch.records.size() * sizeof(Record);
        deferred_.push_back({std::move(batch), mark});
        batch = Batch();
        return true;
      }
      if (mark.ordinal == tail_.mark.ordinal && mark.chain == tail_.mark.chain) {
        // The stream ends with this very input: what came so far is there.
        for (const Deferred& d : deferred_) rep_.already += d.batch.records.size();
        rep_.already += batch.records.size();
        deferred_.clear();
        deciding_ = false;
        return true;
      }
      if (!flush_deferred()) return false;
    }
    return queue(batch, mark);
  }

  // The input has ended.
  bool finish() { return flush_deferred() && flush_window(); }
  const Status& status() const { return status_; }

 private:
  struct Deferred {
    Batch batch;
    SubmitMark mark;
  };

  bool flush_deferred() {
    deciding_ = false;
    for (Deferred& d : deferred_)
      if (!queue(d.batch, d.mark)) return false;
    deferred_.clear();
    return true;
  }

  // Messages go out a window at a time: all sent, then all acks awaited.
  bool queue(Batch& batch, const SubmitMark& mark) {
    window_bytes_ += batch.bytes.size();
    window_.push_back({std::move(batch), mark});
    batch = Batch();
    if (window_.size() >= kWindowMessages || window_bytes_ >= kWindowBytes) return flush_window();
    return true;
  }

  // Sends the window's messages numbered as if each lands right after the
  // one before (records from next_seq_, each expecting the stream's last
  // sequence to be its predecessor's), then takes the acks in order. The
  // first that is not that — a duplicate, another submit in between, a
  // failover — and everything after it go the careful way, one by one
  // (publish_one), which de-duplicates and renumbers.
  bool flush_window() {
    if (window_.empty()) return status_.ok();
    std::uint64_t seq = next_seq_, stream_seq = last_stream_seq_;
    std::size_t sent = 0;
    for (const Deferred& q : window_) {
      payload_.clear();
      encode_orders(q.batch, o_.inputs[q.batch.file].name, seq, q.mark, payload_);
      std::optional<std::uint64_t> expect;
      if (stream_seq > 0) expect = stream_seq;
      if (!client_.publish_async(names_.orders_subject(), payload_, msg_id_for(q.mark), expect).ok()) break;
      ++sent;
      seq += q.batch.records.size();
      ++stream_seq;
    }
    std::vector<NatsResult<PublishAck>> acks = client_.wait_published();
    std::size_t i = 0;
    for (; i < acks.size() && i < sent; ++i) {
      const NatsResult<PublishAck>& a = acks[i];
      if (!a.ok() || a.value->duplicate || (last_stream_seq_ > 0 && a.value->seq != last_stream_seq_ + 1)) break;
      last_stream_seq_ = a.value->seq;
      next_seq_ += window_[i].batch.records.size();
      rep_.added += window_[i].batch.records.size();
      ++rep_.messages;
    }
    for (; i < window_.size(); ++i)
      if (!publish_one(window_[i].batch, window_[i].mark)) break;
    window_.clear();
    window_bytes_ = 0;
    return status_.ok();
  }

  bool publish_one(const Batch& batch, const SubmitMark& mark) {
    const std::string& name = o_.inputs[batch.file].name;
    const std::string id = msg_id_for(mark);
    Backoff backoff(hooks_);
    for (;;) {
      payload_.clear();
      encode_orders(batch, name, next_seq_, mark, payload_);
      std::optional<std::uint64_t> expect;
      if (last_stream_seq_ > 0) expect = last_stream_seq_;
      auto r = client_.publish(names_.orders_subject(), payload_, id, expect);
      if (r.ok()) {
        if (r.value->duplicate) {
          rep_.already += batch.records.size();  // published before (a re-run): nothing added
        } else {
          last_stream_seq_ = r.value->seq;
          next_seq_ += batch.records.size();
          rep_.added += batch.records.size();
          ++rep_.messages;
        }
        return true;
      }
      if (r.error.kind == NatsError::Kind::kWrongLastSequence) {
        // The stream moved: our own earlier attempt (its ack was lost), or another submit.
        auto tail = client_.last_message(names_.orders_stream(), names_.orders_subject());
        if (tail.ok() && tail.value->has_value()) {
          const StreamMessage& m = **tail.value;
          Result<OrdersHeader> h = decode_orders_header(m.data);
          if (!h.ok()) return fail(Status::Corruption("stream " + o_.stream + ": " + h.status().message()));
          last_stream_seq_ = m.seq;
          next_seq_ = h->first_seq + h->count;
          if (h->mark.chain == mark.chain) {
            rep_.added += batch.records.size();
            ++rep_.messages;
            return true;
          }
          continue;  // renumbered after the other submit's records
        }
      }
      if (r.error.kind != NatsError::Kind::kTransient && r.error.kind != NatsError::Kind::kWrongLastSequence)
        return fail(Status::IOError(r.error.message));
      hooks_.say(r.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
      if (!backoff.wait(StopRequest::kHard)) {
        rep_.stopped = true;
        return fail(Status::IOError(r.error.message));
      }
    }
  }

  bool fail(Status s) {
    status_ = std::move(s);
    return false;
  }

  NatsClient& client_;
  const SubmitOptions& o_;
  const NetHooks& hooks_;
  SubmitReport& rep_;
  StreamNames names_;
  Status status_;
  OrdersHeader tail_;
  bool deciding_ = false;
  std::uint64_t last_stream_seq_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t chain_ = kChainSeed;
  std::uint64_t ordinal_ = 0;
  std::vector<Deferred> deferred_;
  std::size_t deferred_bytes_ = 0;
  std::vector<Deferred> window_;
  std::size_t window_bytes_ = 0;
  std::string payload_;
};

Status publish_catalog(NatsClient& client, const SubmitOptions& o, const NetHooks& hooks) {
  StreamNames names{o.stream};
  auto last = with_retry(hooks, "reading the catalog",
                         [&] { return client.last_message(names.catalog_stream(), names.catalog_subject()); });
  if (!last.ok()) return Status::IOError(last.error.message);
  if (last.value->has_value()) {
    std::string source, text;
    if (!split_catalog_payload((*last.value)->data, source, text))
      return Status::Corruption("stream " + names.catalog_stream() + " holds no orderflow catalog");
    if (o.catalog_given && text != o.catalog_text)
      return Status::InvalidArgument("stream " + o.stream + " already has a catalog (" + source +
                                     ") that differs from " + o.catalog_source +
                                     "; its partitions started from that one");
    return Status::Ok();
  }
  auto r = with_retry(hooks, "publishing the catalog", [&] {
    return client.publish(names.catalog_subject(), catalog_payload(o.catalog_source, o.catalog_text), "catalog");
  });
  if (!r.ok()) return Status::IOError(r.error.message);
  return Status::Ok();
}

}  // namespace

std::string catalog_payload(const std::string& source, const std::string& text) {
  return "OFC1 " + source + "\n" + text;
}

bool split_catalog_payload(const std::string& payload, std::string& source, std::string& text) {
  if (payload.compare(0, 5, "OFC1 ") != 0) return false;
  std::size_t nl = payload.find('\n');
  if (nl == std::string::npos) return false;
  source = payload.substr(5, nl - 5);
  text = payload.substr(nl + 1);
  return true;
}

Status ensure_streams(NatsClient& client, const std::string& stream, const NetHooks& hooks, int& replicas) {
  StreamNames names{stream};
  replicas = client.known_servers() >= 3 ? 3 : 1;
  const StreamSpec specs[] = {
      {names.orders_stream(), {names.orders_subject()}, replicas},
      {names.votes_stream(), {names.votes_wildcard()}, replicas},
      {names.results_stream(), {names.results_subject()}, replicas},
      {names.catalog_stream(), {names.catalog_subject()}, replicas},
  };
  for (const StreamSpec& spec : specs) {
    auto r = with_retry(hooks, "creating the streams", [&] { return client.ensure_stream(spec); }, kReadyWaitMs);
    if (!r.ok()) return Status::IOError(r.error.message);
  }
  return Status::Ok();
}

SubmitReport run_submit(const SubmitOptions& o, const NetHooks& hooks) {
  SubmitReport rep;
  if (!valid_stream_name(o.stream)) {
    rep.status = Status::InvalidArgument("stream name '" + o.stream + "' must be 1-64 of A-Z a-z 0-9 _ -");
    return rep;
  }
  std::unique_ptr<NatsClient> client = connect_with_retry(o.urls, "orderflow submit", hooks, rep.status, 30000);
  if (!client) return rep;
  if (rep.status = ensure_streams(*client, o.stream, hooks, rep.replicas); !rep.status.ok()) return rep;
  if (rep.status = publish_catalog(*client, o, hooks); !rep.status.ok()) return rep;

  Publisher pub(*client, o, hooks, rep);
  if (rep.status = pub.start(); !rep.status.ok()) return rep;
  BatchBuilder builder(o.records_per_message, o.message_bytes_max, 1, [&](Batch& b) { return pub.emit(b); });
  std::unique_ptr<char[]> buf(new char[kReadBytes]);
  for (std::uint32_t i = 0; i < o.inputs.size() && pub.status().ok(); ++i) {
    const SubmitInput& in = o.inputs[i];
    builder.start_file(i);
    Framer framer(o.format, o.record_bytes_max, in.name);
    Status fs;
    for (;;) {
      ssize_t n = ::read(in.fd, buf.get(), kReadBytes);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        rep.status = Status::IOError("cannot read " + in.name + ": " + std::strerror(errno));
        return rep;
      }
      if (n == 0) break;
      fs = framer.feed(buf.get(), static_cast<std::size_t>(n), builder);
      if (!fs.ok() || !pub.status().ok()) break;
    }
    if (fs.ok() && pub.status().ok()) fs = framer.finish(builder);
    if (!fs.ok()) {
      builder.flush();  // the records before the failure still go out, as process applies them
      if (pub.status().ok()) pub.finish();
      rep.status = fs;
      return rep;
    }
  }
  builder.flush();
  if (pub.status().ok()) pub.finish();
  rep.status = pub.status();
  auto last = client->last_message(StreamNames{o.stream}.orders_stream(), StreamNames{o.stream}.orders_subject());
  if (last.ok() && last.value->has_value()) {
    Result<OrdersHeader> h = decode_orders_header((*last.value)->data);
    if (h.ok()) rep.last_seq = h->first_seq + h->count - 1;
  }
  return rep;
}

}  // namespace orderflow
