/// @file drift.h
/// @brief Drift detection: watch a statistic of the texts a deployed model reads, compare a
/// sliding window of it with a reference, and say when the world has changed enough that
/// the model should be retrained.
///
/// Two statistics per text, both computed by the model itself, so no label is needed:
///
///   - the language model's loss on the text, in nats per token (the log of its
///     perplexity; train/language_model_figures.h turns it into a perplexity): a text
///     about a changed world holds names and facts the model finds surprising, so it rises;
///   - a classifier's confidence, its largest softmax probability: on unfamiliar input a
///     classifier is often less sure, so it falls.
///
/// The test. A reference set of R texts from the world the model knows gives the mean m_ref
/// and the sample standard deviation s_ref of the statistic. Window k of the stream holds its
/// texts k .. k + W - 1, with mean m_k. Its z-score is a two-sample z-test of the two means
/// with the reference's spread:
///
///     z_k = sign * (m_k - m_ref) / (s_ref * sqrt(1/W + 1/R))
///
/// sign = +1 when drift shows as a rise (the loss), -1 as a fall (the confidence), so a
/// positive z always means "worse for the model"; the test is one-sided on purpose: a
/// window the model finds easier than the reference is no reason to retrain. sqrt(1/W +
/// 1/R) rather than sqrt(1/W) because m_ref is itself an estimate from R texts. The
/// trigger is the first window whose z exceeds a threshold.
///
/// The threshold. Windows overlap and a stream has many of them, so the z > 3 of a single
/// test would raise false alarms far more often than 0.1% of the time. The threshold is
/// chosen on texts with no drift instead: calibrate_threshold() pools the reference with a
/// calibration set (texts of the known world that are not in the stream), draws many
/// (reference, stream) pairs of the watched sizes from the pool, takes each stream's
/// largest window z against its drawn reference, and returns the (1 - rate) quantile of
/// those maxima: a stream with no drift then raises an alarm anywhere along its length
/// with probability about `rate`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval {

/// The step of the calibration's CounterRng(seed, kDemo, step, stream * length + position).
inline constexpr std::uint64_t kDriftCalibrationStep = 6020;

/// @brief A language model's loss on one text, summed over its predicted tokens.
struct TextLoss {
  double nats = 0.0;        ///< summed cross-entropy of the predicted tokens, nats
  std::int64_t tokens = 0;  ///< tokens predicted
  /// @return nats per predicted token (the log of the text's perplexity).
  double per_token() const { return nats / static_cast<double>(tokens); }
};

/// @brief The loss of a GPT on one text as the model met its training records: the text
/// between two end-of-text tokens (when the tokenizer has one), each token predicted from
/// those before it. A text longer than the context is scored in consecutive windows of at
/// most the context, each starting afresh. Error when the text gives no token to predict.
/// @param gpt the model folder, loaded.
/// @param text the text.
/// @return its summed loss and token count.
TextLoss text_loss(models::PretrainedGpt& gpt, std::string_view text);

/// @param gpt the model folder, loaded.
/// @param texts the texts.
/// @return each text's loss in nats per token (text_loss().per_token()).
std::vector<double> text_losses(models::PretrainedGpt& gpt, std::span<const std::string> texts);

/// @param classifier a fine-tuned classifier.
/// @param texts the texts.
/// @return each text's largest class probability, in [1/K, 1].
std::vector<double> classifier_confidences(tune::TextClassifier& classifier,
                                           std::span<const std::string> texts);

/// @brief Which way a statistic moves when the model meets a world it does not know.
enum class DriftDirection {
  kRises,  ///< the loss
  kFalls,  ///< the confidence
};

/// @brief The mean and spread of a statistic on the reference texts.
struct ReferenceStatistics {
  double mean = 0.0;       ///< m_ref
  double sd = 0.0;         ///< s_ref, the sample standard deviation (divisor R - 1)
  std::int64_t count = 0;  ///< R
};

/// @param values the statistic on R >= 2 reference texts, not all equal; Error otherwise.
/// @return their mean, sample standard deviation and count.
ReferenceStatistics reference_statistics(std::span<const double> values);

/// @brief The z-score of every sliding window of a stream (the formula in this file's
/// comment). Error when the window is below 1 or longer than the stream.
/// @param stream the statistic on each text of the stream, in order.
/// @param reference the reference's statistics.
/// @param window W, texts per window.
/// @param direction which way drift moves the statistic.
/// @return N - W + 1 z-scores; z[k] is of texts k .. k + W - 1.
std::vector<double> window_z_scores(std::span<const double> stream,
                                    const ReferenceStatistics& reference, std::int64_t window,
                                    DriftDirection direction);

/// @param z the windows' z-scores.
/// @param threshold the trigger's threshold.
/// @return the first window with z > threshold, or nothing.
std::optional<std::int64_t> first_crossing(std::span<const double> z, double threshold);

/// @brief The threshold that a stream of `length` texts with no drift crosses with
/// probability `rate`. With no drift, reference and stream texts come from one population,
/// the pool of `reference` and `no_drift`; each of `streams` rounds draws from it, with
/// replacement, a reference of R texts and a stream of `length`, and notes the stream's
/// largest window z against that drawn reference (so the reference's own error is part of
/// the rate). The threshold is the (1 - rate) quantile of those maxima.
/// @param reference the statistic on the R reference texts (at least 2).
/// @param no_drift on calibration texts of the known world (at least 2).
/// @param window W.
/// @param length texts per drawn stream, at least W.
/// @param rate the false-alarm probability wanted, in (0, 1).
/// @param streams how many rounds to draw, at least 10.
/// @param direction which way drift moves the statistic.
/// @param seed the draws' seed.
/// @return the threshold.
double calibrate_threshold(std::span<const double> reference, std::span<const double> no_drift,
                           std::int64_t window, std::int64_t length, double rate,
                           std::int64_t streams, DriftDirection direction, std::uint64_t seed);

/// @brief How the monitor runs.
struct DriftOptions {
  std::int64_t window = 50;  ///< W, texts per window
  /// The threshold on z; nothing: calibrated on the calibration texts.
  std::optional<double> threshold;
  double false_alarm_rate = 0.05;  ///< for the calibration: per stream of the watched length
  std::int64_t calibration_streams = 2000;  ///< streams the calibration draws
  std::uint64_t seed = 1;                   ///< the calibration's draws
};

/// @brief One statistic watched along a stream: its values, windows, threshold and trigger.
struct DriftTrack {
  std::string statistic;                              ///< "loss" or "confidence"
  DriftDirection direction = DriftDirection::kRises;  ///< which way drift moves it
  ReferenceStatistics reference;                      ///< on the reference texts
  double calibration_mean = 0.0;                      ///< mean on the calibration texts (none: NaN)
  std::vector<double> values;                         ///< per text of the stream
  std::vector<double> z;                ///< per window; z[k] is of texts k .. k + W - 1
  std::int64_t window = 0;              ///< W
  double threshold = 0.0;               ///< on z
  bool calibrated = false;              ///< whether the threshold was calibrated
  std::int64_t switch_at = 0;           ///< first text of the new world (N: none)
  std::optional<std::int64_t> trigger;  ///< the first window over the threshold
  /// Windows made only of texts before the switch that cross the threshold: false alarms.
  std::int64_t false_alarm_windows = 0;
  std::int64_t windows_before_switch = 0;  ///< windows made only of texts before the switch
  /// When the trigger fired at or after the switch: new-world texts read by then (its last
  /// text - switch_at + 1).
  std::optional<std::int64_t> delay;
  double mean_before = 0.0;  ///< mean of the statistic on the texts before the switch
  double mean_after = 0.0;   ///< on the texts after it (NaN without a switch)
};

/// @brief Watches one statistic along a stream that switches worlds at `switch_at`.
/// @param statistic its name, for the report.
/// @param direction which way drift moves it.
/// @param reference the statistic on the reference texts (at least 2).
/// @param calibration on calibration texts (at least 2 unless options.threshold is set).
/// @param stream on the stream's texts, at least one window.
/// @param switch_at the stream's first text of the new world, in [0, N]; N: no switch.
/// @param options window, threshold or its calibration.
/// @return the track.
DriftTrack monitor_drift(std::string statistic, DriftDirection direction,
                         std::span<const double> reference, std::span<const double> calibration,
                         std::span<const double> stream, std::int64_t switch_at,
                         const DriftOptions& options);

}  // namespace tinygpt::eval
