#pragma once
// The process's stop signals (SIGINT, SIGTERM, SIGUSR1) from the first
// instruction to the last (SPEC.md "Stopping").
//
// main() calls block_stop_signals() before anything else: from then on the
// three signals are blocked in every thread (threads inherit the mask), so
// none of them can kill the process at a moment nobody chose; they wait in
// the kernel until a command reads them through stop_signal_fd() (a
// signalfd). The process never unblocks them again, so a signal that arrives
// while the summary or --stock-out is written is read (or discarded at exit),
// never acted on by the default action half-way through.
//
// Commands that do not watch the signalfd say so once, before their work:
//   default_stop_signals()  SIGINT/SIGTERM kill as usual, SIGUSR1 is ignored
//   exit_on_stop_signals()  SIGINT -> _exit(130), SIGTERM -> _exit(143),
//                           SIGUSR1 ignored (generate: a cut-short stream never
//                           exits 0, and `kill -USR1` never kills it)
// Both unblock the signals in the calling thread only; call them before any
// thread starts. Not thread-safe otherwise.
namespace orderflow {

void block_stop_signals() noexcept;
// The signalfd (non-blocking, close-on-exec), opened on the first call.
// REQUIRES: block_stop_signals() ran. -1 if it could not be opened.
int stop_signal_fd() noexcept;
// The next pending stop signal (SIGINT, SIGTERM or SIGUSR1), or 0. Never blocks.
int take_stop_signal() noexcept;

void default_stop_signals() noexcept;
void exit_on_stop_signals() noexcept;

}  // namespace orderflow
