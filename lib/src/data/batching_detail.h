// Internals of batching.cpp, visible to its tests: the 64-bit bounded draw and the choice of
// a next-sentence-prediction pair (until exercise 03.5's sample_nsp_pair takes its place).
#pragma once

#include <cstdint>

#include "tinygpt/core/rng.h"
#include "tinygpt/data/batching.h"

namespace tinygpt::data::detail {

/// @brief A uniform integer in [0, bound), also for bounds of 2^32 and more (by rejection on
/// 64 bits, so without modulo bias).
/// @param rng the example's generator.
/// @param bound number of choices, at least 1.
/// @return the draw.
std::uint64_t draw_below(CounterRng& rng, std::uint64_t bound);

/// @brief Which two sentences form a pair, and whether the second follows the first.
struct NspChoice {
  std::int64_t first = 0;   ///< A's sentence index
  std::int64_t second = 0;  ///< B's sentence index
  bool is_next = false;     ///< B is the sentence right after A in A's document
};

/// @brief Chooses one NSP pair with exactly the draws objectives.h documents for
/// nsp_sample_pair (exercise 03.5): A = pair_starts[below(pair_starts.size())]; coin =
/// below(2), 0 gives B = A + 1 (is next); else o = below(D - 1), o += 1 when o >= A's
/// document, B = o's first sentence + below(o's sentence count).
/// @param corpus the sentences, with at least one pair start and two documents.
/// @param rng CounterRng(seed, kData, step, example).
/// @return the choice.
NspChoice choose_nsp_pair(const SentenceCorpus& corpus, CounterRng& rng);

}  // namespace tinygpt::data::detail
