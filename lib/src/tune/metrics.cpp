#include "tinygpt/tune/metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt::tune {

namespace {

void check_pair(std::size_t a, std::size_t b, const char* what) {
  TINYGPT_CHECK(a > 0 && a == b, what, ": ", a, " and ", b,
                " values; they must be equal and not 0");
}

}  // namespace

double accuracy(std::span<const std::int32_t> predicted, std::span<const std::int32_t> gold) {
  TINYGPT_CHECK(predicted.size() == gold.size(), "accuracy: ", predicted.size(),
                " predicted labels but ", gold.size(),
                " gold labels; they must pair up, one prediction per item");
  TINYGPT_CHECK(!gold.empty(), "accuracy: no items (the predicted and gold labels are empty)");
  std::size_t right = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) right += predicted[i] == gold[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(gold.size());
}

double macro_f1(std::span<const std::int32_t> predicted, std::span<const std::int32_t> gold,
                std::int32_t labels) {
  check_pair(predicted.size(), gold.size(), "macro_f1");
  TINYGPT_CHECK(labels > 0, "macro_f1: ", labels, " labels");
  std::vector<double> true_positive(labels), predicted_count(labels), gold_count(labels);
  for (std::size_t i = 0; i < gold.size(); ++i) {
    TINYGPT_CHECK(predicted[i] >= 0 && predicted[i] < labels && gold[i] >= 0 && gold[i] < labels,
                  "macro_f1: label outside [0, ", labels, ") at ", i);
    predicted_count[predicted[i]] += 1;
    gold_count[gold[i]] += 1;
    if (predicted[i] == gold[i]) true_positive[gold[i]] += 1;
  }
  double sum = 0.0;
  for (std::int32_t k = 0; k < labels; ++k) {
    // F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (predicted + gold): no 0/0 when P or R is.
    const double denominator = predicted_count[k] + gold_count[k];
    sum += denominator == 0 ? 1.0 : 2.0 * true_positive[k] / denominator;
  }
  return sum / labels;
}

void bootstrap_resample(std::uint64_t seed, int resample, std::span<std::size_t> picks) {
  TINYGPT_CHECK(!picks.empty() && picks.size() <= 0xFFFFFFFFu, "bootstrap_resample: ", picks.size(),
                " items; it needs 1 to 2^32 - 1");
  const auto n = static_cast<std::uint32_t>(picks.size());
  CounterRng rng(seed, RngStream::kDemo, 0, static_cast<std::uint64_t>(resample));
  for (std::size_t& pick : picks) pick = rng.below(n);
}

double bootstrap_percentile(std::span<const double> sorted, double q) {
  TINYGPT_CHECK(!sorted.empty(), "bootstrap_percentile: no values");
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5)];
}

Interval paired_bootstrap(std::span<const double> a, std::span<const double> b, int resamples,
                          std::uint64_t seed) {
  check_pair(a.size(), b.size(), "paired_bootstrap");
  TINYGPT_CHECK(resamples >= 10, "paired_bootstrap: at least 10 resamples, got ", resamples);
  double total = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) total += a[i] - b[i];
  std::vector<std::size_t> picks(a.size());
  std::vector<double> means;
  for (int r = 0; r < resamples; ++r) {
    bootstrap_resample(seed, r, picks);
    double sum = 0.0;
    for (const std::size_t pick : picks) sum += a[pick] - b[pick];
    means.push_back(sum / static_cast<double>(a.size()));
  }
  std::sort(means.begin(), means.end());
  return {total / static_cast<double>(a.size()), bootstrap_percentile(means, 0.025),
          bootstrap_percentile(means, 0.975)};
}

Interval bootstrap_mean(std::span<const double> scores, int resamples, std::uint64_t seed) {
  const std::vector<double> zeros(scores.size(), 0.0);
  return paired_bootstrap(scores, zeros, resamples, seed);
}

std::string percent(double share) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << 100.0 * share;
  return out.str();
}

std::string percent(const Interval& interval) {
  return percent(interval.value) + " [" + percent(interval.low) + ", " + percent(interval.high) +
         "]";
}

double pearson(std::span<const double> a, std::span<const double> b) {
  TINYGPT_CHECK(a.size() == b.size() && a.size() >= 2, "pearson: ", a.size(), " and ", b.size(),
                " values; it needs two series of the same length, at least 2");
  const auto n = static_cast<double>(a.size());
  double mean_a = 0.0, mean_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    mean_a += a[i] / n;
    mean_b += b[i] / n;
  }
  double covariance = 0.0, variance_a = 0.0, variance_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    covariance += (a[i] - mean_a) * (b[i] - mean_b);
    variance_a += (a[i] - mean_a) * (a[i] - mean_a);
    variance_b += (b[i] - mean_b) * (b[i] - mean_b);
  }
  if (variance_a == 0.0 || variance_b == 0.0) return 0.0;
  return covariance / std::sqrt(variance_a * variance_b);
}

}  // namespace tinygpt::tune
