/// @file stop_strings.h
/// @brief Stop strings: generation ends when the text contains one of them, and neither
/// the stop string nor any part of it is ever shown.
///
/// Tokens are not words: "END" may arrive as "E" then "ND", and "\n\n" as two tokens, so a
/// stop string has to be matched on the decoded text, across token boundaries. Streaming
/// makes it harder: text is shown as it comes, but its end might be the start of a stop
/// string that the next token completes. So the text that could still begin one is held
/// back until the next tokens settle it. scan_stop_strings() decides, for the text decoded
/// but not shown yet, how much may be shown and whether a stop string is complete; its
/// body is exercise 07.2 (solutions/07-deployment/stop_strings.cpp).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tinygpt::infer {

/// @brief What scan_stop_strings() found.
struct StopScan {
  std::size_t show = 0;  ///< how many bytes at the front of the text may be shown now
  bool stopped = false;  ///< a stop string is complete: show `show` bytes, then stop
};

/// @brief Scans text not shown yet for stop strings (exercise 07.2).
///
/// When a stop string occurs, stopped is true and `show` is where the earliest one starts
/// (the text before it is shown, the stop string and the rest never). Otherwise `show`
/// keeps back the longest end of the text that is the start of some stop string. Empty
/// stop strings are an Error.
/// @param pending the text decoded but not shown yet.
/// @param stops the stop strings.
/// @return how much to show, and whether to stop.
StopScan scan_stop_strings(std::string_view pending, std::span<const std::string> stops);

}  // namespace tinygpt::infer
