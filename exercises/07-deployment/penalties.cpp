// Exercise 07.1: repetition, frequency and presence penalties.
// Lesson: steps/07-deployment/README.md, "Repeating less: penalties".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.1
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/penalties.h"

namespace tinygpt::infer {

void apply_penalties(std::span<float> logits, std::span<const std::int32_t> history,
                     const Penalties& penalties) {
  // Count how often each id occurs in the history, then change only the logits of the ids
  // that occurred: repetition first (divide or multiply), then frequency and presence.
  throw NotImplemented("exercise 07.1 (apply_penalties)");
}

}  // namespace tinygpt::infer
