// BPE pair counting (exercise 01.6) and the merge step (exercise 01.7): known values, and
// the deltas of a merge against a recount written here.
#include <map>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/text/bpe_pairs.h"

using namespace tinygpt;
using namespace tinygpt::text;

namespace {

// The test's own pair counter, so that the 01.7 tests do not depend on exercise 01.6.
std::map<std::pair<TokenId, TokenId>, std::int64_t> recount(const std::vector<TokenId>& word) {
  std::map<std::pair<TokenId, TokenId>, std::int64_t> counts;
  for (std::size_t i = 0; i + 1 < word.size(); ++i) ++counts[{word[i], word[i + 1]}];
  return counts;
}

std::map<std::pair<TokenId, TokenId>, std::int64_t> summed(const std::vector<PairDelta>& deltas) {
  std::map<std::pair<TokenId, TokenId>, std::int64_t> sums;
  for (const PairDelta& delta : deltas) sums[{delta.pair.left, delta.pair.right}] += delta.delta;
  std::erase_if(sums, [](const auto& entry) { return entry.second == 0; });
  return sums;
}

}  // namespace

TEST_CASE("count_pairs weights each word's pairs by its frequency", "[step01][bpe][ex01.6]") {
  const std::vector<std::vector<TokenId>> words = {{1, 2, 3}, {2, 3}, {4}, {}, {5, 5, 5}};
  const std::vector<std::int64_t> frequencies = {2, 10, 7, 3, 1};
  const PairCounts counts = count_pairs(words, frequencies);
  CHECK(counts.size() == 3);
  CHECK(counts.at({1, 2}) == 2);
  CHECK(counts.at({2, 3}) == 12);
  CHECK(counts.at({5, 5}) == 2);  // overlapping occurrences both count
  CHECK(count_pairs(std::vector<std::vector<TokenId>>{}, std::vector<std::int64_t>{}).empty());
  // A frequency list of another length is a caller's mistake, not an empty count.
  CHECK_THROWS_AS(count_pairs(words, std::vector<std::int64_t>{1, 2}), Error);
}

TEST_CASE("merge_pair rewrites the word and reports the changed pairs", "[step01][bpe][ex01.7]") {
  std::vector<TokenId> word = {1, 2, 3, 1, 2};
  std::vector<PairDelta> deltas;
  const std::int32_t merged = merge_pair(word, {1, 2}, 9, deltas);
  CHECK(merged == 2);
  CHECK(word == std::vector<TokenId>{9, 3, 9});
  const std::map<std::pair<TokenId, TokenId>, std::int64_t> expected = {
      {{1, 2}, -2}, {{2, 3}, -1}, {{3, 1}, -1}, {{9, 3}, +1}, {{3, 9}, +1}};
  CHECK(summed(deltas) == expected);
}

TEST_CASE("merge_pair: overlaps go to the leftmost, touching merges", "[step01][bpe][ex01.7]") {
  std::vector<PairDelta> deltas;
  std::vector<TokenId> run = {1, 1, 1};
  const std::int32_t run_merged = merge_pair(run, {1, 1}, 9, deltas);
  CHECK(run_merged == 1);
  CHECK(run == std::vector<TokenId>{9, 1});
  CHECK(summed(deltas) ==
        std::map<std::pair<TokenId, TokenId>, std::int64_t>{{{1, 1}, -2}, {{9, 1}, 1}});

  deltas.clear();
  std::vector<TokenId> touching = {1, 2, 1, 2};
  const std::int32_t touching_merged = merge_pair(touching, {1, 2}, 7, deltas);
  CHECK(touching_merged == 2);
  CHECK(touching == std::vector<TokenId>{7, 7});
  CHECK(summed(deltas) == std::map<std::pair<TokenId, TokenId>, std::int64_t>{
                              {{1, 2}, -2}, {{2, 1}, -1}, {{7, 7}, 1}});

  deltas = {{{0, 0}, 5}};  // existing entries are kept, and nothing is added without a merge
  std::vector<TokenId> absent = {3, 4, 5};
  const std::int32_t absent_merged = merge_pair(absent, {4, 3}, 8, deltas);
  CHECK(absent_merged == 0);
  CHECK(absent == std::vector<TokenId>{3, 4, 5});
  CHECK(deltas.size() == 1);
}

TEST_CASE("merge_pair's deltas equal a recount, on random words", "[step01][bpe][ex01.7]") {
  for (std::uint64_t trial = 0; trial < 500; ++trial) {
    CounterRng rng(11, RngStream::kDemo, 0, trial);
    std::vector<TokenId> word(rng.below(12));
    for (TokenId& id : word) id = static_cast<TokenId>(rng.below(3));  // few ids: many repeats
    const TokenPair pair{static_cast<TokenId>(rng.below(3)), static_cast<TokenId>(rng.below(3))};
    const std::vector<TokenId> before = word;
    std::vector<PairDelta> deltas;
    merge_pair(word, pair, 5, deltas);
    auto expected = recount(word);
    for (const auto& [key, count] : recount(before)) expected[key] -= count;
    std::erase_if(expected, [](const auto& entry) { return entry.second == 0; });
    INFO("trial " << trial);
    CHECK(summed(deltas) == expected);
    CHECK(recount(word).count({pair.left, pair.right}) == 0);  // no occurrence is left
  }
}
