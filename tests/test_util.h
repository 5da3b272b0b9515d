#pragma once
// Shared helpers for the test suite: temporary folders, files, and running the
// built orderflow binary as a child process the way a shell script would;
// comparing large texts, and taking the value out of a Result.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace orderflow::testing {

// The built binary and the source tree (set by CMake).
inline const char* binary() { return ORDERFLOW_BIN; }
inline std::string source_path(const std::string& rel) { return std::string(ORDERFLOW_SOURCE_DIR) + "/" + rel; }

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal when killed by one
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
  bool timed_out = false;
  // The child's peak resident set size in KiB (wait4's ru_maxrss). On Linux
  // exec keeps the high-water mark of the forked copy of this process, so it
  // is an upper bound: at least this process's own RSS when it forked.
  long max_rss_kb = -1;
  // With RunOptions::sample_rss: the child's own high-water mark (VmHWM of
  // /proc/PID/status, read every few ms while it ran): a lower bound that is
  // exact unless the peak came in its last milliseconds. -1 if never read.
  long sampled_hwm_kb = -1;
};

struct RunOptions {
  std::string stdin_data;        // fed to the child's stdin, which is then closed
  bool stdin_closed = false;     // give the child no stdin at all (/dev/null)
  int timeout_seconds = 60;      // a guard against hangs only; never a speed check
  std::string cwd;               // working directory ("" = inherit)
  std::string stdin_file;        // open this path read-only as the child's stdin (overrides stdin_data)
  std::string stdout_file;       // the child's stdout goes to this path (e.g. /dev/full); out stays ""
  bool stdin_fd_closed = false;  // the child starts with file descriptor 0 closed
  bool stdout_fd_closed = false; // the child starts with file descriptor 1 closed
  bool sample_rss = false;       // fill RunResult::sampled_hwm_kb
  int run_as_uid = -1;           // >= 0: the child drops to this uid and gid (needs root) before exec
  long fsize_limit = -1;         // >= 0: RLIMIT_FSIZE in bytes, SIGXFSZ ignored: a write past it
                                 // fails with EFBIG, as on a full disk
};

// Runs `binary() args...` and collects its output.
RunResult run(const std::vector<std::string>& args, const RunOptions& options = {});
inline RunResult run_with_input(const std::vector<std::string>& args, const std::string& input) {
  RunOptions o;
  o.stdin_data = input;
  return run(args, o);
}

// Runs in `dir`, so that inputs named relative to it appear so in messages.
inline RunResult run_in(const TempDir& dir, const std::vector<std::string>& args, const std::string& input = "") {
  RunOptions o;
  o.cwd = dir.path();
  o.stdin_data = input;
  return run(args, o);
}

// Splits text into lines (without their '\n'); a final unterminated line counts.
std::vector<std::string> lines(const std::string& text);

// Compares whole outputs (results, generated files, help texts): success when
// `got` and `want` are the same bytes; otherwise a short message naming the
// first line that differs, its number and both lines ("<none>" past the end),
// instead of gtest printing (and diffing, quadratically) both texts whole.
//   EXPECT_TRUE(same_text(got.out, want.out)) << what;
::testing::AssertionResult same_text(const std::string& got, const std::string& want);

// Thrown by value_of() to end the test it fails (gtest reports an exception
// escaping a test body or a fixture as a failure and goes on with the next test).
struct TestAbort : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The value a Result (data/base/status.h) holds. When it holds an error
// instead, a failure at the caller's line quoting the Status message, then a
// TestAbort: never a read of the missing value (that would crash the binary).
//   Catalog c = value_of(Catalog::parse(text, "cat.csv"));
// (__builtin_FILE/LINE rather than std::source_location: clang 14, which
// `make tsa` runs, has no std::source_location with Debian's libstdc++.)
template <class R>
auto value_of(R&& r, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (!r.ok()) {
    ADD_FAILURE_AT(file, line) << "expected a value, got: " << r.status().message();
    throw TestAbort(r.status().message());
  }
  return std::forward<R>(r).value();
}

}  // namespace orderflow::testing
