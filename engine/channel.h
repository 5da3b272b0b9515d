#pragma once
// Channel<T>: Go's channel semantics in C++ — a bounded FIFO between threads.
//
//   Channel<Batch> ch(64);
//   producer:  if (ch.send(std::move(batch), ctx) != ChannelStatus::kOk) { /* batch is intact */ }
//              ch.close();
//   consumer:  for (Batch& b : ch) { ... }          // ends once closed and drained
//
// Contract
// - Thread-safe: every member may be called concurrently from any number of
//   threads, except the constructor and destructor.
// - Capacity is exact: a Channel(n) buffers up to n items (any n, not rounded).
//   Capacity 0 is a rendezvous, as Go's unbuffered channel: a send completes
//   only once a receiver has taken the value.
// - FIFO: items are received in the order their sends completed; blocked
//   senders and receivers are served first come, first served.
// - close() stops sends and wakes every blocked sender (kClosed) and receiver.
//   Receivers still drain what is buffered and only then get kClosed, so a
//   range-for over the channel ends by itself. close() is idempotent.
// - A failed send (kClosed, kFull, kCancelled, kDeadlineExceeded) leaves the
//   value untouched: the argument is taken by rvalue reference and is moved
//   from only when the send succeeds. Never a crash, never a silent drop.
// - Context-bounded calls check the context first (an ended context wins even
//   if the channel is ready, so a cancelled pipeline stops promptly), and while
//   blocked they return kCancelled/kDeadlineExceeded as soon as the context is
//   cancelled or its deadline passes. They never return a context status after
//   the value was transferred.
// - REQUIRES: T is nothrow move constructible (batches are moved, never
//   copied), and nothrow move assignable for recv(T&). The channel never copies.
// - REQUIRES: no thread is blocked on or calls into a Channel being destroyed.
//   Items still buffered at destruction are destroyed with it.
// - Cost: one mutex acquisition per call (per batch with recv_many/send_many).
//   A call that blocks sleeps on a condition variable of its own and is woken
//   only by the call that completes it (or by close()/its context): there are
//   no broadcast wake-ups and no notify when nobody waits. Never allocates
//   after construction, except: recv_many may grow `out` (before locking), and
//   a context-bounded call that has to block registers one on_done callback.
// - Not provided: select over several channels.
#include <atomic>
#include <cassert>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/context.h"
#include "engine/thread_annotations.h"

namespace orderflow {

// The outcome of a channel operation.
enum class ChannelStatus : std::uint8_t {
  kOk,                // the value was sent / received
  kClosed,            // send: the channel is closed; recv: closed and drained
  kCancelled,         // the context was cancelled first
  kDeadlineExceeded,  // the context's deadline passed first
  kEmpty,             // try_recv: nothing to take (and not closed)
  kFull,              // try_send: no room and no waiting receiver (and not closed)
};

constexpr const char* to_string(ChannelStatus s) noexcept {
  switch (s) {
    case ChannelStatus::kOk: return "ok";
    case ChannelStatus::kClosed: return "closed";
    case ChannelStatus::kCancelled: return "cancelled";
    case ChannelStatus::kDeadlineExceeded: return "deadline exceeded";
    case ChannelStatus::kEmpty: return "empty";
    case ChannelStatus::kFull: return "full";
  }
  return "unknown";
}

// Maps an ended context's error to the channel status it causes.
constexpr ChannelStatus channel_status(ContextError e) noexcept {
  return e == ContextError::kDeadlineExceeded ? ChannelStatus::kDeadlineExceeded : ChannelStatus::kCancelled;
}

// What send_many() did: items[0, sent) were sent (and moved from), the rest
// are untouched; status is kOk iff sent == items.size().
struct SendManyResult {
  ChannelStatus status;
  std::size_t sent;
};

template <class T>
class Channel {
  static_assert(std::is_nothrow_move_constructible_v<T>, "Channel<T>: T must be nothrow move constructible");
  static_assert(std::is_nothrow_destructible_v<T>, "Channel<T>: T must be nothrow destructible");

 public:
  class iterator;

  // A channel that buffers up to `capacity` items (0: rendezvous). Allocates
  // the buffer once, here.
  explicit Channel(std::size_t capacity)
      : capacity_(capacity), buf_(capacity > 0 ? std::allocator<T>().allocate(capacity) : nullptr) {}

  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  ~Channel() {
    assert(sendq_.empty() && recvq_.empty());
    while (count_ > 0) (void)pop_front();
    if (buf_ != nullptr) std::allocator<T>().deallocate(buf_, capacity_);
  }

  // ---- send

  // Sends `v`, blocking while the channel is full (for capacity 0: until a
  // receiver takes it). kOk (v moved from) or kClosed (v untouched).
  // Thread-safe. Blocks.
  ChannelStatus send(T&& v) { return send_impl(std::span<T>(&v, 1), nullptr).status; }
  ChannelStatus send(const T& v) requires std::copy_constructible<T> {
    T copy(v);
    return send(std::move(copy));
  }

  // As send(v), and also returns kCancelled/kDeadlineExceeded (v untouched)
  // if ctx has ended or ends while blocked. Thread-safe. Blocks.
  ChannelStatus send(T&& v, const Context& ctx) { return send_impl(std::span<T>(&v, 1), &ctx).status; }
  ChannelStatus send(const T& v, const Context& ctx) requires std::copy_constructible<T> {
    T copy(v);
    return send(std::move(copy), ctx);
  }

  // Sends without waiting: kOk (v moved from), kFull (no room; for capacity 0:
  // no receiver waiting) or kClosed; v untouched unless kOk.
  // Thread-safe. Never blocks (beyond the channel's short internal lock).
  ChannelStatus try_send(T&& v) {
    MutexLock lock(mu_);
    return try_send_locked(v);
  }
  ChannelStatus try_send(const T& v) requires std::copy_constructible<T> {
    T copy(v);
    return try_send(std::move(copy));
  }

  // Sends items in order under as few lock acquisitions as possible, blocking
  // while full. Stops at the first failure (closed, or ctx ended): see
  // SendManyResult. Thread-safe. Blocks.
  SendManyResult send_many(std::span<T> items) { return send_impl(items, nullptr); }
  SendManyResult send_many(std::span<T> items, const Context& ctx) { return send_impl(items, &ctx); }

  // ---- receive

  // Receives into `out` (move-assigned), blocking while the channel is empty.
  // kOk, or kClosed once the channel is closed and drained (out untouched).
  // Thread-safe. Blocks.
  ChannelStatus recv(T& out) { return recv_impl(assign_to(out), 1, nullptr); }

  // As recv(out), and also returns kCancelled/kDeadlineExceeded (out
  // untouched) if ctx has ended or ends while blocked. Thread-safe. Blocks.
  ChannelStatus recv(T& out, const Context& ctx) { return recv_impl(assign_to(out), 1, &ctx); }

  // Receives a value, or nullopt once the channel is closed and drained.
  // Works for T that is not default constructible. Thread-safe. Blocks.
  std::optional<T> recv() {
    std::optional<T> out;
    (void)recv_impl([&out](T&& v) noexcept { out.emplace(std::move(v)); }, 1, nullptr);
    return out;
  }

  // Receives without waiting: kOk, kEmpty, or kClosed (closed and drained).
  // Thread-safe. Never blocks (beyond the channel's short internal lock).
  ChannelStatus try_recv(T& out) {
    MutexLock lock(mu_);
    if (take_locked(assign_to(out), 1) > 0) return ChannelStatus::kOk;
    return closed_.load(std::memory_order_relaxed) ? ChannelStatus::kClosed : ChannelStatus::kEmpty;
  }

  // Appends between 1 and `max` items to `out` under one lock acquisition,
  // blocking until at least one is available: kOk, or kClosed once closed and
  // drained (out unchanged). May take fewer than are available (it takes at
  // most max(capacity, 16) per call, so that it reserves room in `out` before
  // locking and never reallocates under the lock). REQUIRES: max >= 1.
  // Thread-safe. Blocks.
  ChannelStatus recv_many(std::vector<T>& out, std::size_t max) { return recv_many_impl(out, max, nullptr); }
  // As recv_many, bounded by ctx: kCancelled/kDeadlineExceeded (out unchanged).
  ChannelStatus recv_many(std::vector<T>& out, std::size_t max, const Context& ctx) {
    return recv_many_impl(out, max, &ctx);
  }

  // Range-for support: `for (T& v : ch)` receives until closed and drained.
  // Each step is a blocking recv(). Not a multi-pass range.
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() noexcept { return {}; }

  // ---- state

  // Closes the channel: later sends fail with kClosed; blocked senders return
  // kClosed (values untouched); blocked receivers return kClosed (there is
  // nothing buffered when a receiver blocks). Buffered items stay receivable.
  // Returns true only for the call that closed it. Thread-safe. Never blocks.
  bool close() {
    MutexLock lock(mu_);
    if (closed_.load(std::memory_order_relaxed)) return false;
    closed_.store(true, std::memory_order_release);
    while (RecvWaiter* r = recvq_.pop_front()) complete(r, ChannelStatus::kClosed);
    while (SendWaiter* s = sendq_.pop_front()) complete(s, ChannelStatus::kClosed);
    return true;
  }

  // Whether close() has been called. Thread-safe. Never blocks (one atomic load).
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // Number of buffered items at some recent moment (0 for capacity 0).
  // Thread-safe. Never blocks (one atomic load).
  std::size_t size_approx() const noexcept { return size_.load(std::memory_order_relaxed); }

  std::size_t capacity() const noexcept { return capacity_; }

  // Number of threads blocked in a send / a receive right now. For tests
  // (to wait until a thread is really blocked before acting). Thread-safe.
  std::size_t blocked_senders_for_testing() const {
    MutexLock lock(mu_);
    return sendq_.size;
  }
  std::size_t blocked_receivers_for_testing() const {
    MutexLock lock(mu_);
    return recvq_.size;
  }

  // Input iterator over received values; see begin().
  class iterator {
   public:
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = T&;

    iterator() = default;
    T& operator*() const { return *cur_; }
    T* operator->() const { return &*cur_; }
    iterator& operator++() {
      cur_ = ch_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return !it.cur_.has_value(); }

   private:
    friend class Channel;
    explicit iterator(Channel* ch) : ch_(ch), cur_(ch->recv()) {}
    Channel* ch_ = nullptr;
    mutable std::optional<T> cur_;
  };

 private:
  // Implementation, after Go's runtime/chan.go. Invariants, all under mu_:
  //  (1) at least one of sendq_ and recvq_ is empty;
  //  (2) capacity_ > 0: count_ > 0 implies recvq_ is empty, and a non-empty
  //      sendq_ implies count_ == capacity_ (senders wait only when full);
  //      capacity_ == 0: count_ == 0 always; a queued sender is a pending
  //      rendezvous;
  //  (3) closed_ implies sendq_ and recvq_ are empty (close completes them all)
  //      and never becomes false again;
  //  (4) a waiter is in a queue iff it is blocked and not completed; it is
  //      completed (done, status set, and for a receiver its slot filled or for
  //      a sender its value moved from) only by the thread that unlinks it,
  //      under mu_, and notified under mu_ so it cannot vanish first;
  //  (5) a waiter whose context ends unlinks itself; its value is untouched.
  // Hand-offs go straight from sender to waiting receiver (the buffer is empty
  // then) and from waiting sender to the buffer's tail when a receiver frees a
  // slot, which keeps FIFO order and wakes exactly one thread per hand-off.

  struct SendWaiter {
    SendWaiter* prev = nullptr;
    SendWaiter* next = nullptr;
    T* value = nullptr;  // the blocked sender's value; moved from only on success
    std::condition_variable cv;
    bool done = false;
    ChannelStatus status = ChannelStatus::kOk;
    void reset(T* v) noexcept {
      value = v;
      done = false;
    }
  };

  struct RecvWaiter {
    RecvWaiter* prev = nullptr;
    RecvWaiter* next = nullptr;
    std::optional<T> slot;  // filled by the sender that completes this receiver
    std::condition_variable cv;
    bool done = false;
    ChannelStatus status = ChannelStatus::kOk;
    void reset() noexcept {
      slot.reset();
      done = false;
    }
  };

  // Intrusive FIFO of blocked waiters (they live on their threads' stacks).
  template <class W>
  struct WaitQueue {
    W* head = nullptr;
    W* tail = nullptr;
    std::size_t size = 0;
    bool empty() const noexcept { return head == nullptr; }
    void push_back(W* w) noexcept {
      ++size;
      w->prev = tail;
      w->next = nullptr;
      if (tail != nullptr) {
        tail->next = w;
      } else {
        head = w;
      }
      tail = w;
    }
    W* pop_front() noexcept {
      W* w = head;
      if (w != nullptr) remove(w);
      return w;
    }
    void remove(W* w) noexcept {
      --size;
      if (w->prev != nullptr) {
        w->prev->next = w->next;
      } else {
        head = w->next;
      }
      if (w->next != nullptr) {
        w->next->prev = w->prev;
      } else {
        tail = w->prev;
      }
      w->prev = w->next = nullptr;
    }
  };

  static auto assign_to(T& out) noexcept {
    static_assert(std::is_nothrow_move_assignable_v<T>, "recv(T&) needs a nothrow move assignment");
    return [&out](T&& v) noexcept { out = std::move(v); };
  }

  template <class W>
  static void complete(W* w, ChannelStatus status) noexcept {
    w->status = status;
    w->done = true;
    w->cv.notify_one();  // under mu_: the waiter cannot return (and destroy cv) before we unlock
  }

  // ---- ring buffer (REQUIRES(mu_), checked by `make tsa`)

  void push_back(T&& v) noexcept REQUIRES(mu_) {
    assert(count_ < capacity_);
    std::size_t tail = head_ + count_;
    if (tail >= capacity_) tail -= capacity_;
    std::construct_at(buf_ + tail, std::move(v));
    ++count_;
    size_.store(count_, std::memory_order_relaxed);
  }

  T pop_front() noexcept REQUIRES(mu_) {
    assert(count_ > 0);
    T* slot = buf_ + head_;
    T v(std::move(*slot));
    std::destroy_at(slot);
    if (++head_ == capacity_) head_ = 0;
    --count_;
    size_.store(count_, std::memory_order_relaxed);
    return v;
  }

  // ---- non-blocking steps (REQUIRES(mu_))

  // kOk (v moved from), kClosed, or kFull.
  ChannelStatus try_send_locked(T& v) noexcept REQUIRES(mu_) {
    if (closed_.load(std::memory_order_relaxed)) return ChannelStatus::kClosed;
    if (RecvWaiter* r = recvq_.pop_front()) {  // invariant (2): the buffer is empty
      assert(count_ == 0);
      r->slot.emplace(std::move(v));
      complete(r, ChannelStatus::kOk);
      return ChannelStatus::kOk;
    }
    if (count_ < capacity_) {
      push_back(std::move(v));
      return ChannelStatus::kOk;
    }
    return ChannelStatus::kFull;
  }

  // Passes up to `limit` items to sink(T&&) in FIFO order; returns how many.
  template <class Sink>
  std::size_t take_locked(Sink&& sink, std::size_t limit) noexcept REQUIRES(mu_) {
    std::size_t n = 0;
    while (n < limit && count_ > 0) {
      sink(pop_front());
      ++n;
    }
    // Buffer empty (or limit reached): waiting senders come next in FIFO order.
    if (count_ == 0) {
      while (n < limit) {
        SendWaiter* s = sendq_.pop_front();
        if (s == nullptr) break;
        sink(std::move(*s->value));
        complete(s, ChannelStatus::kOk);
        ++n;
      }
    }
    // Refill freed slots from waiting senders, restoring invariant (2).
    while (count_ < capacity_) {
      SendWaiter* s = sendq_.pop_front();
      if (s == nullptr) break;
      push_back(std::move(*s->value));
      complete(s, ChannelStatus::kOk);
    }
    assert(sendq_.empty() || count_ == capacity_);
    return n;
  }

  // Blocks as waiter w (already queued on q) until it is completed or ctx
  // ends. REQUIRES: lock holds mu_.
  template <class W>
  static ChannelStatus wait_locked(UniqueLock& lock, W& w, WaitQueue<W>& q, const Context* ctx) {
    if (ctx == nullptr) {
      while (!w.done) w.cv.wait(lock.native());
      return w.status;
    }
    const std::optional<Context::Clock::time_point> deadline = ctx->deadline();
    while (!w.done) {
      if (const ContextError e = ctx->err(); e != ContextError::kNone) {
        q.remove(&w);  // invariant (4): not done, so still queued
        return channel_status(e);
      }
      if (deadline) {
        w.cv.wait_until(lock.native(), *deadline);
      } else {
        w.cv.wait(lock.native());
      }
    }
    return w.status;
  }

  // Registers a wake-up of `cv` for when ctx is cancelled. Called without mu_
  // (Context's lock rule); the callback takes mu_ so that it cannot slip
  // between a waiter's check of ctx and its wait.
  DoneRegistration wake_on_done(const Context& ctx, std::condition_variable* cv) {
    return ctx.on_done([this, cv] {
      MutexLock g(mu_);
      cv->notify_one();
    });
  }

  // ---- blocking operations

  SendManyResult send_impl(std::span<T> items, const Context* ctx) {
    if (ctx != nullptr) {
      if (const ContextError e = ctx->err(); e != ContextError::kNone) return {channel_status(e), 0};
    }
    // Destroyed in reverse order: lock (releases mu_), then reg, then w.
    std::optional<SendWaiter> w;
    DoneRegistration reg;
    bool registered = false;
    UniqueLock lock(mu_);
    std::size_t i = 0;
    while (i < items.size()) {
      ChannelStatus s = try_send_locked(items[i]);
      if (s == ChannelStatus::kOk) {
        ++i;
        continue;
      }
      if (s == ChannelStatus::kClosed) return {s, i};
      // Full: block for items[i].
      if (!w) w.emplace();
      if (ctx != nullptr && !registered && ctx->can_end()) {
        registered = true;
        lock.unlock();
        reg = wake_on_done(*ctx, &w->cv);
        lock.lock();
        continue;  // the channel may have changed meanwhile
      }
      w->reset(&items[i]);
      sendq_.push_back(&*w);
      s = wait_locked(lock, *w, sendq_, ctx);
      if (s != ChannelStatus::kOk) return {s, i};
      ++i;
    }
    return {ChannelStatus::kOk, i};
  }

  template <class Sink>
  ChannelStatus recv_impl(Sink&& sink, std::size_t limit, const Context* ctx) {
    static_assert(std::is_nothrow_invocable_v<Sink&, T&&>);
    if (ctx != nullptr) {
      if (const ContextError e = ctx->err(); e != ContextError::kNone) return channel_status(e);
    }
    // Destroyed in reverse order: lock (releases mu_), then reg, then w.
    std::optional<RecvWaiter> w;
    DoneRegistration reg;
    bool registered = false;
    UniqueLock lock(mu_);
    for (;;) {
      if (take_locked(sink, limit) > 0) return ChannelStatus::kOk;
      if (closed_.load(std::memory_order_relaxed)) return ChannelStatus::kClosed;
      // Empty: block.
      if (!w) w.emplace();
      if (ctx != nullptr && !registered && ctx->can_end()) {
        registered = true;
        lock.unlock();
        reg = wake_on_done(*ctx, &w->cv);
        lock.lock();
        continue;  // the channel may have changed meanwhile
      }
      w->reset();
      recvq_.push_back(&*w);
      const ChannelStatus s = wait_locked(lock, *w, recvq_, ctx);
      if (s != ChannelStatus::kOk) return s;
      sink(std::move(*w->slot));
      if (limit > 1) take_locked(sink, limit - 1);  // whatever arrived meanwhile
      return ChannelStatus::kOk;
    }
  }

  ChannelStatus recv_many_impl(std::vector<T>& out, std::size_t max, const Context* ctx) {
    assert(max >= 1);
    if (max == 0) max = 1;
    static constexpr std::size_t kUnbufferedTakeMax = 16;
    const std::size_t want = std::min(max, std::max(capacity_, kUnbufferedTakeMax));
    if (out.capacity() - out.size() < want) out.reserve(out.size() + want);  // before locking
    const std::size_t limit = std::min(max, out.capacity() - out.size());
    return recv_impl([&out](T&& v) noexcept { out.push_back(std::move(v)); }, limit, ctx);
  }

  const std::size_t capacity_;
  T* const buf_ PT_GUARDED_BY(mu_);  // capacity_ slots; [head_, head_ + count_) mod capacity_ are live

  mutable Mutex mu_;
  std::size_t head_ GUARDED_BY(mu_) = 0;
  std::size_t count_ GUARDED_BY(mu_) = 0;
  WaitQueue<SendWaiter> sendq_ GUARDED_BY(mu_);
  WaitQueue<RecvWaiter> recvq_ GUARDED_BY(mu_);
  std::atomic<bool> closed_{false};       // written under mu_; read lock-free by closed()
  std::atomic<std::size_t> size_{0};      // mirror of count_ for size_approx()
};

}  // namespace orderflow
