// Exercise 04.2: next-token targets that train on the assistant's tokens only.
// Lesson: steps/04-finetuning/README.md, "Instruction tuning".
#include "tinygpt/core/check.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::tune {

std::vector<std::int32_t> supervised_targets(std::span<const std::int32_t> ids,
                                             std::span<const std::uint8_t> trained) {
  TINYGPT_CHECK(ids.size() == trained.size(), "supervised_targets: ", ids.size(), " ids and ",
                trained.size(), " flags");
  std::vector<std::int32_t> targets(ids.size(), -1);
  // Position t predicts token t + 1: it is trained exactly when that token is.
  for (std::size_t t = 0; t + 1 < ids.size(); ++t) {
    if (trained[t + 1] != 0) targets[t] = ids[t + 1];
  }
  return targets;
}

}  // namespace tinygpt::tune
