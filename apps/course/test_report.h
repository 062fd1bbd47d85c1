/// @file test_report.h
/// @brief The results of a Catch2 test program, read from its XML reporter (Catch2 v2 and
/// v3 write the same elements), and which exercise a failure belongs to.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::course {

/// @brief One failed assertion, unexpected exception or fatal signal of a test case.
struct TestFailure {
  std::string description;  ///< for a human, e.g. "CHECK( x == 3 ) with expansion: 2 == 3".
  std::string message;      ///< what the code under test said: the exception's message or
                            ///< the expanded values; searched for "exercise NN.M".
  std::string location;     ///< "file:line" of the assertion.
};

/// @brief One test case of the report.
struct TestCaseResult {
  std::string name;
  std::string tags;      ///< as Catch2 writes them: "[ex01.2][sgd][step01]".
  std::string location;  ///< "file:line" of the TEST_CASE.
  bool passed = false;
  std::vector<TestFailure> failures;  ///< in the order they happened.

  /// @brief The NN.M of every [exNN.M] tag.
  std::vector<std::string> exercise_ids() const;
};

/// @brief Reads a Catch2 XML report.
/// @param xml the report.
/// @param source where it came from, for error messages.
std::vector<TestCaseResult> parse_catch_report(std::string_view xml, const std::string& source);

/// @brief Runs a Catch2 test program with the XML reporter and reads its report.
/// @param program the test executable; it runs in its own folder, as ctest runs it.
/// @param test_spec extra arguments (a Catch2 test spec), may be empty.
/// An error with the end of its output when the program leaves no complete report.
std::vector<TestCaseResult> run_catch_program(const std::filesystem::path& program,
                                              const std::vector<std::string>& test_spec = {});

/// @brief The step test programs of a build folder, by step: <build>/steps/NN-name/stepNN_tests.
std::map<std::string, std::filesystem::path> find_step_test_programs(
    const std::filesystem::path& build_dir);

/// @brief The first "exercise NN.M" named in `message`, as "NN.M".
std::optional<std::string> exercise_named_in(std::string_view message);

/// @brief The id of the exercise whose stub threw, when `message` is a NotImplemented
/// message ("exercise NN.M (...) is not implemented yet ...", see core/check.h).
std::optional<std::string> not_implemented_exercise(std::string_view message);

/// @brief The text on one line: newlines and runs of spaces become one space.
std::string one_line(std::string_view text);

}  // namespace tinygpt::course
