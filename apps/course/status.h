/// @file status.h
/// @brief `tinygpt course status`: where the learner stands on every exercise.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "manifest.h"
#include "progress.h"

namespace tinygpt::course {

/// @brief Where an exercise stands.
enum class ExerciseState {
  todo,       ///< its file is byte-identical to the shipped stub.
  passing,    ///< its tests passed at the last check, and the file has not changed since.
  failing,    ///< its tests failed at the last check, and the file has not changed since.
  unchecked,  ///< the file changed since the last check, or was never checked.
  missing,    ///< its file is not there.
};

/// @brief "todo", "passing", ...: the word status prints and --json writes.
const char* state_name(ExerciseState state);

/// @brief One exercise and where it stands.
struct ExerciseStatus {
  const Exercise* exercise = nullptr;
  ExerciseState state = ExerciseState::todo;
};

/// @brief Every exercise of the course, sorted by id, with its state.
/// @param upstream the ref holding the shipped stubs (see resolve_upstream).
std::vector<ExerciseStatus> course_status(const Course& course, const Progress& progress,
                                          const std::string& upstream);

/// @brief One line per exercise and a summary per step, for the learner.
void print_status(const Course& course, const Progress& progress,
                  const std::vector<ExerciseStatus>& status, const std::string& upstream,
                  std::ostream& out);

/// @brief A JSON array of {id, step, title, file, state, minutes}, for grading scripts.
void print_status_json(const std::vector<ExerciseStatus>& status, std::ostream& out);

}  // namespace tinygpt::course
