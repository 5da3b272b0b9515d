#include <signal.h>

#include <cerrno>

#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"
#include "cli/help_format.h"
#include "cli/man_page.h"
#include "data/base/file_io.h"
#include "cli/signals.h"

namespace orderflow {

namespace {

constexpr Command kCommands[] = {
    {"process", "process orders (the main job)", setup_process, SignalUse::kWatched},
    {"generate", "write a synthetic order stream", setup_generate, SignalUse::kWatched},
    {"bench", "in-memory stock-contention benchmark", setup_bench},
    {"catalog", "print the catalog", setup_catalog},
    {"ledger", "read a durable ledger: show, stock, runs; catalog, abandon", setup_ledger},
    {"submit", "publish input files to a NATS JetStream stream", setup_submit, SignalUse::kWatched},
    {"serve", "run one partition of a stream (--partition K/N)", setup_serve, SignalUse::kWatched},
    {"results", "write a stream's results in seq order, with the summary", setup_results, SignalUse::kWatched},
};

// `orderflow help [COMMAND]`: added by run_cli itself, since it needs the whole app.
constexpr const char* kHelpCommand = "help";
// `orderflow _generate-docs DIR` (hidden): writes the man page and the shell
// completions generated from this very app into DIR (the build runs it).
constexpr const char* kGenerateDocsCommand = "_generate-docs";

int generate_docs(const CLI::App& app, const std::string& dir) {
  const std::pair<const char*, std::string> files[] = {
      {"orderflow.1", man_page(app, version())},
      {"orderflow.bash", bash_completion(app)},
      {"_orderflow", zsh_completion(app)},
  };
  for (const auto& [name, text] : files) {
    if (Status s = write_file_atomically(dir + "/" + name, text); !s.ok()) {
      print_error(s.message());
      return to_int(ExitCode::kFailure);
    }
  }
  return to_int(ExitCode::kOk);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "did you mean 'process'?" for a near miss, or "".
std::string suggestion(const std::string& word) {
  std::string best;
  std::size_t best_d = 3;
  for (const Command& c : kCommands) {
    std::size_t d = edit_distance(word, c.name);
    if (d < best_d) {
      best_d = d;
      best = c.name;
    }
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

bool is_command(const std::string& word) {
  if (word == kHelpCommand || word == kGenerateDocsCommand) return true;
  for (const Command& c : kCommands)
    if (word == c.name) return true;
  return false;
}

// CLI11's "Value abc not in range 1 to 256" says neither what was wrong with
// abc nor that the range is inclusive: "'abc' is not a number from 1 to 256".
std::string plain_parse_error(std::string message) {
  const std::string value = "Value ", range = " not in range ", to = " to ";
  std::size_t v = message.find(value), r = message.find(range, v == std::string::npos ? 0 : v);
  if (v == std::string::npos || r == std::string::npos) return message;
  std::size_t t = message.find(to, r + range.size());
  if (t == std::string::npos) return message;
  std::string got = message.substr(v + value.size(), r - v - value.size());
  std::string lo = message.substr(r + range.size(), t - r - range.size());
  std::string hi = message.substr(t + to.size());
  bool numeric = !got.empty() && got.find_first_not_of("-0123456789") == std::string::npos;
  return message.substr(0, v) + "'" + got + "' is " + (numeric ? "out of range: not" : "not") +
         " a number from " + lo + " to " + hi;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Writes to a closed pipe must fail with EPIPE (handled), not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app("orderflow: a batch order processor with a concurrent stock ledger", "orderflow");
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_version_flag("--version", version_text());
  app.require_subcommand(0, 1);
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string where = "orderflow";
    for (const CLI::App* sub : a->get_subcommands()) where += " " + sub->get_name();
    return "orderflow: error: " + plain_parse_error(e.what()) + "\nRun '" + where + " --help' for usage.\n";
  });

  std::vector<CommandRun> runs;
  std::vector<CLI::App*> subs;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    runs.push_back(c.setup(*sub));
    subs.push_back(sub);
  }
  std::string help_topic;
  CLI::App* help = app.add_subcommand(kHelpCommand, "show the help of orderflow or of one COMMAND");
  std::vector<std::string> names;
  for (const Command& c : kCommands) names.push_back(c.name);
  help->add_option("COMMAND", help_topic, "the command to explain")->check(CLI::IsMember(names));
  std::string docs_dir;
  CLI::App* docs = app.add_subcommand(kGenerateDocsCommand, "write orderflow.1 and the completions to DIR");
  docs->group("");  // hidden: for the build
  docs->add_option("DIR", docs_dir, "output folder")->required();

  if (argc >= 2 && argv[1][0] != '-' && !is_command(argv[1])) {
    print_error(std::string("unknown command '") + argv[1] + "'" + suggestion(argv[1]) +
                "\nRun 'orderflow --help' for the list of commands.");
    return to_int(ExitCode::kUsage);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : to_int(ExitCode::kUsage);  // CLI11's own codes (100+) are usage errors here
  }
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (!subs[i]->parsed()) continue;
    if (kCommands[i].signals == SignalUse::kDefault) default_stop_signals();
    return runs[i]();
  }
  default_stop_signals();
  if (docs->parsed()) return generate_docs(app, docs_dir);
  if (help->parsed()) {
    const CLI::App* topic = help_topic.empty() ? &app : app.get_subcommand(help_topic);
    // app.help() would describe the parsed `help` subcommand itself.
    std::string text = topic == &app ? app.get_formatter()->make_help(&app, "orderflow", CLI::AppFormatMode::Normal)
                                     : topic->help("orderflow");
    return write_all(1, text) || errno == EPIPE ? to_int(ExitCode::kOk) : to_int(ExitCode::kFailure);
  }

  write_all(2, app.help());
  return to_int(ExitCode::kUsage);
}

}  // namespace orderflow
