/// @file clock.h
/// @brief The wall time a piece of work took, in seconds, as every report and progress line
/// of the project gives it.
#pragma once

#include <chrono>

namespace tinygpt {

/// @param start when the work began, on the steady clock (which never jumps).
/// @return the seconds since then.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tinygpt
