// The paired bootstrap test (eval/significance.h; Koehn, 2004): a clearly better system
// gets p near 0, equal systems do not, a result is a function of its seed, per-item scores
// agree with step 04's tune::paired_bootstrap, and a corpus metric whose statistics are
// summed (a ratio of sums, as BLEU's) goes through the callback.
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/significance.h"
#include "tinygpt/tune/metrics.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

// 400 items: A right on 80% of them, B on 60% (B's right items are among A's).
std::vector<double> pattern(int right_of_ten) {
  std::vector<double> scores;
  for (int i = 0; i < 400; ++i) scores.push_back(i % 10 < right_of_ten ? 1.0 : 0.0);
  return scores;
}

}  // namespace

TEST_CASE("a clearly better system: p near 0, an interval above 0", "[step06][significance]") {
  const std::vector<double> a = pattern(8), b = pattern(6);
  const PairedBootstrap result = paired_bootstrap(a, b);
  CHECK(result.samples == 1000);
  CHECK(result.score_a == Approx(0.8));
  CHECK(result.score_b == Approx(0.6));
  CHECK(result.difference == Approx(0.2));
  CHECK(result.low > 0.0);
  CHECK(result.low < 0.2);
  CHECK(result.high > 0.2);
  // A is better in every resample of 400 items (the difference is 20 standard errors).
  CHECK(result.p_value < 0.01);
  // B against A: the same test, seen from the other side.
  const PairedBootstrap reverse = paired_bootstrap(b, a);
  CHECK(reverse.difference == Approx(-0.2));
  CHECK(reverse.high < 0.0);
  CHECK(reverse.p_value == result.p_value);
}

TEST_CASE("equal systems are not told apart", "[step06][significance]") {
  // The same scores: every resample ties, nobody is better, p = 1.
  const std::vector<double> a = pattern(5);
  const PairedBootstrap same = paired_bootstrap(a, a);
  CHECK(same.difference == 0.0);
  CHECK(same.low == 0.0);
  CHECK(same.high == 0.0);
  CHECK(same.p_value == 1.0);
  // Equally good on different items, one item apart: A "wins" on the whole set by 1/400,
  // but not in about half the resamples.
  std::vector<double> b(400, 0.0), c(400, 0.0);
  for (int i = 0; i < 400; ++i) {
    b[i] = i % 2 == 0 ? 1.0 : 0.0;                  // 200 right
    c[i] = (i % 4 == 1 || i % 4 == 2) ? 1.0 : 0.0;  // 200 right, half of them others
  }
  c[3] = 1.0;  // 201 right
  const PairedBootstrap close = paired_bootstrap(c, b);
  CHECK(close.difference == Approx(1.0 / 400.0));
  CHECK(close.low < 0.0);
  CHECK(close.high > 0.0);
  CHECK(close.p_value > 0.3);
  CHECK(close.p_value < 0.7);
}

TEST_CASE("a result is a function of its seed, and per-item scores agree with tune",
          "[step06][significance]") {
  const std::vector<double> a = pattern(7), b = pattern(6);
  const PairedBootstrap first = paired_bootstrap(a, b, {.samples = 500, .seed = 9});
  const PairedBootstrap again = paired_bootstrap(a, b, {.samples = 500, .seed = 9});
  CHECK(first.low == again.low);
  CHECK(first.high == again.high);
  CHECK(first.p_value == again.p_value);
  CHECK(first.samples == 500);
  const PairedBootstrap other = paired_bootstrap(a, b, {.samples = 500, .seed = 10});
  CHECK((other.low != first.low || other.high != first.high || other.p_value != first.p_value));
  // The same resamples as step 04's paired bootstrap (stream kDemo, resample r at index r):
  // the same interval, up to the order of additions.
  std::vector<double> mixed(400);
  for (int i = 0; i < 400; ++i) mixed[i] = static_cast<double>((i * 37) % 11) / 10.0;
  const tune::Interval theirs = tune::paired_bootstrap(mixed, b, 1000, 3);
  const PairedBootstrap ours = paired_bootstrap(mixed, b, {.samples = 1000, .seed = 3});
  CHECK(ours.difference == Approx(theirs.value).margin(1e-12));
  CHECK(ours.low == Approx(theirs.low).margin(1e-12));
  CHECK(ours.high == Approx(theirs.high).margin(1e-12));
}

TEST_CASE("a corpus metric goes through the callback: a ratio of sums", "[step06][significance]") {
  // Each item has a number of matches out of a length (as BLEU's n-gram counts): the
  // corpus score is sum(matches) / sum(lengths), not the mean of the per-item ratios.
  const std::vector<double> length = {10, 2, 8, 4, 6, 1, 9, 3};
  const std::vector<double> matches_a = {9, 0, 7, 3, 5, 0, 8, 2};
  const std::vector<double> matches_b = {5, 2, 4, 2, 3, 1, 4, 2};
  int calls = 0;
  const auto ratio_of_sums = [&](const std::vector<double>& matches) {
    return [&, matches](std::span<const std::size_t> items) {
      ++calls;
      CHECK(items.size() == length.size());
      double matched = 0.0, total = 0.0;
      for (const std::size_t i : items) {
        matched += matches[i];
        total += length[i];
      }
      return matched / total;
    };
  };
  const PairedBootstrap result =
      paired_bootstrap_corpus(length.size(), ratio_of_sums(matches_a), ratio_of_sums(matches_b));
  CHECK(calls == 2 * (1000 + 1));
  CHECK(result.score_a == Approx(34.0 / 43.0));  // the first call lists every item once
  CHECK(result.score_b == Approx(23.0 / 43.0));
  CHECK(result.difference == Approx(11.0 / 43.0));
  CHECK(result.low <= result.difference);
  CHECK(result.high >= result.difference);
  // Eight items, two of which B wins outright: A is better in about 95% of resamples.
  CHECK(result.p_value > 0.0);
  CHECK(result.p_value < 0.1);
  // Averaging the per-item ratios instead would even reverse the order: B's short items,
  // all matched, weigh as much as A's long ones.
  double mean_a = 0.0, mean_b = 0.0;
  for (std::size_t i = 0; i < length.size(); ++i) {
    mean_a += matches_a[i] / length[i] / static_cast<double>(length.size());
    mean_b += matches_b[i] / length[i] / static_cast<double>(length.size());
  }
  CHECK(mean_a < mean_b);
  // Means of per-item scores through the callback are paired_bootstrap() itself.
  const std::vector<double> a = pattern(7), b = pattern(5);
  const auto mean_of = [](const std::vector<double>& scores) {
    return [&scores](std::span<const std::size_t> items) {
      double sum = 0.0;
      for (const std::size_t i : items) sum += scores[i];
      return sum / static_cast<double>(items.size());
    };
  };
  const PairedBootstrap direct = paired_bootstrap(a, b);
  const PairedBootstrap through = paired_bootstrap_corpus(a.size(), mean_of(a), mean_of(b));
  CHECK(through.low == direct.low);
  CHECK(through.high == direct.high);
  CHECK(through.p_value == direct.p_value);
}

TEST_CASE("bad bootstrap input is refused with the problem named", "[step06][significance]") {
  const std::vector<double> three = {1, 0, 1}, two = {1, 0};
  CHECK_THROWS_WITH(paired_bootstrap(three, two),
                    contains("3 scores of system A but 2 of system B"));
  CHECK_THROWS_WITH(paired_bootstrap({}, {}), contains("no scores"));
  CHECK_THROWS_WITH(paired_bootstrap(three, three, {.samples = 0}),
                    contains("0 bootstrap samples; it needs at least 10"));
  const auto constant = [](std::span<const std::size_t>) { return 0.5; };
  CHECK_THROWS_WITH(paired_bootstrap_corpus(0, constant, constant), contains("no test items"));
  const auto broken = [](std::span<const std::size_t>) {
    return std::numeric_limits<double>::quiet_NaN();
  };
  CHECK_THROWS_WITH(paired_bootstrap_corpus(3, constant, broken),
                    contains("system B's metric returned nan on the whole test set"));
}
