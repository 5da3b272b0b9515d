#pragma once
// Definitions for test_util.h, included once by tests/test_util_test.cpp.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/test_util.h"

namespace orderflow::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/orderflow-test-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      out.push_back(text.substr(pos));
      break;
    }
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// A line short enough to print: whole up to 200 bytes, else the 160 bytes
// around byte `at` (where it differs from the other line).
inline std::string excerpt(const std::string& line, std::size_t at) {
  if (line.size() <= 200) return line;
  const std::size_t from = at > 80 ? at - 80 : 0;
  std::string out = "[";  // appended piece by piece: "[" + std::string trips GCC 12's -Wrestrict
  out += std::to_string(line.size());
  out += " bytes, from byte ";
  out += std::to_string(from + 1);
  out += "] ";
  out.append(line, from, 160);
  return out;
}

::testing::AssertionResult same_text(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  const std::vector<std::string> g = lines(got), w = lines(want);
  for (std::size_t i = 0; i < std::max(g.size(), w.size()); ++i) {
    if (i < g.size() && i < w.size() && g[i] == w[i]) continue;
    const std::string a = i < g.size() ? g[i] : "<none>", b = i < w.size() ? w[i] : "<none>";
    std::size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
    return ::testing::AssertionFailure() << "texts differ (" << g.size() << " and " << w.size()
                                         << " lines), first at line " << i + 1 << ":\n  got:  " << excerpt(a, at)
                                         << "\n  want: " << excerpt(b, at);
  }
  // The same lines: only a final line break differs.
  return ::testing::AssertionFailure() << "the same " << g.size()
                                       << " lines, but only one of the texts ends in a line break";
}

// VmHWM of a running child, in KiB, or -1 (gone, or not yet exec'd: before
// exec it is this process's copy, with this process's high-water mark).
inline long vm_hwm_kb(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  char exe[4096];
  ssize_t n = ::readlink((proc + "/exe").c_str(), exe, sizeof exe);
  if (n <= 0) return -1;
  if (std::filesystem::path(std::string(exe, static_cast<std::size_t>(n))).filename() !=
      std::filesystem::path(binary()).filename())
    return -1;
  std::ifstream f(proc + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

RunResult run(const std::vector<std::string>& args, const RunOptions& options) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (options.stdin_fd_closed) {
      ::close(0);
    } else if (!options.stdin_file.empty()) {
      int fd = ::open(options.stdin_file.c_str(), O_RDONLY);
      if (fd < 0) ::_exit(127);
      ::dup2(fd, 0);
    } else if (options.stdin_closed) {
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
    } else {
      ::dup2(in_pipe[0], 0);
    }
    if (options.stdout_fd_closed) {
      ::close(1);
    } else if (!options.stdout_file.empty()) {
      int fd = ::open(options.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) ::_exit(127);
      ::dup2(fd, 1);
    } else {
      ::dup2(out_pipe[1], 1);
    }
    ::dup2(err_pipe[1], 2);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(127);
    if (options.run_as_uid >= 0) {
      const auto id = static_cast<uid_t>(options.run_as_uid);
      if (::setgroups(0, nullptr) != 0 || ::setgid(id) != 0 || ::setuid(id) != 0) ::_exit(127);
    }
    if (options.fsize_limit >= 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // stays ignored across exec
      const rlimit lim{static_cast<rlim_t>(options.fsize_limit), static_cast<rlim_t>(options.fsize_limit)};
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(127);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(binary(), argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // The parent must not die of SIGPIPE if the child stops reading its stdin.
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);

  RunResult r;
  std::size_t fed = 0;
  int in_fd = in_pipe[1];
  if (options.stdin_closed || options.stdin_fd_closed || !options.stdin_file.empty() || options.stdin_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_open) { fds[n] = {out_pipe[0], POLLIN, 0}; out_i = n++; }
    if (err_open) { fds[n] = {err_pipe[0], POLLIN, 0}; err_i = n++; }
    if (in_fd >= 0) { fds[n] = {in_fd, POLLOUT, 0}; in_i = n++; }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (options.sample_rss) r.sampled_hwm_kb = std::max(r.sampled_hwm_kb, vm_hwm_kb(pid));
    const long long wait_ms = options.sample_rss ? 2 : 1000;
    int rc = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::min<long long>(left.count(), wait_ms)));
    if (rc < 0 && errno == EINTR) continue;
    if (out_i >= 0 && (fds[out_i].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = ::read(out_pipe[0], buf, sizeof buf);
      if (k > 0) r.out.append(buf, static_cast<std::size_t>(k));
      else out_open = false;
    }
    if (err_i >= 0 && (fds[err_i].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t k = ::read(err_pipe[0], buf, sizeof buf);
      if (k > 0) r.err.append(buf, static_cast<std::size_t>(k));
      else err_open = false;
    }
    if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t k = ::write(in_fd, options.stdin_data.data() + fed, options.stdin_data.size() - fed);
      if (k > 0) fed += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN) fed = options.stdin_data.size();
      if (fed == options.stdin_data.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.max_rss_kb = usage.ru_maxrss;
  ::sigaction(SIGPIPE, &old, nullptr);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace orderflow::testing
