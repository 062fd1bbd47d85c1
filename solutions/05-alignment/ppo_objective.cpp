// Exercise 05.4 (reference): PPO's clipped surrogate objective and clipped value loss, with
// their gradients.
#include <algorithm>
#include <cmath>

#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

namespace {
void check_sizes(const char* op, std::size_t m, std::size_t b, std::size_t c) {
  TINYGPT_CHECK(m > 0 && b == m && c == m, op, ": ", m, ", ", b, " and ", c,
                " values: three equal, non-empty lists");
}
}  // namespace

float ppo_policy_forward(std::span<const float> logprobs, std::span<const float> old_logprobs,
                         std::span<const float> advantages, float clip) {
  check_sizes("ppo_policy_forward", logprobs.size(), old_logprobs.size(), advantages.size());
  double total = 0.0;
  for (std::size_t t = 0; t < logprobs.size(); ++t) {
    const double ratio = std::exp(static_cast<double>(logprobs[t]) - old_logprobs[t]);
    const double clipped = std::clamp(ratio, 1.0 - clip, 1.0 + clip);
    total += std::min(ratio * advantages[t], clipped * advantages[t]);
  }
  return static_cast<float>(-total / static_cast<double>(logprobs.size()));
}

void ppo_policy_backward(std::span<float> dlogprobs, std::span<const float> logprobs,
                         std::span<const float> old_logprobs, std::span<const float> advantages,
                         float clip, float dloss) {
  const double scale = dloss / static_cast<double>(logprobs.size());
  for (std::size_t t = 0; t < logprobs.size(); ++t) {
    const double ratio = std::exp(static_cast<double>(logprobs[t]) - old_logprobs[t]);
    const double clipped = std::clamp(ratio, 1.0 - clip, 1.0 + clip);
    // Where the clipped term is the smaller, it is a constant: no gradient. Inside the
    // range the two are equal and both have the unclipped term's gradient.
    if (ratio * advantages[t] <= clipped * advantages[t]) {
      dlogprobs[t] += static_cast<float>(-scale * ratio * advantages[t]);  // d rho / d log pi = rho
    }
  }
}

float ppo_value_forward(std::span<const float> values, std::span<const float> old_values,
                        std::span<const float> returns, float clip) {
  check_sizes("ppo_value_forward", values.size(), old_values.size(), returns.size());
  double total = 0.0;
  for (std::size_t t = 0; t < values.size(); ++t) {
    const double value = values[t];
    const double clipped =
        old_values[t] +
        std::clamp(value - old_values[t], -static_cast<double>(clip), static_cast<double>(clip));
    total += std::max((value - returns[t]) * (value - returns[t]),
                      (clipped - returns[t]) * (clipped - returns[t]));
  }
  return static_cast<float>(0.5 * total / static_cast<double>(values.size()));
}

void ppo_value_backward(std::span<float> dvalues, std::span<const float> values,
                        std::span<const float> old_values, std::span<const float> returns,
                        float clip, float dloss) {
  const double scale = dloss / static_cast<double>(values.size());
  for (std::size_t t = 0; t < values.size(); ++t) {
    const double value = values[t];
    const double step = value - old_values[t];
    const double clipped =
        old_values[t] + std::clamp(step, -static_cast<double>(clip), static_cast<double>(clip));
    const double unclipped_error = value - returns[t];
    const double clipped_error = clipped - returns[t];
    if (unclipped_error * unclipped_error >= clipped_error * clipped_error) {
      dvalues[t] += static_cast<float>(scale * unclipped_error);
    } else if (std::abs(step) < clip) {
      dvalues[t] += static_cast<float>(scale * clipped_error);  // V_clip = V here
    }
  }
}

}  // namespace tinygpt::align
