/// @file metrics.h
/// @brief The figures fine-tuning reports: accuracy, macro F1, and bootstrap intervals
/// that say whether a difference is more than the luck of one test set.
///
/// Macro F1 averages the per-label F1 = 2 P R / (P + R) with equal weight per label, so a
/// model that ignores a rare label is not hidden behind the frequent ones. The paired
/// bootstrap (Efron and Tibshirani, 1993; Koehn, 2004, for comparing systems) resamples the
/// test examples with replacement, scores both systems on the same resample, and reads the
/// 2.5th and 97.5th percentiles of the difference: an interval above 0 means A beats B on
/// such test sets in 95% of draws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tinygpt::tune {

/// @param predicted predicted label indices.
/// @param gold gold label indices (same length, not empty).
/// @return the share of equal pairs, in [0, 1].
double accuracy(std::span<const std::int32_t> predicted, std::span<const std::int32_t> gold);

/// @param predicted predicted label indices in [0, labels).
/// @param gold gold label indices (same length, not empty).
/// @param labels K; a label that is neither predicted nor gold counts as F1 1 (nothing to
///        get wrong), one that is only one of them as 0.
/// @return the mean of the K per-label F1 scores, in [0, 1].
double macro_f1(std::span<const std::int32_t> predicted, std::span<const std::int32_t> gold,
                std::int32_t labels);

/// @brief A figure with its 95% interval.
struct Interval {
  double value = 0.0;  ///< the figure on the whole test set
  double low = 0.0;    ///< 2.5th percentile over the resamples
  double high = 0.0;   ///< 97.5th percentile over the resamples
};

/// @brief Resample r of a bootstrap over N items: N item indices drawn with replacement
/// from CounterRng(seed, RngStream::kDemo, 0, r), the draws of every bootstrap in the course
/// (here and in eval/significance.h), so two bootstraps with one seed see the same samples.
/// @param seed the resampling seed.
/// @param resample r, from 0.
/// @param picks (N) out: the indices, each in [0, N); N at most 2^32 - 1.
void bootstrap_resample(std::uint64_t seed, int resample, std::span<std::size_t> picks);

/// @brief A percentile of bootstrap values as the course reads it: the value at
/// round(q (S - 1)) of the S values sorted.
/// @param sorted (S) the values, sorted, S >= 1.
/// @param q the quantile, in [0, 1] (0.025 and 0.975 for a 95% interval).
/// @return the value.
double bootstrap_percentile(std::span<const double> sorted, double q);

/// @brief The bootstrap interval of a mean score (accuracy, when scores are 0 or 1).
/// @param scores one score per example, not empty.
/// @param resamples how many resamples (1,000 is usual).
/// @param seed the resampling seed (stream kDemo).
/// @return the mean and its interval.
Interval bootstrap_mean(std::span<const double> scores, int resamples = 1000,
                        std::uint64_t seed = 1);

/// @brief The paired bootstrap interval of mean(a) - mean(b) on the same examples.
/// @param a system A's score per example.
/// @param b system B's score on the same examples (same length, not empty).
/// @param resamples how many resamples.
/// @param seed the resampling seed (stream kDemo).
/// @return the difference and its interval.
Interval paired_bootstrap(std::span<const double> a, std::span<const double> b,
                          int resamples = 1000, std::uint64_t seed = 1);

/// @param share a share, e.g. 0.123.
/// @return it as a percentage with one decimal: "12.3".
std::string percent(double share);

/// @param interval a share with its interval.
/// @return "12.3 [10.1, 14.5]": the value and its interval as percentages.
std::string percent(const Interval& interval);

/// @brief Pearson's correlation coefficient of two series (0 when either is constant).
/// @param a one value per example.
/// @param b another value per example (same length, at least 2).
/// @return cov(a, b) / (sd(a) sd(b)), in [-1, 1].
double pearson(std::span<const double> a, std::span<const double> b);

}  // namespace tinygpt::tune
