/// @file reset.h
/// @brief `tinygpt course reset`: an exercise's file back to its shipped stub.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "manifest.h"
#include "progress.h"

namespace tinygpt::course {

/// @brief Restores the file of exercise `id` to its content at `upstream`, whatever the
/// learner committed since, and forgets the checks of every exercise in that file. A step
/// marked done stops being done, so later steps go back to the reference solution.
void reset_exercise(const Course& course, std::string_view id, const std::string& upstream,
                    Progress& progress, std::ostream& out);

}  // namespace tinygpt::course
