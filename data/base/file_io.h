#pragma once
// Whole-file reads and atomic whole-file writes, with errors as Status values
// whose messages name the file and the system's reason.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "data/base/status.h"

namespace orderflow {

// The one retrying write loop. Writes all `size` bytes of `data` to `fd`,
// going on after EINTR and after partial writes. When `fd` is non-blocking
// and full (EAGAIN) it calls `when_full`: true once `fd` may be written
// again (write_all retries), false to give up (write_all fails with EAGAIN).
// An empty `when_full` waits in poll(POLLOUT) as long as it takes, as a
// blocking write would. Blocks the calling thread; thread-safe as far as
// the descriptor is (two writers to one fd interleave their bytes).
// Returns 0 when every byte was written, else the errno of the failure
// (EPIPE: the reader went away), which errno also holds.
using WhenFull = std::function<bool()>;
int write_all(int fd, const char* data, std::size_t size, const WhenFull& when_full = {});
// The same for several buffers, in order, with one writev() per up to 512 of
// them. `written`, when not null, grows by every byte written (a failure
// included: what was written before it).
int write_all(int fd, std::span<const std::string_view> parts, const WhenFull& when_full = {},
              std::uint64_t* written = nullptr);
// write_all(fd, text.data(), text.size()) == 0: true when all of `text` was
// written; on false, errno says why.
inline bool write_all(int fd, std::string_view text) { return write_all(fd, text.data(), text.size()) == 0; }

// Reads all of `path` ("-" is not special here). Fails on directories.
Result<std::string> read_file(const std::string& path);

// Writes `bytes` to a temporary file in the same folder as `path`, flushes it
// to disk, then renames it over `path`: a reader sees the old file or the new
// one, never half of one, and a failed write leaves the old file untouched.
// A `path` that exists and is not a regular file (a device such as /dev/stdout,
// a FIFO) is written in place instead: a rename would replace it.
// A symbolic link is followed: its final target is replaced (atomically
// there), and the link stays a link.
Status write_file_atomically(const std::string& path, const std::string& bytes);

// write_file_atomically in two steps, so that the rename (the only step that
// makes the new file visible) can come after everything else a run writes:
// prepare() writes and flushes the temporary file, commit() renames it over
// the target. Destroying an uncommitted file removes the temporary one.
// Not thread-safe; one object per file.
class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status prepare(const std::string& path, const std::string& bytes);
  // REQUIRES: prepare() returned ok.
  Status commit();

 private:
  std::string path_;    // as the caller named it (for messages)
  std::string target_;  // the file that is replaced (symbolic links followed)
  std::string tmp_;     // the temporary file, while it exists
  bool in_place_ = false;
  std::string bytes_;   // in place: written at commit
};

// `path` with its symbolic links followed to the final target, which need not
// exist (a dangling link gives the path it points to). At most 40 links.
std::string follow_symlinks(const std::string& path);

// "No such file or directory" for errno values; thread-safe (strerror_r).
std::string errno_text(int err);

}  // namespace orderflow
