// Exercise 01.6: counting adjacent token pairs.
// Lesson: steps/01-basics/README.md, "Tokens and byte-level BPE".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.6
#include "tinygpt/text/bpe_pairs.h"
#include "tinygpt/core/check.h"

namespace tinygpt::text {

PairCounts count_pairs(std::span<const std::vector<TokenId>> words,
                       std::span<const std::int64_t> frequencies) {
  // For every word w and every i, add frequencies[w] to the count of the pair
  // (words[w][i], words[w][i + 1]).
  throw NotImplemented("exercise 01.6 (count_pairs)");
}

}  // namespace tinygpt::text
