// Exercise 05.1: the Bradley-Terry loss of preference pairs and its gradient.
// Lesson: steps/05-alignment/README.md, "A reward model".
// Check your work: tinygpt course check 05        Stuck? tinygpt course hint 05.1
#include <cmath>

#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/check.h"

namespace tinygpt::align {

float bradley_terry_forward(std::span<const float> chosen, std::span<const float> rejected) {
  // The mean over pairs of -log sigma(chosen_i - rejected_i), computed so that a large
  // difference of either sign never overflows.
  throw NotImplemented("exercise 05.1 (bradley_terry_forward)");
}

void bradley_terry_backward(std::span<float> dchosen, std::span<float> drejected,
                            std::span<const float> chosen, std::span<const float> rejected,
                            float dloss) {
  // Accumulate (+=) the gradients of the mean, times dloss; skip an empty one.
  throw NotImplemented("exercise 05.1 (bradley_terry_backward)");
}

}  // namespace tinygpt::align
