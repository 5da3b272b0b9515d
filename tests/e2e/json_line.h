#pragma once
// Reading the binary's NDJSON output in end-to-end tests: each line is parsed
// twice with RapidJSON (validating UTF-8), once for types and once with numbers
// kept as their exact text, so money can be compared digit for digit.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <string>
#include <vector>

namespace orderflow::testing {

class JsonLine {
 public:
  explicit JsonLine(const std::string& line) : text_(line) {
    constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag;
    doc_.Parse<kFlags>(line.data(), line.size());
    raw_.Parse<kFlags | rapidjson::kParseNumbersAsStringsFlag>(line.data(), line.size());
    ok_ = !doc_.HasParseError() && doc_.IsObject();
  }
  // Valid UTF-8 JSON, and an object.
  bool ok() const { return ok_; }
  std::string error() const {
    return doc_.HasParseError() ? rapidjson::GetParseError_En(doc_.GetParseError()) : "not an object";
  }
  bool has(const char* key) const { return ok_ && doc_.HasMember(key); }
  // A string member's value, or "<absent>" / "<not a string>".
  std::string str(const char* key) const {
    if (!has(key)) return "<absent>";
    const rapidjson::Value& v = doc_[key];
    if (!v.IsString()) return "<not a string>";
    return std::string(v.GetString(), v.GetStringLength());
  }
  // A number member's exact text ("5.37"), or "<absent>" / "<not a number>".
  std::string num(const char* key) const {
    if (!has(key)) return "<absent>";
    if (!doc_[key].IsNumber()) return "<not a number>";
    const rapidjson::Value& v = raw_[key];
    return std::string(v.GetString(), v.GetStringLength());
  }
  bool is_null(const char* key) const { return has(key) && doc_[key].IsNull(); }
  // The member names in their order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    if (!ok_) return out;
    for (auto it = doc_.MemberBegin(); it != doc_.MemberEnd(); ++it) out.emplace_back(it->name.GetString());
    return out;
  }
  const rapidjson::Document& doc() const { return doc_; }
  const rapidjson::Document& raw() const { return raw_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  rapidjson::Document doc_;
  rapidjson::Document raw_;
  bool ok_ = false;
};

// Cents from money text with exactly two decimals ("-12.05" -> -1205); a
// malformed text gives a sentinel that no real amount equals.
inline long long cents_of(const std::string& money) {
  constexpr long long kBad = -0x7fffffffffffffffLL;
  std::size_t dot = money.find('.');
  if (dot == std::string::npos || dot + 3 != money.size() || dot == 0) return kBad;
  bool neg = money[0] == '-';
  long long v = 0;
  for (std::size_t i = neg ? 1 : 0; i < money.size(); ++i) {
    if (i == dot) continue;
    if (money[i] < '0' || money[i] > '9') return kBad;
    v = v * 10 + (money[i] - '0');
  }
  return neg ? -v : v;
}

}  // namespace orderflow::testing
