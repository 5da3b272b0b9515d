#pragma once
// A child orderflow that an end-to-end test steers while it runs (feeds its
// stdin, signals it, reads what it wrote), and the generated streams the
// stopping tests share. Waits here only guard against hangs; nothing asserts speed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace orderflow::testing {

using namespace std::chrono_literals;
inline constexpr auto kHangGuard = 60s;

// A child orderflow that the test steers while it runs: feeds its stdin,
// signals it, and reads what it wrote.
class Child {
 public:
  struct Spec {
    std::vector<std::string> args;
    bool stdin_pipe = true;    // else /dev/null
    bool stdout_pipe = true;   // else /dev/null (use -o FILE for results)
  };

  explicit Child(const Spec& spec) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(spec.stdin_pipe ? in[0] : devnull, 0);
      ::dup2(spec.stdout_pipe ? out[1] : devnull, 1);
      ::dup2(err[1], 2);
      std::vector<char*> argv{const_cast<char*>(binary())};
      for (const std::string& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::execv(binary(), argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    if (!spec.stdin_pipe) close_stdin();
  }

  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    close_stdin();
    close_stdout();
    if (err_ >= 0) ::close(err_);
  }

  pid_t pid() const { return pid_; }

  void feed(const std::string& bytes) {
    struct sigaction ign {}, old {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      ssize_t w = ::write(in_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    ::sigaction(SIGPIPE, &old, nullptr);
  }
  void close_stdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  void close_stdout() {
    if (out_ >= 0) ::close(out_);
    out_ = -1;
  }

  // The child handles SIGINT itself only once it has blocked it (its signal
  // thread reads a signalfd); before that, SIGINT would simply kill it.
  bool wait_until_signals_blocked() {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("SigBlk:", 0) != 0) continue;
        unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
        // orderflow blocks SIGINT, SIGTERM and SIGUSR1 only; a runtime that
        // blocks every signal for a moment (ThreadSanitizer's start-up does)
        // also blocks SIGHUP, and must not be mistaken for it.
        if ((mask & (1ull << (SIGINT - 1))) && !(mask & (1ull << (SIGHUP - 1)))) return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Reads one line of stderr / stdout (blocking up to the hang guard).
  std::string read_err_line() { return read_line(err_, err_buf_); }
  std::string read_out_line() { return read_line(out_, out_buf_); }

  // Drains stdout and stderr to their ends and waits for the exit status
  // (128 + signal if it was killed). Kills the child after the hang guard.
  int finish() {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    bool out_open = out_ >= 0, err_open = err_ >= 0;
    char buf[65536];
    while (out_open || err_open) {
      if (std::chrono::steady_clock::now() > until) {
        timed_out = true;
        ::kill(pid_, SIGKILL);
        break;
      }
      pollfd fds[2] = {{out_open ? out_ : -1, POLLIN, 0}, {err_open ? err_ : -1, POLLIN, 0}};
      if (::poll(fds, 2, 200) <= 0) continue;
      if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::read(out_, buf, sizeof buf);
        if (n > 0) out_buf_.append(buf, static_cast<std::size_t>(n));
        else out_open = false;
      }
      if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::read(err_, buf, sizeof buf);
        if (n > 0) err_buf_.append(buf, static_cast<std::size_t>(n));
        else err_open = false;
      }
    }
    int st = 0;
    ::waitpid(pid_, &st, 0);
    reaped_ = true;
    if (WIFSIGNALED(st)) term_signal = WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  const std::string& out() const { return out_buf_; }
  static std::string read_line(int fd, std::string& buffered) {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    while (buffered.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      buffered.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t nl = buffered.find('\n');
    if (nl == std::string::npos) return "";
    std::string line = buffered.substr(0, nl);
    buffered.erase(0, nl + 1);
    return line;
  }
  const std::string& err() const { return err_buf_; }
  // Reads stderr (kept for err()) until it holds `text`; false after `guard`.
  bool wait_for_err(const std::string& text, std::chrono::milliseconds guard = kHangGuard) {
    const auto until = std::chrono::steady_clock::now() + guard;
    while (err_buf_.find(text) == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{err_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(err_, buf, sizeof buf);
      if (n <= 0) break;
      err_buf_.append(buf, static_cast<std::size_t>(n));
    }
    return err_buf_.find(text) != std::string::npos;
  }
  bool timed_out = false;
  int term_signal = 0;  // after finish(): the signal that killed it, or 0 if it exited

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
  std::string out_buf_, err_buf_;
};

inline std::size_t count_lines(const std::string& path) {
  if (!file_exists(path)) return 0;
  std::string text = read_file(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits until the file holds at least `n` lines (the results of a run in progress).
inline bool wait_for_lines(const std::string& path, std::size_t n) {
  const auto until = std::chrono::steady_clock::now() + kHangGuard;
  while (std::chrono::steady_clock::now() < until) {
    if (count_lines(path) >= n) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// A generated stream without reversals (so nothing reaches across a cut), with
// a few malformed records, and a catalog whose stock runs out along the way.
struct Stream {
  std::string catalog;
  std::string bytes;
  std::vector<std::string> lines;
};

inline Stream make_stream(const TempDir& dir, int count, int seed) {
  Stream s;
  s.catalog = dir.file("catalog.csv");
  write_file(s.catalog,
             "ID,ProductName,Stock,Variety,Price\n"
             "A,Apple,40000,Red,1.25\nB,Banana,60000,Yellow,0.40\nC,Cherry,5000,Dark,9.99\n");
  RunResult g = run({"generate", "-n", std::to_string(count), "-c", s.catalog, "--invalid", "0.01", "--seed",
                     std::to_string(seed)});
  if (g.exit_code != 0) throw std::runtime_error("generate failed: " + g.err);
  s.bytes = g.out;
  s.lines = lines(g.out);
  return s;
}

inline std::string first_lines(const Stream& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < s.lines.size(); ++i) out += s.lines[i] + "\n";
  return out;
}


}  // namespace orderflow::testing
