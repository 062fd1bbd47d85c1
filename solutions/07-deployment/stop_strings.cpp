// Exercise 07.2, reference solution: matching stop strings across token boundaries.
#include <algorithm>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/stop_strings.h"

namespace tinygpt::infer {

StopScan scan_stop_strings(std::string_view pending, std::span<const std::string> stops) {
  // 1. A complete stop string: show the text before the earliest one, then stop.
  StopScan scan{pending.size(), false};
  for (const std::string& stop : stops) {
    TINYGPT_CHECK(!stop.empty(), "scan_stop_strings: a stop string is empty");
    const std::size_t at = pending.find(stop);
    if (at != std::string_view::npos && at <= scan.show) scan = {at, true};
  }
  if (scan.stopped) return scan;
  // 2. None yet: hold back the longest end of the text that begins some stop string (the
  // next tokens may complete it). Only ends shorter than the stop string can begin it.
  std::size_t held = 0;
  for (const std::string& stop : stops) {
    const std::size_t longest = std::min(stop.size() - 1, pending.size());
    for (std::size_t length = longest; length > held; --length) {
      if (pending.substr(pending.size() - length) == std::string_view(stop).substr(0, length)) {
        held = length;
        break;
      }
    }
  }
  scan.show = pending.size() - held;
  return scan;
}

}  // namespace tinygpt::infer
