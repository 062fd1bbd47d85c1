/// @file panel.h
/// @brief A simulated panel of human raters, for testing agreement statistics and rankings
/// against a known truth, and for the step's demo.
///
/// A simulated rater knows the truth and reports it with probability `accuracy`; otherwise
/// it answers at random: a category drawn uniformly from all K (which may happen to be the
/// true one), or a coin flip between the two answers of a pair. So a rater is right with
/// probability accuracy + (1 - accuracy) / K on labels and accuracy + (1 - accuracy) / 2 on
/// pairs. Two such raters with accuracies a and b, on items whose true categories are
/// uniform, agree beyond chance by exactly a b: the expected Cohen's kappa is a b, and a
/// panel of equally accurate raters has Fleiss' kappa and Krippendorff's alpha near a^2.
/// A rater looks at an item at all with probability `coverage` (else the rating is missing).
///
/// Every draw comes from the counter-based generator (stream kDemo): rater r's draws for
/// item i are CounterRng(seed, kDemo, step 2 r, index i) when labelling, and CounterRng(seed,
/// kDemo, step 2 r + 1, index j) for the j-th pair when judging, so a rater's answers do not
/// change when raters or items are added after it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/eval/agreement.h"
#include "tinygpt/eval/ranking.h"

namespace tinygpt::eval {

/// @brief One simulated rater.
struct SimulatedRater {
  double accuracy = 1.0;  ///< probability of reporting the truth rather than answering at random
  double coverage = 1.0;  ///< probability of rating a given item (or judging a given pair)
};

/// @brief The panel labels items whose true categories are known. Throws Error for an
/// accuracy or coverage outside [0, 1], no raters, or a true label outside [0, categories).
/// @param raters (R) the panel.
/// @param truth (N) each item's true category, in [0, categories).
/// @param categories K, at least 2.
/// @param seed the panel's seed.
/// @return (N, R) ratings: the category rater r gave item i, NaN (kMissing) if it gave none.
RatingMatrix simulate_labels(std::span<const SimulatedRater> raters,
                             std::span<const std::int32_t> truth, std::int32_t categories,
                             std::uint64_t seed);

/// @brief The panel compares systems whose true quality is known: in each round every
/// unordered pair of systems (i < j, in order) is shown to every rater, who prefers the
/// truly better answer (calls a tie when the qualities are equal) or flips a coin. The pair's
/// first position alternates between rounds (i first in even rounds, j in odd ones), so no
/// system always comes first. Throws Error as simulate_labels does, or when `quality` does
/// not have one value per system.
/// @param raters (R) the panel.
/// @param systems (S) the systems' names.
/// @param quality (S) their true quality: higher is better.
/// @param rounds how many times every pair is shown to every rater.
/// @param seed the panel's seed.
/// @return the judgements, round by round, pair by pair, rater by rater (a rater that skips
///         a pair, by its coverage, gives none).
std::vector<Judgement> simulate_judgements(std::span<const SimulatedRater> raters,
                                           std::span<const std::string> systems,
                                           std::span<const double> quality, int rounds,
                                           std::uint64_t seed);

}  // namespace tinygpt::eval
