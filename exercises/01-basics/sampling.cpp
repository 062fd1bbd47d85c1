// Exercise 01.8: sampling a token with a temperature.
// Lesson: steps/01-basics/README.md, "Sampling: from scores to text".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.8
#include "tinygpt/models/sampling.h"
#include "tinygpt/core/check.h"

namespace tinygpt::models {

std::int32_t sample_from_logits(std::span<const float> logits, float temperature, float u) {
  // Temperature 0: return the index of the largest logit. Otherwise compute
  // p = softmax(logits / temperature) and return the first i where p_0 + ... + p_i > u.
  throw NotImplemented("exercise 01.8 (sample_from_logits)");
}

}  // namespace tinygpt::models
