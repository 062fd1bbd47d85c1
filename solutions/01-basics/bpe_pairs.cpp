// Exercise 01.6, reference solution: counting adjacent token pairs.
#include <cstddef>

#include "tinygpt/core/check.h"
#include "tinygpt/text/bpe_pairs.h"

namespace tinygpt::text {

PairCounts count_pairs(std::span<const std::vector<TokenId>> words,
                       std::span<const std::int64_t> frequencies) {
  TINYGPT_CHECK(words.size() == frequencies.size(), "count_pairs: ", words.size(), " words but ",
                frequencies.size(), " frequencies");
  PairCounts counts;
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::vector<TokenId>& word = words[w];
    // A word that occurs 1000 times contributes each of its pairs 1000 times: counting
    // distinct words once, weighted, is what makes training on megabytes cheap.
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      counts[TokenPair{word[i], word[i + 1]}] += frequencies[w];
    }
  }
  return counts;
}

}  // namespace tinygpt::text
