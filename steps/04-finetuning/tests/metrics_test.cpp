// The figures fine-tuning reports (tune/metrics.h), against values worked out by hand
// (scikit-learn's f1_score(average="macro") gives the same on these lists).
#include <vector>

#include "test_support.hpp"
#include "tinygpt/tune/metrics.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("accuracy and macro F1 on a known example", "[step04][metrics]") {
  const std::vector<std::int32_t> gold = {0, 0, 0, 1, 1, 2};
  const std::vector<std::int32_t> predicted = {0, 0, 1, 1, 2, 2};
  CHECK(tune::accuracy(predicted, gold) == Approx(4.0 / 6.0));
  // Label 0: P 2/2, R 2/3, F1 0.8; label 1: P 1/2, R 1/2, F1 0.5; label 2: P 1/2, R 1, F1 2/3.
  CHECK(tune::macro_f1(predicted, gold, 3) == Approx((0.8 + 0.5 + 2.0 / 3.0) / 3.0));
  // A label never predicted scores 0, so ignoring a rare class costs a third of the score.
  const std::vector<std::int32_t> majority = {0, 0, 0, 1, 1, 1};
  CHECK(tune::macro_f1(majority, gold, 3) < tune::accuracy(majority, gold));
  CHECK_THROWS_WITH(tune::accuracy(predicted, std::vector<std::int32_t>{0}),
                    contains("6 predicted labels but 1 gold labels"));
  CHECK_THROWS_WITH(tune::macro_f1(predicted, gold, 2), contains("outside"));
}

TEST_CASE("paired bootstrap intervals: a real difference excludes 0, no difference spans it",
          "[step04][metrics]") {
  std::vector<double> a, b, same;
  for (int i = 0; i < 400; ++i) {
    a.push_back(i % 10 < 8 ? 1.0 : 0.0);  // 80% right
    b.push_back(i % 10 < 6 ? 1.0 : 0.0);  // 60% right, on the same examples
    same.push_back(i % 2 == 0 ? 1.0 : 0.0);
  }
  const tune::Interval difference = tune::paired_bootstrap(a, b);
  CHECK(difference.value == Approx(0.2));
  CHECK(difference.low > 0.0);
  CHECK(difference.low < 0.2);
  CHECK(difference.high > 0.2);
  std::vector<double> shuffled = same;
  std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
  const tune::Interval none = tune::paired_bootstrap(same, shuffled);
  CHECK(none.low < 0.0);
  CHECK(none.high > 0.0);
  const tune::Interval mean = tune::bootstrap_mean(a);
  CHECK(mean.value == Approx(0.8));
  CHECK(mean.low < 0.8);
  CHECK(mean.high > 0.8);
  // The same seed gives the same interval.
  CHECK(tune::bootstrap_mean(a).low == mean.low);
}

TEST_CASE("Pearson's correlation of known series", "[step04][metrics]") {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  CHECK(tune::pearson(x, std::vector<double>{2, 4, 6, 8, 10}) == Approx(1.0));
  CHECK(tune::pearson(x, std::vector<double>{5, 4, 3, 2, 1}) == Approx(-1.0));
  // numpy.corrcoef([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])[0, 1] = 0.8
  CHECK(tune::pearson(x, std::vector<double>{2, 1, 4, 3, 5}) == Approx(0.8));
  CHECK(tune::pearson(x, std::vector<double>{3, 3, 3, 3, 3}) == 0.0);
  CHECK_THROWS(tune::pearson(x, std::vector<double>{1}));
}
