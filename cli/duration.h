#pragma once
// Durations on the command line: a number with a unit, "250ms", "5s", "1.5m",
// "1h", "50us", "0". Parsed without locale; validated at the edge (CLI11).
#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace orderflow {

// The duration `text` names, or nullopt. Units: us, ms, s, m, h ("0" needs none).
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);

// A CLI11 validator for parse_duration.
CLI::Validator DurationValidator();

}  // namespace orderflow
