// libFuzzer target: the json_array record path (framer, decoder, ledger, result
// formatter) on arbitrary bytes; the invariants are in tests/fuzz/fuzz_common.h.
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  orderflow::fuzz::check_records(orderflow::InputFormat::kJsonArray, data, size);
  return 0;
}
