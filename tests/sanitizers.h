#pragma once
// Which sanitizer the test binary is built with (GCC defines __SANITIZE_*__,
// clang answers __has_feature). Tests use these to shrink stress loads under
// ThreadSanitizer and to widen memory bounds under any sanitizer; never to
// skip a check.
#if defined(__SANITIZE_THREAD__)
#define ORDERFLOW_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ORDERFLOW_TSAN 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ORDERFLOW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORDERFLOW_ASAN 1
#endif
#endif

namespace orderflow::testing {

#ifdef ORDERFLOW_TSAN
inline constexpr bool kUnderTsan = true;
#else
inline constexpr bool kUnderTsan = false;
#endif

#if defined(ORDERFLOW_TSAN) || defined(ORDERFLOW_ASAN)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace orderflow::testing
