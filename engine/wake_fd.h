#pragma once
// WakeFd: an eventfd that wakes a thread blocked in poll(). The waiting
// thread polls fd() for POLLIN next to what it waits for; any thread (or a
// callback such as Context::on_done) calls wake(), and from then on fd() is
// readable. The wake-up is sticky: nothing drains it, so one wake() ends
// every later poll() too (a WakeFd is meant for "stop waiting", once).
//
// Thread-safe: wake() may be called from any thread, concurrently, and is
// async-signal-safe (one write()). Owns the descriptor; not copyable.
namespace orderflow {

class WakeFd {
 public:
  // Creates the eventfd (close-on-exec, non-blocking). On failure fd() is -1
  // and error() the errno; wake() then does nothing.
  WakeFd();
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  bool ok() const { return fd_ >= 0; }
  int error() const { return error_; }
  // The descriptor to poll for POLLIN; -1 when !ok() (poll() ignores it).
  int fd() const { return fd_; }
  // Makes fd() readable.
  void wake() const;

 private:
  int fd_ = -1;
  int error_ = 0;
};

}  // namespace orderflow
