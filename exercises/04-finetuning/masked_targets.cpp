// Exercise 04.2: next-token targets that train on the assistant's tokens only.
// Lesson: steps/04-finetuning/README.md, "Instruction tuning".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.2
#include "tinygpt/core/check.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::tune {

std::vector<std::int32_t> supervised_targets(std::span<const std::int32_t> ids,
                                             std::span<const std::uint8_t> trained) {
  // Position t predicts token t + 1; -1 is the ignore index.
  throw NotImplemented("exercise 04.2 (supervised_targets)");
}

}  // namespace tinygpt::tune
