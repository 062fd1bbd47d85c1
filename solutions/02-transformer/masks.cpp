// Exercise 02.5, reference solution: the causal and key-padding masks of attention.
#include "tinygpt/nn/attention.h"

#include <algorithm>
#include <limits>

namespace tinygpt::nn {

void apply_attention_mask(MatrixRef scores, bool causal, std::span<const std::uint8_t> key_keep) {
  // scores[t, s] = -inf where s > t + (S - T) (causal) or key s is padding
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  const Eigen::Index time = scores.rows();
  const Eigen::Index keys = scores.cols();
  if (causal) {
    // With a cache, the T queries are the last T of S positions: query t sits at S - T + t
    // and may see every key up to that position.
    for (Eigen::Index t = 0; t < time; ++t) {
      const Eigen::Index visible = std::clamp<Eigen::Index>(t + (keys - time) + 1, 0, keys);
      scores.row(t).tail(keys - visible).setConstant(kMasked);
    }
  }
  for (std::size_t s = 0; s < key_keep.size(); ++s) {
    if (key_keep[s] == 0) scores.col(static_cast<Eigen::Index>(s)).setConstant(kMasked);
  }
}

}  // namespace tinygpt::nn
