// orderflow: a command-line batch order processor. All the work is in run_cli.
#include "cli/command.h"

int main(int argc, char** argv) { return orderflow::run_cli(argc, argv); }
