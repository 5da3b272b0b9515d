#pragma once
// Test helpers for the NATS JetStream drills (tests/e2e/nats_test.cpp):
//
//   Background        a program started in the background (stdout/stderr to
//                files), signalled and waited for with a bound; killed
//                (SIGKILL) and reaped by its destructor on every path, and
//                killed by the kernel should the test process die first.
//   NatsCluster  three nats-server processes on free 127.0.0.1 ports, routed
//                into one JetStream cluster, stores in a TempDir; nodes can be
//                killed (-9) and started again; everything is stopped and
//                removed by the destructor, also when a test fails.
// nats-server missing is a test failure (never a silent skip): CI installs it
// (Makefile TEST_PACKAGES).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace orderflow::testing {

class Background {
 public:
  Background() = default;
  // Starts `program args...`; stdout to `out_path` and stderr to `err_path` ("" = /dev/null).
  Background(const std::string& program, const std::vector<std::string>& args, const std::string& out_path = "",
        const std::string& err_path = "") {
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test process even when that one cannot run its
      // destructors (a sanitizer's fatal report, a SIGKILL): no server is left.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int out = ::open(out_path.empty() ? "/dev/null" : out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path.empty() ? "/dev/null" : err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::setpgid(0, 0);  // its own group: a Ctrl-C at the terminal is for the test binary
      std::vector<char*> argv{const_cast<char*>(program.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(program.c_str(), argv.data());
      ::_exit(127);
    }
  }
  Background(Background&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
  Background& operator=(Background&& o) noexcept {
    if (this != &o) {
      kill_now();
      pid_ = o.pid_;
      status_ = o.status_;
      o.pid_ = -1;
    }
    return *this;
  }
  ~Background() { kill_now(); }

  bool running() const { return pid_ > 0; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits up to `limit` for it to exit; its exit code (128 + signal if
  // killed), or -1 if it is still running then.
  int wait(std::chrono::milliseconds limit) {
    if (pid_ <= 0) return status_;
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      if (std::chrono::steady_clock::now() >= until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    status_ = 128 + SIGKILL;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on now (bound, then released).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The nats-server binary, or "" when it is not installed.
inline std::string nats_server_path() {
  for (const char* p : {"/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

class NatsCluster {
 public:
  static constexpr int kNodes = 3;

  // Starts the cluster; a failure (nats-server missing, a node that does
  // not come up) is reported as a test failure and leaves ok() false.
  NatsCluster() {
    server_ = nats_server_path();
    if (server_.empty()) {
      ADD_FAILURE() << "nats-server is not installed (apt-get install nats-server; make test-deps)";
      return;
    }
    std::set<int> taken;
    auto pick = [&] {
      int p;
      do p = free_port();
      while (p <= 0 || !taken.insert(p).second);
      return p;
    };
    for (int i = 0; i < kNodes; ++i) {
      client_[i] = pick();
      route_[i] = pick();
    }
    for (int i = 0; i < kNodes; ++i) {
      std::string routes;
      for (int j = 0; j < kNodes; ++j)
        if (j != i) routes += (routes.empty() ? "" : ", ") + std::string("nats-route://127.0.0.1:") + std::to_string(route_[j]);
      write_file(conf(i), "server_name: n" + std::to_string(i) + "\nlisten: 127.0.0.1:" + std::to_string(client_[i]) +
                              "\nmax_payload: 8MB\njetstream { store_dir: \"" + dir_.file("store" + std::to_string(i)) +
                              "\" }\ncluster { name: orderflow_test, listen: 127.0.0.1:" + std::to_string(route_[i]) +
                              ", routes: [ " + routes + " ] }\n");
    }
    for (int i = 0; i < kNodes; ++i) start_node(i);
    for (int i = 0; i < kNodes; ++i)
      if (!wait_up(i)) return;
    ok_ = true;
  }
  ~NatsCluster() {
    for (Background& c : nodes_) {
      c.signal(SIGTERM);
      if (c.wait(std::chrono::milliseconds(3000)) < 0) c.kill_now();
    }
  }

  bool ok() const { return ok_; }
  // "nats://127.0.0.1:A,nats://127.0.0.1:B,nats://127.0.0.1:C"
  std::string urls() const {
    std::string u;
    for (int i = 0; i < kNodes; ++i) {
      if (i) u += ',';
      u += url(i);
    }
    return u;
  }
  std::string url(int i) const { return "nats://127.0.0.1:" + std::to_string(client_[i]); }
  const TempDir& dir() const { return dir_; }

  void kill_node(int i) { nodes_[i].kill_now(); }
  void start_node(int i) {
    nodes_[i] = Background(server_, {"-c", conf(i)}, "", node_file(i, ".log"));
  }
  bool wait_up(int i) {
    for (int t = 0; t < 200; ++t) {
      if (port_open(client_[i])) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "nats-server node " << i << " did not start: " << read_file(node_file(i, ".log"));
    return false;
  }

 private:
  std::string conf(int i) const { return node_file(i, ".conf"); }
  // "DIR/n<i><suffix>", built by appending: GCC 12's -Wrestrict misfires on
  // "literal" + std::string&& chains.
  std::string node_file(int i, const char* suffix) const {
    std::string name = "n";
    name += std::to_string(i);
    name += suffix;
    return dir_.file(name);
  }

  TempDir dir_;
  std::string server_;
  int client_[kNodes] = {};
  int route_[kNodes] = {};
  Background nodes_[kNodes];
  bool ok_ = false;
};

}  // namespace orderflow::testing
