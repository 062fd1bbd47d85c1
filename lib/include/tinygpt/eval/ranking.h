/// @file ranking.h
/// @brief Ranking systems from pairwise human judgements ("which answer is better, A's or
/// B's?") with the Bradley-Terry model, fitted by the MM algorithm, with bootstrap intervals.
///
/// **The model** (Bradley and Terry, 1952): system i has a strength p_i > 0, and wins a
/// comparison against system j with probability
///
///     P(i beats j) = p_i / (p_i + p_j)   (the log-odds of i beating j is log p_i - log p_j)
///
/// the same model as a reward model's loss (align/preference_loss.h), there with learned
/// scores s = log p. A **tie counts as half a win for each side**: it adds 1/2 to w_ij and
/// 1/2 to w_ji below, which keeps the model as it is (no separate tie parameter, as in
/// Rao-Kupper's or Davidson's extensions).
///
/// **The fit**: with w_ij the wins of i over j, W_i = sum_j w_ij all of i's wins, and
/// n_ij = w_ij + w_ji the comparisons of i and j, the log-likelihood is
/// sum_ij w_ij (log p_i - log(p_i + p_j)). The MM algorithm (Hunter, 2004, "MM algorithms for
/// generalized Bradley-Terry models", The Annals of Statistics 32(1), eq. 3; Zermelo's
/// iteration of 1929) maximises it by repeating, for all i at once,
///
///     p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j)
///
/// each step raising the likelihood, until no log p_i changes by more than a tolerance.
/// The likelihood only fixes ratios, so after every step the strengths are **normalised to
/// a geometric mean of 1** (the log-strengths sum to 0): a system of strength 1 is an
/// average one, strength 2 beats it with probability 2/3, strength 1/2 with probability 1/3.
///
/// **When the fit does not exist** (Ford, 1957; Hunter, 2004, Assumption 1): the maximum of
/// the likelihood exists only if, however the systems are split into two groups, someone in
/// each group beat someone in the other. A system that never wins would need strength 0; one
/// that never loses, or a group that never loses to the rest, an infinite one. The functions
/// here **refuse** such data with an error naming the systems (no prior is added, so every
/// strength reported is the plain maximum-likelihood one): collect more judgements, or leave
/// those systems out.
///
/// **Intervals**: a bootstrap over judgements (Efron and Tibshirani, 1993): each resample
/// draws as many judgements as there are, with replacement, from the counter-based
/// generator (seed, stream kDemo, step 0, index = the resample), and is fitted again. A
/// resample in which the fit does not exist (a system that happened to draw no win) is left
/// out and counted; the interval is the 2.5th and 97.5th percentiles of the strength over the
/// resamples kept, and the ranking is refused when fewer than half are kept.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/eval/agreement.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::eval {

/// @brief Which of two answers a rater preferred.
enum class Preference {
  kFirstWins,   ///< the first system's answer is better
  kSecondWins,  ///< the second system's answer is better
  kTie,         ///< neither: half a win for each
};

/// @brief One pairwise judgement: which of two systems' answers (to the same prompt) a rater
/// preferred.
struct Judgement {
  std::string first;                         ///< one system's name
  std::string second;                        ///< the other's (a different system)
  Preference preference = Preference::kTie;  ///< which answer the rater preferred
};

/// @brief How the Bradley-Terry fit and its bootstrap run.
struct BradleyTerryOptions {
  int max_iterations = 100000;  ///< MM steps before giving up with an error
  double tolerance = 1e-10;     ///< converged when no log-strength moves by more than this
  int resamples = 1000;         ///< bootstrap resamples; 0: no intervals (low = high = value)
  std::uint64_t seed = 1;       ///< the resampling seed (stream kDemo)
};

/// @brief The maximum-likelihood strengths of a table of wins.
struct BradleyTerryFit {
  std::vector<double> strengths;  ///< (S) p_i, geometric mean 1
  int iterations = 0;             ///< MM steps taken
};

/// @brief The wins table of some judgements: wins(i, j) = the judgements in which system i
/// beat system j, plus half of their ties. Throws Error when a judgement names a system
/// that is not in `systems` or pits a system against itself, or when `systems` repeats a
/// name.
/// @param systems (S) the systems' names.
/// @param judgements the judgements, in any order and orientation.
/// @return (S, S) wins, rows and columns in the order of `systems`.
RatingMatrix win_matrix(std::span<const std::string> systems,
                        std::span<const Judgement> judgements);

/// @brief Fits the Bradley-Terry strengths by the MM algorithm (see the file). Throws Error
/// naming the systems when the fit does not exist (one that never wins or never loses, or a
/// group that never loses to the others), and when the MM steps do not converge within
/// options.max_iterations.
/// @param wins (S, S) wins(i, j): i's wins over j (fractions allowed, ties as halves), S >= 2.
/// @param options max_iterations and tolerance (the rest is not used).
/// @param names (S) the systems' names for error messages, or empty ("system i").
/// @return the strengths, normalised to a geometric mean of 1, and the steps taken.
BradleyTerryFit bradley_terry_fit(const Eigen::Ref<const RatingMatrix>& wins,
                                  const BradleyTerryOptions& options = {},
                                  std::span<const std::string> names = {});

/// @brief One system's place in a ranking.
struct SystemStrength {
  std::string system;           ///< its name
  tune::Interval strength;      ///< its strength (geometric mean 1) and 95% bootstrap interval
  double wins = 0.0;            ///< judgements it won, ties counted as halves
  std::int64_t judgements = 0;  ///< judgements it took part in
};

/// @brief Systems ranked by Bradley-Terry strength.
struct BradleyTerryRanking {
  std::vector<SystemStrength> systems;  ///< strongest first (ties in strength: given order)
  int iterations = 0;                   ///< MM steps of the fit on all judgements
  int resamples_kept = 0;               ///< bootstrap resamples whose fit exists
  int resamples_dropped = 0;            ///< those whose fit does not (see the file)
};

/// @brief Ranks systems from pairwise judgements: the wins table, the Bradley-Terry fit and
/// its bootstrap intervals (see the file). Throws Error for fewer than two systems, a
/// repeated name, a judgement naming an unknown system, data whose fit does not exist, and
/// when fewer than half of the resamples could be fitted.
/// @param systems (S) the systems' names.
/// @param judgements the judgements.
/// @param options the fit's and the bootstrap's settings.
/// @return the ranking, strongest first.
BradleyTerryRanking bradley_terry_ranking(std::span<const std::string> systems,
                                          std::span<const Judgement> judgements,
                                          const BradleyTerryOptions& options = {});

/// @param strength_a one system's Bradley-Terry strength.
/// @param strength_b another's.
/// @return the probability that the first beats the second, p_a / (p_a + p_b).
double win_probability(double strength_a, double strength_b);

}  // namespace tinygpt::eval
