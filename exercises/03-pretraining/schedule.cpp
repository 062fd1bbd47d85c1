// Exercise 03.2: linear warmup, then cosine decay to a minimum.
// Lesson: steps/03-pretraining/README.md, "Learning-rate schedules".
// Check your work: tinygpt course check 03        Stuck? tinygpt course hint 03.2
#include "tinygpt/train/schedule.h"
#include "tinygpt/core/check.h"

namespace tinygpt::train {

float warmup_cosine_lr(std::int64_t step, const WarmupCosineSettings& settings) {
  // Three cases: warming up (step < W), decaying (W <= step < S), done (step >= S).
  throw NotImplemented("exercise 03.2 (warmup_cosine_lr)");
}

}  // namespace tinygpt::train
