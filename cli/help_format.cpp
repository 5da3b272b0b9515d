#include "cli/help_format.h"

#include <cstring>
#include <sstream>

namespace orderflow {

namespace {

// The ':'-separated parts of CLI11's type name: the type, then each
// validator's description ("UINT:INT in [1 - 256]", "TEXT:{auto,csv}").
std::vector<std::string> type_parts(const CLI::Option* opt) {
  std::vector<std::string> parts;
  std::string full = opt->get_type_name();
  std::size_t start = 0;
  // A choice list may itself contain ':' ("hot:0.99" never does, but be safe):
  // split only outside braces.
  int depth = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    if (full[i] == '{' || full[i] == '[') ++depth;
    if (full[i] == '}' || full[i] == ']') --depth;
    if (full[i] == ':' && depth == 0) {
      parts.push_back(full.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(full.substr(start));
  return parts;
}

bool is_cli11_default_type(const std::string& t) {
  return t == "TEXT" || t == "UINT" || t == "INT" || t == "FLOAT";
}

struct Example {
  const char* command;
  const char* text;
};

// Every line here must work exactly as printed, in this order (the first ones
// make the files later ones read): tests/e2e/help_test.cpp runs them all.
constexpr Example kExamples[] = {
    {"orderflow",
     "  orderflow generate -n 100000 --products 100 --stock 10000 --catalog-out catalog.csv > orders.ndjson\n"
     "  orderflow process orders.ndjson -c catalog.csv -o results.ndjson\n"
     "  orderflow help process\n"},
    {"process",
     "  orderflow process orders.ndjson -c catalog.csv -o results.ndjson\n"
     "  orderflow generate -n 1000 | orderflow process -q --summary -\n"
     "  orderflow process day-*.csv -c stock.csv --stock-out stock.csv --timeout 2h\n"},
    {"generate",
     "  orderflow generate -n 100000 --products 100 --stock 10000 --catalog-out catalog.csv > orders.ndjson\n"
     "  orderflow generate -n 1000 --dist hot:0.9 --reversals 0.05 -f csv\n"
     "  orderflow generate -n 1000000 --no-ids | orderflow process -o none\n"},
    {"bench",
     "  orderflow bench -n 200000 --workers 1,2 --dist hot:0.99\n"
     "  orderflow bench --store atomic,mutex -n 200000 --format csv > bench.csv\n"
     "  orderflow bench -n 200000 --plot contention.svg\n"
     "  orderflow bench -n 200000 --baskets 0.1 --products 64 --workers 2 --dist uniform\n"},
    {"catalog",
     "  orderflow catalog\n"
     "  orderflow catalog -c catalog.csv -f csv\n"},
    {"help",
     "  orderflow help process\n"},
};

}  // namespace

std::vector<std::string> option_choices(const CLI::Option* opt) {
  std::vector<std::string> parts = type_parts(opt);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.size() < 2 || p.front() != '{' || p.back() != '}') continue;
    std::vector<std::string> out;
    std::string body = p.substr(1, p.size() - 2);
    std::size_t start = 0;
    for (std::size_t comma; (comma = body.find(',', start)) != std::string::npos; start = comma + 1)
      out.push_back(body.substr(start, comma - start));
    out.push_back(body.substr(start));
    return out;
  }
  return {};
}

std::string option_metavar(const CLI::Option* opt) {
  if (opt->get_type_size() == 0 || opt->get_type_name().empty()) return "";  // a flag
  std::vector<std::string> parts = type_parts(opt);
  const std::string& base = parts[0];
  if (!is_cli11_default_type(base)) return base;  // set by the command's setup
  // Text options that are not files, by name.
  static constexpr std::pair<const char*, const char*> kByName[] = {
      {"nats", "URL,..."}, {"stream", "NAME"}, {"partition", "K/N"}};
  if (!opt->get_lnames().empty())
    for (const auto& [name, meta] : kByName)
      if (opt->get_lnames().front() == name && base == "TEXT") return meta;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "DURATION" || parts[i] == "SHARE" || parts[i] == "DIST") return parts[i];
    if (parts[i] == "D|LOW-HIGH") return "DURATION";
    if (parts[i] == "SEED") return "N";
  }
  if (!opt->get_positional() && opt->get_expected_max() > 1) return "LIST";
  if (!option_choices(opt).empty()) {
    std::string name = opt->get_lnames().empty() ? "" : opt->get_lnames().front();
    return name.find("format") != std::string::npos ? "FORMAT" : "KIND";
  }
  if (base == "UINT" || base == "INT") return "N";
  if (base == "FLOAT") return "R";
  return "FILE";
}

std::string option_names(const CLI::Option* opt) {
  if (opt->get_positional() && opt->get_snames().empty() && opt->get_lnames().empty())
    return opt->get_name(true);
  std::string out;
  for (const std::string& s : opt->get_snames()) out += (out.empty() ? "-" : ", -") + s;
  for (const std::string& l : opt->get_lnames()) out += (out.empty() ? "--" : ", --") + l;
  return out;
}

std::string option_description(const CLI::Option* opt) {
  std::string desc = opt->get_description();
  std::vector<std::string> choices = option_choices(opt);
  if (!choices.empty() && desc.find(choices.front()) == std::string::npos) {
    std::string list = ": ";
    for (std::size_t i = 0; i < choices.size(); ++i) list += (i ? ", " : "") + choices[i];
    std::size_t paren = desc.find(" (default");
    desc.insert(paren == std::string::npos ? desc.size() : paren, list);
  }
  std::string def = opt->get_default_str();
  if (!option_metavar(opt).empty() && !def.empty() && desc.find("(default") == std::string::npos) {
    // A vector's default is CLI11's "[1,2,4,8]"; users type 1,2,4,8.
    if (def.size() >= 2 && def.front() == '[' && def.back() == ']') def = def.substr(1, def.size() - 2);
    desc += " (default: " + def + ")";
  }
  return desc;
}

std::vector<const CLI::Option*> visible_options(const CLI::App* app, bool positionals) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    if (opt->get_positional() != positionals) continue;
    out.push_back(opt);
  }
  return out;
}

const char* command_examples(const std::string& command) {
  for (const Example& e : kExamples)
    if (command == e.command) return e.text;
  return "";
}

HelpFormatter::HelpFormatter() { column_width(34); }

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  return is_positional ? opt->get_name(true) : option_names(opt);
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::string meta = option_metavar(opt);
  if (opt->get_positional()) return "";
  if (meta.empty()) return "";
  return " " + meta;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const { return option_description(opt); }

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  std::string out = CLI::Formatter::make_footer(app);
  const char* examples = command_examples(app->get_name());
  if (*examples) out += "Examples:\n" + std::string(examples);
  return out;
}

}  // namespace orderflow
