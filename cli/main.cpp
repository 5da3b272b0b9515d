// orderflow: a command-line batch order processor. All the work is in run_cli.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "cli/command.h"
#include "cli/signals.h"

namespace {

// A standard descriptor that the caller closed (`orderflow process <&-`) must
// not be reused by the first file the program opens: a signalfd or eventfd on
// fd 0 would be read as orders (and swallow SIGTERM). Each closed one gets
// /dev/null opened the wrong way round (gnulib's stdopen trick), so using it
// fails with EBADF and is reported like any unreadable input or failed write.
void plug_closed_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // Lower descriptors are open by now, so open() returns `fd` itself.
    (void)::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
  }
}

}  // namespace

int main(int argc, char** argv) {
  orderflow::block_stop_signals();  // first: no stop signal may kill a run at a moment nobody chose
  plug_closed_standard_fds();
  (void)orderflow::stop_signal_fd();  // after the plug, so it never lands on fd 0-2
  return orderflow::run_cli(argc, argv);
}
