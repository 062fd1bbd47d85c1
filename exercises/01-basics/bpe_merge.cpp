// Exercise 01.7: the BPE merge step inside one word.
// Lesson: steps/01-basics/README.md, "Tokens and byte-level BPE".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.7
#include "tinygpt/core/check.h"
#include "tinygpt/text/bpe_pairs.h"

namespace tinygpt::text {

std::int32_t merge_pair(std::vector<TokenId>& word, TokenPair pair, TokenId new_id,
                        std::vector<PairDelta>& deltas) {
  // Walk the word left to right; where word[i], word[i + 1] equal the pair, write new_id
  // and skip both. For each merge, record -1 for the pairs it destroyed (with the tokens
  // before and after it, and the pair itself) and +1 for the pairs it created.
  throw NotImplemented("exercise 01.7 (merge_pair)");
}

}  // namespace tinygpt::text
