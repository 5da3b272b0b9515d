#pragma once
// A tiny XML well-formedness checker for the SVG charts the tests read: an
// optional XML declaration, comments, exactly one root element, properly
// nested and matching tags, quoted and unique attributes, and only the five
// predefined entities or character references in text and attribute values.
// Not a validating parser (no DTDs, no CDATA, no processing instructions after
// the declaration), which is all our SVG writer is allowed to produce.
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace orderflow::testing {

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // values as written (entities not expanded)
};

class XmlCheck {
 public:
  // Checks `doc`; error() is "" when it is well-formed.
  explicit XmlCheck(const std::string& doc) : s_(doc) { error_ = run(); }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& root() const { return root_; }
  // Every start tag, in document order.
  const std::vector<XmlElement>& elements() const { return elements_; }
  std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const XmlElement& e : elements_) n += e.name == name;
    return n;
  }

 private:
  std::string fail(const std::string& why) const { return why + " at offset " + std::to_string(i_); }
  bool at(const char* lit) const { return s_.compare(i_, std::char_traits<char>::length(lit), lit) == 0; }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  static bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
  static bool name_char(char c) {
    return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  }
  bool name(std::string* out) {
    if (i_ >= s_.size() || !name_start(s_[i_])) return false;
    const std::size_t b = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    *out = s_.substr(b, i_ - b);
    return true;
  }
  // An entity or character reference starting at '&'.
  bool reference() {
    const std::size_t semi = s_.find(';', i_);
    if (semi == std::string::npos) return false;
    const std::string ref = s_.substr(i_ + 1, semi - i_ - 1);
    static const std::set<std::string> kNamed{"amp", "lt", "gt", "quot", "apos"};
    bool good = kNamed.count(ref) > 0;
    if (!good && ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string digits = ref.substr(hex ? 2 : 1);
      good = !digits.empty();
      for (char c : digits) good = good && (hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)));
    }
    if (!good) return false;
    i_ = semi + 1;
    return true;
  }
  bool comment() {
    const std::size_t end = s_.find("-->", i_ + 4);
    if (end == std::string::npos) return false;
    if (s_.substr(i_ + 4, end - i_ - 4).find("--") != std::string::npos) return false;
    i_ = end + 3;
    return true;
  }

  std::string run() {
    if (at("\xEF\xBB\xBF")) i_ += 3;
    if (at("<?xml")) {
      const std::size_t end = s_.find("?>", i_);
      if (end == std::string::npos) return fail("unterminated XML declaration");
      i_ = end + 2;
    }
    std::vector<std::string> open;
    bool seen_root = false;
    while (i_ < s_.size()) {
      if (open.empty()) {
        skip_space();
        if (i_ >= s_.size()) break;
        if (at("<!--")) {
          if (!comment()) return fail("bad comment");
          continue;
        }
        if (s_[i_] != '<') return fail("text outside the root element");
        if (seen_root) return fail("a second root element");
      }
      if (at("<!--")) {
        if (!comment()) return fail("bad comment");
      } else if (at("</")) {
        i_ += 2;
        std::string n;
        if (!name(&n)) return fail("bad end tag");
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '>') return fail("bad end tag");
        ++i_;
        if (open.empty() || open.back() != n) return fail("end tag </" + n + "> does not match");
        open.pop_back();
      } else if (s_[i_] == '<') {
        ++i_;
        XmlElement e;
        if (!name(&e.name)) return fail("bad start tag");
        std::set<std::string> names;
        for (;;) {
          const std::size_t before = i_;
          skip_space();
          if (i_ >= s_.size()) return fail("unterminated start tag");
          if (s_[i_] == '>' || at("/>")) break;
          if (i_ == before) return fail("attributes must be separated by space");
          std::string an;
          if (!name(&an)) return fail("bad attribute name");
          if (!names.insert(an).second) return fail("duplicate attribute " + an);
          skip_space();
          if (i_ >= s_.size() || s_[i_] != '=') return fail("attribute without a value");
          ++i_;
          skip_space();
          if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) return fail("unquoted attribute value");
          const char q = s_[i_++];
          const std::size_t vb = i_;
          while (i_ < s_.size() && s_[i_] != q) {
            if (s_[i_] == '<') return fail("'<' in an attribute value");
            if (s_[i_] == '&') {
              if (!reference()) return fail("bad reference in an attribute value");
            } else {
              ++i_;
            }
          }
          if (i_ >= s_.size()) return fail("unterminated attribute value");
          e.attributes.emplace_back(an, s_.substr(vb, i_ - vb));
          ++i_;
        }
        if (open.empty()) {
          seen_root = true;
          root_ = e.name;
        }
        elements_.push_back(e);
        if (at("/>")) {
          i_ += 2;
        } else {
          ++i_;
          open.push_back(e.name);
        }
      } else if (s_[i_] == '&') {
        if (!reference()) return fail("bad reference in text");
      } else {
        ++i_;
      }
    }
    if (!open.empty()) return fail("unclosed element <" + open.back() + ">");
    if (!seen_root) return fail("no root element");
    return "";
  }

  const std::string& s_;
  std::size_t i_ = 0;
  std::string error_;
  std::string root_;
  std::vector<XmlElement> elements_;
};

}  // namespace orderflow::testing
