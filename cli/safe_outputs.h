#pragma once
// Safe outputs for `process` (SPEC.md "Outputs are safe"): every output is
// checked before the first record is read, FIFOs are opened without blocking
// outside the run's context, and --stock-out is guarded by an advisory lock.
//
// Nothing here prints; errors are Status values naming the file. Not
// thread-safe: used by the thread that runs the command.
#include <string>
#include <vector>

#include "data/base/status.h"
#include "engine/context.h"

namespace orderflow {

struct OutputChoice {
  std::string flag;  // "-o", "--summary", "--stock-out"
  std::string path;  // "-" is standard output; empty: not asked for
};

// The usage errors of SPEC.md: an output in a missing folder, one that cannot
// be written, a folder, or one that is the same file as an input (or the
// catalog, for -o and --summary) or as another output. Files are compared by
// device and inode with symbolic links followed (an output that does not
// exist yet by its folder's and its own name). `-` names standard output,
// which is compared with the inputs when it is a regular file; `-` inputs
// likewise mean standard input. Devices such as /dev/null may be named by
// several outputs.
Status check_outputs(const std::vector<std::string>& inputs, const std::string& catalog,
                     const std::vector<OutputChoice>& outputs);

// How a wait for something outside ended.
enum class WaitEnd : unsigned char { kReady, kStopped, kFailed };

// Opens `path` for writing without blocking outside `until`: a FIFO is opened
// once it has a reader (retried every few milliseconds; `until` ending stops
// the wait), anything else at once (`truncate`: O_TRUNC, created 0666).
// kReady sets *fd; kFailed sets *error.
WaitEnd open_output(const std::string& path, bool truncate, const Context& until, int* fd, Status* error);

// An advisory lock (flock) on --stock-out's target, held while the catalog is
// read and until the new stock file has replaced it, so that two runs on one
// stock file serialise. The rename replaces the inode, so after locking, the
// path is checked to still name the locked file (else it locks the new one).
// A target that does not exist yet is not locked (there is no stock to lose).
class StockLock {
 public:
  StockLock() = default;
  ~StockLock();
  StockLock(const StockLock&) = delete;
  StockLock& operator=(const StockLock&) = delete;

  // Waits for the lock until `until` ends (kStopped); with `no_wait` a held
  // lock is kFailed at once with a clear error.
  WaitEnd acquire(const std::string& path, bool no_wait, const Context& until, Status* error);

 private:
  int fd_ = -1;
};

// While it lives, a pipe, FIFO or socket at `fd` is non-blocking, so a write to
// a reader that stopped reading can be given up (engine/output_writer.h).
// Restores the old flags (the descriptor may be shared with other processes).
class NonBlockingFd {
 public:
  explicit NonBlockingFd(int fd);
  ~NonBlockingFd();
  NonBlockingFd(const NonBlockingFd&) = delete;
  NonBlockingFd& operator=(const NonBlockingFd&) = delete;

 private:
  int fd_ = -1;
  int old_flags_ = -1;
};

}  // namespace orderflow
