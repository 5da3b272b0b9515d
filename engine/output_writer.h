#pragma once
// OutputWriter: writes results to a file descriptor in large chunks.
//
// A reader that went away (EPIPE, e.g. `| head -1`) is not an error: closed()
// turns true and further writes are dropped, so the run can stop quietly. Any
// other write failure is a Status naming the output. Blocks while the reader
// is slow, for ever on a blocking descriptor (see the constructor). Requires SIGPIPE to be
// ignored by the process (cli/ does that). Not thread-safe: one writer thread.
#include <string>
#include <string_view>
#include <vector>

#include "data/base/status.h"
#include "engine/context.h"

namespace orderflow {

class OutputWriter {
 public:
  // `fd` < 0: discard everything (-o none). `name` and `what` appear in error
  // messages: "cannot write <what> to <name>: <reason>".
  // A non-blocking `fd` (a pipe or FIFO, see cli/safe_outputs.h) that is
  // full is waited for with poll(); once `give_up` has ended, a reader that
  // takes no byte for kStalledMs is given up: abandoned() turns true and
  // further writes are dropped, like a closed one.
  OutputWriter(int fd, std::string name, std::string what = "results", Context give_up = Context::background())
      : fd_(fd), name_(std::move(name)), what_(std::move(what)), give_up_(std::move(give_up)) {}
  static constexpr int kStalledMs = 1000;

  // Writes all of `bytes`. Returns false once the output is closed or failed.
  bool write(const char* bytes, std::size_t n);
  bool write(const std::string& s) { return write(s.data(), s.size()); }
  // Writes the parts one after the other with as few writev() calls as it can
  // (no copying them together first). Same result as writing each in turn.
  bool write_parts(const std::vector<std::string_view>& parts);

  bool closed() const { return closed_; }
  bool abandoned() const { return abandoned_; }
  const Status& status() const { return status_; }
  std::uint64_t bytes_written() const { return written_; }

 private:
  // Waits until fd_ takes bytes again; false when the reader is given up.
  bool wait_writable();

  int fd_;
  std::string name_;
  std::string what_;
  Context give_up_;
  bool closed_ = false;
  bool abandoned_ = false;
  Status status_;
  std::uint64_t written_ = 0;
};

}  // namespace orderflow
