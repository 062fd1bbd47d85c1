// Exercise 07.1, reference solution: repetition, frequency and presence penalties.
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/penalties.h"

namespace tinygpt::infer {

void apply_penalties(std::span<float> logits, std::span<const std::int32_t> history,
                     const Penalties& penalties) {
  TINYGPT_CHECK(penalties.repetition >= 1.0f, "apply_penalties: the repetition penalty is ",
                penalties.repetition, "; it must be at least 1 (1: none)");
  // Count each token once, however long the history: c_i for every id.
  std::vector<std::int32_t> counts(logits.size(), 0);
  for (const std::int32_t id : history) {
    TINYGPT_CHECK(id >= 0 && static_cast<std::size_t>(id) < logits.size(), "apply_penalties: id ",
                  id, " of the history is outside the ", logits.size(), " logits");
    ++counts[static_cast<std::size_t>(id)];
  }
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (counts[i] == 0) continue;
    float& logit = logits[i];
    // Dividing a positive logit and multiplying a negative one both push it down.
    logit = logit > 0.0f ? logit / penalties.repetition : logit * penalties.repetition;
    logit -= penalties.frequency * static_cast<float>(counts[i]) + penalties.presence;
  }
}

}  // namespace tinygpt::infer
