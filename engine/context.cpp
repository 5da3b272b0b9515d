// Context: the cancellation tree. See context.h for the contract.
//
// Invariants (each CancelScope S; "S.mu" guards what is not atomic or const):
// - S.state moves at most once, from a live value (0 or kLiveWithDeadline) to
//   kCancelled or kDeadlineExceeded, by a CAS; it is never written otherwise
//   after S is published. The CAS may happen without S.mu (err() noticing the
//   deadline) or under it (cancellation).
// - S.finished implies S has no children and no linked callbacks, and S.state
//   is ended once S.mu is released (cancel_locked ends the subtree bottom-up:
//   a context seen done implies its descendants are seen done). Once
//   finished, nothing is ever linked to S again: children are born ended and
//   callbacks run inline instead.
// - A child C is in S's child list iff C.linked (guarded by S.mu); then
//   C.parent_scope == &S. C keeps S alive through its parent_ chain, so C may
//   lock S.mu from its destructor. C unlinks itself on cancel and destruction;
//   S unlinks all children when it cancels them.
// - A DoneCallback is in S's callback list iff its state is kLinked. A linked
//   or claimed callback is kept alive by its DoneRegistration (whose reset()
//   must lock S.mu to get past), so the canceller may take a reference to it.
// - Lock order is top-down: S.mu before C.mu for a descendant C. Nothing locks
//   an ancestor while holding its own mu. Callbacks run with no mu held.
#include "engine/context.h"

#include <cassert>
#include <exception>

#include "engine/thread_annotations.h"

namespace orderflow {

const char* to_string(ContextError e) noexcept {
  switch (e) {
    case ContextError::kNone: return "none";
    case ContextError::kCancelled: return "cancelled";
    case ContextError::kDeadlineExceeded: return "deadline exceeded";
  }
  return "unknown";
}

namespace detail {

using Clock = std::chrono::steady_clock;
constexpr std::uint8_t kCancelledState = static_cast<std::uint8_t>(ContextError::kCancelled);
constexpr std::uint8_t kExpiredState = static_cast<std::uint8_t>(ContextError::kDeadlineExceeded);

class CancelScope;

struct DoneCallback : std::enable_shared_from_this<DoneCallback> {
  enum class State : std::uint8_t {
    kLinked,   // in owner's list, waiting for the end
    kClaimed,  // taken off the list by a canceller, not yet started
    kRunning,  // fn is running on `runner`
    kDone,     // fn has returned
    kRevoked,  // unregistered before it started: never runs
  };

  std::function<void()> fn;
  std::shared_ptr<CancelScope> owner;  // aliasing pointer; keeps the scope alive
  // Guarded by owner->mu (not annotated: CancelScope is not defined yet here,
  // so the analysis cannot name its mutex):
  State state = State::kLinked;
  DoneCallback* prev = nullptr;
  DoneCallback* next = nullptr;
  std::thread::id runner;
  // Owned by the claiming canceller only:
  DoneCallback* run_next = nullptr;
  std::shared_ptr<DoneCallback> keep_alive;
};

class CancelScope final : public ContextNode, public ScopeHead {
 public:
  CancelScope(std::shared_ptr<const ContextNode> parent, Clock::time_point deadline, bool can_end_arg) noexcept
      : ContextNode(std::move(parent), nullptr, nullptr),
        ScopeHead(deadline == Clock::time_point::max() ? 0 : kLiveWithDeadline, deadline),
        can_end(can_end_arg) {}

  ~CancelScope() {
    // A canceller holding the parent's lock may still be cancelling us (our
    // last reference went away meanwhile); once we get past the parent's lock
    // nobody else touches this scope.
    if (parent_scope != nullptr) parent_scope->remove_child(this);
    assert(first_cb == nullptr);  // every callback holds a reference to its scope
    assert(first_child == nullptr);  // every child holds a reference to its parent
  }

  // Records the end of this scope: the first cause wins; a cancel that comes
  // after the deadline passed (noticed or not) records kDeadlineExceeded.
  // Returns the recorded cause. Lock-free.
  ContextError end_with(ContextError cause) noexcept {
    std::uint8_t s = state.load(std::memory_order_acquire);
    for (;;) {
      if (s == kCancelledState || s == kExpiredState) return static_cast<ContextError>(s);
      const bool expired = s == kLiveWithDeadline && Clock::now() >= deadline;
      const std::uint8_t want = expired ? kExpiredState : static_cast<std::uint8_t>(cause);
      if (state.compare_exchange_weak(s, want, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return static_cast<ContextError>(want);
      }
    }
  }

  ContextError current_err() noexcept {
    const std::uint8_t s = state.load(std::memory_order_acquire);
    if (s != kLiveWithDeadline) return static_cast<ContextError>(s);
    return observe_deadline(this);
  }

  // Called once by with_deadline before the scope is published: links it to
  // `p`, or makes it born ended. Not analysed: until it is published nobody
  // else can reach this scope, so its own fields are written without its mu.
  void attach_to(CancelScope* p) NO_THREAD_SAFETY_ANALYSIS {
    if (state.load(std::memory_order_relaxed) == kLiveWithDeadline && Clock::now() >= deadline) {
      state.store(kExpiredState, std::memory_order_release);
      finished = true;
      return;
    }
    if (!p->can_end) return;  // nothing above can ever cancel us
    UniqueLock lock(p->mu);
    const ContextError pe = p->current_err();
    if (pe != ContextError::kNone) {
      lock.unlock();
      end_with(pe);
      finished = true;
      return;
    }
    assert(!p->finished);
    next_sibling = p->first_child;
    if (next_sibling != nullptr) next_sibling->prev_sibling = this;
    p->first_child = this;
    ++p->child_count;
    linked = true;
    parent_scope = p;
  }

  void remove_child(CancelScope* c) noexcept {
    MutexLock lock(mu);
    if (!c->linked) return;
    if (c->prev_sibling != nullptr) {
      c->prev_sibling->next_sibling = c->next_sibling;
    } else {
      first_child = c->next_sibling;
    }
    if (c->next_sibling != nullptr) c->next_sibling->prev_sibling = c->prev_sibling;
    c->prev_sibling = c->next_sibling = nullptr;
    c->linked = false;
    --child_count;
  }

  // Ends this scope and its subtree; claims their callbacks onto *run.
  // Returns false if it had already been done.
  // Descendants end before this scope's state changes, so anyone who sees a
  // context done (acquire) also sees all its descendants done.
  bool cancel_locked(ContextError cause, DoneCallback** run) noexcept REQUIRES(mu) {
    if (finished) return false;
    finished = true;
    const ContextError recorded = cause_if_ended_now(cause);
    for (CancelScope* c = first_child; c != nullptr;) {
      CancelScope* next = c->next_sibling;
      c->prev_sibling = c->next_sibling = nullptr;
      c->linked = false;
      {
        MutexLock child_lock(c->mu);
        c->cancel_locked(recorded, run);
      }
      c = next;
    }
    first_child = nullptr;
    child_count = 0;
    for (DoneCallback* cb = first_cb; cb != nullptr;) {
      DoneCallback* next = cb->next;
      cb->prev = cb->next = nullptr;
      cb->state = DoneCallback::State::kClaimed;
      cb->keep_alive = cb->shared_from_this();
      cb->run_next = *run;
      *run = cb;
      cb = next;
    }
    first_cb = nullptr;
    end_with(recorded);
    cv.notify_all();
    return true;
  }

  // The cause end_with(cause) would record if called now.
  ContextError cause_if_ended_now(ContextError cause) const noexcept {
    const std::uint8_t s = state.load(std::memory_order_acquire);
    if (s == kCancelledState || s == kExpiredState) return static_cast<ContextError>(s);
    if (s == kLiveWithDeadline && Clock::now() >= deadline) return ContextError::kDeadlineExceeded;
    return cause;
  }

  void cancel(ContextError cause) noexcept {
    DoneCallback* run = nullptr;
    {
      MutexLock lock(mu);
      if (!cancel_locked(cause, &run)) return;
    }
    if (parent_scope != nullptr) parent_scope->remove_child(this);
    run_callbacks(run);
  }

  static void run_callbacks(DoneCallback* run) noexcept {
    while (run != nullptr) {
      DoneCallback* cb = run;
      run = cb->run_next;
      const std::shared_ptr<DoneCallback> keep = std::move(cb->keep_alive);
      CancelScope* owner = cb->owner.get();
      {
        MutexLock lock(owner->mu);
        if (cb->state == DoneCallback::State::kRevoked) continue;
        assert(cb->state == DoneCallback::State::kClaimed);
        cb->state = DoneCallback::State::kRunning;
        cb->runner = std::this_thread::get_id();
      }
      cb->fn();  // noexcept context: a throwing callback terminates, as documented
      {
        MutexLock lock(owner->mu);
        cb->state = DoneCallback::State::kDone;
        owner->cv.notify_all();
      }
    }
  }

  const bool can_end;  // false only for background()
  Mutex mu;
  std::condition_variable cv;  // signalled when the scope ends and when a callback returns
  bool finished GUARDED_BY(mu) = false;
  CancelScope* first_child GUARDED_BY(mu) = nullptr;
  std::size_t child_count GUARDED_BY(mu) = 0;
  DoneCallback* first_cb GUARDED_BY(mu) = nullptr;
  // Links in the parent's child list, guarded by the parent's mu
  // (parent_scope->mu; not annotated: the parent locks its own mu to unlink a
  // child, which the analysis cannot tell is the same mutex). parent_scope
  // itself is written once, before the scope is published.
  CancelScope* parent_scope = nullptr;
  CancelScope* prev_sibling = nullptr;
  CancelScope* next_sibling = nullptr;
  bool linked = false;
};

CancelScope* as_scope(ScopeHead* h) noexcept { return static_cast<CancelScope*>(h); }

ContextError observe_deadline(ScopeHead* scope) noexcept {
  if (Clock::now() < scope->deadline) return ContextError::kNone;
  std::uint8_t s = ScopeHead::kLiveWithDeadline;
  if (scope->state.compare_exchange_strong(s, kExpiredState, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
    return ContextError::kDeadlineExceeded;
  }
  return static_cast<ContextError>(s);  // someone else ended it first
}

struct ContextAccess {
  static CancelScope* background_scope() noexcept {
    // Immortal: never destroyed, so background handles need no reference count.
    static CancelScope* const scope =
        new CancelScope(nullptr, Clock::time_point::max(), /*can_end_arg=*/false);
    return scope;
  }

  static Context background() noexcept {
    CancelScope* s = background_scope();
    // Aliasing constructor with an empty owner: a non-null pointer without a
    // control block, so copies do no atomic reference counting.
    return Context(std::shared_ptr<const ContextNode>(std::shared_ptr<const ContextNode>(), s), s);
  }

  static CancellableContext with_deadline(const Context& parent, Clock::time_point d) {
    CancelScope* p = as_scope(parent.scope_);
    const Clock::time_point effective = std::min(d, p->deadline);
    auto child = std::make_shared<CancelScope>(parent.node_, effective, /*can_end_arg=*/true);
    child->attach_to(p);
    CancelFunc cancel{std::weak_ptr<ScopeHead>(std::shared_ptr<ScopeHead>(child))};
    ScopeHead* head = child.get();
    return CancellableContext{Context(std::move(child), head), std::move(cancel)};
  }

  static void cancel(const CancelFunc& f) noexcept {
    if (std::shared_ptr<ScopeHead> s = f.scope_.lock()) as_scope(s.get())->cancel(ContextError::kCancelled);
  }
};

}  // namespace detail

using detail::CancelScope;
using detail::DoneCallback;

// ---- DoneRegistration

DoneRegistration& DoneRegistration::operator=(DoneRegistration&& other) noexcept {
  if (this != &other) {
    reset();
    cb_ = std::move(other.cb_);
  }
  return *this;
}

void DoneRegistration::reset() noexcept {
  if (!cb_) return;
  const std::shared_ptr<DoneCallback> cb = std::move(cb_);
  CancelScope* owner = cb->owner.get();
  UniqueLock lock(owner->mu);
  switch (cb->state) {
    case DoneCallback::State::kLinked:
      if (cb->prev != nullptr) {
        cb->prev->next = cb->next;
      } else {
        owner->first_cb = cb->next;
      }
      if (cb->next != nullptr) cb->next->prev = cb->prev;
      cb->prev = cb->next = nullptr;
      cb->state = DoneCallback::State::kRevoked;
      break;
    case DoneCallback::State::kClaimed:
      cb->state = DoneCallback::State::kRevoked;  // the canceller will skip it
      break;
    case DoneCallback::State::kRunning:
      // From inside the callback itself: do not wait for ourselves.
      if (cb->runner == std::this_thread::get_id()) break;
      owner->cv.wait(lock.native(), [&] { return cb->state == DoneCallback::State::kDone; });
      break;
    case DoneCallback::State::kDone:
    case DoneCallback::State::kRevoked:
      break;
  }
  // `lock` is released before `cb` (declared earlier) drops what may be the
  // last reference to the scope.
}

// ---- Context

Context::Context() noexcept : Context(detail::ContextAccess::background()) {}

Context Context::background() noexcept { return detail::ContextAccess::background(); }

std::optional<Context::Clock::time_point> Context::deadline() const noexcept {
  if (scope_->deadline == Clock::time_point::max()) return std::nullopt;
  return scope_->deadline;
}

bool Context::can_end() const noexcept { return detail::as_scope(scope_)->can_end; }

void Context::wait() const { wait_until(Clock::time_point::max()); }

bool Context::wait_until(Clock::time_point timeout_at) const {
  if (done()) return true;
  CancelScope* s = detail::as_scope(scope_);
  UniqueLock lock(s->mu);
  for (;;) {
    if (done()) return true;
    if (timeout_at != Clock::time_point::max() && Clock::now() >= timeout_at) return false;
    const Clock::time_point until = std::min(timeout_at, s->deadline);
    if (until == Clock::time_point::max()) {
      s->cv.wait(lock.native());
    } else {
      s->cv.wait_until(lock.native(), until);
    }
  }
}

DoneRegistration Context::on_done(std::function<void()> callback) const {
  CancelScope* s = detail::as_scope(scope_);
  if (!s->can_end) return DoneRegistration();
  auto cb = std::make_shared<DoneCallback>();
  cb->fn = std::move(callback);
  cb->owner = std::shared_ptr<CancelScope>(node_, s);
  {
    MutexLock lock(s->mu);
    if (!s->finished && s->current_err() == ContextError::kNone) {
      cb->next = s->first_cb;
      if (cb->next != nullptr) cb->next->prev = cb.get();
      s->first_cb = cb.get();
      return DoneRegistration(std::move(cb));
    }
  }
  cb->fn();  // already ended: run inline, with no lock held
  return DoneRegistration();
}

const void* Context::find_value(const void* key) const noexcept {
  for (const detail::ContextNode* n = node_.get(); n != nullptr; n = n->parent()) {
    if (n->key() == key) return n->value();
  }
  return nullptr;
}

std::size_t Context::child_count_for_testing() const {
  CancelScope* s = detail::as_scope(scope_);
  MutexLock lock(s->mu);
  return s->child_count;
}

// ---- CancelFunc and constructors

void CancelFunc::operator()() const noexcept { detail::ContextAccess::cancel(*this); }

CancellableContext with_cancel(const Context& parent) {
  return detail::ContextAccess::with_deadline(parent, Context::Clock::time_point::max());
}

CancellableContext with_deadline(const Context& parent, Context::Clock::time_point deadline) {
  return detail::ContextAccess::with_deadline(parent, deadline);
}

}  // namespace orderflow
