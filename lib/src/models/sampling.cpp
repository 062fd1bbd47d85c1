// Argument checks of token sampling; the sampling itself is exercise 01.8
// (solutions/01-basics/sampling.cpp).
#include "tinygpt/models/sampling.h"

#include <cmath>

#include "tinygpt/core/check.h"

namespace tinygpt::models {

std::int32_t sample_token(std::span<const float> logits, float temperature, CounterRng& rng) {
  TINYGPT_CHECK(!logits.empty(), "sample_token: there are no logits to sample from");
  TINYGPT_CHECK(temperature >= 0.0f && std::isfinite(temperature),
                "sample_token: temperature must be 0 (greedy) or positive, got ", temperature);
  for (std::size_t i = 0; i < logits.size(); ++i) {
    TINYGPT_CHECK(std::isfinite(logits[i]), "sample_token: logit ", i, " is ", logits[i]);
  }
  return sample_from_logits(logits, temperature, rng.uniform());
}

}  // namespace tinygpt::models
