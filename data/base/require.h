#pragma once
// ORDERFLOW_REQUIRE(cond): checks a precondition that a header states as
// "REQUIRES: ...". On in Debug and sanitizer builds (no NDEBUG): a false
// condition prints the condition, file and line and aborts (tests check it
// with EXPECT_DEATH). Off in Release builds (NDEBUG): the condition is not
// evaluated, so it costs nothing on the hot path; it must have no side effects.
#include <cassert>

#define ORDERFLOW_REQUIRE(cond) assert((cond) && "REQUIRES")
