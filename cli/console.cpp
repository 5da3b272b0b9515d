#include "cli/console.h"

#include <string>

namespace orderflow {

void print_error(std::string_view message) {
  write_all(2, "orderflow: error: " + std::string(message) + "\n");
}

void print_warning(std::string_view message) {
  write_all(2, "orderflow: warning: " + std::string(message) + "\n");
}

}  // namespace orderflow
