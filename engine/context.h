#pragma once
// Context: Go's context.Context — a tree of cancellation scopes with deadlines
// and values, carried by every blocking call in the engine.
//
// A Context is a cheap, copyable handle (one shared_ptr plus one raw pointer) to
// a node of the tree. Context::background() (also the default-constructed
// Context) is the root: it is never cancelled, has no deadline and no values.
//
//   auto [ctx, cancel] = with_timeout(parent, std::chrono::seconds(5));
//   if (ch.recv(batch, ctx) == ChannelStatus::kDeadlineExceeded) ...
//   cancel();   // releases the child: it leaves its parent's child list
//
// Contract
// - Thread-safe: every member function and free function below may be called
//   concurrently on the same or different Context/CancelFunc objects. A single
//   Context *object* is like a shared_ptr: copy it rather than assigning to one
//   object from several threads.
// - Cancellation flows down, never up: cancelling a context cancels all of its
//   descendants before cancel() returns, and ends them before itself, so a
//   thread that sees a context done also sees every descendant done. A parent
//   never learns of a child's cancellation (apart from forgetting the child).
// - err() is sticky: it is kNone until the context ends and then keeps the first
//   cause for ever (kCancelled, or kDeadlineExceeded). A child of a context that
//   has already ended is born ended, with the parent's cause.
// - A deadline is the min of the one asked for and the parent's. Expiry needs no
//   timer thread: err()/done() compare the clock with the deadline, and every
//   blocking wait here (and in Channel) sleeps no longer than the deadline.
// - Memory: a child is linked into its parent only while it is live and
//   referenced; it unlinks itself when it is cancelled (by its CancelFunc or by
//   its parent) and when its last handle (Context copy, descendant, or
//   DoneRegistration) goes away. So a long run that creates one child per order
//   keeps the parent's child list at the number of *live* children. Children of
//   background() are never linked anywhere (nothing can cancel them from above).
// - Cost: err()/done() on a live context without a deadline is one atomic load
//   (acquire). With a deadline it also reads the steady clock. with_value() does
//   one allocation and takes no lock; with_cancel() does one allocation and
//   locks the parent once (and again when the child unlinks).
// - No timer thread: on_done() callbacks run when the context is *cancelled*
//   (its CancelFunc, or an ancestor's), or at once when registered on a context
//   that has already ended. The passing of a deadline alone does not run them;
//   code that must wake at the deadline waits with a timeout of deadline(), as
//   Context::wait*() and Channel do. Calling the CancelFunc after the deadline
//   passed runs them (err() stays kDeadlineExceeded) — always call it.
//
// Lock order (for code that mixes Context with its own locks, e.g. Channel):
// - err(), done(), deadline(), value() never lock and never run callbacks: they
//   may be called while holding any lock.
// - on_done() callbacks run with no Context lock held, on the cancelling thread
//   (or inline in on_done() if the context has already ended). A callback may
//   take the caller's own mutex M only if nobody calls on_done(), destroys or
//   reset()s a DoneRegistration, or calls a CancelFunc while holding M:
//   DoneRegistration's destructor blocks until a callback that is running on
//   another thread has returned.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace orderflow {

// Why a context ended. kNone while it is live.
enum class ContextError : std::uint8_t { kNone = 0, kCancelled = 1, kDeadlineExceeded = 2 };

// "none", "cancelled" or "deadline exceeded". Never allocates.
const char* to_string(ContextError e) noexcept;

// A typed key for with_value()/Context::value(). A key is identified by its
// address, not its name (the name is only for diagnostics), so two keys never
// collide and the value's type is checked by the compiler. Define keys as
// namespace-scope `inline const` objects in a header, e.g.
//   inline const ContextKey<std::uint64_t> kOrderSeqKey{"order.seq"};
// REQUIRES: a key outlives every context that holds a value under it.
template <class T>
class ContextKey {
 public:
  static_assert(std::is_same_v<T, std::decay_t<T>>, "ContextKey<T>: T must be a plain value type");
  constexpr explicit ContextKey(const char* name) noexcept : name_(name) {}
  ContextKey(const ContextKey&) = delete;
  ContextKey& operator=(const ContextKey&) = delete;
  constexpr const char* name() const noexcept { return name_; }

 private:
  const char* name_;
};

namespace detail {

struct DoneCallback;
struct ContextAccess;

// The part of a cancellation scope that Context::err() reads inline; the rest
// (locks, children, callbacks) is CancelScope in context.cpp.
struct ScopeHead {
  // `state` holds a ContextError value once ended, or one of the live states:
  // 0 (== kNone) live without a deadline, kLiveWithDeadline live with one.
  // It changes at most once, from a live state to kCancelled/kDeadlineExceeded.
  static constexpr std::uint8_t kLiveWithDeadline = 3;

  ScopeHead(std::uint8_t initial, std::chrono::steady_clock::time_point d) noexcept
      : state(initial), deadline(d) {}

  std::atomic<std::uint8_t> state;
  const std::chrono::steady_clock::time_point deadline;  // effective deadline; max() if none
};

// Slow path of Context::err() for a live scope with a deadline: reads the clock
// and, if the deadline passed, records kDeadlineExceeded (first cause wins).
ContextError observe_deadline(ScopeHead* scope) noexcept;

// A node of the context tree. Immutable after construction. Nodes are either
// cancellation scopes (CancelScope: background, with_cancel, with_deadline) or
// value nodes (with_value), which share their nearest scope.
class ContextNode {
 public:
  ContextNode(std::shared_ptr<const ContextNode> parent, const void* key, const void* value) noexcept
      : parent_(std::move(parent)), key_(key), value_(value) {}
  ContextNode(const ContextNode&) = delete;
  ContextNode& operator=(const ContextNode&) = delete;

  const ContextNode* parent() const noexcept { return parent_.get(); }
  const void* key() const noexcept { return key_; }
  const void* value() const noexcept { return value_; }

 protected:
  ~ContextNode() = default;  // destroyed through shared_ptr's control block only
  void set_value(const void* value) noexcept { value_ = value; }

 private:
  std::shared_ptr<const ContextNode> parent_;  // keeps ancestors (and their scopes) alive
  const void* key_;                            // null for scopes
  const void* value_;
};

template <class T>
class ValueNode final : public ContextNode {
 public:
  template <class U>
  ValueNode(std::shared_ptr<const ContextNode> parent, const void* key, U&& v)
      : ContextNode(std::move(parent), key, nullptr), stored_(std::forward<U>(v)) {
    set_value(&stored_);
  }

 private:
  const T stored_;
};

}  // namespace detail

// Unregisters an on_done() callback when destroyed. Move-only. Empty (nothing
// to unregister) when default-constructed, moved from, or when the callback ran
// inline at registration.
// Thread-compatible: one registration object is owned by one thread.
class DoneRegistration {
 public:
  DoneRegistration() noexcept = default;
  DoneRegistration(DoneRegistration&& other) noexcept : cb_(std::move(other.cb_)) {}
  DoneRegistration& operator=(DoneRegistration&& other) noexcept;
  DoneRegistration(const DoneRegistration&) = delete;
  DoneRegistration& operator=(const DoneRegistration&) = delete;
  ~DoneRegistration() { reset(); }

  // Unregisters: afterwards the callback has either run to completion or will
  // never run. Blocks while the callback is running on another thread (never
  // when called from inside the callback itself). Never throws.
  void reset() noexcept;

  // True while a callback is registered and has not been reset.
  explicit operator bool() const noexcept { return cb_ != nullptr; }

 private:
  friend class Context;
  explicit DoneRegistration(std::shared_ptr<detail::DoneCallback> cb) noexcept : cb_(std::move(cb)) {}
  std::shared_ptr<detail::DoneCallback> cb_;
};

class Context {
 public:
  using Clock = std::chrono::steady_clock;

  // The background context. Never blocks, never allocates.
  Context() noexcept;
  // The root of every tree: never cancelled, no deadline, no values.
  // Copies of it cost no reference counting.
  static Context background() noexcept;

  // kNone while live; afterwards the first cause, for ever. Never blocks,
  // never locks, never runs callbacks. One atomic load when the context has no
  // deadline; with one, a clock read too (expiry is recorded here if this is
  // the first call to notice it).
  ContextError err() const noexcept {
    const std::uint8_t s = scope_->state.load(std::memory_order_acquire);
    if (s != detail::ScopeHead::kLiveWithDeadline) [[likely]] return static_cast<ContextError>(s);
    return detail::observe_deadline(scope_);
  }

  // err() != kNone. Same cost.
  bool done() const noexcept { return err() != ContextError::kNone; }

  // The effective deadline (min of this context's and its ancestors'), if any.
  // Never blocks.
  std::optional<Clock::time_point> deadline() const noexcept;

  // True if this context can ever end (it or an ancestor has a CancelFunc or a
  // deadline); false for background() and value contexts under it.
  bool can_end() const noexcept;

  // Blocks until the context ends (for ever for background()).
  void wait() const;
  // Blocks until the context ends or `timeout_at` passes, whichever is first.
  // Returns done().
  bool wait_until(Clock::time_point timeout_at) const;
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return wait_until(saturating_add(Clock::now(), timeout));
  }

  // Registers `callback` to run once when this context is cancelled (see the
  // file comment: not merely because the deadline passed). If the context has
  // already ended, runs it inline before returning and returns an empty
  // registration. The callback runs at most once, with no Context lock held,
  // possibly on another thread; it must not throw (std::terminate) and should
  // be short (it delays the canceller). Destroying the returned registration
  // unregisters it. For a context that can never end, returns an empty
  // registration without storing the callback. Thread-safe; never blocks
  // except on this context's internal lock.
  [[nodiscard]] DoneRegistration on_done(std::function<void()> callback) const;

  // The value stored under `key` by the nearest with_value() ancestor (or this
  // context), or nullptr. The pointer stays valid while any handle to this
  // context lives. Never blocks, never locks; O(depth of the tree).
  template <class T>
  const T* value(const ContextKey<T>& key) const noexcept {
    return static_cast<const T*>(find_value(&key));
  }

  // Number of children currently linked to this context's scope. For tests.
  std::size_t child_count_for_testing() const;

  // True if both handles name the same node.
  friend bool operator==(const Context& a, const Context& b) noexcept { return a.node_ == b.node_; }

  // t + d, clamped to [t, max()]: a negative d gives t, a huge one max().
  template <class Rep, class Period>
  static Clock::time_point saturating_add(Clock::time_point t, std::chrono::duration<Rep, Period> d) {
    using Fd = std::chrono::duration<double, Clock::period>;
    const Fd room = Clock::time_point::max() - t;
    const Fd want = std::chrono::duration_cast<Fd>(d);
    if (want >= room) return Clock::time_point::max();
    if (want <= Fd::zero()) return t;
    return t + std::chrono::duration_cast<Clock::duration>(d);
  }

 private:
  friend struct detail::ContextAccess;
  template <class T, class U>
  friend Context with_value(const Context& parent, const ContextKey<T>& key, U&& value);

  Context(std::shared_ptr<const detail::ContextNode> node, detail::ScopeHead* scope) noexcept
      : node_(std::move(node)), scope_(scope) {}
  const void* find_value(const void* key) const noexcept;

  std::shared_ptr<const detail::ContextNode> node_;  // never null
  detail::ScopeHead* scope_;  // the scope of node_ (itself or its nearest scope ancestor); never null
};

// Cancels the context it came from (kCancelled, unless it already ended or its
// deadline already passed), all its descendants, runs their on_done callbacks,
// and unlinks it from its parent. Idempotent: later calls do nothing.
// Copyable; holds only a weak reference (it does not keep the context alive).
// Thread-safe. Blocks only on context-internal locks and while this call runs
// on_done callbacks. A default-constructed CancelFunc does nothing.
class CancelFunc {
 public:
  CancelFunc() noexcept = default;
  void operator()() const noexcept;

 private:
  friend struct detail::ContextAccess;
  explicit CancelFunc(std::weak_ptr<detail::ScopeHead> scope) noexcept : scope_(std::move(scope)) {}
  std::weak_ptr<detail::ScopeHead> scope_;
};

// What with_cancel/with_deadline/with_timeout return; use structured bindings:
//   auto [ctx, cancel] = with_cancel(parent);
struct CancellableContext {
  Context ctx;
  CancelFunc cancel;
};

// A child of `parent` that ends when cancel() is called or when parent ends.
// Thread-safe. Blocks only on the parent's internal lock.
CancellableContext with_cancel(const Context& parent);

// Like with_cancel, and also ends (kDeadlineExceeded) at `deadline`, or at the
// parent's deadline if that is earlier. A deadline already in the past gives a
// context born ended. time_point::max() means no deadline of its own.
CancellableContext with_deadline(const Context& parent, Context::Clock::time_point deadline);

// with_deadline(parent, now + timeout) (saturating: a huge timeout is none).
template <class Rep, class Period>
CancellableContext with_timeout(const Context& parent, std::chrono::duration<Rep, Period> timeout) {
  return with_deadline(parent, Context::saturating_add(Context::Clock::now(), timeout));
}

// A child of `parent` carrying `value` under `key`; it ends exactly when
// parent ends (it shares the parent's scope: no lock, no link). One allocation.
// Lookups through Context::value() find the nearest ancestor's value.
template <class T, class U>
Context with_value(const Context& parent, const ContextKey<T>& key, U&& value) {
  static_assert(std::is_constructible_v<T, U&&>, "with_value: value is not convertible to the key's type");
  auto node = std::make_shared<detail::ValueNode<T>>(parent.node_, &key, std::forward<U>(value));
  return Context(std::move(node), parent.scope_);
}

}  // namespace orderflow
