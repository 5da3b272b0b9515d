#pragma once
// orderflow's exit codes, in one place (SPEC.md "Exit status").
namespace orderflow {

enum class ExitCode : int {
  kOk = 0,            // all input read, every record got its result
  kFailure = 1,       // runtime failure: unreadable input, bad catalog, write error
  kUsage = 2,         // usage error: unknown flag, bad value
  kDeadline = 124,    // --timeout expired first
  kInterrupted = 130, // SIGINT
  kTerminated = 143,  // SIGTERM
  kOutputClosed = 141,  // the reader of stdout went away (| head): 128 + SIGPIPE, stopped quietly
};

constexpr int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace orderflow
