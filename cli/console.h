#pragma once
// The one place that prints errors, with the one prefix: "orderflow: error: ".
#include <string_view>

#include "data/base/file_io.h"  // write_all(fd, text), the one retrying write loop

namespace orderflow {

void print_error(std::string_view message);
void print_warning(std::string_view message);

}  // namespace orderflow
