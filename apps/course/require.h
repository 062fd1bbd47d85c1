/// @file require.h
/// @brief The check of the course tool's user-facing conditions.
#pragma once

#include "tinygpt/core/check.h"

namespace tinygpt::course {

/// @brief Throws Error with the parts streamed into its message when `condition` is false.
///
/// Unlike TINYGPT_CHECK, the message carries no source location: these errors are about
/// the learner's files and commands, and the message alone must say what to do.
template <typename... Parts>
void require(bool condition, const Parts&... parts) {
  if (!condition) throw Error(detail::concat(parts...));
}

}  // namespace tinygpt::course
