// Exercise 04.4: BIO tags of byte-level tokens from the byte spans of the names.
// Lesson: steps/04-finetuning/README.md, "Token classification: named entities".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.4
#include "tinygpt/core/check.h"
#include "tinygpt/tune/tagging.h"

namespace tinygpt::tune {

std::vector<std::string> bio_tags(std::span<const ByteRange> tokens,
                                  std::span<const TaggedSpan> spans) {
  // A token belongs to a span when their byte ranges overlap; the first such token is B-.
  throw NotImplemented("exercise 04.4 (bio_tags)");
}

}  // namespace tinygpt::tune
