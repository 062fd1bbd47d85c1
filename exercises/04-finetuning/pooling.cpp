// Exercise 04.1: the position that stands for each sequence.
// Lesson: steps/04-finetuning/README.md, "A classification head".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.1
#include "tinygpt/core/check.h"
#include "tinygpt/tune/classifier.h"

namespace tinygpt::tune {

std::vector<std::int32_t> pooled_rows(std::span<const std::uint8_t> mask, std::int64_t batch,
                                      std::int64_t time, std::string_view pooling) {
  // One row per sequence: b * T + t, where t is 0 ("first") or the last unpadded position.
  throw NotImplemented("exercise 04.1 (pooled_rows)");
}

}  // namespace tinygpt::tune
