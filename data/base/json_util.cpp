#include "data/base/json_util.h"

#include <rapidjson/error/en.h>

namespace orderflow {

std::string json_error_text(rapidjson::ParseErrorCode code, std::size_t offset) {
  std::string msg = rapidjson::GetParseError_En(code);
  if (!msg.empty() && msg.back() == '.') msg.pop_back();
  if (!msg.empty() && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg.size() > 1 && msg[1] >= 'A' && msg[1] <= 'Z'))
    msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
  msg += " (offset " + std::to_string(offset) + ")";
  return msg;
}

}  // namespace orderflow
