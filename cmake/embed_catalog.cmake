# Turns data/products.csv into a C++ source holding its bytes, so the binary
# carries its built-in catalog and runs from any folder.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUT} "// Generated from data/products.csv by cmake/embed_catalog.cmake. Do not edit.\n"
  "#include <string_view>\n"
  "namespace orderflow {\n"
  "namespace { constexpr char kBytes[] = {${bytes} '\\0'}; }\n"
  "std::string_view builtin_catalog_csv() { return {kBytes, sizeof kBytes - 1}; }\n"
  "}  // namespace orderflow\n")
