#include "net/partition_server.h"

#include <signal.h>

#include <chrono>
#include <map>
#include <memory>

#include "data/base/hash.h"
#include "data/catalog/catalog.h"
#include "engine/partition_wire.h"
#include "net/partition_db.h"
#include "net/submitter.h"

namespace orderflow {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// "v<first>-<last>-<from>-<to>" for votes, "r<first>-<last>-<from>" for
// results: a round republished as it was gets the same id.
std::string msg_id(char kind, std::uint64_t first, std::uint64_t last, std::uint32_t from, int to) {
  std::string id(1, kind);
  id += std::to_string(first);
  id += '-';
  id += std::to_string(last);
  id += '-';
  id += std::to_string(from);
  if (to >= 0) {
    id += '-';
    id += std::to_string(to);
  }
  return id;
}

std::string partition_text(PartitionId me) { return std::to_string(me.k + 1) + "/" + std::to_string(me.n); }

class Server {
 public:
  Server(const ServeOptions& o, const NetHooks& hooks, ServeReport& rep)
      : o_(o), hooks_(hooks), rep_(rep), names_{o.stream} {}

  void run() {
    const auto started = Clock::now();
    run_impl();
    rep_.elapsed_seconds = seconds_since(started);
  }

 private:
  enum class Wait : std::uint8_t { kOk, kAbandon, kFailed };

  void run_impl() {
    client_ = connect_with_retry(o_.urls, "orderflow serve " + partition_text(o_.me), hooks_, rep_.status);
    if (!client_) {
      if (hooks_.stopping() != StopRequest::kNone) rep_.status = Status::Ok();
      return;
    }
    std::string source, text;
    if (rep_.status = fetch_catalog(*client_, o_.stream, hooks_, source, text); !rep_.status.ok()) return;
    if (hooks_.stopping() != StopRequest::kNone) return;
    Result<Catalog> cat = Catalog::parse(text, source);
    if (!cat.ok()) {
      rep_.status = cat.status();
      return;
    }
    catalog_ = std::make_unique<Catalog>(std::move(cat).value());
    Result<std::unique_ptr<PartitionDb>> db = PartitionDb::open(o_.state_path, o_.stream, o_.me, hash_bytes(text));
    if (!db.ok()) {
      rep_.status = db.status();
      return;
    }
    db_ = std::move(db).value();
    rep_.resumed = !db_->fresh();
    std::vector<std::int64_t> stock(catalog_->size());
    for (std::uint32_t p = 0; p < catalog_->size(); ++p) stock[p] = catalog_->product(p).stock;
    std::vector<OrderChange> orders;
    rep_.status = db_->load(stock, [&](std::string_view id, std::uint32_t product, std::uint32_t amount,
                                       OrderState state) {
      orders.push_back({std::string(id), product, amount, state});
    });
    if (!rep_.status.ok()) return;
    core_ = std::make_unique<PartitionCore>(*catalog_, o_.me, stock);
    for (const OrderChange& c : orders) core_->restore_order(c.id, c.product, c.amount, c.state);
    orders.clear();
    pos_ = db_->position();
    rep_.next_seq = pos_.record_next;

    const std::string tag = o_.stream + "_p" + std::to_string(o_.me.k + 1) + "of" + std::to_string(o_.me.n);
    if (!open_reader(orders_, names_.orders_stream(), names_.orders_subject(), "of_" + tag + "_orders",
                     pos_.orders_next) ||
        !open_reader(votes_, names_.votes_stream(), names_.votes_subject(o_.me.k), "of_" + tag + "_votes",
                     pos_.votes_next))
      return;
    loop();
  }

  bool open_reader(std::unique_ptr<StreamReader>& out, const std::string& stream, const std::string& subject,
                   const std::string& durable, std::uint64_t start) {
    Backoff backoff(hooks_);
    for (;;) {
      auto r = client_->reader(stream, subject, durable, start);
      if (r.ok()) {
        out = std::move(*r.value);
        return true;
      }
      if (r.error.kind == NatsError::Kind::kPermanent) {
        rep_.status = Status::IOError(r.error.message);
        return false;
      }
      hooks_.say(r.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
      if (!backoff.wait()) return false;
    }
  }

  void loop() {
    Backoff backoff(hooks_);
    while (hooks_.stopping() == StopRequest::kNone) {
      auto got = orders_->fetch(o_.fetch_messages, 200);
      if (!got.ok()) {
        hooks_.say(got.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
        backoff.wait();
        continue;
      }
      backoff.reset();
      if (got.value->empty()) continue;
      const auto step_started = Clock::now();
      if (!step(*got.value)) return;
      rep_.busy_seconds += seconds_since(step_started);
    }
  }

  // One round over a few orders messages. False: stop (rep_.status says whether it failed).
  bool step(std::vector<StreamMessage>& msgs) {
    std::vector<PartitionStep> steps(msgs.size());
    std::uint64_t record_next = pos_.record_next;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      if (Status s = core_->resolve(msgs[i].seq, msgs[i].data, steps[i]); !s.ok()) return fail(s);
      if (steps[i].header.first_seq != record_next)
        return fail(Status::Corruption("stream " + o_.stream + ": message " + std::to_string(msgs[i].seq) +
                                       " starts at record " + std::to_string(steps[i].header.first_seq) +
                                       ", expected " + std::to_string(record_next)));
      record_next += steps[i].header.count;
      msgs[i].data.clear();
      msgs[i].data.shrink_to_fit();
    }
    // One votes message per receiver and one results message per round: a
    // round's blocks travel together (ids name the round's first and last
    // orders message; a replay after a crash may cut rounds differently, and
    // the readers drop what they already have, by orders message and seq).
    const std::uint64_t first = steps.front().orders_seq, last = steps.back().orders_seq;
    std::string payload;
    for (std::uint32_t j = 0; j < o_.me.n; ++j) {
      payload.clear();
      for (const PartitionStep& s : steps) payload += s.votes_out[j];
      if (!payload.empty() &&
          !publish(names_.votes_subject(j), payload, msg_id('v', first, last, o_.me.k, static_cast<int>(j))))
        return false;
    }
    for (PartitionStep& s : steps) {
      std::vector<const VoteMessage*> votes(o_.me.n, nullptr);
      for (std::uint32_t j = 0; j < o_.me.n; ++j) {
        if (!s.needs_votes_from[j]) continue;
        Wait w = wait_vote(s.orders_seq, j, votes[j]);
        if (w != Wait::kOk) return false;
      }
      if (Status st = core_->apply(s, votes); !st.ok()) return fail(st);
    }
    payload.clear();
    for (const PartitionStep& s : steps) payload += s.results;
    if (!payload.empty() && !publish(names_.results_subject(), payload, msg_id('r', first, last, o_.me.k, -1)))
      return false;
    if (o_.crash_before_commit_after > 0 && ++steps_done_ > o_.crash_before_commit_after) ::raise(SIGKILL);
    // Commit, then acknowledge.
    for (auto it = votes_buf_.begin(); it != votes_buf_.end() && it->first.first <= last;) it = votes_buf_.erase(it);
    PartitionPosition next;
    next.orders_next = last + 1;
    next.record_next = record_next;
    next.votes_next = votes_->next_seq();
    for (const auto& [key, v] : votes_buf_) next.votes_next = std::min(next.votes_next, v.stream_seq);
    if (Status st = db_->commit(core_->take_changes(), next); !st.ok()) return fail(st);
    pos_ = next;
    orders_->ack_through(last);
    if (next.votes_next > 1) votes_->ack_through(next.votes_next - 1);
    for (const PartitionStep& s : steps) {
      rep_.records += s.header.count;
      rep_.finalised += s.results_count;
    }
    rep_.messages += steps.size();
    rep_.next_seq = record_next;
    return true;
  }

  Wait wait_vote(std::uint64_t orders_seq, std::uint32_t from, const VoteMessage*& out) {
    const auto started = Clock::now();
    Backoff backoff(hooks_);
    bool said = false;
    for (;;) {
      auto it = votes_buf_.find({orders_seq, from});
      if (it != votes_buf_.end()) {
        out = &it->second.msg;
        return Wait::kOk;
      }
      StopRequest stop = hooks_.stopping();
      if (stop == StopRequest::kHard ||
          (stop == StopRequest::kGraceful && seconds_since(started) * 1000 > o_.graceful_wait_ms))
        return Wait::kAbandon;  // nothing of this round is committed: a restart redoes it
      auto got = votes_->fetch(64, 200);
      if (!got.ok()) {
        hooks_.say(got.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
        backoff.wait(StopRequest::kHard);
        continue;
      }
      for (StreamMessage& m : *got.value) {
        std::vector<VoteMessage> blocks;
        if (Status st = decode_votes(m.data, blocks); !st.ok()) {
          fail(Status::Corruption("stream " + names_.votes_stream() + " message " + std::to_string(m.seq) + ": " +
                                  st.message()));
          return Wait::kFailed;
        }
        for (VoteMessage& v : blocks) {
          if (v.orders_seq < pos_.orders_next) continue;  // for messages committed already (a replay)
          votes_buf_.try_emplace({v.orders_seq, v.from}, BufferedVote{m.seq, std::move(v)});
        }
      }
      if (!said && seconds_since(started) > 10) {
        hooks_.say("partition " + partition_text(o_.me) + " is waiting for partition " + std::to_string(from + 1) +
                   "/" + std::to_string(o_.me.n) + " (orders message " + std::to_string(orders_seq) +
                   "): is it running?");
        said = true;
      }
    }
  }

  bool publish(const std::string& subject, const std::string& payload, const std::string& id) {
    Backoff backoff(hooks_);
    for (;;) {
      auto r = client_->publish(subject, payload, id);
      if (r.ok()) return true;
      if (r.error.kind == NatsError::Kind::kPermanent) return fail(Status::IOError(r.error.message));
      hooks_.say(r.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
      if (!backoff.wait(StopRequest::kHard)) return false;
    }
  }

  bool fail(Status s) {
    rep_.status = std::move(s);
    return false;
  }

  struct BufferedVote {
    std::uint64_t stream_seq;
    VoteMessage msg;
  };

  const ServeOptions& o_;
  const NetHooks& hooks_;
  ServeReport& rep_;
  StreamNames names_;
  std::unique_ptr<NatsClient> client_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<PartitionDb> db_;
  std::unique_ptr<PartitionCore> core_;
  std::unique_ptr<StreamReader> orders_, votes_;
  PartitionPosition pos_;
  std::uint64_t steps_done_ = 0;
  std::map<std::pair<std::uint64_t, std::uint32_t>, BufferedVote> votes_buf_;
};

}  // namespace

Status fetch_catalog(NatsClient& client, const std::string& stream, const NetHooks& hooks, std::string& source,
                     std::string& text) {
  StreamNames names{stream};
  Backoff backoff(hooks);
  for (;;) {
    auto r = client.last_message(names.catalog_stream(), names.catalog_subject());
    if (r.ok() && r.value->has_value()) {
      if (!split_catalog_payload((*r.value)->data, source, text))
        return Status::Corruption("stream " + names.catalog_stream() + " holds no orderflow catalog");
      return Status::Ok();
    }
    if (!r.ok() && r.error.kind == NatsError::Kind::kPermanent) return Status::IOError(r.error.message);
    hooks.say("waiting for the catalog of stream " + stream + " (has submit run?)" +
              (r.ok() ? std::string() : ": " + r.error.message) + "; retrying in " + seconds_text(backoff.next_ms()));
    if (!backoff.wait()) return Status::Ok();
  }
}

ServeReport run_serve(const ServeOptions& o, const NetHooks& hooks) {
  ServeReport rep;
  if (!valid_stream_name(o.stream)) {
    rep.status = Status::InvalidArgument("stream name '" + o.stream + "' must be 1-64 of A-Z a-z 0-9 _ -");
    return rep;
  }
  Server(o, hooks, rep).run();
  return rep;
}

}  // namespace orderflow
