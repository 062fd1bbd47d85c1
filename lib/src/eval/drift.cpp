// Drift detection (drift.h): per-text statistics, the reference, window z-scores, the
// calibrated threshold and the trigger.
#include "tinygpt/eval/drift.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/nn/cross_entropy.h"

namespace tinygpt::eval {

namespace {

// The mean of some values; NaN for none.
double mean_of(std::span<const double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Mean, sample standard deviation (divisor n - 1) and count of n >= 2 values.
ReferenceStatistics statistics_of(std::span<const double> values) {
  ReferenceStatistics out;
  out.count = static_cast<std::int64_t>(values.size());
  out.mean = mean_of(values);
  double squares = 0.0;
  for (const double v : values) squares += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(squares / static_cast<double>(out.count - 1));
  return out;
}

}  // namespace

TextLoss text_loss(models::PretrainedGpt& gpt, std::string_view text) {
  // As a training record sits in a token file: after the previous record's end-of-text
  // token and followed by its own, so the first word and the end are predicted too.
  std::vector<std::int32_t> ids;
  if (gpt.end_of_text) ids.push_back(*gpt.end_of_text);
  const std::vector<std::int32_t> body = gpt.tokenizer.encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  if (gpt.end_of_text) ids.push_back(*gpt.end_of_text);
  TINYGPT_CHECK(ids.size() >= 2, "text_loss: the text \"", text.substr(0, 40),
                "\" gives no token to predict");
  const auto context = static_cast<std::size_t>(gpt.model.config().context_length);
  Tape tape;
  const NoGradGuard no_grad(tape);
  TextLoss loss;
  // Consecutive windows of at most `context` inputs; window w predicts ids[start + 1 ..].
  for (std::size_t start = 0; start + 1 < ids.size(); start += context) {
    const std::size_t time = std::min(context, ids.size() - 1 - start);
    const std::vector<std::int32_t> inputs(ids.begin() + start, ids.begin() + start + time);
    const std::vector<std::int32_t> targets(ids.begin() + start + 1,
                                            ids.begin() + start + 1 + time);
    tape.reset();
    const Tensor logits = gpt.model.forward(tape, inputs, 1);
    // The shared cross-entropy gives the window's mean; weighted back into a sum.
    loss.nats +=
        nn::softmax_cross_entropy(tape, logits, targets).item() * static_cast<double>(time);
    loss.tokens += static_cast<std::int64_t>(time);
  }
  return loss;
}

std::vector<double> text_losses(models::PretrainedGpt& gpt, std::span<const std::string> texts) {
  std::vector<double> losses;
  losses.reserve(texts.size());
  for (const std::string& text : texts) losses.push_back(text_loss(gpt, text).per_token());
  return losses;
}

std::vector<double> classifier_confidences(tune::TextClassifier& classifier,
                                           std::span<const std::string> texts) {
  std::vector<double> confidences;
  if (texts.empty()) return confidences;
  const Matrix probabilities = classifier.probabilities(texts);
  confidences.reserve(texts.size());
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    confidences.push_back(static_cast<double>(probabilities.row(i).maxCoeff()));
  }
  return confidences;
}

ReferenceStatistics reference_statistics(std::span<const double> values) {
  TINYGPT_CHECK(values.size() >= 2, "reference_statistics: need at least 2 reference texts, got ",
                values.size());
  const ReferenceStatistics out = statistics_of(values);
  TINYGPT_CHECK(out.sd > 0.0, "reference_statistics: the ", out.count,
                " reference values are all equal (", out.mean, "); a spread is needed");
  return out;
}

std::vector<double> window_z_scores(std::span<const double> stream,
                                    const ReferenceStatistics& reference, std::int64_t window,
                                    DriftDirection direction) {
  const auto n = static_cast<std::int64_t>(stream.size());
  TINYGPT_CHECK(window >= 1 && window <= n, "window_z_scores: the window (", window,
                " texts) must be at least 1 and at most the stream's ", n, " texts");
  TINYGPT_CHECK(reference.count >= 2 && reference.sd > 0.0,
                "window_z_scores: the reference needs 2 or more values with a spread, got ",
                reference.count, " with sd ", reference.sd);
  // Standard error of m_k - m_ref: both means are estimates, of W and of R texts.
  const double se = reference.sd * std::sqrt(1.0 / static_cast<double>(window) +
                                             1.0 / static_cast<double>(reference.count));
  const double sign = direction == DriftDirection::kRises ? 1.0 : -1.0;
  std::vector<double> z;
  z.reserve(static_cast<std::size_t>(n - window + 1));
  // A running sum: add the text entering the window, drop the one leaving it.
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    sum += stream[static_cast<std::size_t>(i)];
    if (i >= window) sum -= stream[static_cast<std::size_t>(i - window)];
    if (i >= window - 1) {
      z.push_back(sign * (sum / static_cast<double>(window) - reference.mean) / se);
    }
  }
  return z;
}

std::optional<std::int64_t> first_crossing(std::span<const double> z, double threshold) {
  for (std::size_t k = 0; k < z.size(); ++k) {
    if (z[k] > threshold) return static_cast<std::int64_t>(k);
  }
  return std::nullopt;
}

double calibrate_threshold(std::span<const double> reference, std::span<const double> no_drift,
                           std::int64_t window, std::int64_t length, double rate,
                           std::int64_t streams, DriftDirection direction, std::uint64_t seed) {
  TINYGPT_CHECK(reference.size() >= 2 && no_drift.size() >= 2,
                "calibrate_threshold: need at least 2 reference and 2 calibration texts, got ",
                reference.size(), " and ", no_drift.size());
  TINYGPT_CHECK(length >= window && window >= 1, "calibrate_threshold: a stream of ", length,
                " texts has no window of ", window);
  TINYGPT_CHECK(rate > 0.0 && rate < 1.0,
                "calibrate_threshold: the false-alarm rate must be in "
                "(0, 1), got ",
                rate);
  TINYGPT_CHECK(streams >= 10, "calibrate_threshold: draw at least 10 streams, got ", streams);
  // With no drift, reference and stream come from one population: the pool of both sets.
  // Each round draws a reference of R texts and a stream of `length` from it, so the
  // threshold also covers the error of the reference's own mean and spread.
  std::vector<double> pool(reference.begin(), reference.end());
  pool.insert(pool.end(), no_drift.begin(), no_drift.end());
  const auto count = static_cast<std::uint32_t>(pool.size());
  const auto r = static_cast<std::int64_t>(reference.size());
  std::vector<double> maxima;
  maxima.reserve(static_cast<std::size_t>(streams));
  std::vector<double> drawn_reference(static_cast<std::size_t>(r));
  std::vector<double> stream(static_cast<std::size_t>(length));
  for (std::int64_t s = 0; s < streams; ++s) {
    for (std::int64_t i = 0; i < r + length; ++i) {
      CounterRng rng(seed, RngStream::kDemo, kDriftCalibrationStep,
                     static_cast<std::uint64_t>(s * (r + length) + i));
      const double value = pool[rng.below(count)];
      if (i < r) {
        drawn_reference[static_cast<std::size_t>(i)] = value;
      } else {
        stream[static_cast<std::size_t>(i - r)] = value;
      }
    }
    const ReferenceStatistics stats = statistics_of(drawn_reference);
    // A drawn reference of equal values has no spread: that round cannot raise an alarm.
    if (stats.sd <= 0.0) {
      maxima.push_back(-std::numeric_limits<double>::infinity());
      continue;
    }
    const std::vector<double> z = window_z_scores(stream, stats, window, direction);
    maxima.push_back(*std::max_element(z.begin(), z.end()));
  }
  std::sort(maxima.begin(), maxima.end());
  // The smallest maximum that at least (1 - rate) of the streams stay at or below.
  const auto rank =
      static_cast<std::size_t>(std::ceil((1.0 - rate) * static_cast<double>(streams)));
  return maxima[std::clamp<std::size_t>(rank, 1, maxima.size()) - 1];
}

DriftTrack monitor_drift(std::string statistic, DriftDirection direction,
                         std::span<const double> reference, std::span<const double> calibration,
                         std::span<const double> stream, std::int64_t switch_at,
                         const DriftOptions& options) {
  const auto n = static_cast<std::int64_t>(stream.size());
  TINYGPT_CHECK(switch_at >= 0 && switch_at <= n, "monitor_drift: the switch (text ", switch_at,
                ") must lie in the stream of ", n, " texts");
  DriftTrack track;
  track.statistic = std::move(statistic);
  track.direction = direction;
  track.reference = reference_statistics(reference);
  track.values.assign(stream.begin(), stream.end());
  track.window = options.window;
  track.z = window_z_scores(stream, track.reference, options.window, direction);
  track.switch_at = switch_at;
  track.calibration_mean = mean_of(calibration);
  if (options.threshold) {
    track.threshold = *options.threshold;
  } else {
    track.threshold =
        calibrate_threshold(reference, calibration, options.window, n, options.false_alarm_rate,
                            options.calibration_streams, direction, options.seed);
    track.calibrated = true;
  }
  track.trigger = first_crossing(track.z, track.threshold);
  // Window k ends at text k + W - 1: it is all old world when that is before the switch.
  track.windows_before_switch = std::clamp<std::int64_t>(switch_at - options.window + 1, 0,
                                                         static_cast<std::int64_t>(track.z.size()));
  for (std::int64_t k = 0; k < track.windows_before_switch; ++k) {
    if (track.z[static_cast<std::size_t>(k)] > track.threshold) ++track.false_alarm_windows;
  }
  if (track.trigger && switch_at < n) {
    const std::int64_t last = *track.trigger + options.window - 1;
    if (last >= switch_at) track.delay = last - switch_at + 1;
  }
  track.mean_before = mean_of(stream.subspan(0, static_cast<std::size_t>(switch_at)));
  track.mean_after = mean_of(stream.subspan(static_cast<std::size_t>(switch_at)));
  return track;
}

}  // namespace tinygpt::eval
