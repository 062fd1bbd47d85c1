// Exercise 04.3: the log-probability of a continuation, the score of a verbalizer.
// Lesson: steps/04-finetuning/README.md, "In-context learning".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.3
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/tune/prompting.h"

namespace tinygpt::tune {

double continuation_logprob(ConstMatrixRef logits, std::span<const std::int32_t> ids,
                            std::int64_t prompt_length) {
  // Token t is predicted by the logits at position t - 1.
  throw NotImplemented("exercise 04.3 (continuation_logprob)");
}

}  // namespace tinygpt::tune
