// Exercise 01.7, reference solution: the BPE merge step inside one word.
#include <cstddef>

#include "tinygpt/text/bpe_pairs.h"

namespace tinygpt::text {

std::int32_t merge_pair(std::vector<TokenId>& word, TokenPair pair, TokenId new_id,
                        std::vector<PairDelta>& deltas) {
  // Rewrite in place: `out` (the length of the rewritten prefix) never overtakes `i`, the
  // next token to read, because a merge writes one token for two read.
  std::int32_t merged = 0;
  std::size_t out = 0;
  std::size_t i = 0;
  while (i < word.size()) {
    if (i + 1 < word.size() && word[i] == pair.left && word[i + 1] == pair.right) {
      // Before: ... prev [left right] next ...   After: ... prev [new] next ...
      // prev is word[out - 1], the already rewritten token: when two merges touch, as in
      // (1 2 1 2), prev is the previous merge's new token, and the pair (new 1) that the
      // first merge added is taken away again here. The sum of the deltas stays exact.
      if (out > 0) {
        deltas.push_back({TokenPair{word[out - 1], pair.left}, -1});
        deltas.push_back({TokenPair{word[out - 1], new_id}, +1});
      }
      deltas.push_back({pair, -1});
      if (i + 2 < word.size()) {
        deltas.push_back({TokenPair{pair.right, word[i + 2]}, -1});
        deltas.push_back({TokenPair{new_id, word[i + 2]}, +1});
      }
      word[out++] = new_id;
      i += 2;
      ++merged;
    } else {
      word[out++] = word[i++];
    }
  }
  word.resize(out);
  return merged;
}

}  // namespace tinygpt::text
