// Exercise 04.3: the log-probability of a continuation, the score of a verbalizer.
// Lesson: steps/04-finetuning/README.md, "In-context learning".
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/tune/prompting.h"

namespace tinygpt::tune {

double continuation_logprob(ConstMatrixRef logits, std::span<const std::int32_t> ids,
                            std::int64_t prompt_length) {
  const auto length = static_cast<std::int64_t>(ids.size());
  TINYGPT_CHECK(logits.rows() == length, "continuation_logprob: ", logits.rows(),
                " rows of logits for ", length, " tokens");
  TINYGPT_CHECK(prompt_length >= 1 && prompt_length < length,
                "continuation_logprob: prompt length ", prompt_length, " must be in [1, ", length,
                ")");
  double total = 0.0;
  for (std::int64_t t = prompt_length; t < length; ++t) {
    // Token t is predicted at position t - 1: log_softmax there, with the row's maximum
    // subtracted so that exp never overflows.
    const auto row = logits.row(t - 1);
    const double top = row.maxCoeff();
    const double log_sum = top + std::log((row.array() - static_cast<float>(top)).exp().sum());
    total += row(ids[t]) - log_sum;
  }
  return total;
}

}  // namespace tinygpt::tune
