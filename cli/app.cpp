#include <signal.h>

#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/console.h"
#include "cli/exit_code.h"

namespace orderflow {

namespace {

constexpr Command kCommands[] = {
    {"process", "process orders (the main job)", setup_process},
    {"generate", "write a synthetic order stream", setup_generate},
    {"bench", "in-memory stock-contention benchmark", setup_bench},
    {"catalog", "print the catalog (like GET /products)", setup_catalog},
};

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
  for (const Command& c : kCommands)
    if (word == c.name) return true;
  return false;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Writes to a closed pipe must fail with EPIPE (handled), not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app("orderflow: a batch order processor with a concurrent stock ledger", "orderflow");
  app.set_version_flag("--version", std::string("orderflow ") + version());
  app.require_subcommand(0, 1);
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string where = "orderflow";
    for (const CLI::App* sub : a->get_subcommands()) where += " " + sub->get_name();
    return "orderflow: error: " + std::string(e.what()) + "\nRun '" + where + " --help' for usage.\n";
  });

  std::vector<CommandRun> runs;
  std::vector<CLI::App*> subs;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    runs.push_back(c.setup(*sub));
    subs.push_back(sub);
  }

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
  for (std::size_t i = 0; i < subs.size(); ++i)
    if (subs[i]->parsed()) return runs[i]();

  write_all(2, app.help());
  return to_int(ExitCode::kUsage);
}

}  // namespace orderflow
