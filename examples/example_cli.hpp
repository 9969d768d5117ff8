#pragma once
// What every example does with its command line: CLI11 parses it, so `--help` prints the usage,
// a value of the wrong type or a flag without its value is an error, and bad usage exits with
// status 2 before anything runs. (Errors from tenet itself are caught in each example's main:
// the message is printed and the program exits with status 1.)
#include <CLI/CLI.hpp>

namespace example {

// Parses argv into `app`. Returns -1 when the program should go on, otherwise the status to exit
// with: 0 after --help (CLI11 printed the usage), 2 on bad usage (CLI11 printed what is wrong).
inline int parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
}

}  // namespace example
