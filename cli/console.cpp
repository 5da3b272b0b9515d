#include "cli/console.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace orderflow {

bool write_all(int fd, std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size();
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        // A descriptor shared with a non-blocking stdout (`2>&1 |`, see
        // cli/safe_outputs.h NonBlockingFd): wait as a blocking write would.
        pollfd p = {fd, POLLOUT, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void print_error(std::string_view message) {
  write_all(2, "orderflow: error: " + std::string(message) + "\n");
}

void print_warning(std::string_view message) {
  write_all(2, "orderflow: warning: " + std::string(message) + "\n");
}

}  // namespace orderflow
