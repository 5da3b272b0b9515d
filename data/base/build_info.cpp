#include "data/base/build_info.h"

#include <zlib.h>
#include <zstd.h>
#ifdef ORDERFLOW_HAVE_SQLITE3
#include <sqlite3.h>
#endif

namespace orderflow {

std::vector<LibraryVersion> linked_library_versions() {
  std::vector<LibraryVersion> out;
#ifdef ORDERFLOW_HAVE_SQLITE3
  out.push_back({"SQLite", sqlite3_libversion()});
#endif
  out.push_back({"zlib", zlibVersion()});
  out.push_back({"zstd", ZSTD_versionString()});
  return out;
}

}  // namespace orderflow
