#include "tinygpt/eval/significance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::eval {

namespace {

double checked_score(const CorpusMetric& metric, std::span<const std::size_t> items,
                     const char* system, int sample) {
  const double score = metric(items);
  TINYGPT_CHECK(std::isfinite(score), "paired_bootstrap_corpus: system ", system,
                "'s metric returned ", score,
                (sample < 0 ? std::string(" on the whole test set")
                            : " on resample " + std::to_string(sample)),
                "; it must return a finite number");
  return score;
}

}  // namespace

PairedBootstrap paired_bootstrap_corpus(std::size_t items, const CorpusMetric& metric_a,
                                        const CorpusMetric& metric_b,
                                        const BootstrapOptions& options) {
  TINYGPT_CHECK(items > 0, "paired_bootstrap: no test items; it needs at least one");
  TINYGPT_CHECK(items <= 0xFFFFFFFFu, "paired_bootstrap: ", items, " test items; at most 2^32 - 1");
  TINYGPT_CHECK(options.samples >= 10, "paired_bootstrap: ", options.samples,
                " bootstrap samples; it needs at least 10 (1,000 is usual)");
  TINYGPT_CHECK(metric_a && metric_b, "paired_bootstrap_corpus: a system has no metric");
  PairedBootstrap result;
  result.samples = options.samples;
  std::vector<std::size_t> picks(items);
  std::iota(picks.begin(), picks.end(), std::size_t{0});
  result.score_a = checked_score(metric_a, picks, "A", -1);
  result.score_b = checked_score(metric_b, picks, "B", -1);
  result.difference = result.score_a - result.score_b;

  std::vector<double> differences;
  differences.reserve(static_cast<std::size_t>(options.samples));
  int not_better = 0;  // resamples where the whole set's better system is not better
  for (int r = 0; r < options.samples; ++r) {
    tune::bootstrap_resample(options.seed, r, picks);
    const double d =
        checked_score(metric_a, picks, "A", r) - checked_score(metric_b, picks, "B", r);
    differences.push_back(d);
    if ((result.difference > 0.0 && d <= 0.0) || (result.difference < 0.0 && d >= 0.0)) {
      not_better += 1;
    }
  }
  result.p_value = result.difference == 0.0
                       ? 1.0
                       : static_cast<double>(not_better) / static_cast<double>(options.samples);
  std::sort(differences.begin(), differences.end());
  result.low = tune::bootstrap_percentile(differences, 0.025);
  result.high = tune::bootstrap_percentile(differences, 0.975);
  return result;
}

PairedBootstrap paired_bootstrap(std::span<const double> a, std::span<const double> b,
                                 const BootstrapOptions& options) {
  TINYGPT_CHECK(a.size() == b.size(), "paired_bootstrap: ", a.size(), " scores of system A but ",
                b.size(), " of system B; both must score the same items");
  TINYGPT_CHECK(!a.empty(), "paired_bootstrap: no scores; it needs at least one item");
  const auto mean_of = [](std::span<const double> scores) {
    return [scores](std::span<const std::size_t> items) {
      double sum = 0.0;
      for (const std::size_t i : items) sum += scores[i];
      return sum / static_cast<double>(items.size());
    };
  };
  return paired_bootstrap_corpus(a.size(), mean_of(a), mean_of(b), options);
}

std::string difference_in_points(const PairedBootstrap& test) {
  char text[96];
  std::snprintf(text, sizeof text, "%+.1f [%.1f, %.1f], p = %.3f", 100.0 * test.difference,
                100.0 * test.low, 100.0 * test.high, test.p_value);
  return text;
}

nlohmann::ordered_json to_json(const PairedBootstrap& test) {
  return {{"difference", test.difference},
          {"low", test.low},
          {"high", test.high},
          {"p_value", test.p_value}};
}

nlohmann::ordered_json to_json(const tune::Interval& interval) {
  return {{"value", interval.value}, {"low", interval.low}, {"high", interval.high}};
}

tune::Interval interval_from_json(const nlohmann::ordered_json& figure) {
  tune::Interval interval;
  for (auto [name, member] : {std::pair{"value", &interval.value}, std::pair{"low", &interval.low},
                              std::pair{"high", &interval.high}}) {
    TINYGPT_CHECK(figure.is_object() && figure.contains(name) && figure.at(name).is_number(),
                  "an interval needs a number \"", name, "\"; got ", figure.dump());
    *member = figure.at(name).get<double>();
  }
  return interval;
}

}  // namespace tinygpt::eval
