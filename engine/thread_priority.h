#pragma once
// Scheduling priority of the calling thread (Linux: nice is per thread).
//
// A run with a durable ledger waits for one thread, the committing one
// (SQLite has one writer); every other thread has slack. On a machine with
// fewer cores than threads, the scheduler shares the cores equally among the
// runnable ones, and the committing thread then loses a part of its core to
// threads that could wait. Lowering the others' priority gives it the core.
namespace orderflow {

// Lowers the calling thread's priority by `steps` nice levels (from what it
// is now, so a nice the user gave the run stays below it). Needs no privilege
// and never fails the caller: a thread that cannot be lowered (nice already
// 19) runs on as it was. steps <= 0: nothing.
void lower_this_thread_priority(int steps);

// The calling thread's nice value.
int this_thread_nice();

}  // namespace orderflow
