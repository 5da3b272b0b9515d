#include "engine/output_writer.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "data/base/file_io.h"

namespace orderflow {

bool OutputWriter::wait_writable() {
  constexpr int kSliceMs = 50;  // how often give_up is looked at while the reader is full
  int stalled_ms = 0;
  for (;;) {
    pollfd p = {fd_, POLLOUT, 0};
    int rc = ::poll(&p, 1, kSliceMs);
    if (rc > 0) return true;  // writable, or an error that write() reports
    if (rc < 0 && errno != EINTR) return true;
    if (!give_up_.done()) {
      stalled_ms = 0;
      continue;
    }
    stalled_ms += kSliceMs;
    if (stalled_ms >= kStalledMs) return false;
  }
}

bool OutputWriter::write(const char* p, std::size_t n) { return write_parts({std::string_view(p, n)}); }

bool OutputWriter::write_parts(const std::vector<std::string_view>& parts) {
  if (closed_ || abandoned_ || !status_.ok()) return false;
  if (fd_ < 0) return true;
  const int err = write_all(fd_, parts, [this] { return wait_writable(); }, &written_);
  if (err == 0) return true;
  if (err == EAGAIN) {
    abandoned_ = true;  // the reader stopped reading, and give_up is done
  } else if (err == EPIPE) {
    closed_ = true;
  } else {
    status_ = Status::IOError("cannot write " + what_ + " to " + name_ + ": " + errno_text(err));
  }
  return false;
}

}  // namespace orderflow
