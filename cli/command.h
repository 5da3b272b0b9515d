#pragma once
// A subcommand: its name, one line of description, and a setup function that
// adds its options to a CLI11 sub-app and returns what to run once parsed.
// cli/app.cpp keeps the table of them (ninja's habit: one table, thin main).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace orderflow {

using CommandRun = std::function<int()>;  // returns the process exit code

// Whether a command reads the stop signals itself (cli/signals.h). The others
// get the default actions (SIGUSR1 ignored) before they run.
enum class SignalUse : unsigned char { kDefault, kWatched };

struct Command {
  const char* name;
  const char* description;
  CommandRun (*setup)(CLI::App& sub);
  SignalUse signals = SignalUse::kDefault;
};

CommandRun setup_process(CLI::App& sub);
CommandRun setup_catalog(CLI::App& sub);
CommandRun setup_generate(CLI::App& sub);
CommandRun setup_bench(CLI::App& sub);
CommandRun setup_ledger(CLI::App& sub);
CommandRun setup_submit(CLI::App& sub);
CommandRun setup_serve(CLI::App& sub);
CommandRun setup_results(CLI::App& sub);

// The command-line entry point: parses argv, runs the chosen command, and
// returns the exit code (ExitCode values).
int run_cli(int argc, char** argv);

const char* version();
// What --version prints: "orderflow X.Y.Z", then the compiler and the versions
// of the libraries linked in, one per line.
std::string version_text();

}  // namespace orderflow
