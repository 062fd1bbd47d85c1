/// @file engine.h
/// @brief Continuous batching: many generations at once in a fixed KV memory, one batched
/// decode pass per step for every active sequence, requests joining and leaving between
/// steps.
///
/// The engine holds a KvCache of `slots` sequences. A submitted request waits in a queue
/// until a slot is free; step() then admits it (its prompt's prefill pass, which also
/// chooses its first token) and afterwards decodes one token for every active sequence in
/// one forward pass of B rows. A sequence leaves between steps when it finishes (its stop
/// token or stop string, its max_new_tokens) or is cancelled, and its slot goes to the
/// next request in the queue. Each request chooses its tokens as infer::generate() would:
/// its own sampling options, seed and penalties.
///
/// **A full context.** A GPT with learned positions has no position P for another token:
/// its sequence ends with FinishReason::kLength. A model without learned positions
/// (sinusoidal) slides on instead: its cache restarts from the last P/2 tokens, read again
/// in one prefill at positions 0 .. P/2 - 1, so each later token sees between P/2 and P
/// tokens of context at the price of one prefill every P/2 tokens.
///
/// submit() and cancel() may be called from any thread; step() and run_until_idle() from
/// one thread at a time (the engine's loop), which also runs the callbacks. A forward pass
/// that fails (an Error, a learner's unfinished exercise) ends the requests it was for
/// with FinishReason::kError and frees their slots; the engine goes on with the others.
///
/// **Batch invariance.** By default every matrix product with a weight runs on the packed
/// weights' kernel (serving_weights.h), which computes each row alone in a fixed order, and
/// attention and LayerNorm work row by row anyway: a sequence's logits are then the same
/// bits whatever else is in the batch and wherever it sits, so a request with a seed gives
/// the same text alone or among fifteen others. `batch_invariant = false` (float32 only)
/// uses the BLAS products instead, whose results can differ in the last bits with the
/// batch; the lesson measures what each costs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tinygpt/infer/generate.h"
#include "tinygpt/infer/kv_cache.h"
#include "tinygpt/infer/penalties.h"
#include "tinygpt/infer/serving_weights.h"
#include "tinygpt/infer/text_stream.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"

namespace tinygpt::infer {

/// @brief A token and its log-probability.
struct TokenLogprob {
  std::int32_t token = 0;  ///< the id
  float logprob = 0.0f;    ///< ln p(token): log-softmax of the logits after the penalties
};

/// @brief One token of a request, or its end.
struct TokenEvent {
  std::int64_t request = 0;            ///< the request's id (from submit())
  std::int64_t slot = -1;              ///< its KV-cache slot; -1 when it never had one
  std::optional<std::int32_t> token;   ///< the new token; empty on a cancelled request's end
  std::string text;                    ///< the text to show now (with a tokenizer; see TextStream)
  std::optional<FinishReason> finish;  ///< set on the request's last event
  std::string error;                   ///< with FinishReason::kError: what failed
  float logprob = 0.0f;                ///< the token's, when the request asked for logprobs
  std::vector<TokenLogprob> top;       ///< the most likely tokens, best first (Request::logprobs)
};

/// @brief A generation to run.
struct Request {
  std::vector<std::int32_t> prompt;  ///< at least one token, at most the model's context
  models::GenerateOptions options;   ///< length, sampling, seed, stop token (not on_token)
  Penalties penalties;               ///< repetition, frequency and presence penalties
  /// More stop tokens besides options.stop_token: producing one ends the request (kStop).
  std::vector<std::int32_t> stop_tokens;
  /// Stop strings, matched on the decoded text and never shown (the engine needs a tokenizer).
  std::vector<std::string> stop_strings;
  /// -1: no log-probabilities; n in [0, 20]: each event has the token's log-probability and
  /// the n most likely tokens with theirs.
  int logprobs = -1;
  std::function<void(const TokenEvent&)> on_event;  ///< every token and the end (engine thread)
};

/// @brief How an engine runs.
struct EngineOptions {
  std::int64_t slots = 16;                        ///< sequences that decode at once, at least 1
  WeightFormat weights = WeightFormat::kFloat32;  ///< how the weights are stored
  /// Batch-invariant products (see the file). false: BLAS on the float32 parameters.
  bool batch_invariant = true;
  /// Decodes text deltas and stop strings; nullptr: events carry tokens only.
  const text::Tokenizer* tokenizer = nullptr;
  /// A PEFT adapter every pass runs through (e.g. tune::Lora, tune::SoftPrompt); nullptr:
  /// the model alone. Its virtual tokens take room in each slot's context.
  models::Adapter* adapter = nullptr;
  /// The products every pass uses in place of the engine's packed weights, for a model whose
  /// float32 weights are gone (tune::QuantizedBase: a QLoRA base in NF4); `weights` and
  /// `batch_invariant` are then ignored and batch invariance is the products' own (NF4's
  /// tile products are BLAS products: not guaranteed). nullptr: the engine's own.
  models::MatrixProducts* products = nullptr;
};

/// @brief Continuous batching over a KV cache of fixed size.
class Engine {
 public:
  /// @param model the GPT; it must outlive the engine (and the tokenizer, if any).
  /// @param options slots, weights, invariance, tokenizer; Error on int8 weights that are
  ///        not batch-invariant (their kernel always is).
  Engine(models::Gpt& model, const EngineOptions& options);

  /// @brief Queues a request (any thread). Error, at once, naming the value, for a request
  /// that can never run: an empty prompt, an id outside the vocabulary, a prompt longer than
  /// the context, bad sampling options or penalties, stop strings without a tokenizer,
  /// logprobs outside [-1, 20].
  /// @param request the request.
  /// @return its id, counting from 0.
  std::int64_t submit(Request request);
  /// @brief Cancels a request (any thread): it leaves at the next step with
  /// FinishReason::kCancelled; unknown or finished ids are ignored.
  /// @param request the id.
  void cancel(std::int64_t request);

  /// @brief One step: cancellations, admissions (prefills) into free slots, then one
  /// decode pass over every active sequence.
  /// @return whether anything is still queued or active.
  bool step();
  /// @brief Steps until no request is queued or active.
  void run_until_idle();

  /// @return requests waiting for a slot.
  std::size_t queue_depth() const;
  /// @return sequences in slots.
  std::size_t active() const { return sequences_.size(); }
  /// @return the positions the active sequences hold in the KV cache (engine thread).
  std::int64_t cached_tokens() const;
  /// @return the KV cache's positions in all: slots x the context.
  std::int64_t cache_capacity() const { return cache_.slots() * cache_.capacity(); }
  /// @return the packed weights' bytes (0 with batch_invariant = false or given products).
  std::int64_t weight_bytes() const { return weights_ ? weights_->bytes() : 0; }

 private:
  struct Sequence {
    std::int64_t id = 0;
    std::int64_t slot = -1;  // -1 while queued
    Request request;
    std::vector<std::int32_t> history;  // prompt and generated tokens (for the penalties)
    std::int64_t generated = 0;
    std::optional<TextStream> text;  // with a tokenizer
  };

  // The forward pass options: the cache, and the packed weights unless BLAS products.
  models::RunOptions run_options();
  // The adapter's virtual tokens (a soft prompt's, a prefix's), which each prefill reads
  // ahead of the prompt into the slot; 0 without.
  std::int64_t virtual_tokens() const;
  // Reads `tokens` into the sequence's empty slot in one pass and emits the token after
  // them; returns whether the sequence goes on (a failed pass ends it with kError).
  bool prefill(Sequence& sequence, std::span<const std::int32_t> tokens);
  // Chooses a sequence's next token from its logits row and reports it; returns whether
  // the sequence goes on.
  bool emit(Sequence& sequence, std::span<float> logits);
  // Empties a slot's cache and gives it back to the free list.
  void free_slot(std::int64_t slot);
  // Reports a request's end without a new token (cancelled, failed, nothing to generate).
  void finish(Sequence& sequence, FinishReason reason, const std::string& error = {});

  models::Gpt& model_;
  const text::Tokenizer* tokenizer_;
  std::optional<ServingWeights> weights_;       // the packed weights, unless BLAS products
  models::Adapter* adapter_ = nullptr;          // EngineOptions::adapter
  models::MatrixProducts* products_ = nullptr;  // EngineOptions::products
  KvCache cache_;
  Tape tape_;
  std::vector<Sequence> sequences_;       // active, in slots (engine thread only)
  std::vector<std::int64_t> free_slots_;  // engine thread only
  mutable std::mutex mutex_;              // guards the three below
  std::deque<Sequence> queue_;            // submitted, waiting for a slot
  std::vector<std::int64_t> cancelled_;   // ids to cancel at the next step
  std::int64_t next_id_ = 0;
};

}  // namespace tinygpt::infer
