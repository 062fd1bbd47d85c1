/// @file bpe_pairs.h
/// @brief The two inner steps of byte-level BPE training: counting adjacent token pairs,
/// and merging one pair inside one word while reporting how the pair counts change.
///
/// Training BPE (see bpe.h) repeats "find the most frequent adjacent pair, give it a new
/// token id, rewrite every word that contains it". Counting every pair once at the start is
/// count_pairs(); rewriting one word is merge_pair(). Because merge_pair() reports exactly
/// which pairs disappeared and which appeared, the trainer updates its counts instead of
/// recounting the whole corpus after every merge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace tinygpt::text {

/// A token id; byte-level BPE starts with one id per byte value.
using TokenId = std::int32_t;

/// @brief Two tokens next to each other in a word, left then right.
struct TokenPair {
  TokenId left = 0;   ///< the first token
  TokenId right = 0;  ///< the token right after it

  /// @param other another pair.
  /// @return whether both tokens are equal.
  bool operator==(const TokenPair& other) const = default;
};

/// @brief Hash of a TokenPair, so pairs can key an unordered_map.
struct TokenPairHash {
  /// @param pair the pair.
  /// @return both 32-bit ids packed into one 64-bit value, then mixed.
  std::size_t operator()(const TokenPair& pair) const {
    const std::uint64_t key =
        (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pair.left)) << 32) |
        static_cast<std::uint32_t>(pair.right);
    return static_cast<std::size_t>(key * 0x9E3779B97F4A7C15ull);
  }
};

/// How often each adjacent pair occurs in a corpus (words weighted by their frequency).
using PairCounts = std::unordered_map<TokenPair, std::int64_t, TokenPairHash>;

/// @brief A change of one pair's count, per occurrence of the word it happened in.
struct PairDelta {
  TokenPair pair;      ///< the pair whose count changes
  std::int32_t delta;  ///< +1 for a pair that appeared, -1 for one that disappeared
};

/// @brief Counts every adjacent pair of every word, each word weighted by its frequency.
///
/// The body is exercise 01.6: reference solutions/01-basics/bpe_pairs.cpp, stub
/// exercises/01-basics/bpe_pairs.cpp.
/// @param words each word as token ids (a word of n tokens has n - 1 pairs).
/// @param frequencies how often each word occurs in the corpus; same length as words.
/// @return pair -> sum over words of (occurrences of the pair in the word) * frequency;
///         pairs that never occur are absent.
PairCounts count_pairs(std::span<const std::vector<TokenId>> words,
                       std::span<const std::int64_t> frequencies);

/// @brief Replaces every occurrence of `pair` in `word`, left to right and without overlap,
/// by `new_id`, and appends to `deltas` how the word's pair counts changed.
///
/// Example: word (1 2 3 1 2), pair (1 2), new_id 9 gives (9 3 9); the pairs (1 2) twice,
/// (2 3) and (3 1) disappeared and (9 3), (3 9) appeared. With overlapping occurrences the
/// leftmost wins: (1 1 1) with pair (1 1) gives (9 1). Summing the deltas of a word gives
/// exactly count(new word) - count(old word) for every pair; entries may repeat a pair and
/// may cancel out.
///
/// The body is exercise 01.7: reference solutions/01-basics/bpe_merge.cpp, stub
/// exercises/01-basics/bpe_merge.cpp.
/// @param word the word's token ids, rewritten in place.
/// @param pair the pair to merge.
/// @param new_id the token that replaces each occurrence.
/// @param deltas receives the changes (appended; existing entries are kept).
/// @return how many occurrences were merged (0 leaves word and deltas unchanged).
std::int32_t merge_pair(std::vector<TokenId>& word, TokenPair pair, TokenId new_id,
                        std::vector<PairDelta>& deltas);

}  // namespace tinygpt::text
