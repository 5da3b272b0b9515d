#pragma once
// How orderflow describes its own command line, from the CLI11 definitions
// alone (so that help, the man page and the shell completions cannot drift
// from the options the program really takes):
//   - HelpFormatter: `--help` with plain metavars (FILE, N, DURATION, LIST,
//     FORMAT), "(default: X)" in the description, examples at the end;
//   - option_metavar / option_choices: the same facts for cli/man_page.cpp and
//     cli/completion.cpp.
// Not thread-safe in any interesting way: used once per process, on the main
// thread, after every subcommand's setup_ has run.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace orderflow {

// The placeholder shown after an option: an explicit type_name set by its
// setup ("URL", "K/N") is kept; CLI11's defaults (TEXT, UINT, INT, FLOAT)
// become FILE, N, DURATION, LIST, FORMAT, KIND, SHARE or DIST from the option's
// validators and shape. "" for a flag.
std::string option_metavar(const CLI::Option* opt);

// The values an IsMember-checked option accepts ({"ndjson","csv"}), else {}.
std::vector<std::string> option_choices(const CLI::Option* opt);

// The option's names without CLI11's "{false}" decorations: "-o, --output".
std::string option_names(const CLI::Option* opt);

// The help text and "(default: X)" when the option has a default worth showing.
std::string option_description(const CLI::Option* opt);

// Every visible option of `app` (positionals last), in definition order.
std::vector<const CLI::Option*> visible_options(const CLI::App* app, bool positionals);

// The examples shown under a subcommand's help and in the man page: lines of
// "command   # what it does". "" when the command has none.
const char* command_examples(const std::string& command);

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
  std::string make_footer(const CLI::App* app) const override;
};

}  // namespace orderflow
