// Exercise 01.8, reference solution: sampling a token with a temperature.
#include <cmath>

#include "tinygpt/models/sampling.h"

namespace tinygpt::models {

std::int32_t sample_from_logits(std::span<const float> logits, float temperature, float u) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  if (temperature == 0.0f) return static_cast<std::int32_t>(best);

  // p_i = exp((l_i - max) / T) / Z. Subtracting the maximum keeps exp() <= 1; summing in
  // double keeps a 50,000-token vocabulary's small probabilities from vanishing.
  double total = 0.0;
  for (const float logit : logits) total += std::exp((logit - logits[best]) / temperature);
  // Walk the cumulative distribution until it passes u * Z.
  const double target = static_cast<double>(u) * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    cumulative += std::exp((logits[i] - logits[best]) / temperature);
    if (cumulative > target) return static_cast<std::int32_t>(i);
  }
  return static_cast<std::int32_t>(logits.size() - 1);  // u * Z rounded up to Z
}

}  // namespace tinygpt::models
