/// @file significance.h
/// @brief Is system A really better than system B on this test set? The paired bootstrap
/// test (Koehn: "Statistical Significance Tests for Machine Translation Evaluation",
/// EMNLP 2004, section 4).
///
/// Both systems are scored on the same N test items. A resample draws N item indices with
/// replacement; both systems are scored on that same list (paired), and the difference
/// metric(A) - metric(B) is kept. Over S resamples:
/// - the 95% interval is the 2.5th and 97.5th percentiles of the S differences (sorted, the
///   values at round(q (S - 1)), as tune::paired_bootstrap reads them);
/// - the p-value is Koehn's: the share of resamples in which the system that is better on
///   the whole test set is not better (a difference <= 0 when A is, >= 0 when B is; ties
///   count as not better). A system better in at least 95% of resamples (p <= 0.05) is
///   better "with 95% statistical significance". When the whole-set difference is exactly
///   0, neither system is better and p is 1.
///
/// A metric that is a mean of per-item scores (accuracy, exact match, token F1) takes
/// paired_bootstrap(). A corpus-level metric whose statistics are summed over items before
/// a ratio is formed (BLEU: n-gram matches and lengths; chrF; macro F1 from the resample's
/// confusion matrix) cannot be averaged per item; it takes paired_bootstrap_corpus() with a
/// callback that scores a list of item indices (repeats included) from scratch.
///
/// Resample r is tune::bootstrap_resample(seed, r) and the percentiles are
/// tune::bootstrap_percentile's, as in tune::paired_bootstrap, so a result is a function of
/// the seed and for per-item scores the two give the same interval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "tinygpt/tune/metrics.h"

namespace tinygpt::eval {

/// @brief How many resamples and which random numbers.
struct BootstrapOptions {
  int samples = 1000;      ///< S, the number of resamples, at least 10 (Koehn uses 1,000)
  std::uint64_t seed = 1;  ///< the resampling seed (stream kDemo)
};

/// @brief The outcome of a paired bootstrap test of A against B.
struct PairedBootstrap {
  double score_a = 0.0;     ///< A's metric on the whole test set
  double score_b = 0.0;     ///< B's metric on the whole test set
  double difference = 0.0;  ///< score_a - score_b
  double low = 0.0;         ///< 2.5th percentile of the resampled differences
  double high = 0.0;        ///< 97.5th percentile of the resampled differences
  /// Koehn's p-value: the share of resamples in which the system better on the whole set
  /// is not better (1 when the whole-set difference is 0), in [0, 1].
  double p_value = 1.0;
  int samples = 0;  ///< S, the number of resamples
};

/// @brief A corpus-level metric of one system: its score on the listed items (indices into
/// the test set, with repeats; a repeated item counts as often as it is listed).
using CorpusMetric = std::function<double(std::span<const std::size_t> items)>;

/// @brief The paired bootstrap test of a metric that is the mean of per-item scores.
/// @param a (N) system A's score per item, N >= 1.
/// @param b (N) system B's score on the same items, in the same order.
/// @param options resamples and seed.
/// @return mean(a) - mean(b), its interval and Koehn's p-value.
PairedBootstrap paired_bootstrap(std::span<const double> a, std::span<const double> b,
                                 const BootstrapOptions& options = {});

/// @brief The paired bootstrap test of a corpus-level metric (BLEU, say).
/// @param items N, the number of test items, at least 1 (and below 2^32).
/// @param metric_a scores system A on a list of item indices; called S + 1 times, first
///        with 0, 1, ..., N - 1. Must return a finite number.
/// @param metric_b the same for system B, on the same lists.
/// @param options resamples and seed.
/// @return metric_a(all) - metric_b(all), its interval and Koehn's p-value.
PairedBootstrap paired_bootstrap_corpus(std::size_t items, const CorpusMetric& metric_a,
                                        const CorpusMetric& metric_b,
                                        const BootstrapOptions& options = {});

/// @brief A paired test as the reports print it.
/// @param test the test of two share-valued metrics (accuracies, gold scores).
/// @return the difference and its interval in points, and the p-value:
///         "+1.2 [0.3, 2.0], p = 0.012".
std::string difference_in_points(const PairedBootstrap& test);

/// @param test a paired test.
/// @return {"difference", "low", "high", "p_value"} as report.json files hold it.
nlohmann::ordered_json to_json(const PairedBootstrap& test);

/// @param interval a figure with its 95% interval.
/// @return {"value", "low", "high"} as the reports' JSON files hold it.
nlohmann::ordered_json to_json(const tune::Interval& interval);

/// @param figure {"value", "low", "high"} as to_json() writes it; Error naming the missing
///        or non-numeric member otherwise.
/// @return the interval.
tune::Interval interval_from_json(const nlohmann::ordered_json& figure);

}  // namespace tinygpt::eval
