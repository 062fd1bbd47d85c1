// Exercise 05.4: PPO's clipped surrogate objective and clipped value loss, with their
// gradients.
// Lesson: steps/05-alignment/README.md, "RLHF with PPO".
// Check your work: tinygpt course check 05        Stuck? tinygpt course hint 05.4
#include <algorithm>
#include <cmath>

#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

float ppo_policy_forward(std::span<const float> logprobs, std::span<const float> old_logprobs,
                         std::span<const float> advantages, float clip) {
  // -(1/M) sum_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t), rho_t = exp(new - old).
  throw NotImplemented("exercise 05.4 (ppo_policy_forward)");
}

void ppo_policy_backward(std::span<float> dlogprobs, std::span<const float> logprobs,
                         std::span<const float> old_logprobs, std::span<const float> advantages,
                         float clip, float dloss) {
  // Accumulate (+=) the gradient with respect to the log-probabilities, times dloss.
  throw NotImplemented("exercise 05.4 (ppo_policy_backward)");
}

float ppo_value_forward(std::span<const float> values, std::span<const float> old_values,
                        std::span<const float> returns, float clip) {
  // (1/2)(1/M) sum_t max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2).
  throw NotImplemented("exercise 05.4 (ppo_value_forward)");
}

void ppo_value_backward(std::span<float> dvalues, std::span<const float> values,
                        std::span<const float> old_values, std::span<const float> returns,
                        float clip, float dloss) {
  // Accumulate (+=) the gradient with respect to the values, times dloss.
  throw NotImplemented("exercise 05.4 (ppo_value_backward)");
}

}  // namespace tinygpt::align
