#include "net/results_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "engine/partition_wire.h"
#include "net/partition_server.h"

namespace orderflow {

namespace {

constexpr std::size_t kWriteBytes = 1 << 20;

struct Pending {
  OrderStatus status;
  Reason reason;
  std::uint32_t product;
  std::int64_t amount;
  Cents total;
  std::vector<StockItem> items;  // a basket Completed or Reversed
  std::string line;
};

bool write_fd(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ResultsReport run_results(const ResultsOptions& o, const NetHooks& hooks) {
  ResultsReport rep;
  const auto started = std::chrono::steady_clock::now();
  auto finish = [&]() -> ResultsReport {
    rep.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return std::move(rep);
  };
  if (!valid_stream_name(o.stream)) {
    rep.status = Status::InvalidArgument("stream name '" + o.stream + "' must be 1-64 of A-Z a-z 0-9 _ -");
    return finish();
  }
  StreamNames names{o.stream};
  std::unique_ptr<NatsClient> client = connect_with_retry(o.urls, "orderflow results", hooks, rep.status);
  if (!client) {
    rep.stopped = hooks.stopping() != StopRequest::kNone;
    return finish();
  }
  std::string source, text;
  if (rep.status = fetch_catalog(*client, o.stream, hooks, source, text); !rep.status.ok()) return finish();
  if (text.empty()) {
    rep.stopped = true;
    return finish();
  }
  Result<Catalog> cat = Catalog::parse(text, source);
  if (!cat.ok()) {
    rep.status = cat.status();
    return finish();
  }
  rep.catalog = std::make_unique<Catalog>(std::move(cat).value());
  rep.stats = Stats(rep.catalog->size());

  auto read_expected = [&]() -> bool {
    auto tail = client->last_message(names.orders_stream(), names.orders_subject());
    if (!tail.ok()) {
      hooks.say(tail.error.message);
      return false;
    }
    if (tail.value->has_value()) {
      Result<OrdersHeader> h = decode_orders_header((*tail.value)->data);
      if (!h.ok()) {
        rep.status = Status::Corruption("stream " + o.stream + ": " + h.status().message());
        return false;
      }
      rep.expected = h->first_seq + h->count - 1;
    }
    return true;
  };
  {
    Backoff backoff(hooks);
    while (!read_expected()) {
      if (!rep.status.ok()) return finish();
      if (!backoff.wait()) {
        rep.stopped = true;
        return finish();
      }
    }
  }

  const std::string durable = "of_" + o.stream + "_results_" + std::to_string(::getpid());
  std::unique_ptr<StreamReader> reader;
  {
    Backoff backoff(hooks);
    for (;;) {
      auto r = client->reader(names.results_stream(), names.results_subject(), durable, 1);
      if (r.ok()) {
        reader = std::move(*r.value);
        break;
      }
      if (r.error.kind == NatsError::Kind::kPermanent) {
        rep.status = Status::IOError(r.error.message);
        return finish();
      }
      hooks.say(r.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
      if (!backoff.wait()) {
        rep.stopped = true;
        return finish();
      }
    }
  }

  std::map<std::uint64_t, Pending> pending;
  std::uint64_t next = 1;
  std::string out;
  std::vector<ResultEntry> entries;
  std::vector<Item> items;
  Backoff backoff(hooks);
  auto flush = [&]() -> bool {
    if (out.empty() || o.out_fd < 0) {
      out.clear();
      return true;
    }
    if (!write_fd(o.out_fd, out)) {
      if (errno == EPIPE) {
        rep.output_closed = true;
      } else {
        rep.status = Status::IOError("cannot write results to " + o.output_name + ": " + std::strerror(errno));
      }
      return false;
    }
    out.clear();
    return true;
  };
  auto refreshed = std::chrono::steady_clock::now();
  while (o.follow || next <= rep.expected) {
    if (hooks.stopping() != StopRequest::kNone) {
      rep.stopped = true;
      break;
    }
    auto got = reader->fetch(256, 200);
    if (!got.ok()) {
      hooks.say(got.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
      backoff.wait();
      continue;
    }
    backoff.reset();
    for (const StreamMessage& m : *got.value) {
      entries.clear();
      if (Status st = decode_results(m.data, entries); !st.ok()) {
        rep.status = Status::Corruption("stream " + names.results_stream() + " message " + std::to_string(m.seq) +
                                        ": " + st.message());
        break;
      }
      for (ResultEntry& e : entries) {
        if (e.seq < next) continue;
        if ((e.product != kNoProduct && e.product != kBasketProduct && e.product >= rep.catalog->size()) ||
            std::any_of(e.items.begin(), e.items.end(),
                        [&](const StockItem& it) { return it.product >= rep.catalog->size(); }) ||
            (e.product == kBasketProduct &&
             (e.status == OrderStatus::kCompleted || e.status == OrderStatus::kReversed) && e.items.empty())) {
          rep.status = Status::Corruption("stream " + names.results_stream() + " message " + std::to_string(m.seq) +
                                          ": a result for seq " + std::to_string(e.seq) + " outside the catalog");
          break;
        }
        pending.try_emplace(e.seq, Pending{e.status, e.reason, e.product, e.amount, e.total, std::move(e.items),
                                           std::string(e.line)});
      }
    }
    if (!rep.status.ok()) break;
    for (auto it = pending.begin(); it != pending.end() && it->first == next; it = pending.erase(it), ++next) {
      Record r;
      r.status = it->second.status;
      r.reason = it->second.reason;
      r.product = it->second.product;
      r.amount = it->second.amount;
      r.total = it->second.total;
      r.decided = true;
      if (r.is_basket()) {
        items.clear();
        for (const StockItem& s : it->second.items) {
          Item& item = items.emplace_back();
          item.product = s.product;
          item.amount = s.amount;
        }
        r.items = ItemRange{0, static_cast<std::uint16_t>(items.size()), 0};
        rep.stats.count(r, items.data());
      } else {
        rep.stats.count(r);
      }
      out += it->second.line;
      if (out.size() >= kWriteBytes && !flush()) break;
    }
    if (rep.output_closed || !rep.status.ok()) break;
    if (!flush()) break;
    if (o.follow && std::chrono::steady_clock::now() - refreshed > std::chrono::seconds(1)) {
      read_expected();
      refreshed = std::chrono::steady_clock::now();
    }
  }
  flush();
  client->delete_consumer(names.results_stream(), durable);
  return finish();
}

}  // namespace orderflow
