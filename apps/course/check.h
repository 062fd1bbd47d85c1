/// @file check.h
/// @brief `tinygpt course check NN`: builds step NN with the learner's files, runs its
/// tests, and shows which exercises pass and the first failure with its hint.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "manifest.h"
#include "progress.h"
#include "test_report.h"

namespace tinygpt::course {

/// @brief What `course check` builds and where.
struct CheckOptions {
  std::string step;                 ///< "NN".
  std::filesystem::path build_dir;  ///< its own build folder, e.g. <root>/build/course.
  int jobs = 1;                     ///< parallel compile jobs.
};

/// @brief An exercise of the checked step and whether all its tests passed.
struct ExerciseVerdict {
  const Exercise* exercise = nullptr;
  bool passing = false;
};

/// @brief The outcome of one step's tests.
struct StepVerdict {
  std::vector<ExerciseVerdict> exercises;  ///< the step's exercises, by id.
  int tests_passed = 0;
  int tests_total = 0;
  std::optional<TestCaseResult> first_failure;  ///< the first test case that failed.
  const Exercise* failure_exercise = nullptr;   ///< the exercise it belongs to, if known.

  /// @brief True when every test case passed.
  bool passed() const { return tests_passed == tests_total; }
};

/// @brief Judges a step from its test results. An exercise fails when a test tagged with
/// it fails or a failure names it ("exercise NN.M", as stubs do). The first failure
/// belongs to the exercise its message names, else to the first exercise of its tags.
StepVerdict judge_step(const Course& course, const Step& step,
                       const std::vector<TestCaseResult>& results);

/// @brief Each exercise passing or failing, then the first failure with the exercise's
/// latest hint shown so far (the first when none was).
void print_verdict(const Course& course, const Step& step, const StepVerdict& verdict,
                   const Progress& progress, std::ostream& out);

/// @brief Remembers each exercise's result with the hash its file had when it was built,
/// and marks the step done when every test passed (not done when some failed).
/// @param file_hashes exercise file -> content_hash() of the file that was built.
void record_verdict(const Step& step, const StepVerdict& verdict,
                    const std::map<std::string, std::string>& file_hashes, Progress& progress);

/// @brief The whole check: configure (step NN and the steps marked done in exercise mode),
/// build stepNN_tests, run it, print the verdict and record it in `progress`.
/// Configure and build failures are errors, after the end of the tools' output is printed.
/// @return true when every test of the step passed.
bool run_check(const Course& course, const CheckOptions& options, Progress& progress,
               std::ostream& out);

}  // namespace tinygpt::course
