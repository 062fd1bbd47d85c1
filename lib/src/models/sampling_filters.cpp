// Top-k and top-p filtering of logits, and sample_next. Both filters keep every token at or
// above a threshold (the k-th largest logit, or the probability of the last token the
// nucleus needs), so ties are treated alike and the order of the vocabulary never matters.
#include "tinygpt/models/sampling_filters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/models/sampling.h"

namespace tinygpt::models {
namespace {

constexpr float kRemoved = -std::numeric_limits<float>::infinity();

// Filters accept finite logits and -infinity (a token an earlier filter removed).
void check_filter_input(std::span<const float> logits, const char* what) {
  bool any_finite = false;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    TINYGPT_CHECK(std::isfinite(logits[i]) || logits[i] == kRemoved, what, ": logit ", i, " is ",
                  logits[i], "; logits must be finite or -inf");
    any_finite = any_finite || std::isfinite(logits[i]);
  }
  TINYGPT_CHECK(logits.empty() || any_finite, what, ": all ", logits.size(),
                " logits are -inf, so no token is left to keep");
}

}  // namespace

void apply_top_k(std::span<float> logits, int k) {
  check_filter_input(logits, "apply_top_k");
  if (k <= 0 || static_cast<std::size_t>(k) >= logits.size()) return;
  // The k-th largest value: nth_element puts it at position k - 1 of a descending copy.
  std::vector<float> sorted(logits.begin(), logits.end());
  std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<>());
  const float threshold = sorted[static_cast<std::size_t>(k - 1)];
  for (float& logit : logits) {
    if (logit < threshold) logit = kRemoved;
  }
}

void apply_top_p(std::span<float> logits, float p, float temperature) {
  check_filter_input(logits, "apply_top_p");
  TINYGPT_CHECK(p > 0.0f && p <= 1.0f, "apply_top_p: p must be in (0, 1], got ", p);
  TINYGPT_CHECK(temperature >= 0.0f && std::isfinite(temperature),
                "apply_top_p: temperature must be 0 (greedy) or positive, got ", temperature);
  if (p == 1.0f || logits.empty()) return;
  const std::size_t best = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) -
                                                    logits.begin());  // first on ties
  if (temperature == 0.0f) {
    // Greedy: all the probability sits on the first largest logit.
    for (std::size_t i = 0; i < logits.size(); ++i) {
      if (i != best) logits[i] = kRemoved;
    }
    return;
  }

  // Unnormalised probabilities w_i = exp((l_i - max) / T), most probable first (in double,
  // like sample_from_logits, so tiny ones do not vanish from the total).
  std::vector<double> weights(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    weights[i] = std::exp((static_cast<double>(logits[i]) - logits[best]) / temperature);
  }
  std::vector<double> sorted = weights;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double total = 0.0;
  for (const double w : sorted) total += w;
  // Walk down until the kept mass reaches p of the total. The sum runs in the same order as
  // `total`, so it reaches `total` exactly at the end and the loop always stops.
  const double target = static_cast<double>(p) * total;
  double kept = 0.0;
  double threshold = sorted.front();
  for (const double w : sorted) {
    kept += w;
    threshold = w;
    if (kept >= target) break;
  }
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (weights[i] < threshold) logits[i] = kRemoved;
  }
}

void apply_min_p(std::span<float> logits, float min_p, float temperature) {
  check_filter_input(logits, "apply_min_p");
  TINYGPT_CHECK(min_p >= 0.0f && min_p <= 1.0f, "apply_min_p: min_p must be in [0, 1], got ",
                min_p);
  TINYGPT_CHECK(temperature >= 0.0f && std::isfinite(temperature),
                "apply_min_p: temperature must be 0 (greedy) or positive, got ", temperature);
  if (min_p == 0.0f || temperature == 0.0f || logits.empty()) return;
  const float best = *std::max_element(logits.begin(), logits.end());
  const double threshold = best + static_cast<double>(temperature) * std::log(min_p);
  for (float& logit : logits) {
    if (logit < threshold) logit = kRemoved;
  }
}

void check_sampling(const SamplingOptions& options, const char* what) {
  TINYGPT_CHECK(options.temperature >= 0.0f && std::isfinite(options.temperature), what,
                ": temperature must be 0 (greedy) or positive, got ", options.temperature);
  TINYGPT_CHECK(options.top_k >= 0, what, ": top_k must be 0 (off) or positive, got ",
                options.top_k);
  TINYGPT_CHECK(options.top_p > 0.0f && options.top_p <= 1.0f, what,
                ": top_p must be in (0, 1] (1 is off), got ", options.top_p);
  TINYGPT_CHECK(options.min_p >= 0.0f && options.min_p <= 1.0f, what,
                ": min_p must be in [0, 1] (0 is off), got ", options.min_p);
}

std::int32_t sample_next(std::span<const float> logits, const SamplingOptions& options,
                         CounterRng& rng) {
  TINYGPT_CHECK(!logits.empty(), "sample_next: there are no logits to sample from");
  for (std::size_t i = 0; i < logits.size(); ++i) {
    TINYGPT_CHECK(std::isfinite(logits[i]), "sample_next: logit ", i, " is ", logits[i]);
  }
  check_sampling(options, "sample_next");

  std::vector<float> filtered(logits.begin(), logits.end());
  apply_top_k(filtered, options.top_k);
  apply_top_p(filtered, options.top_p, options.temperature);
  apply_min_p(filtered, options.min_p, options.temperature);
  // Removed tokens are -inf: exp(-inf) = 0 gives them no share of the cumulative sum, so
  // sample_from_logits can never stop on one (see solutions/01-basics/sampling.cpp).
  return sample_from_logits(filtered, options.temperature, rng.uniform());
}

}  // namespace tinygpt::models
