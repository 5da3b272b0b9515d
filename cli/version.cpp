// The program's version, set by CMake from project(VERSION).
namespace orderflow {
const char* version() { return ORDERFLOW_VERSION; }
}  // namespace orderflow
