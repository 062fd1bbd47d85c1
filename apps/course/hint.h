/// @file hint.h
/// @brief `tinygpt course hint`: the exercise's lesson section and its hints, one at a time.
#pragma once

#include <ostream>
#include <string_view>

#include "manifest.h"
#include "progress.h"

namespace tinygpt::course {

/// @brief The exercise's title, file and lesson section.
void print_exercise(const Course& course, const Exercise& exercise, std::ostream& out);

/// @brief "Hint i of n: ...", with i counted from 1.
void print_hint(const Exercise& exercise, int index, std::ostream& out);

/// @brief Shows the exercise and its next hint not shown yet (all of them with `all`), and
/// remembers in `progress` how many have been shown.
void show_hint(const Course& course, std::string_view id, bool all, Progress& progress,
               std::ostream& out);

}  // namespace tinygpt::course
