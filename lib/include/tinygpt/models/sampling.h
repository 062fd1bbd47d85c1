/// @file sampling.h
/// @brief Choosing the next token from a model's scores, with a temperature.
///
/// The body of sample_from_logits is exercise 01.8: the reference is
/// solutions/01-basics/sampling.cpp, the learner's stub exercises/01-basics/sampling.cpp.
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/rng.h"

namespace tinygpt::models {

/// @brief The token that a uniform number `u` picks from softmax(logits / temperature).
///
/// With p = softmax(logits / temperature), the result is the smallest i with
/// p_0 + ... + p_i > u (inverse-CDF sampling). Temperature 0 means greedy: the index of the
/// largest logit (the first one on ties).
/// @param logits (V) scores of the V tokens: finite, or -infinity for a token that must not
///               be chosen (the top-k and top-p filters make those); the largest is finite.
/// @param temperature 0 (greedy) or positive; below 1 sharpens, above 1 flattens.
/// @param u a uniform number in [0, 1).
/// @return a token id in [0, V).
std::int32_t sample_from_logits(std::span<const float> logits, float temperature, float u);

/// @brief Draws the next token: checks the arguments (Error naming the bad value), then
/// sample_from_logits with the generator's next uniform number.
/// @param logits (V) scores, finite, V >= 1.
/// @param temperature 0 (greedy) or positive.
/// @param rng the generator of this sequence.
/// @return a token id in [0, V).
std::int32_t sample_token(std::span<const float> logits, float temperature, CounterRng& rng);

}  // namespace tinygpt::models
