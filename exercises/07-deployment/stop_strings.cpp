// Exercise 07.2: matching stop strings across token boundaries.
// Lesson: steps/07-deployment/README.md, "Stop strings".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.2
#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/stop_strings.h"

namespace tinygpt::infer {

StopScan scan_stop_strings(std::string_view pending, std::span<const std::string> stops) {
  // Two cases: a stop string occurs in pending (stop, showing the text before the earliest
  // one), or none does (show everything but the longest end that begins a stop string).
  throw NotImplemented("exercise 07.2 (scan_stop_strings)");
}

}  // namespace tinygpt::infer
