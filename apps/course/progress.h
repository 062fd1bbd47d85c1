/// @file progress.h
/// @brief The learner's progress, kept in <root>/.tinygpt/progress.json (ignored by git):
/// the steps marked done, how many hints each exercise has shown, and each exercise's
/// result at its last check.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace tinygpt::course {

/// @brief An exercise's result at the last `course check` of its step.
struct CheckRecord {
  bool passing = false;   ///< every test of the exercise passed.
  std::string file_hash;  ///< content_hash() of the exercise's file when it was checked.
};

/// @brief Everything `course` remembers between runs.
struct Progress {
  /// Steps whose every test passed at their last check: later checks keep building them
  /// from the learner's files, so the learner's code goes on being used.
  std::set<std::string> done_steps;
  std::map<std::string, int> hints_shown;     ///< exercise id -> hints shown so far.
  std::map<std::string, CheckRecord> checks;  ///< exercise id -> its last check.
};

/// @brief <root>/.tinygpt/progress.json.
std::filesystem::path progress_path(const std::filesystem::path& root);

/// @brief The saved progress, or an empty one when there is none yet; an error naming the
/// file and the field when it is damaged.
Progress load_progress(const std::filesystem::path& root);

/// @brief Saves the progress atomically.
void save_progress(const std::filesystem::path& root, const Progress& progress);

}  // namespace tinygpt::course
