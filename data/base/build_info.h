#pragma once
// The versions of the C libraries linked into the program (zlib, libzstd, and
// SQLite when the build has it), as the libraries themselves report them at
// run time. Thread-safe; no allocation beyond the returned strings.
#include <string>
#include <vector>

namespace orderflow {

struct LibraryVersion {
  std::string name;     // "zlib"
  std::string version;  // "1.2.13"
};

std::vector<LibraryVersion> linked_library_versions();

}  // namespace orderflow
