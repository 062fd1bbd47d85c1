// Exercise 04.4: BIO tags of byte-level tokens from the byte spans of the names.
// Lesson: steps/04-finetuning/README.md, "Token classification: named entities".
#include "tinygpt/core/check.h"
#include "tinygpt/tune/tagging.h"

namespace tinygpt::tune {

std::vector<std::string> bio_tags(std::span<const ByteRange> tokens,
                                  std::span<const TaggedSpan> spans) {
  std::vector<std::string> tags(tokens.size(), "O");
  std::size_t s = 0;
  bool begun = false;  // whether span s has had its first token
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    // Spans that end before this token are done.
    while (s < spans.size() && spans[s].end <= tokens[t].start) {
      ++s;
      begun = false;
    }
    if (s == spans.size()) break;
    const bool overlaps = tokens[t].start < spans[s].end && tokens[t].end > spans[s].start;
    if (!overlaps) continue;
    tags[t] = (begun ? "I-" : "B-") + spans[s].label;
    begun = true;
  }
  return tags;
}

}  // namespace tinygpt::tune
