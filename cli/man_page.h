#pragma once
// The man page orderflow(1) and the bash and zsh completion scripts, generated
// from the CLI11 definitions of the running program (every visible subcommand
// and option, with its metavar, choices and default; cli/help_format.h), so
// they cannot drift from what the program accepts. The build runs
// `orderflow _generate-docs DIR` (hidden) and `make install` installs the result.
// Pure functions of the app: no I/O, no global state.
#include <CLI/CLI.hpp>

#include <string>

namespace orderflow {

// roff source for man(7); renders with `groff -man -ww -z` without warnings.
std::string man_page(const CLI::App& app, const std::string& version);

// A bash completion script (defines _orderflow, `complete -F _orderflow orderflow`).
std::string bash_completion(const CLI::App& app);

// A zsh completion function file (#compdef orderflow).
std::string zsh_completion(const CLI::App& app);

}  // namespace orderflow
