#pragma once
// Whole-file reads and atomic whole-file writes, with errors as Status values
// whose messages name the file and the system's reason.
#include <string>

#include "data/base/status.h"

namespace orderflow {

// Reads all of `path` ("-" is not special here). Fails on directories.
Result<std::string> read_file(const std::string& path);

// Writes `bytes` to a temporary file in the same folder as `path`, flushes it
// to disk, then renames it over `path`: a reader sees the old file or the new
// one, never half of one, and a failed write leaves the old file untouched.
// A `path` that exists and is not a regular file (a device such as /dev/stdout,
// a FIFO) is written in place instead: a rename would replace it.
Status write_file_atomically(const std::string& path, const std::string& bytes);

// "No such file or directory" for errno values; thread-safe (strerror_r).
std::string errno_text(int err);

}  // namespace orderflow
