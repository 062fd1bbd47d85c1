// Exercise 05.1 (reference): the Bradley-Terry loss of preference pairs and its gradient.
#include <cmath>

#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

namespace {
// -log sigma(x) = softplus(-x) = max(-x, 0) + log(1 + e^-|x|): exp never overflows.
double negative_log_sigmoid(double x) {
  return std::max(-x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}
}  // namespace

float bradley_terry_forward(std::span<const float> chosen, std::span<const float> rejected) {
  TINYGPT_CHECK(!chosen.empty() && chosen.size() == rejected.size(),
                "bradley_terry_forward: ", chosen.size(), " chosen and ", rejected.size(),
                " rejected scores");
  double total = 0.0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    total += negative_log_sigmoid(static_cast<double>(chosen[i]) - rejected[i]);
  }
  return static_cast<float>(total / static_cast<double>(chosen.size()));
}

void bradley_terry_backward(std::span<float> dchosen, std::span<float> drejected,
                            std::span<const float> chosen, std::span<const float> rejected,
                            float dloss) {
  const double scale = dloss / static_cast<double>(chosen.size());
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    // d/dx of -log sigma(x) is -sigma(-x), with x = chosen - rejected.
    const double x = static_cast<double>(chosen[i]) - rejected[i];
    const double sigma_minus_x = 1.0 / (1.0 + std::exp(x));
    if (!dchosen.empty()) dchosen[i] += static_cast<float>(-sigma_minus_x * scale);
    if (!drejected.empty()) drejected[i] += static_cast<float>(sigma_minus_x * scale);
  }
}

}  // namespace tinygpt::align
