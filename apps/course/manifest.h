/// @file manifest.h
/// @brief The course's exercises as the manifests describe them
/// (exercises/NN-name/manifest.json), and where the course lives on disk.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::course {

/// @brief One exercise: the body of one op or algorithm that the learner writes.
struct Exercise {
  std::string id;                          ///< "NN.M", e.g. "01.3".
  std::string step;                        ///< "NN", the step it belongs to.
  int number = 0;                          ///< M, for sorting 01.10 after 01.9.
  std::string title;                       ///< what the learner builds, in a few words.
  std::string file;                        ///< the exercise's file, relative to the course root
                                           ///< (exercises/NN-name/<file>), with '/' separators.
  std::vector<std::string> functions;      ///< qualified names of the functions to write.
  std::string section;                     ///< the lesson's section that explains it.
  std::vector<std::string> prerequisites;  ///< ids to do first.
  int minutes = 0;                         ///< estimated time.
  std::vector<std::string> hints;          ///< from gentle to nearly the answer.
};

/// @brief One step's manifest.
struct Step {
  std::string number;  ///< "NN".
  std::string name;    ///< e.g. "basics".
  std::string folder;  ///< "NN-name": the folder under exercises/, solutions/ and steps/.
  std::string lesson;  ///< the lesson's path relative to the course root.
  std::vector<Exercise> exercises;  ///< sorted by number.
};

/// @brief Every step's manifest of one checkout of the course.
struct Course {
  std::filesystem::path root;  ///< the folder holding exercises/ and CMakeLists.txt.
  std::vector<Step> steps;     ///< sorted by number.

  /// @brief The exercise with this id; an error naming the id and listing the valid ones
  /// when there is none.
  const Exercise& exercise(std::string_view id) const;

  /// @brief The step numbered "NN"; an error listing the valid steps when there is none.
  const Step& step(std::string_view number) const;

  /// @brief Every exercise of every step, sorted by id.
  std::vector<const Exercise*> exercises() const;

  /// @brief The exercises whose file is `file` (several may share one).
  std::vector<const Exercise*> exercises_in_file(std::string_view file) const;

  /// @brief True when some manifest lists this id.
  bool has_exercise(std::string_view id) const;
};

/// @brief Reads and validates one manifest.
/// @param path exercises/NN-name/manifest.json; its folder gives the step's folder name.
/// @return the step, with each exercise's file relative to the course root.
/// Errors name the file and the field (e.g. "exercises[2].minutes").
Step load_step(const std::filesystem::path& path);

/// @brief Reads every exercises/*/manifest.json below `root`.
Course load_course(const std::filesystem::path& root);

/// @brief The course root: `start` or its first parent holding both exercises/ and
/// CMakeLists.txt; an error when there is none.
std::filesystem::path find_course_root(const std::filesystem::path& start);

/// @brief The parts with `separator` between them: ids in a message, steps in a CMake list.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace tinygpt::course
