#include "net/net_common.h"

#include <cstdio>
#include <thread>

namespace orderflow {

bool Backoff::wait(StopRequest cut_by) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms_);
  while (std::chrono::steady_clock::now() < until) {
    StopRequest s = hooks_.stopping();
    if (s != StopRequest::kNone && s >= cut_by) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  delay_ms_ = std::min(delay_ms_ * 2, max_ms_);
  return true;
}

std::string seconds_text(int ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}

std::unique_ptr<NatsClient> connect_with_retry(const std::string& urls, const std::string& name,
                                               const NetHooks& hooks, Status& error, int give_up_ms) {
  Backoff backoff(hooks, 5000);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto r = NatsClient::connect(urls, name);
    if (r.ok()) return std::move(*r.value);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (r.error.kind != NatsError::Kind::kTransient || (give_up_ms > 0 && waited.count() >= give_up_ms)) {
      error = Status::IOError(r.error.message);
      return nullptr;
    }
    hooks.say(r.error.message + "; retrying in " + seconds_text(backoff.next_ms()));
    if (!backoff.wait()) {
      error = Status::IOError(r.error.message);
      return nullptr;
    }
  }
}

}  // namespace orderflow
