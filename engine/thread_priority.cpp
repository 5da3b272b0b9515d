#include "engine/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace orderflow {

int this_thread_nice() {
  errno = 0;
  const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  return errno == 0 ? n : 0;
}

void lower_this_thread_priority(int steps) {
  if (steps <= 0) return;
  const int target = std::min(this_thread_nice() + steps, 19);
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), target);
}

}  // namespace orderflow
