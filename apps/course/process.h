/// @file process.h
/// @brief Running git, cmake and test programs: an argument vector goes straight to
/// posix_spawnp (no shell, so nothing needs quoting) and the output is captured.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::course {

/// @brief What a finished program left behind.
struct ProcessResult {
  int exit_code = 0;   ///< its exit status, or 128 + the signal that killed it.
  std::string output;  ///< its standard output (and its standard error, when merged).
  std::string errors;  ///< its standard error, when not merged.
};

/// @brief How to run a program.
struct RunOptions {
  std::filesystem::path working_dir;  ///< empty: this process's working directory.
  bool merge_errors = false;          ///< capture standard error into `output`, interleaved
                                      ///< as the program wrote it (a compiler's messages).
};

/// @brief Runs `argv[0]` (looked up on PATH) with the arguments `argv`, standard input
/// from /dev/null, and waits for it. An error only when it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

/// @brief The last `count` lines of `text`, to show the end of a long build log.
std::string last_lines(std::string_view text, std::size_t count);

}  // namespace tinygpt::course
