#include "net/partition_server.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

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
                                       OrderState state, std::vector<StockItem> items) {
      orders.push_back({std::string(id), product, amount, state, std::move(items)});
    });
    if (!rep_.status.ok()) return;
    core_ = std::make_unique<PartitionCore>(*catalog_, o_.me, stock);
    for (const OrderChange& c : orders) core_->restore_order(c.id, c.product, c.amount, c.state, c.items);
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

  // The loop runs three things as far as each can go, in this order:
  //  take in   fetch orders messages, resolve them (the id half) and send
  //            their votes at once, up to kAhead messages ahead of apply;
  //  apply     the oldest resolved messages whose votes are all here; a
  //            message with baskets over several partitions may stop inside
  //            for their part votes (sent as apply reaches each basket) and
  //            go on from there when they come;
  //  commit    the applied messages not committed yet (at most
  //            fetch_messages), as one group: their
  //            results sent, every ack awaited, the state committed, then
  //            the orders acknowledged.
  // Votes never wait for apply, so a partition's votes do not wait for its
  // partners' rounds either: the partition furthest behind always has the
  // votes it needs on the way (its partners resolved past it), so none waits
  // in a cycle. It blocks (a fetch with a timeout) only when nothing can go on.
  static constexpr std::size_t kAhead = 128;    // orders messages resolved, not yet applied, at most

  void loop() {
    Backoff backoff(hooks_);
    resolve_next_ = pos_.record_next;
    for (;;) {
      const StopRequest stop = hooks_.stopping();
      if (stop == StopRequest::kHard) return;  // nothing uncommitted was acknowledged
      if (stop == StopRequest::kGraceful && !stopping_since_) stopping_since_ = Clock::now();
      const bool taking_in = !stopping_since_;
      if (stopping_since_ && (pending_.empty() || seconds_since(*stopping_since_) * 1000 > o_.graceful_wait_ms)) {
        // What is applied commits (not while a message is applied partly);
        // the rest is redone by the next start.
        if (!front_partial()) commit_group();
        return;
      }
      const auto started = Clock::now();
      bool progressed = false;
      if (taking_in && pending_.size() < kAhead) {
        const bool idle = pending_.empty() && group_.empty();
        const std::size_t room = kAhead - pending_.size();
        auto got = orders_->fetch(static_cast<int>(std::min<std::size_t>(o_.fetch_messages, room)), idle ? 200 : 0);
        if (!got.ok()) {
          hooks_.say(got.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
          backoff.wait(StopRequest::kHard);
          continue;
        }
        backoff.reset();
        if (!got.value->empty()) {
          if (!take_in(*got.value)) return;
          progressed = true;
        }
      }
      int applied = apply_ready();
      if (applied < 0) return;
      if (applied == 0 && !pending_.empty()) {
        // The oldest waits for votes: commit meanwhile (unless it is applied
        // partly: the state is then not that of a message's end), then wait
        // for them a little.
        if (!group_.empty() && !front_partial() && !commit_group()) return;
        if (!sent_all()) return;  // ours are stored (nobody waits on one that was lost)
        if (!read_votes(taking_in ? 20 : 100)) return;
        applied = apply_ready();
        if (applied < 0) return;
        note_waiting();
      }
      if (applied > 0) progressed = true;
      // Commit full groups (apply goes on after each), and the rest once
      // nothing is pending.
      while (!group_.empty() &&
             (pending_.empty() || group_.size() >= static_cast<std::size_t>(o_.fetch_messages))) {
        if (!commit_group()) return;
        if (apply_ready() < 0) return;
      }
      if (progressed) rep_.busy_seconds += seconds_since(started);
    }
  }

  // Resolves fetched messages and sends their votes: one votes message per
  // receiver for the lot (its id names the first and last orders message; a
  // replay may cut them differently, and the receivers keep each block once).
  bool take_in(std::vector<StreamMessage>& msgs) {
    const auto t0 = Clock::now();
    const std::size_t from = pending_.size();
    for (StreamMessage& m : msgs) {
      pending_.emplace_back();
      PartitionStep& st = pending_.back();
      if (Status s = core_->resolve(m.seq, m.data, st); !s.ok()) return fail(s);
      if (st.header.first_seq != resolve_next_)
        return fail(Status::Corruption("stream " + o_.stream + ": message " + std::to_string(m.seq) +
                                       " starts at record " + std::to_string(st.header.first_seq) + ", expected " +
                                       std::to_string(resolve_next_)));
      resolve_next_ += st.header.count;
      m.data.clear();
      m.data.shrink_to_fit();
    }
    rep_.resolve_seconds += seconds_since(t0);
    const auto t1 = Clock::now();
    const std::uint64_t first = pending_[from].orders_seq, last = pending_.back().orders_seq;
    std::string payload;
    for (std::uint32_t j = 0; j < o_.me.n; ++j) {
      payload.clear();
      for (std::size_t i = from; i < pending_.size(); ++i) payload += pending_[i].votes_out[j];
      if (!payload.empty() &&
          !send(names_.votes_subject(j), payload, msg_id('v', first, last, o_.me.k, static_cast<int>(j))))
        return false;
    }
    for (std::size_t i = from; i < pending_.size(); ++i) pending_[i].votes_out.clear();
    rep_.publish_seconds += seconds_since(t1);
    return true;
  }

  // Applies the oldest resolved messages whose votes are here. Returns how
  // many, or -1 on failure (rep_.status says why).
  // A group holds at most fetch_messages: when it is full, apply stops (the
  // loop commits it and applies on), so commits come at a steady size however
  // lumpily the votes arrive.
  int apply_ready() {
    int applied = 0;
    while (!pending_.empty() && group_.size() < static_cast<std::size_t>(o_.fetch_messages)) {
      PartitionStep& st = pending_.front();
      std::vector<const VoteMessage*> votes(o_.me.n, nullptr);
      for (std::uint32_t j = 0; j < o_.me.n; ++j) {
        if (!st.needs_votes_from[j]) continue;
        auto it = votes_buf_.find({st.orders_seq, j});
        if (it == votes_buf_.end()) {
          if (!waiting_since_) waiting_since_ = Clock::now();
          waiting_for_ = j;
          return applied;
        }
        votes[j] = &it->second.msg;
      }
      const auto t0 = Clock::now();
      ApplyProgress progress = ApplyProgress::kDone;
      if (Status s = core_->apply(st, votes, parts_, progress); !s.ok()) {
        fail(s);
        return -1;
      }
      rep_.apply_seconds += seconds_since(t0);
      if (!send_part_votes(st)) return -1;
      if (progress == ApplyProgress::kNeedsPartVotes) {
        if (!waiting_since_) waiting_since_ = Clock::now();
        for (const PendingBasket& b : st.baskets)
          for (std::uint32_t o : b.others)
            if (!parts_.find(st.batch.records[b.record].seq, o)) waiting_for_ = o;
        return applied;
      }
      if (waiting_since_) rep_.vote_wait_seconds += seconds_since(*waiting_since_);
      waiting_since_.reset();
      said_waiting_ = false;
      group_.push_back(std::move(st));
      pending_.pop_front();
      ++applied;
    }
    return applied;
  }

  // The oldest resolved message is applied partly (it waits for part votes).
  bool front_partial() const { return !pending_.empty() && pending_.front().started; }

  // Sends the part votes apply() left in the step, one message per
  // receiver; its id names the baskets' first and last seq (a replay may cut
  // them differently: the receivers keep each part vote once).
  bool send_part_votes(PartitionStep& st) {
    std::string payload;
    for (std::uint32_t j = 0; j < st.part_votes_out.size(); ++j) {
      const PartVoteMessage& m = st.part_votes_out[j];
      if (m.votes.empty()) continue;
      payload.clear();
      encode_part_votes(m, payload);
      std::string id = msg_id('p', m.votes.front().seq, m.votes.back().seq, o_.me.k, static_cast<int>(j));
      if (!send(names_.votes_subject(j), std::move(payload), std::move(id))) return false;
    }
    st.part_votes_out.clear();
    return true;
  }

  // Reads the votes there are, waiting at most `wait_ms` for the first.
  bool read_votes(int wait_ms) {
    auto got = votes_->fetch(64, wait_ms);
    if (!got.ok()) {
      hooks_.say(got.error.message + "; retrying in " + seconds_text(100));
      Backoff(hooks_).wait(StopRequest::kHard);
      return true;
    }
    for (StreamMessage& m : *got.value) {
      std::vector<VoteMessage> blocks;
      std::vector<PartVoteMessage> parts;
      if (Status st = decode_votes(m.data, blocks, &parts); !st.ok())
        return fail(Status::Corruption("stream " + names_.votes_stream() + " message " + std::to_string(m.seq) +
                                       ": " + st.message()));
      for (VoteMessage& v : blocks) {
        if (v.orders_seq < pos_.orders_next) continue;  // for messages committed already (a replay)
        votes_buf_.try_emplace({v.orders_seq, v.from}, BufferedVote{m.seq, std::move(v)});
      }
      for (const PartVoteMessage& p : parts) {
        if (p.orders_seq < pos_.orders_next || p.from >= o_.me.n) continue;
        for (const PartVote& v : p.votes) parts_.add(m.seq, p.orders_seq, p.from, v);
      }
    }
    return true;
  }

  void note_waiting() {
    if (!waiting_since_ || said_waiting_ || seconds_since(*waiting_since_) <= 10) return;
    hooks_.say("partition " + partition_text(o_.me) + " is waiting for partition " + std::to_string(waiting_for_ + 1) +
               "/" + std::to_string(o_.me.n) + " (orders message " + std::to_string(pending_.front().orders_seq) +
               "): is it running?");
    said_waiting_ = true;
  }

  // Commits the applied messages: their results sent, every message of ours
  // stored, the state and position committed, then the orders acknowledged.
  bool commit_group() {
    if (group_.empty()) return true;
    const auto t0 = Clock::now();
    const std::uint64_t first = group_.front().orders_seq, last = group_.back().orders_seq;
    std::string payload;
    std::uint64_t records = 0, finalised = 0, record_next = pos_.record_next;
    for (const PartitionStep& st : group_) {
      payload += st.results;
      records += st.header.count;
      finalised += st.results_count;
      record_next = st.header.first_seq + st.header.count;
    }
    if (!payload.empty() &&
        !send(names_.results_subject(), std::move(payload), msg_id('r', first, last, o_.me.k, -1)))
      return false;
    if (!sent_all()) return false;
    rep_.publish_seconds += seconds_since(t0);
    if (o_.crash_before_commit_after > 0 && ++steps_done_ > o_.crash_before_commit_after) ::raise(SIGKILL);
    const auto t1 = Clock::now();
    for (auto it = votes_buf_.begin(); it != votes_buf_.end() && it->first.first <= last;) it = votes_buf_.erase(it);
    parts_.drop_through(last);
    PartitionPosition next;
    next.orders_next = last + 1;
    next.record_next = record_next;
    next.votes_next = std::min(votes_->next_seq(), parts_.first_stream_seq());
    for (const auto& [key, v] : votes_buf_) next.votes_next = std::min(next.votes_next, v.stream_seq);
    if (Status st = db_->commit(core_->take_changes(last), next); !st.ok()) return fail(st);
    pos_ = next;
    orders_->ack_through(last);
    if (next.votes_next > 1) votes_->ack_through(next.votes_next - 1);
    rep_.commit_seconds += seconds_since(t1);
    rep_.records += records;
    rep_.finalised += finalised;
    rep_.messages += group_.size();
    rep_.next_seq = record_next;
    ++rep_.rounds;
    group_.clear();
    return true;
  }

  // Sends without waiting for the ack (sent_all waits for them all).
  bool send(const std::string& subject, std::string payload, std::string id) {
    if (!client_->publish_async(subject, payload, id).ok()) {
      if (!sent_all()) return false;  // no room or no connection: the careful way
      return publish(subject, payload, id);
    }
    sent_.push_back({subject, std::move(payload), std::move(id)});
    return true;
  }

  // Every message sent is stored (what failed was published again, the
  // same id: JetStream keeps one).
  bool sent_all() {
    std::vector<NatsResult<PublishAck>> acks = client_->wait_published();
    std::vector<Sent> sent = std::move(sent_);
    sent_.clear();
    for (std::size_t i = 0; i < sent.size(); ++i)
      if ((i >= acks.size() || !acks[i].ok()) && !publish(sent[i].subject, sent[i].payload, sent[i].id))
        return false;
    return true;
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

  struct Sent {
    std::string subject, payload, id;
  };
  std::vector<Sent> sent_;

  struct BufferedVote {
    std::uint64_t stream_seq;
    VoteMessage msg;
  };

  // The part votes read and not yet committed past, by basket seq and sender.
  class BufferedParts : public PartVotes {
   public:
    const PartVote* find(std::uint64_t seq, std::uint32_t from) const override {
      auto it = votes_.find({seq, from});
      return it == votes_.end() ? nullptr : &it->second.vote;
    }
    void add(std::uint64_t stream_seq, std::uint64_t orders_seq, std::uint32_t from, const PartVote& v) {
      votes_.try_emplace({v.seq, from}, Buffered{stream_seq, orders_seq, v});
    }
    // Forgets the votes of orders messages up to `orders_seq` (committed).
    void drop_through(std::uint64_t orders_seq) {
      for (auto it = votes_.begin(); it != votes_.end();)
        it = it->second.orders_seq <= orders_seq ? votes_.erase(it) : std::next(it);
    }
    // The votes stream sequence a restart must re-read from to see them all again.
    std::uint64_t first_stream_seq() const {
      std::uint64_t first = UINT64_MAX;
      for (const auto& [key, b] : votes_) first = std::min(first, b.stream_seq);
      return first;
    }

   private:
    struct Buffered {
      std::uint64_t stream_seq;
      std::uint64_t orders_seq;
      PartVote vote;
    };
    std::map<std::pair<std::uint64_t, std::uint32_t>, Buffered> votes_;
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
  std::uint64_t resolve_next_ = 1;                 // the record seq the next message resolved must start at
  std::deque<PartitionStep> pending_;              // resolved, votes sent, not applied
  std::vector<PartitionStep> group_;               // applied, not committed
  std::optional<Clock::time_point> stopping_since_, waiting_since_;
  std::uint32_t waiting_for_ = 0;
  bool said_waiting_ = false;
  std::map<std::pair<std::uint64_t, std::uint32_t>, BufferedVote> votes_buf_;
  BufferedParts parts_;
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
