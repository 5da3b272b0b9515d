#pragma once
// InputSource: one input of a run, as the reader sees it. A value type.
#include <string>

namespace orderflow {

struct InputSource {
  std::string name;  // as named in error texts and `resume` ("-" for stdin)
  int fd = -1;       // open for reading; not closed by the pipeline
};

}  // namespace orderflow
