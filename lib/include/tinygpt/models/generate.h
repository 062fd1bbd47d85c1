/// @file generate.h
/// @brief Text generation with a GPT: one token at a time, each sampled from the model's
/// scores for the next position (greedy, temperature, top-k, top-p).
///
/// Each step runs the model on the last context_length tokens and samples from the last
/// position's logits: simple, and the reference for infer::generate(), which keeps a KV
/// cache instead of reading the whole context again for every token. Token i's random number comes
/// from CounterRng(seed, kSampling, i, 0), so a seed gives the same text every time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "tinygpt/models/gpt.h"
#include "tinygpt/models/sampling_filters.h"

namespace tinygpt::models {

/// @brief How generate() chooses and stops.
struct GenerateOptions {
  std::int64_t max_new_tokens = 50;        ///< the length limit
  SamplingOptions sampling;                ///< temperature (0 = greedy), top-k, top-p
  std::uint64_t seed = 0;                  ///< the sampling seed
  std::optional<std::int32_t> stop_token;  ///< end-of-text: stop after producing it
  /// Only ids below this are chosen (0: every id). A tokenizer trained on little text can
  /// have fewer tokens than the model's vocabulary; ids it cannot decode are never sampled.
  std::int64_t usable_vocab = 0;
  /// Called with each new token as soon as it is chosen (to print text as it comes);
  /// returning false stops early.
  std::function<bool(std::int32_t)> on_token;
};

/// @brief Refuses what no generation can start from: an empty prompt, an id outside the
/// vocabulary, a negative max_new_tokens or usable_vocab, sampling options that
/// check_sampling() refuses (Error naming the value).
/// @param config the model's config.
/// @param prompt the prompt's token ids.
/// @param options sampling and stopping.
void check_generate(const ModelConfig& config, std::span<const std::int32_t> prompt,
                    const GenerateOptions& options);

/// @brief Chooses new token `index` from the last position's logits: sample_next() with
/// CounterRng(seed, kSampling, index, 0) over the ids below usable_vocab (all when 0).
/// @param logits (V) the last position's logits (a penalty may have changed them).
/// @param options sampling.
/// @param index the new token's index (0 for the first).
/// @return the chosen id.
std::int32_t choose_token(std::span<float> logits, const GenerateOptions& options,
                          std::int64_t index);

/// @brief Continues a prompt.
///
/// Throws Error when the prompt is empty, holds an id outside the vocabulary, or
/// max_new_tokens is negative.
/// @param model the model.
/// @param prompt the prompt's token ids.
/// @param options sampling and stopping.
/// @return the new tokens (the stop token included when it was produced).
std::vector<std::int32_t> generate(Gpt& model, std::span<const std::int32_t> prompt,
                                   const GenerateOptions& options);

}  // namespace tinygpt::models
