#include "cli/man_page.h"

#include "cli/exit_code.h"
#include "cli/help_format.h"

namespace orderflow {

namespace {

// The subcommands a user can run, in definition order (hidden ones left out).
std::vector<const CLI::App*> visible_commands(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    out.push_back(sub);
  return out;
}

// Every command a user can name: "process", and "ledger show" for a
// subcommand's own subcommands (one level), parents before their children.
struct CommandEntry {
  std::string path;
  const CLI::App* app;
};

std::vector<CommandEntry> all_commands(const CLI::App& app) {
  std::vector<CommandEntry> out;
  for (const CLI::App* sub : visible_commands(app)) {
    out.push_back({sub->get_name(), sub});
    for (const CLI::App* leaf : visible_commands(*sub)) out.push_back({sub->get_name() + " " + leaf->get_name(), leaf});
  }
  return out;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : visible_commands(app)) out.push_back(sub->get_name());
  return out;
}

// "[OPTIONS] [FILE...]" for a subcommand.
std::string usage_tail(const CLI::App* sub) {
  std::string out = "[OPTIONS]";
  if (!visible_commands(*sub).empty()) out += " SUBCOMMAND";
  for (const CLI::Option* p : visible_options(sub, true)) {
    out += " [" + p->get_name(true);
    if (p->get_expected_max() > 1) out += "...";
    out += "]";
  }
  return out;
}

// Text safe in roff: backslashes and hyphens escaped, no line starting with
// a control character.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  return out;
}

std::string roff_line(const std::string& text) {
  std::string r = roff(text);
  if (!r.empty() && (r[0] == '.' || r[0] == '\'')) r = "\\&" + r;
  return r + "\n";
}

// "\fB\-c\fR, \fB\-\-catalog\fR \fIFILE\fR"
std::string roff_option(const CLI::Option* opt) {
  std::string out;
  for (const std::string& s : opt->get_snames()) out += (out.empty() ? "" : ", ") + std::string("\\fB\\-") + roff(s) + "\\fR";
  for (const std::string& l : opt->get_lnames())
    out += (out.empty() ? "" : ", ") + std::string("\\fB\\-\\-") + roff(l) + "\\fR";
  std::string meta = option_metavar(opt);
  if (!meta.empty()) out += " \\fI" + roff(meta) + "\\fR";
  return out;
}

// Examples, "  command" lines, as a no-fill block.
std::string roff_examples(const std::string& examples) {
  std::string out = ".PP\n.RS 4\n.nf\n";
  std::size_t start = 0;
  while (start < examples.size()) {
    std::size_t nl = examples.find('\n', start);
    if (nl == std::string::npos) nl = examples.size();
    std::string line = examples.substr(start, nl - start);
    std::size_t first = line.find_first_not_of(' ');
    out += roff_line(first == std::string::npos ? "" : line.substr(first));
    start = nl + 1;
  }
  return out + ".fi\n.RE\n";
}

struct ExitStatusRow {
  ExitCode code;
  const char* meaning;
};
constexpr ExitStatusRow kExitStatus[] = {
    {ExitCode::kOk, "all input was read and every record got its result (rejections are outcomes, not failures)"},
    {ExitCode::kFailure, "runtime failure: unreadable input, bad catalog, write error, or --strict and an invalid record"},
    {ExitCode::kUsage, "usage error: unknown command or option, bad value"},
    {ExitCode::kDeadline, "--timeout expired first"},
    {ExitCode::kInterrupted, "stopped by SIGINT"},
    {ExitCode::kOutputClosed, "the reader of the results went away (| head): stopped quietly"},
    {ExitCode::kTerminated, "stopped by SIGTERM"},
};

constexpr const char* kSignals[][2] = {
    {"SIGINT, SIGTERM",
     "the first one stops intake: every accepted record is still applied and written, then orderflow exits 130 "
     "(SIGINT) or 143 (SIGTERM); a second one cancels what is still in flight (status Cancelled, reason "
     "interrupted)"},
    {"SIGUSR1", "print a one-line JSON statistics snapshot to standard error and go on"},
    {"SIGPIPE", "ignored: a closed results pipe ends the run quietly with exit status 141"},
};

// Shell-quoted word lists and escapes for the completion scripts.
std::string words(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& w : list) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<std::string> option_words(const CLI::Option* opt) {
  std::vector<std::string> out;
  for (const std::string& s : opt->get_snames()) out.push_back("-" + s);
  for (const std::string& l : opt->get_lnames()) out.push_back("--" + l);
  return out;
}

std::string zsh_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

}  // namespace

std::string man_page(const CLI::App& app, const std::string& version) {
  std::string out;
  out += ".TH ORDERFLOW 1 \"\" \"orderflow " + roff(version) + "\" \"User Commands\"\n";
  out += ".SH NAME\norderflow \\- batch order processor with a concurrent stock ledger\n";
  out += ".SH SYNOPSIS\n";
  for (const CommandEntry& c : all_commands(app))
    out += ".B orderflow " + roff(c.path) + "\n" + roff_line(usage_tail(c.app)) + ".br\n";
  out += ".B orderflow\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n";
  out += ".SH DESCRIPTION\n";
  out += roff_line(
      "orderflow reads orders (NDJSON, a JSON array or CSV, from files or standard input, gzip or zstd "
      "compressed or not), checks each against a product catalog with a stock level per product, takes the "
      "stock of those it can fill, and writes one result per order, in input order, plus a summary. Money is "
      "exact (integer cents). With the default store the results are the same whatever the number of "
      "worker threads.");
  out += ".PP\n";
  out += roff_line(
      "Each record ends Completed, Rejected (with a reason: invalid_record, invalid_amount, unknown_product, "
      "insufficient_stock, duplicate_id, unknown_order, not_reversible), Reversed, or Cancelled (deadline, "
      "interrupted) when the run was stopped before it was applied.");
  out += ".SH COMMANDS\n";
  for (const CommandEntry& c : all_commands(app)) {
    const CLI::App* sub = c.app;
    out += ".SS \"orderflow " + roff(c.path) + " " + roff(usage_tail(sub)) + "\"\n";
    std::string desc = sub->get_description();
    if (!desc.empty()) desc[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(desc[0])));
    out += roff_line(desc + ".");
    for (const CLI::Option* p : visible_options(sub, true))
      out += ".TP\n\\fI" + roff(p->get_name(true)) + "\\fR\n" + roff_line(option_description(p));
    for (const CLI::Option* opt : visible_options(sub, false))
      out += ".TP\n" + roff_option(opt) + "\n" + roff_line(option_description(opt));
    std::string examples = command_examples(c.path);
    if (!examples.empty()) out += ".PP\nExamples:\n" + roff_examples(examples);
  }
  out += ".SH EXIT STATUS\n";
  for (const auto& e : kExitStatus) {
    out += ".TP\n.B ";
    out += std::to_string(to_int(e.code));
    out += "\n";
    out += roff_line(e.meaning);
  }
  out += ".SH SIGNALS\n";
  for (const auto& s : kSignals) out += ".TP\n.B " + roff(s[0]) + "\n" + roff_line(s[1]);
  out += ".SH FILES\n";
  out += ".TP\n.I catalog.csv\n" +
         roff_line("a catalog given with \\-c: CSV with the header ID,ProductName,Stock,Variety,Price "
                   "(columns by name, extra columns kept) or a JSON array of {\"id\",\"name\",\"price\",\"stock\"}; "
                   "without \\-c the built-in catalog is used (orderflow catalog prints it)");
  out += ".TP\n.I \\-\n" + roff_line("standard input (as an input FILE) or standard output (as \\-o, \\-\\-summary, \\-\\-stock\\-out)");
  out += ".SH EXAMPLES\n";
  out += roff_examples(command_examples("orderflow"));
  out += ".SH SEE ALSO\n.BR jq (1),\n.BR gzip (1),\n.BR zstd (1)\n";
  // roff() escaped hyphens that were already escaped in the literal texts above.
  for (std::size_t at; (at = out.find("\\e\\-")) != std::string::npos;) out.replace(at, 4, "\\-");
  return out;
}

std::string bash_completion(const CLI::App& app) {
  std::vector<std::string> names = command_names(app);
  // "$cmd:$word" patterns that step from one command to the next: ":process", "ledger:show".
  std::string steps;
  for (const CommandEntry& c : all_commands(app)) {
    std::size_t space = c.path.rfind(' ');
    std::string from = space == std::string::npos ? "" : c.path.substr(0, space);
    steps += std::string(steps.empty() ? "" : "|") + "\"" + from + ":" + c.app->get_name() + "\"";
  }
  std::string out =
      "# bash completion for orderflow, generated from its command-line definitions\n"
      "# (orderflow _generate-docs); do not edit.\n"
      "_orderflow() {\n"
      "  local cur prev cmd i\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  cmd=\"\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case \"$cmd:${COMP_WORDS[i]}\" in\n"
      "      " + steps + ") cmd=\"${cmd:+$cmd }${COMP_WORDS[i]}\" ;;\n"
      "    esac\n"
      "  done\n"
      "  case \"$cmd\" in\n"
      "    \"\")\n"
      "      COMPREPLY=($(compgen -W \"" + words(names) + " --help --version\" -- \"$cur\"))\n"
      "      return ;;\n";
  for (const CommandEntry& entry : all_commands(app)) {
    const CLI::App* sub = entry.app;
    std::vector<std::string> all, file_opts, value_opts;
    std::string choice_cases;
    for (const CLI::Option* opt : visible_options(sub, false)) {
      std::vector<std::string> w = option_words(opt);
      all.insert(all.end(), w.begin(), w.end());
      std::string meta = option_metavar(opt);
      if (meta.empty()) continue;
      std::vector<std::string> choices = option_choices(opt);
      std::string pat;
      for (const std::string& x : w) pat += (pat.empty() ? "" : "|") + x;
      if (!choices.empty())
        choice_cases += "        " + pat + ") COMPREPLY=($(compgen -W \"" + words(choices) + "\" -- \"$cur\")); return ;;\n";
      else if (meta.rfind("FILE", 0) == 0)
        file_opts.insert(file_opts.end(), w.begin(), w.end());
      else
        value_opts.insert(value_opts.end(), w.begin(), w.end());
    }
    std::string positional = "COMPREPLY=()";
    if (!visible_commands(*sub).empty())
      positional = "COMPREPLY=($(compgen -W \"" + words(command_names(*sub)) + "\" -- \"$cur\"))";
    for (const CLI::Option* p : visible_options(sub, true)) {
      std::vector<std::string> choices = option_choices(p);
      positional = choices.empty() ? "COMPREPLY=($(compgen -f -- \"$cur\"))"
                                   : "COMPREPLY=($(compgen -W \"" + words(choices) + "\" -- \"$cur\"))";
    }
    auto joined = [](const std::vector<std::string>& v) {
      std::string s;
      for (const std::string& x : v) s += (s.empty() ? "" : "|") + x;
      return s;
    };
    out += "    \"" + entry.path + "\")\n      case \"$prev\" in\n" + choice_cases;
    if (!file_opts.empty()) out += "        " + joined(file_opts) + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
    if (!value_opts.empty()) out += "        " + joined(value_opts) + ") COMPREPLY=(); return ;;\n";
    out += "      esac\n"
           "      if [[ \"$cur\" == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"" + words(all) + "\" -- \"$cur\"))\n"
           "      else\n"
           "        " + positional + "\n"
           "      fi ;;\n";
  }
  out += "  esac\n}\ncomplete -o filenames -F _orderflow orderflow\n";
  return out;
}

std::string zsh_completion(const CLI::App& app) {
  std::string out =
      "#compdef orderflow\n"
      "# zsh completion for orderflow, generated from its command-line definitions\n"
      "# (orderflow _generate-docs); do not edit.\n"
      "_orderflow() {\n"
      "  local -a commands\n"
      "  commands=(\n";
  for (const CLI::App* sub : visible_commands(app))
    out += "    '" + zsh_escape(sub->get_name()) + ":" + zsh_escape(sub->get_description()) + "'\n";
  out += "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    _describe 'command' commands\n"
         "    _arguments '--help[print help]' '--version[print the version and the build]'\n"
         "    return\n"
         "  fi\n"
         "  local cmd=$words[2]\n"
         "  shift words\n"
         "  (( CURRENT-- ))\n"
         "  case $cmd in\n";
  for (const CLI::App* sub : visible_commands(app)) {
    out += "    " + sub->get_name() + ")\n      _arguments -s \\\n";
    for (const CLI::Option* opt : visible_options(sub, false)) {
      std::vector<std::string> w = option_words(opt);
      std::string meta = option_metavar(opt);
      std::vector<std::string> choices = option_choices(opt);
      std::string action;
      if (!meta.empty())
        action = ":" + zsh_escape(meta) + ":" +
                 (!choices.empty() ? "(" + words(choices) + ")" : meta.rfind("FILE", 0) == 0 ? "_files" : " ");
      std::string desc = "[" + zsh_escape(opt->get_description()) + "]";
      if (w.size() == 1) {
        out += "        '" + w[0] + desc + action + "' \\\n";
      } else {
        out += "        '(" + words(w) + ")'{";
        for (std::size_t i = 0; i < w.size(); ++i) out += (i ? "," : "") + w[i];
        out += "}'" + desc + action + "' \\\n";
      }
    }
    if (!visible_commands(*sub).empty())
      out += "        '1:subcommand:(" + words(command_names(*sub)) + ")' \\\n";
    for (const CLI::Option* p : visible_options(sub, true)) {
      std::vector<std::string> choices = option_choices(p);
      out += "        '*:" + zsh_escape(p->get_name(true)) + ":" +
             (choices.empty() ? "_files" : "(" + words(choices) + ")") + "' \\\n";
    }
    out += "        && return ;;\n";
  }
  out += "  esac\n}\n_orderflow \"$@\"\n";
  return out;
}

}  // namespace orderflow
