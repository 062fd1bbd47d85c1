/// @file penalties.h
/// @brief Repetition, frequency and presence penalties: logits of tokens that already
/// occurred are lowered before a token is chosen, so the text repeats itself less.
///
/// For a token id i that occurs c_i > 0 times in the history:
///   - repetition (Keskar et al. 2019, CTRL; Hugging Face's repetition_penalty), r >= 1:
///     the logit is divided by r when positive and multiplied by r when negative (both
///     make the token less likely);
///   - frequency (OpenAI's frequency_penalty): logit -= f * c_i, more for every repeat;
///   - presence (OpenAI's presence_penalty): logit -= p, once, for having occurred at all.
/// Tokens that never occurred keep their logits. The body is exercise 07.1
/// (solutions/07-deployment/penalties.cpp; stub in exercises/07-deployment/).
#pragma once

#include <cstdint>
#include <span>

namespace tinygpt::infer {

/// @brief How strongly repeats are penalised; the defaults change nothing.
struct Penalties {
  float repetition = 1.0f;  ///< r, at least 1 (1: none)
  float frequency = 0.0f;   ///< f, per occurrence (OpenAI allows -2 to 2)
  float presence = 0.0f;    ///< p, once per token that occurred (OpenAI allows -2 to 2)

  /// @return whether any penalty is set.
  bool any() const { return repetition != 1.0f || frequency != 0.0f || presence != 0.0f; }
};

/// @brief Lowers the logits of the tokens in `history` (exercise 07.1), as the file says.
///
/// Throws Error when r < 1 or an id of the history is outside the logits.
/// @param logits (V) the next position's logits, changed in place.
/// @param history the tokens so far (the prompt and what was generated), in any order.
/// @param penalties r, f and p.
void apply_penalties(std::span<float> logits, std::span<const std::int32_t> history,
                     const Penalties& penalties);

}  // namespace tinygpt::infer
