#pragma once
// CpuMeter: adds the CPU time the calling thread has used so far to a stage's
// total when it goes out of scope (made at the top of a stage's thread, so
// the total is that stage's CPU time). Thread-safe (relaxed atomic add).
#include <time.h>

#include <atomic>
#include <cstdint>

namespace orderflow {

// CPU time of the calling thread so far, in nanoseconds.
inline std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

class CpuMeter {
 public:
  explicit CpuMeter(std::atomic<std::uint64_t>& total) : total_(total) {}
  ~CpuMeter() { total_.fetch_add(thread_cpu_ns(), std::memory_order_relaxed); }
  CpuMeter(const CpuMeter&) = delete;
  CpuMeter& operator=(const CpuMeter&) = delete;

 private:
  std::atomic<std::uint64_t>& total_;
};

}  // namespace orderflow
