// tinygpt: the course's command-line program.
//
// Errors end the program with one line on stderr and a non-zero status: 2 for a bad
// command line, 1 for anything the library reports (a bad file, a failed check).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands.h"
#include "tinygpt/core/check.h"

int main(int argc, char** argv) {
  CLI::App app{"tinygpt: a small GPT built step by step, from tensors to a chat server"};
  app.require_subcommand(1);
  tinygpt::cli::register_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);  // --help, --version
  } catch (const CLI::ParseError& error) {
    std::cerr << "tinygpt: " << error.what() << " (run with --help for usage)\n";
    return 2;
  } catch (const tinygpt::Error& error) {
    std::cerr << "tinygpt: error: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "tinygpt: unexpected error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
