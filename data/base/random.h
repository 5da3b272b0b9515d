#pragma once
// Rng: reproducible random numbers — the same seed gives the same draws with
// every compiler, standard library and machine.
//
// The engine is std::mt19937_64, whose output sequence the C++ standard fixes
// exactly. The standard's *distributions* (uniform_int_distribution, ...) are
// not fixed and differ between libstdc++, libc++ and MSVC, so every draw here
// is our own arithmetic on the engine's 64-bit outputs:
//   below(n)  Lemire's multiply-shift with rejection: exactly uniform, and
//             almost always one engine output per draw;
//   unit()    the top 53 bits as a double in [0, 1): exact IEEE arithmetic.
// Every draw consumes at least one engine output, even a trivial one
// (below(1)), so the number of draws a caller makes is the only thing that
// decides where the sequence goes next.
//
// Thread-compatible: one Rng per thread. Never allocates.
#include <cstdint>
#include <random>
#include <utility>

namespace orderflow {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // The engine's next raw 64-bit output.
  std::uint64_t next_u64() { return engine_(); }

  // Uniform in [0, range). REQUIRES: range >= 1.
  std::uint64_t below(std::uint64_t range) {
    unsigned __int128 m = static_cast<unsigned __int128>(engine_()) * range;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < range) {
      // Reject the 2^64 mod range lowest products so every result is equally likely.
      const std::uint64_t threshold = (0 - range) % range;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(engine_()) * range;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Two independent uniform draws, in [0, a) and [0, b), from one engine output
  // (its high and low 32 bits, each by multiply-shift with rejection: exactly
  // uniform). REQUIRES: 1 <= a, b <= 2^32.
  std::pair<std::uint32_t, std::uint32_t> below_pair(std::uint64_t a, std::uint64_t b) {
    for (;;) {
      const std::uint64_t x = engine_();
      const std::uint64_t ma = (x >> 32) * a;
      const std::uint64_t mb = (x & 0xFFFFFFFFu) * b;
      // Reject the 2^32 mod n lowest products of either half.
      if ((static_cast<std::uint32_t>(ma) < a && static_cast<std::uint32_t>(ma) < (0x100000000u - a) % a) ||
          (static_cast<std::uint32_t>(mb) < b && static_cast<std::uint32_t>(mb) < (0x100000000u - b) % b))
        continue;
      return {static_cast<std::uint32_t>(ma >> 32), static_cast<std::uint32_t>(mb >> 32)};
    }
  }

  // Uniform in [0, 1): a multiple of 2^-53.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // True with probability p: never for p <= 0, always for p >= 1.
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace orderflow
