#include "tinygpt/eval/panel.h"

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt::eval {

namespace {

void check_raters(std::span<const SimulatedRater> raters, const char* what) {
  TINYGPT_CHECK(!raters.empty(), what, ": the panel has no raters");
  for (std::size_t r = 0; r < raters.size(); ++r) {
    TINYGPT_CHECK(raters[r].accuracy >= 0.0 && raters[r].accuracy <= 1.0 &&
                      raters[r].coverage >= 0.0 && raters[r].coverage <= 1.0,
                  what, ": rater ", r, " has accuracy ", raters[r].accuracy, " and coverage ",
                  raters[r].coverage, "; both are probabilities, in [0, 1]");
  }
}

}  // namespace

RatingMatrix simulate_labels(std::span<const SimulatedRater> raters,
                             std::span<const std::int32_t> truth, std::int32_t categories,
                             std::uint64_t seed) {
  check_raters(raters, "simulate_labels");
  TINYGPT_CHECK(categories >= 2, "simulate_labels: ", categories,
                " categories; labelling needs at least two");
  RatingMatrix ratings(static_cast<Eigen::Index>(truth.size()),
                       static_cast<Eigen::Index>(raters.size()));
  for (std::size_t i = 0; i < truth.size(); ++i) {
    TINYGPT_CHECK(truth[i] >= 0 && truth[i] < categories, "simulate_labels: item ", i,
                  "'s true category ", truth[i], " is outside [0, ", categories, ")");
    for (std::size_t r = 0; r < raters.size(); ++r) {
      CounterRng rng(seed, RngStream::kDemo, 2 * r, i);
      // Three draws, always all of them, so each decision has its own.
      const bool rates = rng.uniform() < raters[r].coverage;
      const bool knows = rng.uniform() < raters[r].accuracy;
      const auto guess =
          static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(categories)));
      ratings(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(r)) =
          !rates ? kMissing : static_cast<double>(knows ? truth[i] : guess);
    }
  }
  return ratings;
}

std::vector<Judgement> simulate_judgements(std::span<const SimulatedRater> raters,
                                           std::span<const std::string> systems,
                                           std::span<const double> quality, int rounds,
                                           std::uint64_t seed) {
  check_raters(raters, "simulate_judgements");
  TINYGPT_CHECK(systems.size() >= 2 && quality.size() == systems.size(),
                "simulate_judgements: ", systems.size(), " systems and ", quality.size(),
                " qualities; give one quality per system, for at least two systems");
  TINYGPT_CHECK(rounds >= 0, "simulate_judgements: ", rounds, " rounds");
  std::vector<Judgement> judgements;
  std::uint64_t pair_index = 0;
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < systems.size(); ++i) {
      for (std::size_t j = i + 1; j < systems.size(); ++j, ++pair_index) {
        const bool swap = round % 2 == 1;
        const std::size_t first = swap ? j : i;
        const std::size_t second = swap ? i : j;
        const Preference truth = quality[first] > quality[second]   ? Preference::kFirstWins
                                 : quality[first] < quality[second] ? Preference::kSecondWins
                                                                    : Preference::kTie;
        for (std::size_t r = 0; r < raters.size(); ++r) {
          CounterRng rng(seed, RngStream::kDemo, 2 * r + 1, pair_index);
          const bool judges = rng.uniform() < raters[r].coverage;
          const bool knows = rng.uniform() < raters[r].accuracy;
          const Preference coin =
              rng.below(2) == 0 ? Preference::kFirstWins : Preference::kSecondWins;
          if (!judges) continue;
          judgements.push_back({systems[first], systems[second], knows ? truth : coin});
        }
      }
    }
  }
  return judgements;
}

}  // namespace tinygpt::eval
