// Exercise 04.6: NF4, quantise and dequantise one block.
// Lesson: steps/04-finetuning/README.md, "QLoRA: a 4-bit base".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.6
#include "tinygpt/core/check.h"
#include "tinygpt/infer/nf4.h"

namespace tinygpt::infer {

float nf4_quantize_block(std::span<const float> block, std::span<std::uint8_t> codes) {
  // s = max |w|; code = the index of the level of kNf4Levels nearest to w / s; two codes a
  // byte, weight 2j in the high 4 bits. Return s.
  throw NotImplemented("exercise 04.6 (nf4_quantize_block)");
}

void nf4_dequantize_block(std::span<const std::uint8_t> codes, float absmax,
                          std::span<float> block) {
  // w = absmax * kNf4Levels[code], the high 4 bits of byte j being weight 2j.
  throw NotImplemented("exercise 04.6 (nf4_dequantize_block)");
}

}  // namespace tinygpt::infer
