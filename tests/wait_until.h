#pragma once
// wait_until: polls a condition a test waits for, with a hang guard (a hang
// is a failure, never a speed check).
#include <chrono>
#include <thread>

namespace orderflow::testing {

// Polls `done` every 5 ms until it holds (true) or `guard` has passed (false).
template <class F>
bool wait_until(F&& done, std::chrono::steady_clock::duration guard = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + guard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace orderflow::testing
