// Exercise 04.6: NF4, quantise and dequantise one block.
// Lesson: steps/04-finetuning/README.md, "QLoRA: a 4-bit base".
#include <algorithm>
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/nf4.h"

namespace tinygpt::infer {

namespace {

// The code of the level nearest to x in [-1, 1]. The levels are sorted, so x belongs to
// level i when it lies between the midpoints (levels[i-1] + levels[i]) / 2 and
// (levels[i] + levels[i+1]) / 2: walk up while x is past the next midpoint (ties stay low).
std::uint8_t nf4_nearest(float x) {
  std::uint8_t code = 0;
  while (code < 15 && x > 0.5f * (kNf4Levels[code] + kNf4Levels[code + 1])) ++code;
  return code;
}

}  // namespace

float nf4_quantize_block(std::span<const float> block, std::span<std::uint8_t> codes) {
  TINYGPT_CHECK(block.size() == 2 * codes.size(), "nf4_quantize_block: ", block.size(),
                " weights for ", codes.size(), " bytes of codes (two codes a byte)");
  // s = max |w|, so that w / s lies in [-1, 1], the range of the levels; the largest weight
  // is then restored exactly (level -1 or 1), whatever its size.
  float absmax = 0.0f;
  for (const float w : block) absmax = std::max(absmax, std::abs(w));
  // An all-zero block: s = 0 and every weight the level 0 (code 7), never 0 / 0.
  const auto code = [absmax](float w) { return nf4_nearest(absmax == 0.0f ? 0.0f : w / absmax); };
  for (std::size_t j = 0; j < codes.size(); ++j) {
    // Weight 2j in the high 4 bits, weight 2j + 1 in the low 4 bits.
    codes[j] = static_cast<std::uint8_t>(code(block[2 * j]) << 4 | code(block[2 * j + 1]));
  }
  return absmax;
}

void nf4_dequantize_block(std::span<const std::uint8_t> codes, float absmax,
                          std::span<float> block) {
  TINYGPT_CHECK(block.size() == 2 * codes.size(), "nf4_dequantize_block: ", codes.size(),
                " bytes of codes for ", block.size(), " weights (two codes a byte)");
  // w ~ s * level[code]: the high 4 bits first, as nf4_quantize_block packed them.
  for (std::size_t j = 0; j < codes.size(); ++j) {
    block[2 * j] = absmax * kNf4Levels[codes[j] >> 4];
    block[2 * j + 1] = absmax * kNf4Levels[codes[j] & 0x0f];
  }
}

}  // namespace tinygpt::infer
