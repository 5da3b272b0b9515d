#pragma once
// Clang's thread-safety analysis (-Wthread-safety), checked by `make tsa`:
// which mutex guards which data, and which functions must hold it, written so
// that the compiler checks them instead of comments stating them.
//
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_) = 0;            // read or written only with mu_ held
//   void bump_locked() REQUIRES(mu_);           // callers must hold mu_
//   void bump() { MutexLock lock(mu_); bump_locked(); }
//
// Mutex is a std::mutex the analysis knows about (libstdc++'s is not
// annotated); MutexLock holds one for a scope (std::lock_guard), UniqueLock
// also unlocks and relocks and hands std::condition_variable the
// std::unique_lock it waits with (native()). A wait releases and retakes the
// mutex inside the call, so to the analysis the mutex stays held throughout.
// Under GCC the macros are empty and the classes are the std ones, inlined:
// no cost and no change of behaviour.
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define OF_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define OF_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) OF_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY OF_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) OF_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) OF_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) OF_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) OF_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) OF_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) OF_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS OF_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace orderflow {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  // The std::mutex itself, for std::unique_lock (UniqueLock uses it).
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

// std::lock_guard<std::mutex> for a Mutex.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// std::unique_lock<std::mutex> for a Mutex: locked from construction, may be
// unlocked and locked again, released at the end of its scope if held.
class SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.native()) {}
  ~UniqueLock() RELEASE() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;
  void lock() ACQUIRE() { lock_.lock(); }
  void unlock() RELEASE() { lock_.unlock(); }
  // What std::condition_variable::wait*() takes.
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace orderflow
