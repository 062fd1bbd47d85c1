// Exercise 05.3 (reference): advantages and returns of one answer by GAE.
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

void gae(std::span<const float> rewards, std::span<const float> values, float gamma, float lambda,
         std::span<float> advantages, std::span<float> returns) {
  const std::size_t n = rewards.size();
  TINYGPT_CHECK(values.size() == n && advantages.size() == n && returns.size() == n, "gae: ", n,
                " rewards, ", values.size(), " values, ", advantages.size(), " advantages and ",
                returns.size(), " returns: all must be equal");
  // Backwards from the last token: the answer ends after it, so V_{n+1} = A_{n+1} = 0.
  double next_value = 0.0;
  double next_advantage = 0.0;
  for (std::size_t t = n; t-- > 0;) {
    const double delta = rewards[t] + gamma * next_value - values[t];
    const double advantage = delta + static_cast<double>(gamma) * lambda * next_advantage;
    advantages[t] = static_cast<float>(advantage);
    returns[t] = static_cast<float>(advantage + values[t]);
    next_value = values[t];
    next_advantage = advantage;
  }
}

}  // namespace tinygpt::align
