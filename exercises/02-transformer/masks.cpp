// Exercise 02.5: the causal and key-padding masks of attention.
// Lesson: steps/02-transformer/README.md, "Causal and padding masks".
// Check your work: tinygpt course check 02        Stuck? tinygpt course hint 02.5
#include "tinygpt/core/check.h"
#include "tinygpt/nn/attention.h"

namespace tinygpt::nn {

void apply_attention_mask(MatrixRef scores, bool causal, std::span<const std::uint8_t> key_keep) {
  // Set scores(t, s) to -infinity where query t may not see key s: when causal and
  // s > t + (S - T), and where key_keep[s] == 0 (key_keep may be empty: no padding).
  throw NotImplemented("exercise 02.5 (apply_attention_mask)");
}

}  // namespace tinygpt::nn
