#pragma once
// What submit, serve and results share: how they report progress and
// trouble (a callback: cli/ decides what the user sees), how they are asked
// to stop, and retrying with backoff.
//
// Thread-safety: plain values and functions, used by one thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/nats_client.h"

namespace orderflow {

enum class StopRequest : std::uint8_t { kNone, kGraceful, kHard };

struct NetHooks {
  std::function<void(const std::string&)> warn;      // one line of trouble (retrying ...)
  std::function<StopRequest()> stop;                 // polled between steps
  void say(const std::string& line) const {
    if (warn) warn(line);
  }
  StopRequest stopping() const { return stop ? stop() : StopRequest::kNone; }
};

// Exponential backoff, 100 ms doubling to `max_ms` (1 s: a JetStream leader
// election takes a few seconds; connecting uses 5 s), with the waits cut short
// by a stop request. REQUIRES: hooks outlive it.
class Backoff {
 public:
  explicit Backoff(const NetHooks& hooks, int max_ms = 1000) : hooks_(hooks), max_ms_(max_ms) {}
  int next_ms() const { return delay_ms_; }
  // Sleeps the current delay (false: a stop request cut it short) and doubles it.
  bool wait(StopRequest cut_by = StopRequest::kGraceful);
  void reset() { delay_ms_ = 100; }

 private:
  const NetHooks& hooks_;
  int max_ms_;
  int delay_ms_ = 100;
};

// Connects, retrying transient failures with backoff and saying so, until a
// stop request (nullptr then) or, when `give_up_ms` > 0, that much time.
std::unique_ptr<NatsClient> connect_with_retry(const std::string& urls, const std::string& name,
                                               const NetHooks& hooks, Status& error, int give_up_ms = 0);

// Seconds, for messages ("1.6 s").
std::string seconds_text(int ms);

}  // namespace orderflow
