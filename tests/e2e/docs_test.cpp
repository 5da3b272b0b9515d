// End-to-end tests of what `make install` ships besides the program: the man
// page orderflow(1) (renders without a groff warning), the bash completion
// (completes every option of every subcommand, as --help lists them), the zsh
// completion, and the install layout in a DESTDIR (stripped binary, no
// apt-get, no tests built).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

const char* const kCommands[] = {"process", "generate", "bench", "catalog", "help"};

struct Shell {
  int status = -1;
  std::string out;
};

// Runs `command` with /bin/sh, capturing stdout (stderr goes to stdout too).
Shell sh(const std::string& command) {
  Shell r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string build_dir() { return std::filesystem::path(binary()).parent_path().string(); }

// The words bash would offer for the command line `words` (the last is the one
// being completed).
std::set<std::string> complete(const std::string& script, const std::vector<std::string>& words,
                               const std::string& cwd = ".") {
  std::string arr;
  for (const std::string& w : words) {
    arr += ' ';
    arr += quote(w);
  }
  Shell r = sh("cd " + quote(cwd) + " && bash --norc --noprofile -c " +
               quote("source " + quote(script) + "; COMP_WORDS=(" + arr + "); COMP_CWORD=" +
                     std::to_string(words.size() - 1) + "; _orderflow; printf '%s\\n' \"${COMPREPLY[@]}\""));
  EXPECT_EQ(r.status, 0) << r.out;
  std::set<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

// Every option name `orderflow CMD [SUB] --help` lists ("  -c, --catalog FILE  ...").
std::set<std::string> options_in_help(const std::string& command) {
  std::vector<std::string> args;
  std::istringstream words(command);
  for (std::string w; words >> w;) args.push_back(w);
  args.push_back("--help");
  RunResult h = run(args);
  std::set<std::string> out;
  for (const std::string& line : lines(h.out)) {
    if (line.rfind("  -", 0) != 0) continue;
    std::istringstream line_words(line);
    for (std::string w; line_words >> w;) {
      if (w.back() == ',') w.pop_back();
      if (w.empty() || w[0] != '-') break;
      out.insert(w);
    }
  }
  return out;
}

class Docs : public ::testing::Test {
 protected:
  void SetUp() override {
    Shell g = sh(quote(binary()) + " _generate-docs " + quote(dir.path()));
    ASSERT_EQ(g.status, 0) << g.out;
  }
  TempDir dir;
};

TEST_F(Docs, TheBuildsCopiesAreTheProgramsOwn) {
  for (const char* f : {"orderflow.1", "orderflow.bash", "_orderflow"})
    EXPECT_TRUE(testing::same_text(read_file(build_dir() + "/generated/" + f), read_file(dir.file(f)))) << f << " drifted";
}

TEST_F(Docs, ManPageRendersWithoutWarningsAndNamesEveryOption) {
  if (sh("command -v groff").status != 0) GTEST_SKIP() << "groff is not installed";
  Shell g = sh("groff -man -ww -z " + quote(dir.file("orderflow.1")));
  EXPECT_EQ(g.status, 0);
  EXPECT_EQ(g.out, "") << "groff warnings:\n" << g.out;
  Shell text = sh("groff -man -Tascii -P-cbou " + quote(dir.file("orderflow.1")));
  ASSERT_EQ(text.status, 0) << text.out;
  for (const char* section : {"NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "SIGNALS", "FILES", "EXAMPLES"})
    EXPECT_NE(text.out.find(std::string("\n") + section + "\n"), std::string::npos) << section;
  for (const char* c : kCommands) {
    EXPECT_NE(text.out.find(std::string("orderflow ") + c + " [OPTIONS]"), std::string::npos) << c;
    for (const std::string& opt : options_in_help(c))
      EXPECT_NE(text.out.find(opt), std::string::npos) << c << " " << opt << " missing from the man page";
  }
  EXPECT_NE(text.out.find("--timeout DURATION"), std::string::npos);
  EXPECT_NE(text.out.find("\n       124"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("_generate-docs"), std::string::npos);  // hidden
  for (const char* nested : {"orderflow ledger show [OPTIONS]", "orderflow ledger stock [OPTIONS]"})
    EXPECT_NE(text.out.find(nested), std::string::npos) << nested;
}

TEST_F(Docs, BashCompletesEveryOptionOfEverySubcommand) {
  if (sh("command -v bash").status != 0) GTEST_SKIP() << "no bash";
  std::string script = dir.file("orderflow.bash");
  std::set<std::string> commands = complete(script, {"orderflow", ""});
  for (const char* c : kCommands) EXPECT_EQ(commands.count(c), 1u) << c;
  EXPECT_EQ(commands.count("_generate-docs"), 0u);
  EXPECT_EQ(complete(script, {"orderflow", "pro"}), (std::set<std::string>{"process"}));
  for (const char* c : kCommands) {
    std::set<std::string> want = options_in_help(c);
    ASSERT_FALSE(want.empty()) << c;
    EXPECT_EQ(complete(script, {"orderflow", c, "-"}), want) << c;
  }
  // A command's own subcommands (orderflow ledger show ...), and their options.
  std::set<std::string> ledger = complete(script, {"orderflow", "ledger", ""});
  for (const char* sub : {"show", "stock", "runs"}) EXPECT_EQ(ledger.count(sub), 1u) << sub;
  for (const char* sub : {"ledger show", "ledger stock", "ledger runs"}) {
    std::vector<std::string> line{"orderflow"};
    std::istringstream w(sub);
    for (std::string x; w >> x;) line.push_back(x);
    line.push_back("-");
    EXPECT_EQ(complete(script, line), options_in_help(sub)) << sub;
  }
  EXPECT_EQ(complete(script, {"orderflow", "process", "--st"}),
            (std::set<std::string>{"--stock-out", "--store", "--strict"}));
  // Option values: choices, files, nothing for a number.
  EXPECT_EQ(complete(script, {"orderflow", "process", "-f", ""}),
            (std::set<std::string>{"auto", "ndjson", "json", "csv"}));
  EXPECT_EQ(complete(script, {"orderflow", "process", "-q", "--store", "s"}),
            (std::set<std::string>{"sharded", "striped"}));
  EXPECT_EQ(complete(script, {"orderflow", "help", ""}),
            (std::set<std::string>{"process", "generate", "bench", "catalog", "ledger", "submit", "serve", "results"}));
  TempDir work;
  write_file(work.file("orders.ndjson"), "");
  write_file(work.file("catalog.csv"), "");
  EXPECT_EQ(complete(script, {"orderflow", "process", "-c", "ord"}, work.path()),
            (std::set<std::string>{"orders.ndjson"}));
  EXPECT_EQ(complete(script, {"orderflow", "process", "ord"}, work.path()), (std::set<std::string>{"orders.ndjson"}));
  EXPECT_TRUE(complete(script, {"orderflow", "process", "-w", ""}, work.path()).empty());
}

TEST_F(Docs, ZshCompletionDescribesEveryOption) {
  std::string z = read_file(dir.file("_orderflow"));
  EXPECT_EQ(z.rfind("#compdef orderflow\n", 0), 0u);
  for (const char* c : kCommands) {
    std::size_t at = z.find(std::string("\n    ") + c + ")\n");
    ASSERT_NE(at, std::string::npos) << c;
    std::size_t end = z.find("&& return ;;", at);
    std::string block = z.substr(at, end - at);
    for (const std::string& opt : options_in_help(c))
      EXPECT_NE(block.find(opt), std::string::npos) << c << " " << opt;
  }
  EXPECT_NE(z.find("(auto ndjson json csv)"), std::string::npos);
  if (sh("command -v zsh").status == 0) {
    Shell parse = sh("zsh -n " + quote(dir.file("_orderflow")));
    EXPECT_EQ(parse.status, 0) << parse.out;
  }
}

TEST(Install, LayoutInADestdirWithoutAptGetOrTests) {
  if (sh("command -v make && command -v cmake").status != 0) GTEST_SKIP() << "no make or cmake";
  TempDir dir;
  // apt-get and sudo that leave a mark if anything calls them.
  std::filesystem::create_directory(dir.file("bin"));
  for (const char* tool : {"apt-get", "sudo"}) {
    write_file(dir.file(std::string("bin/") + tool), "#!/bin/sh\necho \"$0 $*\" >> " + dir.file("called") + "\nexit 1\n");
    std::filesystem::permissions(dir.file(std::string("bin/") + tool), std::filesystem::perms::owner_all);
  }
  std::string dest = dir.file("dest");
  Shell r = sh("PATH=" + quote(dir.file("bin")) + ":\"$PATH\" make -s -C " + quote(source_path("")) +
               " install BUILD=" + quote(build_dir()) + " DESTDIR=" + quote(dest) + " PREFIX=/usr");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(file_exists(dir.file("called"))) << read_file(dir.file("called"));
  EXPECT_EQ(r.out.find("orderflow_tests"), std::string::npos) << r.out;
  for (const char* f : {"usr/bin/orderflow", "usr/share/man/man1/orderflow.1",
                        "usr/share/bash-completion/completions/orderflow", "usr/share/zsh/vendor-completions/_orderflow"})
    EXPECT_TRUE(file_exists(dest + "/" + f)) << f;
  Shell version = sh(quote(dest + "/usr/bin/orderflow") + " --version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("orderflow ", 0), 0u) << version.out;
  if (sh("command -v readelf").status == 0) {
    Shell sections = sh("readelf -S " + quote(dest + "/usr/bin/orderflow"));
    EXPECT_EQ(sections.out.find(".symtab"), std::string::npos) << "not stripped";
  }
  EXPECT_TRUE(testing::same_text(read_file(dest + "/usr/share/man/man1/orderflow.1"), read_file(build_dir() + "/generated/orderflow.1")));
}

}  // namespace
}  // namespace orderflow::testing
