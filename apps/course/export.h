/// @file export.h
/// @brief `tinygpt course export --without-solutions DIR`: a classroom copy of the course.
#pragma once

#include <filesystem>
#include <ostream>

#include "manifest.h"

namespace tinygpt::course {

/// @brief Copies every file git tracks in the course, except solutions/, into `target`
/// (which must not exist or be empty), and makes it a git repository with one commit, so
/// students who clone it have an upstream for `course status` and `course reset`.
/// Without solutions/, every step builds the stubs (cmake/TinygptExercises.cmake).
void export_without_solutions(const Course& course, const std::filesystem::path& target,
                              std::ostream& out);

}  // namespace tinygpt::course
