#include "net/nats_client.h"

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

#include "net/payload_codec.h"

namespace orderflow {

namespace {

NatsError make_error(const std::string& doing, natsStatus s, jsErrCode code = static_cast<jsErrCode>(0)) {
  NatsError e;
  e.message = doing + ": " + natsStatus_GetText(s);
  if (code != 0) e.message += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  if (code == JSStreamWrongLastSequenceErr) {
    e.kind = NatsError::Kind::kWrongLastSequence;
  } else if (code == JSStreamNotFoundErr || code == JSNoMessageFoundErr || code == JSConsumerNotFoundErr ||
             s == NATS_NOT_FOUND) {
    e.kind = NatsError::Kind::kNotFound;
  } else if (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_CONNECTION_DISCONNECTED ||
             s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER || s == NATS_IO_ERROR ||
             s == NATS_STALE_CONNECTION || code == JSClusterNoPeersErr || code == JSInsufficientResourcesErr ||
             code == 10008 /* JetStream temporarily unavailable */ || s == NATS_ERR) {
    e.kind = NatsError::Kind::kTransient;
  }
  return e;
}

template <class T>
NatsResult<T> fail(NatsError e) {
  NatsResult<T> r;
  r.error = std::move(e);
  return r;
}
template <class T>
NatsResult<T> okv(T v) {
  NatsResult<T> r;
  r.value = std::move(v);
  return r;
}

std::vector<std::string> split_urls(const std::string& urls) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= urls.size()) {
    std::size_t comma = urls.find(',', start);
    if (comma == std::string::npos) comma = urls.size();
    std::string u = urls.substr(start, comma - start);
    if (!u.empty()) out.push_back(u);
    start = comma + 1;
  }
  return out;
}

}  // namespace

struct NatsClient::Impl {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;

  // Asynchronous publishes: each message sent is known by its natsMsg
  // address (registered before it is handed to libnats, so an ack that comes
  // at once finds it) and its place in the batch; libnats calls on_ack on
  // its own thread, once per message, with the ack or the error.
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<const natsMsg*, std::size_t> in_flight;
  std::vector<NatsResult<PublishAck>> outcomes;
  std::size_t pending = 0;

  ~Impl() {
    if (js) {
      // Asynchronous publishes still without an outcome (a hard stop): taken
      // back, so libnats calls on_ack for none of them once this is gone.
      bool pending_left;
      {
        std::lock_guard<std::mutex> lock(mu);
        pending_left = pending > 0;
      }
      if (pending_left) {
        natsMsgList list{nullptr, 0};
        if (js_PublishAsyncGetPendingList(&list, js) == NATS_OK) natsMsgList_Destroy(&list);
      }
      jsCtx_Destroy(js);
    }
    if (nc) natsConnection_Destroy(nc);
  }

  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    Impl* self = static_cast<Impl*>(closure);
    NatsResult<PublishAck> r;
    if (pa) {
      r.value = PublishAck{pa->Sequence, pa->Duplicate};
    } else {
      r.error = make_error(std::string("cannot publish to ") + (msg ? natsMsg_GetSubject(msg) : "?"),
                           pae ? pae->Err : NATS_ERR, pae ? pae->ErrCode : static_cast<jsErrCode>(0));
      if (pae && pae->ErrText && pae->ErrCode != 0) r.error.message += std::string(": ") + pae->ErrText;
    }
    {
      std::lock_guard<std::mutex> lock(self->mu);
      auto it = self->in_flight.find(msg);
      if (it != self->in_flight.end()) {
        self->outcomes[it->second] = std::move(r);
        self->in_flight.erase(it);
        --self->pending;
      }
    }
    self->cv.notify_all();
    natsMsg_Destroy(msg);
  }
};

// A fetch with timeout 0 asks with this expiry: JetStream answers 10 ms
// before a request's expiry (libnats asks it to), so the answer — messages,
// or "none" after at most 10 ms — comes while libnats still listens. Shorter,
// a late "none" would end the next fetch on this reader early.
constexpr int kNoWaitMs = 20;

struct StreamReader::Impl {
  NatsClient::Impl* client = nullptr;
  std::string stream, subject, durable;
  natsSubscription* sub = nullptr;
  std::uint64_t next = 1;                             // next seq to hand out
  std::deque<std::pair<std::uint64_t, std::string>> unacked;  // (seq, reply subject)

  ~Impl() { close(); }
  void close() {
    if (sub) natsSubscription_Destroy(sub);
    sub = nullptr;
  }
  NatsResult<Unit> open() {
    close();
    js_DeleteConsumer(client->js, stream.c_str(), durable.c_str(), nullptr, nullptr);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Config.Durable = durable.c_str();
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = next;
    so.Config.AckPolicy = js_AckAll;
    so.Config.AckWait = 120LL * 1000 * 1000 * 1000;  // ns: a redelivery only after two minutes
    so.Config.MaxAckPending = 1 << 20;
    so.Config.FilterSubject = subject.c_str();
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_PullSubscribe(&sub, client->js, subject.c_str(), durable.c_str(), nullptr, &so, &code);
    if (s != NATS_OK) {
      sub = nullptr;
      return fail<Unit>(make_error("cannot read stream " + stream, s, code));
    }
    unacked.clear();
    return okv(Unit{});
  }
};

NatsClient::NatsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NatsClient::~NatsClient() = default;

NatsResult<std::unique_ptr<NatsClient>> NatsClient::connect(const std::string& urls, const std::string& name,
                                                           int timeout_ms) {
  std::vector<std::string> list = split_urls(urls);
  if (list.empty()) return fail<std::unique_ptr<NatsClient>>({NatsError::Kind::kPermanent, "no NATS server given"});
  std::vector<const char*> ptrs;
  for (const std::string& u : list) ptrs.push_back(u.c_str());
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetServers(opts, ptrs.data(), static_cast<int>(ptrs.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts, name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);  // once connected, never give up
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 250);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 64 << 20);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts, 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts, 2);
  auto impl = std::make_unique<Impl>();
  if (s == NATS_OK) s = natsConnection_Connect(&impl->nc, opts);
  if (opts) natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    impl->nc = nullptr;
    NatsError e = make_error("cannot reach NATS at " + urls, s);
    e.kind = NatsError::Kind::kTransient;
    return fail<std::unique_ptr<NatsClient>>(e);
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 2000;  // ms per JetStream API request: short, so a leader election is retried, not waited out
  jo.PublishAsync.MaxPending = kAsyncWindow;
  jo.PublishAsync.StallWait = 10000;  // ms a publish_async waits for room in the window
  jo.PublishAsync.AckHandler = &Impl::on_ack;
  jo.PublishAsync.AckHandlerClosure = impl.get();
  s = natsConnection_JetStream(&impl->js, impl->nc, &jo);
  if (s != NATS_OK) return fail<std::unique_ptr<NatsClient>>(make_error("cannot use JetStream", s));
  return okv(std::unique_ptr<NatsClient>(new NatsClient(std::move(impl))));
}

std::size_t NatsClient::known_servers() const {
  char** servers = nullptr;
  int count = 0;
  if (natsConnection_GetServers(impl_->nc, &servers, &count) != NATS_OK) return 1;
  std::set<std::string> distinct;
  for (int i = 0; i < count; ++i) {
    distinct.insert(servers[i]);
    free(servers[i]);
  }
  free(servers);
  return distinct.empty() ? 1 : distinct.size();
}

NatsResult<Unit> NatsClient::ensure_stream(const StreamSpec& spec) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, impl_->js, spec.name.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return okv(Unit{});
  }
  if (code != JSStreamNotFoundErr && s != NATS_NOT_FOUND)
    return fail<Unit>(make_error("cannot look up stream " + spec.name, s, code));
  std::vector<const char*> subjects;
  for (const std::string& sub : spec.subjects) subjects.push_back(sub.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = js_FileStorage;
  cfg.Replicas = spec.replicas;
  cfg.Duplicates = spec.duplicate_window_ms * 1000 * 1000;  // ns
  cfg.DenyDelete = true;
  cfg.DenyPurge = true;
  code = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, impl_->js, &cfg, nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return okv(Unit{});
  }
  if (code == JSStreamNameExistErr) return okv(Unit{});  // someone else made it meanwhile
  return fail<Unit>(make_error("cannot create stream " + spec.name, s, code));
}

NatsResult<std::uint64_t> NatsClient::last_seq(const std::string& stream) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, impl_->js, stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return fail<std::uint64_t>(make_error("cannot look up stream " + stream, s, code));
  std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return okv(last);
}

NatsResult<std::optional<StreamMessage>> NatsClient::last_message(const std::string& stream,
                                                                 const std::string& subject) {
  natsMsg* m = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&m, impl_->js, stream.c_str(), subject.c_str(), nullptr, &code);
  if (s != NATS_OK) {
    NatsError e = make_error("cannot read stream " + stream, s, code);
    if (e.kind == NatsError::Kind::kNotFound && code != JSStreamNotFoundErr)
      return okv(std::optional<StreamMessage>());
    return fail<std::optional<StreamMessage>>(e);
  }
  StreamMessage out;
  out.seq = natsMsg_GetSequence(m);
  out.data.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
  (void)unpack_payload(out.data);  // one that does not unpack stays as read: its decoder refuses it
  natsMsg_Destroy(m);
  return okv(std::optional<StreamMessage>(std::move(out)));
}

NatsResult<PublishAck> NatsClient::publish(const std::string& subject, std::string_view data,
                                           const std::string& msg_id, std::optional<std::uint64_t> expect_last_seq,
                                           int timeout_ms) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.empty() ? nullptr : msg_id.c_str();
  po.MaxWait = timeout_ms;
  if (expect_last_seq) po.ExpectLastSeq = *expect_last_seq;
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  // ExpectLastSeq 0 means "not set" to libnats: an empty stream cannot be
  // asked for; the message id still guards against doubles there.
  std::string packed;
  const std::string_view wire = pack_payload(data, packed);
  natsStatus s = js_Publish(&ack, impl_->js, subject.c_str(), wire.data(), static_cast<int>(wire.size()), &po, &code);
  if (s != NATS_OK) return fail<PublishAck>(make_error("cannot publish to " + subject, s, code));
  PublishAck out{ack->Sequence, ack->Duplicate};
  jsPubAck_Destroy(ack);
  return okv(out);
}

NatsResult<Unit> NatsClient::publish_async(const std::string& subject, std::string_view data,
                                           const std::string& msg_id, std::optional<std::uint64_t> expect_last_seq,
                                           int timeout_ms) {
  Impl& c = *impl_;
  natsMsg* msg = nullptr;
  std::string packed;
  const std::string_view wire = pack_payload(data, packed);
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, wire.data(), static_cast<int>(wire.size()));
  if (s != NATS_OK) return fail<Unit>(make_error("cannot publish to " + subject, s));
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.empty() ? nullptr : msg_id.c_str();
  po.MaxWait = timeout_ms;
  if (expect_last_seq) po.ExpectLastSeq = *expect_last_seq;
  const natsMsg* key = msg;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.in_flight[key] = c.outcomes.size();
    c.outcomes.emplace_back();
    ++c.pending;
  }
  s = js_PublishMsgAsync(c.js, &msg, &po);
  if (s != NATS_OK) {
    {
      std::lock_guard<std::mutex> lock(c.mu);
      c.in_flight.erase(key);
      c.outcomes.pop_back();
      --c.pending;
    }
    natsMsg_Destroy(msg);
    return fail<Unit>(make_error("cannot publish to " + subject, s));
  }
  return okv(Unit{});
}

std::vector<NatsResult<PublishAck>> NatsClient::wait_published() {
  Impl& c = *impl_;
  // libnats reports every message it took, its own MaxWait timeout included;
  // the deadline here is only a bound should that ever not happen.
  std::unique_lock<std::mutex> lock(c.mu);
  c.cv.wait_for(lock, std::chrono::seconds(30), [&] { return c.pending == 0; });
  if (c.pending > 0) {
    // Still no outcome: take them back from libnats and call them timed out.
    lock.unlock();
    natsMsgList list{nullptr, 0};
    if (js_PublishAsyncGetPendingList(&list, c.js) == NATS_OK) natsMsgList_Destroy(&list);
    lock.lock();
    for (auto& [msg, index] : c.in_flight)
      c.outcomes[index].error = {NatsError::Kind::kTransient, "cannot publish: no acknowledgement from JetStream"};
    c.in_flight.clear();
    c.pending = 0;
  }
  std::vector<NatsResult<PublishAck>> out = std::move(c.outcomes);
  c.outcomes.clear();
  return out;
}

NatsResult<std::unique_ptr<StreamReader>> NatsClient::reader(const std::string& stream, const std::string& subject,
                                                             const std::string& durable, std::uint64_t start_seq) {
  auto impl = std::make_unique<StreamReader::Impl>();
  impl->client = impl_.get();
  impl->stream = stream;
  impl->subject = subject;
  impl->durable = durable;
  impl->next = start_seq == 0 ? 1 : start_seq;
  NatsResult<Unit> opened = impl->open();
  if (!opened.ok()) return fail<std::unique_ptr<StreamReader>>(opened.error);
  return okv(std::make_unique<StreamReader>(std::move(impl)));
}

void NatsClient::delete_consumer(const std::string& stream, const std::string& durable) {
  js_DeleteConsumer(impl_->js, stream.c_str(), durable.c_str(), nullptr, nullptr);
}

StreamReader::StreamReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamReader::~StreamReader() = default;

std::uint64_t StreamReader::next_seq() const { return impl_->next; }

NatsResult<std::vector<StreamMessage>> StreamReader::fetch(int max_messages, int timeout_ms) {
  Impl& r = *impl_;
  if (!r.sub) {
    NatsResult<Unit> opened = r.open();
    if (!opened.ok()) return fail<std::vector<StreamMessage>>(opened.error);
  }
  std::vector<StreamMessage> out;
  // Hands out a delivery's messages (in sequence, each once) and frees it.
  auto take = [&](natsMsgList& list) {
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, m) != NATS_OK) continue;
      std::uint64_t seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
      if (seq < r.next) continue;  // a redelivery of something already handed out
      StreamMessage sm;
      sm.seq = seq;
      sm.data.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
      (void)unpack_payload(sm.data);  // one that does not unpack stays as read: its decoder refuses it
      if (const char* reply = natsMsg_GetReply(m)) r.unacked.emplace_back(seq, reply);
      r.next = seq + 1;
      out.push_back(std::move(sm));
    }
    natsMsgList_Destroy(&list);
  };
  // One pull request with no_wait and an expiry: JetStream (2.9) answers it
  // with the messages there (up to the batch) at once, or waits up to the
  // expiry for the first to come and answers with it and those right behind
  // it. (natsSubscription_Fetch instead, when nothing is there at first,
  // waits for the whole batch or the timeout: a reader waiting for one
  // message sat out the timeout each time.) "No waiting" is a short expiry
  // (kNoWaitMs).
  natsMsgList list{nullptr, 0};
  jsFetchRequest req;
  jsFetchRequest_Init(&req);
  req.Batch = max_messages;
  req.NoWait = true;
  req.Expires = static_cast<std::int64_t>(std::max(timeout_ms, kNoWaitMs)) * 1000 * 1000;
  natsStatus s = natsSubscription_FetchRequest(&list, r.sub, &req);
  const bool none = list.Count == 0;
  take(list);
  // Nothing within the expiry ends in 404 or 408: none yet.
  if (none && (s == NATS_NOT_FOUND || s == NATS_TIMEOUT)) s = NATS_OK;
  if (!none) s = NATS_OK;
  if (s != NATS_OK && out.empty()) {
    r.close();  // reopened (at r.next) by the next fetch
    return fail<std::vector<StreamMessage>>(make_error("cannot read stream " + r.stream, s));
  }
  return okv(std::move(out));
}

void StreamReader::ack_through(std::uint64_t seq) {
  Impl& r = *impl_;
  const std::string* reply = nullptr;
  while (!r.unacked.empty() && r.unacked.front().first <= seq) {
    reply = &r.unacked.front().second;
    if (r.unacked.size() == 1 || r.unacked[1].first > seq) break;
    r.unacked.pop_front();
  }
  if (!reply) return;
  natsConnection_PublishString(r.client->nc, reply->c_str(), "+ACK");
  r.unacked.pop_front();
}

}  // namespace orderflow
