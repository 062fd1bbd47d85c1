// A simulated panel of raters (eval/panel.h) checks the agreement statistics and the ranking
// against a known truth: kappa and alpha fall with the raters' accuracy as the theory says
// (a^2 for a panel of accuracy a), and Bradley-Terry recovers the systems' true order.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/agreement.h"
#include "tinygpt/eval/panel.h"
#include "tinygpt/eval/ranking.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

std::vector<std::int32_t> uniform_truth(int items, std::int32_t categories) {
  std::vector<std::int32_t> truth;
  for (int i = 0; i < items; ++i) truth.push_back(i % categories);
  return truth;
}

std::vector<std::int32_t> column(const eval::RatingMatrix& ratings, Eigen::Index r) {
  std::vector<std::int32_t> labels;
  for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
    labels.push_back(static_cast<std::int32_t>(ratings(i, r)));
  }
  return labels;
}

}  // namespace

TEST_CASE("simulated panel: kappa and alpha fall as the raters' accuracy falls, near a^2",
          "[step06][panel]") {
  constexpr std::int32_t kCategories = 4;
  const std::vector<std::int32_t> truth = uniform_truth(800, kCategories);
  double previous_fleiss = 2.0, previous_alpha = 2.0, previous_cohen = 2.0;
  std::ostringstream table;
  table << "accuracy, a^2, Fleiss' kappa, Krippendorff's alpha, Cohen's kappa of raters 0 and 1";
  for (double accuracy : {1.0, 0.9, 0.7, 0.5, 0.3, 0.0}) {
    const std::vector<eval::SimulatedRater> panel(4, {.accuracy = accuracy});
    const eval::RatingMatrix ratings = eval::simulate_labels(panel, truth, kCategories, 17);
    const double fleiss = eval::fleiss_kappa(eval::category_counts(ratings, kCategories));
    const double alpha = eval::krippendorff_alpha(ratings, eval::Level::kNominal);
    const double cohen = eval::cohen_kappa(column(ratings, 0), column(ratings, 1));
    const double expected = accuracy * accuracy;
    INFO("accuracy " << accuracy << ": Fleiss " << fleiss << ", alpha " << alpha << ", Cohen "
                     << cohen << ", a^2 " << expected);
    // 800 items: a standard error of about 0.02 for Fleiss' and alpha, 0.03 for one pair.
    CHECK(std::abs(fleiss - expected) < 0.06);
    CHECK(std::abs(alpha - expected) < 0.06);
    CHECK(std::abs(cohen - expected) < 0.09);
    CHECK(fleiss < previous_fleiss);
    CHECK(alpha < previous_alpha);
    CHECK(cohen < previous_cohen);
    previous_fleiss = fleiss;
    previous_alpha = alpha;
    previous_cohen = cohen;
    table << "\n"
          << accuracy << ", " << expected << ", " << fleiss << ", " << alpha << ", " << cohen;
  }
  WARN(table.str());
}

TEST_CASE("simulated panel: missing ratings leave alpha where it was", "[step06][panel]") {
  const std::vector<std::int32_t> truth = uniform_truth(800, 3);
  const std::vector<eval::SimulatedRater> full(5, {.accuracy = 0.8});
  const std::vector<eval::SimulatedRater> partial(5, {.accuracy = 0.8, .coverage = 0.5});
  const eval::RatingMatrix some = eval::simulate_labels(partial, truth, 3, 3);
  const double missing = (some.array().isNaN()).cast<double>().mean();
  CHECK(missing == Approx(0.5).margin(0.05));
  CHECK_THROWS_WITH(eval::fleiss_kappa(eval::category_counts(some, 3)), contains("ratings"));
  const double alpha_full =
      eval::krippendorff_alpha(eval::simulate_labels(full, truth, 3, 3), eval::Level::kNominal);
  const double alpha_some = eval::krippendorff_alpha(some, eval::Level::kNominal);
  CHECK(std::abs(alpha_full - 0.64) < 0.06);
  CHECK(std::abs(alpha_some - 0.64) < 0.06);
}

TEST_CASE("simulated panel: a rater's answers are a function of the seed, rater and item",
          "[step06][panel]") {
  const std::vector<std::int32_t> truth = uniform_truth(50, 5);
  const std::vector<eval::SimulatedRater> two(2, {.accuracy = 0.5});
  const std::vector<eval::SimulatedRater> three(3, {.accuracy = 0.5});
  const eval::RatingMatrix a = eval::simulate_labels(two, truth, 5, 9);
  CHECK(a == eval::simulate_labels(two, truth, 5, 9));
  CHECK(a != eval::simulate_labels(two, truth, 5, 10));
  // A third rater does not change the first two's answers.
  CHECK(a == eval::simulate_labels(three, truth, 5, 9).leftCols(2));
  const std::vector<eval::SimulatedRater> perfect(2, {.accuracy = 1.0});
  CHECK(column(eval::simulate_labels(perfect, truth, 5, 9), 1) == truth);
  CHECK_THROWS_WITH(
      eval::simulate_labels(std::vector<eval::SimulatedRater>{{.accuracy = 1.5}}, truth, 5, 1),
      contains("rater 0 has accuracy 1.5"));
  CHECK_THROWS_WITH(eval::simulate_labels(two, truth, 4, 1), contains("outside [0, 4)"));
}

TEST_CASE("simulated panel: Bradley-Terry recovers the systems' true order", "[step06][panel]") {
  const std::vector<std::string> systems = {"tiny", "small", "medium", "large", "huge"};
  const std::vector<double> quality = {1, 2, 3, 4, 5};
  // Raters right 60% of the time, a coin otherwise: the better system wins 80% of its pairs.
  const std::vector<eval::SimulatedRater> panel(3, {.accuracy = 0.6});
  const std::vector<eval::Judgement> judgements =
      eval::simulate_judgements(panel, systems, quality, 20, 4);
  CHECK(judgements.size() == 3 * 20 * 10);
  const eval::BradleyTerryRanking ranking =
      eval::bradley_terry_ranking(systems, judgements, {.resamples = 300, .seed = 2});
  CHECK(ranking.resamples_kept == 300);
  const std::vector<std::string> expected_order = {"huge", "large", "medium", "small", "tiny"};
  for (std::size_t i = 0; i < expected_order.size(); ++i) {
    CHECK(ranking.systems[i].system == expected_order[i]);
  }
  // The best and the worst are told apart beyond doubt; the intervals hold their estimates.
  CHECK(ranking.systems.front().strength.low > ranking.systems.back().strength.high);
  for (const auto& entry : ranking.systems) {
    CHECK(entry.strength.low < entry.strength.value);
    CHECK(entry.strength.value < entry.strength.high);
  }
  // Coin-flipping raters: no system stands out (every interval covers the average, 1).
  const std::vector<eval::SimulatedRater> guessing(3, {.accuracy = 0.0});
  const eval::BradleyTerryRanking noise = eval::bradley_terry_ranking(
      systems, eval::simulate_judgements(guessing, systems, quality, 20, 4), {.resamples = 300});
  for (const auto& entry : noise.systems) {
    INFO(entry.system << " " << entry.strength.low << " .. " << entry.strength.high);
    CHECK(entry.strength.low < 1.0);
    CHECK(entry.strength.high > 1.0);
  }
}
