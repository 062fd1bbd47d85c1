// tinygpt: the course's command-line program.
//
// Errors end the program with one line on stderr and a non-zero status: 2 for a bad
// command line, 1 for anything the library reports (a bad file, a failed check).
//
// Under mpirun (`mpirun -np 2 tinygpt train ...`) every process runs this program; the
// session starts MPI, rank 0 prints, the others print only their errors.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "commands.h"
#include "tinygpt/core/blas_kernel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/train/distributed.h"

namespace {

// What running the command ended with.
struct Outcome {
  int status = 0;
  bool whole_job = true;  // every rank knows (or nothing failed): no need to end the job
};

// One line, written at once: lines of several ranks then do not interleave.
void print_error(const std::string& line) {
  std::cerr << line + "\n" << std::flush;
}

// The message says what a user needs; the failed check's condition and source location
// are for developers: shown with --verbose, and always in a debug build.
std::string describe(const tinygpt::Error& error, bool verbose) {
#ifndef NDEBUG
  verbose = true;
#endif
  std::string text = error.what();
  if (verbose && !error.check().empty()) text += " [check failed: " + error.check() + "]";
  return text;
}

Outcome run(int argc, char** argv) {
  tinygpt::train::Communicator& world = tinygpt::train::world_communicator();
  const bool root = world.is_root();
  CLI::App app{"tinygpt: a small GPT built step by step, from tensors to a chat server"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("--verbose", verbose,
               "On an error, also print the failed check and where it is in the source");
  tinygpt::cli::register_commands(app);
  // An error of a rank other than 0 names its rank. A usage error is the same on every
  // rank, so rank 0 says it for all.
  const std::string who = root ? "tinygpt" : "tinygpt (rank " + std::to_string(world.rank()) + ")";
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return {root ? app.exit(success) : 0};  // --help, --version
  } catch (const CLI::ParseError& error) {
    if (root) print_error("tinygpt: " + std::string(error.what()) + " (run with --help for usage)");
    return {2};
  } catch (const tinygpt::train::AgreedError& error) {
    if (error.should_print()) print_error(who + ": error: " + describe(error, verbose));
    return {1};
  } catch (const tinygpt::Error& error) {
    print_error(who + ": error: " + describe(error, verbose));
    return {1, false};
  } catch (const std::exception& error) {
    print_error(who + ": unexpected error: " + error.what());
    return {1, false};
  }
  return {0};
}

// Commands that never multiply matrices: they skip use_fast_blas_kernel()'s restart of the
// program (a few milliseconds, which is most of `tinygpt eval bleu`'s own time). The eval
// commands that run models (eval run, ...) must not: a classifier read by another kernel
// than the one that trained it sums in another order, and a near tie may flip.
bool uses_matrix_products(int argc, char** argv) {
  if (argc < 2) return true;
  const std::string command = argv[1];
  if (command == "eval") {
    const std::string metric = argc > 2 ? argv[2] : "";
    return metric != "bleu" && metric != "chrf";
  }
  return command != "data" && command != "tokenizer" && command != "course";
}

}  // namespace

int main(int argc, char** argv) {
  if (uses_matrix_products(argc, argv)) tinygpt::use_fast_blas_kernel(argv);
  std::optional<tinygpt::train::DistributedSession> session;
  try {
    session.emplace(&argc, &argv);
  } catch (const tinygpt::Error& error) {
    print_error("tinygpt: error: " + std::string(error.what()));
    return 1;
  }
  const Outcome outcome = run(argc, argv);
  // After an error on one rank only, the others may wait in a collective for it forever:
  // end them all.
  if (!outcome.whole_job) session->abort_job(outcome.status);
  return outcome.status;
}
