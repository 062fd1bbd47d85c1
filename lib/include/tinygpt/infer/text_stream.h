/// @file text_stream.h
/// @brief A generation's text as it streams: each new token's text delta, with what must
/// wait held back, and stop strings matched across token boundaries.
///
/// Two things keep the newest text from being shown at once: a byte-level token can end
/// inside a multi-byte UTF-8 character (the next token completes it), and the end of the
/// text can be the start of a stop string (stop_strings.h). Both wait until the next
/// tokens settle them; finish() shows whatever still waits when generation ends another way.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/text/tokenizer.h"

namespace tinygpt::infer {

/// @brief One generation's text, a token at a time.
class TextStream {
 public:
  /// @param tokenizer decodes the tokens; it must outlive the stream.
  /// @param stops stop strings (none: the text is only held back for UTF-8); Error on an
  ///        empty one.
  TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stops);

  /// @brief What a new token adds.
  struct Delta {
    std::string text;      ///< the text that may be shown now (possibly empty)
    bool stopped = false;  ///< a stop string is complete: `text` is the last to show
  };
  /// @param token the new token.
  /// @return the text it lets through, and whether a stop string ended the text.
  Delta push(std::int32_t token);
  /// @return the text still held back (at the end of a generation that did not stop on a
  ///         stop string; a character cut short stays cut).
  std::string finish();

 private:
  const text::Tokenizer* tokenizer_;  // a pointer, so that a stream can be moved into place
  std::vector<std::string> stops_;
  std::string pending_;  // decoded, not shown yet
};

}  // namespace tinygpt::infer
