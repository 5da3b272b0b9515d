#pragma once
// The one place that prints errors, with the one prefix: "orderflow: error: ".
#include <string_view>

namespace orderflow {

void print_error(std::string_view message);
void print_warning(std::string_view message);
// Writes all of `text` to file descriptor `fd`; false on failure (EPIPE included).
bool write_all(int fd, std::string_view text);

}  // namespace orderflow
