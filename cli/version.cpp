// The program's version (set by CMake from project(VERSION)) and what it was
// built with, for --version and bug reports.
#include <CLI/Version.hpp>
#include <rapidjson/rapidjson.h>

#include <string>

#include "cli/command.h"
#include "data/base/build_info.h"

namespace orderflow {

const char* version() { return ORDERFLOW_VERSION; }

std::string version_text() {
  std::string text = std::string("orderflow ") + version() + "\n";
#if defined(__clang__)
  text += "compiler: clang " __clang_version__ "\n";
#elif defined(__GNUC__)
  text += "compiler: GCC " __VERSION__ "\n";
#endif
  text += "C++: " + std::to_string(__cplusplus) + "\n";
  text += "CLI11: " CLI11_VERSION "\n";
  text += "RapidJSON: " RAPIDJSON_VERSION_STRING "\n";
  for (const LibraryVersion& lib : linked_library_versions()) text += lib.name + ": " + lib.version + "\n";
  return text;
}

}  // namespace orderflow
