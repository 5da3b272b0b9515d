#pragma once
// Small shared helpers around RapidJSON.
#include <rapidjson/error/error.h>

#include <cstddef>
#include <string>

namespace orderflow {

// RapidJSON's English message for `code`, lower-cased and without its final
// period, followed by " (offset N)": "missing a comma or '}' after an object
// member (offset 17)".
std::string json_error_text(rapidjson::ParseErrorCode code, std::size_t offset);

}  // namespace orderflow
