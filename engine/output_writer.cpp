#include "engine/output_writer.h"

#include <poll.h>
#include <sys/uio.h>
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
  constexpr std::size_t kIovMax = 512;  // well under IOV_MAX (1024 on Linux)
  std::vector<iovec> iov;
  iov.reserve(std::min(parts.size(), kIovMax));
  std::size_t next = 0;  // first part not yet in `iov`
  while (next < parts.size() || !iov.empty()) {
    while (next < parts.size() && iov.size() < kIovMax) {
      if (!parts[next].empty()) iov.push_back({const_cast<char*>(parts[next].data()), parts[next].size()});
      ++next;
    }
    if (iov.empty()) break;
    ssize_t w = ::writev(fd_, iov.data(), static_cast<int>(iov.size()));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && wait_writable()) continue;
      if (errno == EAGAIN) {
        abandoned_ = true;
        return false;
      }
      if (errno == EPIPE) {
        closed_ = true;
        return false;
      }
      status_ = Status::IOError("cannot write " + what_ + " to " + name_ + ": " + errno_text(errno));
      return false;
    }
    written_ += static_cast<std::uint64_t>(w);
    // Drop what was written; a partly written part stays, shortened.
    auto done = static_cast<std::size_t>(w);
    std::size_t k = 0;
    while (k < iov.size() && done >= iov[k].iov_len) done -= iov[k++].iov_len;
    if (k < iov.size()) {
      iov[k].iov_base = static_cast<char*>(iov[k].iov_base) + done;
      iov[k].iov_len -= done;
    }
    iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return true;
}

}  // namespace orderflow
