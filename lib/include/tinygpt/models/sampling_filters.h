/// @file sampling_filters.h
/// @brief Top-k and top-p (nucleus) filtering of a model's scores before sampling, and
/// sample_next, the one call `tinygpt generate` makes per token.
///
/// Sampling from the whole softmax sometimes picks one of the thousands of unlikely tokens
/// in the tail, and one bad token can derail the rest of the text. The filters cut the tail
/// first: top-k keeps the k best tokens, top-p the fewest best tokens that together hold
/// probability p (Holtzman, Buys, Du, Forbes, Choi: "The curious case of neural text
/// degeneration", 2019). A removed token gets the logit -infinity, i.e. probability 0, and
/// the softmax renormalises the rest.
///
/// Shape legend: V = vocabulary size.
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/rng.h"

namespace tinygpt::models {

/// @brief Keeps the k largest logits and sets every other one to -infinity.
///
/// Ties at the boundary are all kept: every logit >= the k-th largest survives, so more
/// than k tokens remain when several equal the k-th. The result therefore does not depend
/// on the order of the tokens. k <= 0 or k >= V leaves the logits unchanged.
/// @param logits (V) scores, each finite or -infinity (already removed); changed in place.
/// @param k how many tokens to keep; <= 0 means no filtering.
void apply_top_k(std::span<float> logits, int k);

/// @brief Nucleus filtering: keeps the most probable tokens whose probabilities, under
/// softmax(logits / temperature), add up to at least p, and sets every other one to
/// -infinity.
///
/// Tokens are taken from the most probable down until their total reaches p; tokens as
/// probable as the last one taken are kept too (so the result does not depend on the order
/// of the tokens). p = 1 leaves the logits unchanged. Temperature 0 (greedy) keeps only the
/// largest logit (the first one on ties), the token greedy decoding picks.
/// @param logits (V) scores, each finite or -infinity, at least one finite; changed in place.
/// @param p the probability mass to keep, in (0, 1].
/// @param temperature 0 (greedy) or positive: the temperature the caller samples with.
void apply_top_p(std::span<float> logits, float p, float temperature);

/// @brief Min-p filtering: keeps the tokens at least min_p times as probable as the most
/// probable one, under softmax(logits / temperature), and sets every other one to -infinity
/// (Nguyen et al. 2024, "Turning up the heat: min-p sampling"). The cut scales with the
/// model's confidence: a sure model keeps few tokens, an unsure one many.
///
/// In logits: keep l_i >= l_max + temperature * ln(min_p). min_p = 0 or temperature 0
/// leaves the logits unchanged (greedy picks the best token anyway).
/// @param logits (V) scores, each finite or -infinity, at least one finite; changed in place.
/// @param min_p the fraction of the best token's probability to keep, in [0, 1].
/// @param temperature 0 (greedy) or positive.
void apply_min_p(std::span<float> logits, float min_p, float temperature);

/// @brief How to choose the next token.
struct SamplingOptions {
  float temperature = 1.0f;  ///< 0 (greedy) or positive; below 1 sharpens, above 1 flattens
  int top_k = 0;             ///< keep the k best tokens; 0 keeps all
  float top_p = 1.0f;        ///< keep the nucleus of mass top_p, in (0, 1]; 1 keeps all
  float min_p = 0.0f;        ///< keep tokens >= min_p x the best one's probability; 0 keeps all
};

/// @brief Refuses sampling options no draw can use (Error naming the value): a negative or
/// non-finite temperature, a negative top_k, top_p outside (0, 1], min_p outside [0, 1].
/// @param options the options.
/// @param what the caller, for the message.
void check_sampling(const SamplingOptions& options, const char* what);

/// @brief Draws the next token: checks the arguments, copies the logits, applies top-k,
/// then top-p (on the probabilities that remain after top-k), then min-p, then samples with the
/// temperature from one uniform number of `rng` (exactly one, also when greedy, so a
/// sequence's draws do not depend on the options).
///
/// Throws Error naming the bad value for: no logits, a non-finite logit, a negative or
/// non-finite temperature, a negative top_k, top_p outside (0, 1].
/// @param logits (V) scores of the V tokens, finite, V >= 1; not modified.
/// @param options temperature, top_k and top_p.
/// @param rng the generator of this sequence.
/// @return a token id in [0, V) that survived both filters.
std::int32_t sample_next(std::span<const float> logits, const SamplingOptions& options,
                         CounterRng& rng);

}  // namespace tinygpt::models
