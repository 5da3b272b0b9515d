#include "engine/output_writer.h"

#include <unistd.h>

#include <cerrno>

#include "data/file_io.h"

namespace orderflow {

bool OutputWriter::write(const char* p, std::size_t n) {
  if (closed_ || !status_.ok()) return false;
  if (fd_ < 0) return true;
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) {
        closed_ = true;
        return false;
      }
      status_ = Status::IOError("cannot write results to " + name_ + ": " + errno_text(errno));
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    written_ += static_cast<std::uint64_t>(w);
  }
  return true;
}

}  // namespace orderflow
