// Exercise 05.3: advantages and returns of one answer by GAE.
// Lesson: steps/05-alignment/README.md, "RLHF with PPO".
// Check your work: tinygpt course check 05        Stuck? tinygpt course hint 05.3
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

void gae(std::span<const float> rewards, std::span<const float> values, float gamma, float lambda,
         std::span<float> advantages, std::span<float> returns) {
  // delta_t = r_t + gamma V_{t+1} - V_t; A_t = delta_t + gamma lambda A_{t+1}; R_t = A_t + V_t,
  // with V and A zero after the last token.
  throw NotImplemented("exercise 05.3 (gae)");
}

}  // namespace tinygpt::align
