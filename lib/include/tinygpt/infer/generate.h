/// @file generate.h
/// @brief Generation with a KV cache (kv_cache.h): one prefill pass over the prompt, then
/// one decode pass of a single token per new token.
///
/// The same choices as models::generate() (the same options, the same random numbers per
/// token), but the cost of a new token no longer grows with the context: the uncached loop
/// runs the model on up to P tokens for every new one, this one on one token.
///
/// The context is a hard limit here: a GPT with learned positions has no position P, so a
/// sequence that fills its context stops with FinishReason::kLength (the uncached loop
/// slides a window instead, re-reading the last P tokens at every step).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tinygpt/infer/penalties.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"

namespace tinygpt::infer {

/// @brief Why generation stopped.
enum class FinishReason {
  kStop,       ///< the stop token was produced
  kLength,     ///< max_new_tokens were produced, or the context is full
  kCancelled,  ///< the on_token callback returned false (the engine: cancel())
  kError,      ///< the engine: the request's forward pass failed (TokenEvent::error says why)
};

/// @param reason a reason.
/// @return "stop", "length", "cancelled" or "error" (OpenAI's API uses the first two).
const char* finish_reason_name(FinishReason reason);

/// @brief What a generation produced.
struct Generation {
  std::vector<std::int32_t> tokens;             ///< the new tokens (the stop token included)
  FinishReason finish = FinishReason::kLength;  ///< why it stopped
};

/// @brief Continues a prompt with a KV cache.
///
/// Throws Error on what models::check_generate() refuses, and when the prompt alone is
/// longer than the model's context.
/// @param model the GPT.
/// @param prompt the prompt's token ids.
/// @param options sampling and stopping, as for models::generate().
/// @param penalties repetition, frequency and presence penalties over the prompt and the
///        tokens generated so far, applied to the logits before each choice (none by default).
/// @return the new tokens and why generation stopped.
Generation generate(models::Gpt& model, std::span<const std::int32_t> prompt,
                    const models::GenerateOptions& options, const Penalties& penalties = {});

}  // namespace tinygpt::infer
