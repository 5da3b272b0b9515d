// libFuzzer target: the catalog loader (--catalog FILE) on arbitrary bytes; the
// invariants are in tests/fuzz/fuzz_common.h (check_catalog).
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  orderflow::fuzz::check_catalog(data, size);
  return 0;
}
